"""API of the catalogue: public read of the published aids, and matching a profile (members).

``GET /api/v1/aids/`` and ``/api/v1/aids/{id}/`` need no login. ``POST /api/v1/aids/match/``
takes a plain profile and answers the aids it may claim; it needs a member's session or token
(the beneficiary-based match lives in cases: ``/api/v1/beneficiaries/{id}/aids/``).
"""

from __future__ import annotations

from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from organizations.api import (
    ERROR_RESPONSES,
    REFUSED_RESPONSE,
    ErrorSerializer,
    HasMembershipRole,
    error_responses,
    id_parameter,
)
from organizations.models import Territory

from . import taxonomies
from .matching import Match, Profile, match_aids
from .models import Aid, AidQuerySet, Benefit, LabourMarketStatus, LicenceStatus

# --- Serializers -----------------------------------------------------------------------------


class TerritorySerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Territory.Level.choices, read_only=True)
    code = serializers.CharField(read_only=True, help_text="Code INSEE (SIREN pour un EPCI).")
    name = serializers.CharField(read_only=True)


class AidListSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=Aid.Kind.choices, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    provider = serializers.CharField(
        source="provider_label", read_only=True, help_text="Organisme qui accorde l'aide."
    )
    thematiques = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Thématiques data·inclusion (mobilite--…).",
    )
    publics = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Publics data·inclusion."
    )
    nationwide = serializers.BooleanField(read_only=True, help_text="Aide ouverte partout.")
    coverage = TerritorySerializer(many=True, read_only=True)
    amount = serializers.CharField(source="amount_display", read_only=True)
    amount_max = serializers.DecimalField(
        max_digits=9, decimal_places=2, read_only=True, allow_null=True
    )
    valid_from = serializers.DateField(read_only=True, allow_null=True)
    valid_until = serializers.DateField(read_only=True, allow_null=True)
    last_verified_on = serializers.DateField(read_only=True, allow_null=True)
    criteria = serializers.ListField(
        child=serializers.CharField(),
        source="criteria_labels",
        read_only=True,
        help_text="Les conditions d'éligibilité, en français.",
    )


class CriteriaSerializer(serializers.Serializer):
    min_age = serializers.IntegerField(read_only=True, allow_null=True)
    max_age = serializers.IntegerField(read_only=True, allow_null=True)
    labour_market_statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=LabourMarketStatus.choices),
        read_only=True,
        help_text="Situations admises ; vide : toutes.",
    )
    required_benefits = serializers.ListField(
        child=serializers.ChoiceField(choices=Benefit.choices),
        read_only=True,
        help_text="La personne perçoit l'un de ces minima ; vide : pas de condition.",
    )
    qpv_only = serializers.BooleanField(read_only=True)
    rural_only = serializers.BooleanField(read_only=True)
    licence_statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=LicenceStatus.choices),
        read_only=True,
        help_text="Situations de permis admises ; vide : toutes.",
    )
    requires_job_or_training_start = serializers.BooleanField(read_only=True)
    max_days_before_start = serializers.IntegerField(read_only=True, allow_null=True)
    max_days_after_start = serializers.IntegerField(read_only=True, allow_null=True)
    min_distance_km = serializers.IntegerField(read_only=True, allow_null=True)


class AidDetailSerializer(AidListSerializer):
    description = serializers.CharField(read_only=True)
    eligibility = CriteriaSerializer(source="*", read_only=True)
    other_conditions = serializers.CharField(read_only=True)
    how_to_apply = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True, help_text="Lien pour faire la demande.")
    contact_email = serializers.CharField(read_only=True)
    contact_phone = serializers.CharField(read_only=True)
    source = serializers.CharField(read_only=True)
    source_url = serializers.CharField(read_only=True)


class MatchSerializer(serializers.Serializer):
    aid = AidListSerializer(read_only=True)
    met = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Critères remplis."
    )
    unknown = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Critères que le profil ne permet pas de vérifier.",
    )


class MatchListSerializer(serializers.Serializer):
    count = serializers.IntegerField(read_only=True)
    on = serializers.DateField(read_only=True, help_text="Jour de la vérification.")
    results = MatchSerializer(many=True, read_only=True)


def match_response(matches: list[Match], *, on) -> Response:
    return Response(MatchListSerializer({"count": len(matches), "on": on, "results": matches}).data)


