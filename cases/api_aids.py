"""API: the catalogue aids a beneficiary may claim (the platform's admins and advisors)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.api import MatchListSerializer, match_response
from catalog.matching import match_aids
from catalog.models import Aid
from organizations.api import ERROR_RESPONSES, OrganizationScopedMixin, id_parameter
from organizations.models import Membership, Organization

from .catalog_profile import profile_for_beneficiary
from .models import AccessLog, Beneficiary
from .views.common import log_beneficiary_access

Role = Membership.Role


@extend_schema(tags=["personnes accompagnées"])
class BeneficiaryAidsView(OrganizationScopedMixin, generics.GenericAPIView):
    """Match the catalogue against a person's file; another platform's person answers 404."""

    allowed_kinds = (Organization.Kind.PLATFORM,)
    allowed_roles = (Role.ADMIN, Role.ADVISOR)
    queryset = Beneficiary.objects.none()
    serializer_class = MatchListSerializer
    pagination_class = None
    filter_backends: list = []

    def scope_queryset(self, membership: Membership):
        return (
            Beneficiary.objects.for_organization(membership.organization)
            .not_anonymised()
            .select_related("commune")
        )

    @extend_schema(
        summary="Aides du catalogue pour une personne",
        description="Les aides publiées que la personne peut demander aujourd'hui, d'après sa "
        "commune, son âge, sa situation, ses minima sociaux, son permis et la date de prise de "
        "poste de son accompagnement en cours ; chacune avec les critères remplis et ceux qui "
        "restent à vérifier. La lecture est inscrite au journal des consultations.",
        parameters=[id_parameter("Identifiant de la personne.")],
        responses={200: MatchListSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request, id) -> Response:
        # DRF's lookup answers 404 (in JSON) for an id that is not a UUID, as the router's do.
        person = get_object_or_404(self.get_queryset(), id=id)
        log_beneficiary_access(request._request, person, AccessLog.Kind.API)
        on = timezone.localdate()
        profile = profile_for_beneficiary(person, on=on)
        return match_response(match_aids(profile, on=on, queryset=Aid.objects.published()), on=on)
