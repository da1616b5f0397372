"""API: everything held about one person, as JSON (right to portability).

For the platform's admins and the advisors who hold the export right; another platform's person
answers 404. Each export is written to the person's access log and to the security log.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from cases.models import Beneficiary
from organizations.api import (
    ERROR_RESPONSES,
    HasExportRight,
    OrganizationScopedMixin,
    id_parameter,
)
from organizations.models import Membership, Organization, SecurityEvent
from organizations.security import record_security_event

from .export import person_export
from .views import log_export

Role = Membership.Role


@extend_schema(tags=["personnes accompagnées"])
class BeneficiaryExportView(OrganizationScopedMixin, generics.GenericAPIView):
    """Export one person's data; needs the export right."""

    allowed_kinds = (Organization.Kind.PLATFORM,)
    allowed_roles = (Role.ADMIN, Role.ADVISOR)
    permission_classes = [*OrganizationScopedMixin.permission_classes, HasExportRight]
    queryset = Beneficiary.objects.none()
    pagination_class = None
    filter_backends: list = []

    def scope_queryset(self, membership: Membership):
        return Beneficiary.objects.for_organization(membership.organization)

    @extend_schema(
        summary="Toutes les données d'une personne (portabilité)",
        description="Le dossier de la personne, ses consentements, ses accompagnements et tout "
        "ce qui s'y rattache (diagnostics, plan, rendez-vous, ateliers, aides, documents, notes, "
        "sortie, suivis, prêts de véhicule, prescriptions), l'historique des modifications de "
        "ces éléments, le journal des consultations de son dossier et ses demandes au registre. "
        "Rien sur une autre personne. Réservé aux administrateur·rices et aux conseiller·es qui "
        "ont le droit d'export ; l'export est inscrit au journal des consultations et au journal "
        "de sécurité.",
        parameters=[id_parameter("Identifiant de la personne.")],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="Les données de la personne."),
            **ERROR_RESPONSES,
        },
    )
    def get(self, request: Request, id) -> Response:
        person = get_object_or_404(self.get_queryset(), id=id)
        data = person_export(person, by=self.membership).as_json()
        log_export(request._request, person)
        record_security_event(
            SecurityEvent.Kind.EXPORT,
            request=request._request,
            detail=f"API : export JSON du dossier {person.pk}",
        )
        return Response(data)