class ProfileInputSerializer(serializers.Serializer):
    """A person's situation; a field left out is unknown, and its criteria are "to check"."""

    commune = serializers.CharField(
        max_length=5,
        required=False,
        allow_blank=True,
        help_text="Code INSEE de la commune de résidence (par exemple 59350 pour Lille).",
    )
    age = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=120)
    labour_market_status = serializers.ChoiceField(
        choices=LabourMarketStatus.choices, required=False, allow_null=True
    )
    receives_rsa = serializers.BooleanField(required=False, allow_null=True, default=None)
    receives_ass = serializers.BooleanField(required=False, allow_null=True, default=None)
    receives_aah = serializers.BooleanField(required=False, allow_null=True, default=None)
    is_qpv_resident = serializers.BooleanField(required=False, allow_null=True, default=None)
    is_rural = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Par défaut : le caractère rural de la commune.",
    )
    driving_licence = serializers.ChoiceField(
        choices=LicenceStatus.choices, required=False, allow_null=True
    )
    job_or_training_start = serializers.DateField(required=False, allow_null=True)
    distance_to_work_km = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=1000
    )
    thematique = serializers.ChoiceField(
        choices=taxonomies.thematique_choices(), required=False, allow_blank=True
    )

    def validate_commune(self, value: str) -> Territory | None:
        if not value:
            return None
        commune = Territory.objects.commune(value.strip().upper())
        if commune is None:
            raise serializers.ValidationError(
                f"Commune inconnue : « {value} ». Indiquez le code INSEE à 5 caractères."
            )
        return commune

    def profile(self) -> Profile:
        data = self.validated_data
        return Profile(
            commune=data.get("commune"),
            age=data.get("age"),
            labour_market_status=data.get("labour_market_status"),
            receives_rsa=data.get("receives_rsa"),
            receives_ass=data.get("receives_ass"),
            receives_aah=data.get("receives_aah"),
            is_qpv_resident=data.get("is_qpv_resident"),
            is_rural=data.get("is_rural"),
            driving_licence=data.get("driving_licence"),
            job_or_training_start=data.get("job_or_training_start"),
            distance_to_work_km=data.get("distance_to_work_km"),
        )


# --- Filters ---------------------------------------------------------------------------------


class AidFilter(filters.FilterSet):
    commune = filters.CharFilter(
        method="filter_commune",
        help_text="Code INSEE d'une commune : les aides qui la couvrent (directement, par son "
        "EPCI, son département, sa région, ou partout en France).",
    )
    thematique = filters.ChoiceFilter(
        choices=taxonomies.thematique_choices(),
        method="filter_thematique",
        help_text="Thématique data·inclusion, par exemple mobilite--preparer-un-permis.",
    )
    public = filters.ChoiceFilter(
        choices=taxonomies.public_choices(),
        method="filter_public",
        help_text="Public data·inclusion, par exemple jeunes.",
    )
    kind = filters.ChoiceFilter(choices=Aid.Kind.choices, help_text="Type d'aide.")

    class Meta:
        model = Aid
        fields = ["commune", "thematique", "public", "kind"]

    def filter_commune(self, queryset: AidQuerySet, name: str, value: str) -> AidQuerySet:
        commune = Territory.objects.commune(value.strip().upper())
        if commune is None:
            raise exceptions.ValidationError(
                {"commune": [f"Commune inconnue : « {value} ». Indiquez le code INSEE."]}
            )
        return queryset.covering(commune)

    def filter_thematique(self, queryset: AidQuerySet, name: str, value: str) -> AidQuerySet:
        return queryset.with_thematique(value)

    def filter_public(self, queryset: AidQuerySet, name: str, value: str) -> AidQuerySet:
        return queryset.with_public(value)


# --- Views -----------------------------------------------------------------------------------

_ID = id_parameter("Identifiant de l'aide.")


@extend_schema_view(
    list=extend_schema(
        summary="Aides à la mobilité publiées",
        description="Le catalogue public, sans authentification. `commune` (code INSEE) garde "
        "les aides qui couvrent la commune, y compris par son EPCI, son département ou sa région.",
        responses={
            200: AidListSerializer(many=True),
            400: REFUSED_RESPONSE,
            404: OpenApiResponse(ErrorSerializer, description="Page au-delà de la dernière."),
        },
        auth=[],
    ),
    retrieve=extend_schema(
        summary="Une aide publiée",
        description="Une fiche du catalogue public, avec ses critères d'éligibilité structurés.",
        parameters=[_ID],
        responses={200: AidDetailSerializer, 404: ERROR_RESPONSES[404]},
        auth=[],
    ),
)
@extend_schema(tags=["aides"])
class AidViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The published catalogue (public read) and profile matching (members)."""

    permission_classes = [permissions.AllowAny]
    queryset = Aid.objects.none()
    serializer_class = AidListSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = AidFilter
    lookup_field = "id"

    @classmethod
    def as_view(cls, *args, **kwargs):
        view = super().as_view(*args, **kwargs)
        # Public reads (and token clients) answer through DRF, not the login redirect.
        view.login_required = False
        return view

    def get_queryset(self) -> AidQuerySet:
        aids = Aid.objects.published().not_expired(timezone.localdate())
        return aids.with_list_data().order_by("name", "id")

    def get_serializer_class(self):
        return AidDetailSerializer if self.action == "retrieve" else AidListSerializer

    @extend_schema(
        summary="Aides pour un profil",
        description="Les aides publiées qu'une personne peut demander aujourd'hui, d'après sa "
        "commune et sa situation ; chacune avec les critères remplis et ceux qui restent à "
        "vérifier (information absente du profil). Rien n'est enregistré. Réservé aux membres "
        "(session ou jeton).",
        request=ProfileInputSerializer,
        responses={200: MatchListSerializer, **error_responses(400)},
    )
    @action(
        detail=False,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated, HasMembershipRole],
    )
    def match(self, request: Request) -> Response:
        data = ProfileInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        on = timezone.localdate()
        aids = Aid.objects.published()
        if thematique := data.validated_data.get("thematique"):
            aids = aids.with_thematique(thematique)
        return match_response(match_aids(data.profile(), on=on, queryset=aids), on=on)


def register(router) -> None:
    """Register this app's viewsets on the API router."""
    router.register("aids", AidViewSet, basename="aid")
