"""API endpoints of the organisations app: the current user, sites, funding agreements."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .api import (
    ERROR_RESPONSES,
    LIST_RESPONSES,
    MembershipSerializer,
    OptionalEmailField,
    OrganizationScopedMixin,
    OrganizationSummarySerializer,
    TokenClientMixin,
    id_parameter,
    resolve_api_membership,
)
from .models import FundingAgreement, Membership, Organization, Site, Territory

Role = Membership.Role
Kind = Organization.Kind

# --- /api/v1/me/ ---------------------------------------------------------------------------


class MeSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    email = serializers.EmailField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    memberships = MembershipSerializer(many=True, read_only=True)
    current_membership = MembershipSerializer(read_only=True, allow_null=True)


class MeView(TokenClientMixin, APIView):
    """The authenticated user, its memberships and the organisation in force."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={200: MeSerializer, 401: ERROR_RESPONSES[401], 404: ERROR_RESPONSES[404]},
        summary="Utilisateur connecté et organisation en cours",
        description=(
            "Votre compte, vos appartenances actives et celle qui s'applique à la requête "
            "(choisie par l'en-tête `X-Organization`). `current_membership` est vide si le "
            "compte n'appartient à aucune organisation active."
        ),
        tags=["compte"],
    )
    def get(self, request: Request) -> Response:
        current = resolve_api_membership(request)
        user = request.user
        data = {
            "id": user.pk,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "memberships": request._request.user_memberships,
            "current_membership": current,
        }
        return Response(MeSerializer(data).data)


# --- Shared small serializers --------------------------------------------------------------


class TerritorySummarySerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    level = serializers.ChoiceField(choices=Territory.Level.choices, read_only=True)


# --- /api/v1/sites/ ------------------------------------------------------------------------


class SiteSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    address = serializers.CharField(read_only=True)
    postcode = serializers.CharField(read_only=True)
    commune = TerritorySummarySerializer(read_only=True, allow_null=True)
    phone = serializers.CharField(read_only=True)
    email = OptionalEmailField(read_only=True)
    opening_hours = serializers.CharField(read_only=True)
    is_active = serializers.BooleanField(read_only=True)


class SiteFilter(filters.FilterSet):
    is_active = filters.BooleanFilter(help_text="Sites ouverts (true) ou fermés (false).")
    commune = filters.CharFilter(
        field_name="commune__code", help_text="Code INSEE de la commune du site."
    )

    class Meta:
        model = Site
        fields = ["is_active", "commune"]


@extend_schema_view(
    list=extend_schema(
        summary="Sites de la plateforme",
        description="Les sites (antennes, garages, locaux) de la plateforme en cours, pour son "
        "équipe (administration, conseil, formation).",
        responses={200: SiteSerializer(many=True), **LIST_RESPONSES},
        tags=["organisation"],
    ),
    retrieve=extend_schema(
        summary="Un site de la plateforme",
        description="Un site de la plateforme en cours ; celui d'une autre plateforme répond 404.",
        parameters=[id_parameter("Identifiant du site.")],
        responses={200: SiteSerializer, **ERROR_RESPONSES},
        tags=["organisation"],
    ),
)
class SiteViewSet(
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The sites (antennes) of the platform in force, for its staff."""

    allowed_kinds = (Kind.PLATFORM,)
    allowed_roles = (Role.ADMIN, Role.ADVISOR, Role.COACH)
    queryset = Site.objects.none()
    serializer_class = SiteSerializer
    filterset_class = SiteFilter
    ordering_fields = ["name"]

    def scope_queryset(self, membership: Membership) -> QuerySet[Site]:
        return (
            Site.objects.for_organization(membership.organization)
            .select_related("commune")
            .order_by("name", "id")
        )


# --- /api/v1/funding-agreements/ -----------------------------------------------------------


class FundingAgreementSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    programme = serializers.CharField(read_only=True)
    reference = serializers.CharField(read_only=True)
    platform = OrganizationSummarySerializer(source="organization", read_only=True)
    funder = OrganizationSummarySerializer(read_only=True)
    start_date = serializers.DateField(read_only=True)
    end_date = serializers.DateField(read_only=True)
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, allow_null=True
    )
    is_fse_plus = serializers.BooleanField(read_only=True)
    target_participants = serializers.IntegerField(read_only=True, allow_null=True)
    territories = TerritorySummarySerializer(many=True, read_only=True)


class FundingAgreementFilter(filters.FilterSet):
    is_fse_plus = filters.BooleanFilter(help_text="Conventions cofinancées par le FSE+.")
    active_on = filters.DateFilter(
        method="filter_active_on",
        help_text="Conventions en cours à cette date (AAAA-MM-JJ).",
    )
    funder = filters.UUIDFilter(field_name="funder_id", help_text="Identifiant du financeur.")
    platform = filters.UUIDFilter(
        field_name="organization_id", help_text="Identifiant de la plateforme."
    )

    class Meta:
        model = FundingAgreement
        fields = ["is_fse_plus", "active_on", "funder", "platform"]

    def filter_active_on(self, queryset, name, value):
        return queryset.active_on(value)


@extend_schema_view(
    list=extend_schema(
        summary="Conventions de financement",
        description="Pour une plateforme (administration, conseil) : les conventions qu'elle "
        "porte. Pour un financeur : celles qu'il finance. Les prescripteurs et les "
        "formateur·rices n'y ont pas accès (403).",
        responses={200: FundingAgreementSerializer(many=True), **LIST_RESPONSES},
        tags=["organisation"],
    ),
    retrieve=extend_schema(
        summary="Une convention de financement",
        description="Une convention portée ou financée par l'organisation en cours ; une "
        "autre répond 404.",
        parameters=[id_parameter("Identifiant de la convention.")],
        responses={200: FundingAgreementSerializer, **ERROR_RESPONSES},
        tags=["organisation"],
    ),
)
class FundingAgreementViewSet(
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Agreements the platform in force carries, or the funder in force finances."""

    allowed_kinds = (Kind.PLATFORM, Kind.FUNDER)
    allowed_roles = (Role.ADMIN, Role.ADVISOR, Role.FUNDER)
    queryset = FundingAgreement.objects.none()
    serializer_class = FundingAgreementSerializer
    filterset_class = FundingAgreementFilter
    ordering_fields = ["start_date", "end_date", "programme"]

    def scope_queryset(self, membership: Membership) -> QuerySet[FundingAgreement]:
        return (
            FundingAgreement.objects.visible_to(membership)
            .select_related("organization", "funder")
            .prefetch_related("territories")
            .order_by("-start_date", "programme", "id")
        )


def register(router) -> None:
    """Register this app's viewsets on the API router."""
    router.register("sites", SiteViewSet, basename="site")
    router.register("funding-agreements", FundingAgreementViewSet, basename="funding-agreement")
