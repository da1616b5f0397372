"""API: the FSE+ participant file of an agreement, as JSON (the CSV's rows, English keys)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from cases.models import Beneficiary
from organizations.api import OrganizationScopedMixin, error_responses
from organizations.models import FundingAgreement, Membership, Organization

from .fse_export import (
    API_ANSWER_CHOICES,
    API_STATUS_CHOICES,
    COLUMNS,
    ParticipantExport,
    api_rows,
    log_export,
)
from .fse_export import participant_export as build_export
from .periods import Period
from .views.fse import EXPORT_REFUSED, fse_agreements

Role = Membership.Role

FIELDS = {
    "text": lambda help_text: serializers.CharField(read_only=True, help_text=help_text),
    "date": lambda help_text: serializers.DateField(
        read_only=True, allow_null=True, help_text=help_text
    ),
    "int": lambda help_text: serializers.IntegerField(
        read_only=True, allow_null=True, help_text=help_text
    ),
    "bool": lambda help_text: serializers.BooleanField(
        read_only=True, allow_null=True, help_text=help_text
    ),
    "answer": lambda help_text: serializers.ChoiceField(
        choices=API_ANSWER_CHOICES, read_only=True, help_text=help_text
    ),
    "sex": lambda help_text: serializers.ChoiceField(
        choices=Beneficiary.Sex.choices, read_only=True, help_text=help_text
    ),
    "status": lambda help_text: serializers.ChoiceField(
        choices=API_STATUS_CHOICES, read_only=True, help_text=help_text
    ),
}

# One field per column of the CSV, documented with the column's description.
FseParticipantSerializer = type(
    "FseParticipantSerializer",
    (serializers.Serializer,),
    {column.key: FIELDS[column.kind](column.description) for column in COLUMNS},
)


class ParticipantQuerySerializer(serializers.Serializer):
    agreement = serializers.UUIDField(help_text="La convention cofinancée par le FSE+.")
    start = serializers.DateField(
        required=False, help_text="Début de la période (AAAA-MM-JJ) ; par défaut, celui de la "
        "convention."
    )  # fmt: skip
    end = serializers.DateField(
        required=False, help_text="Fin de la période (AAAA-MM-JJ) ; par défaut, celle de la "
        "convention."
    )  # fmt: skip


class FseParticipantsPagination(PageNumberPagination):
    """The usual pages, plus how many participations were left out of the file and why."""

    def get_paginated_response(self, data, export: ParticipantExport) -> Response:
        response = super().get_paginated_response(data)
        response.data["left_out"] = {
            "without_consent": export.without_consent,
            "anonymised": export.anonymised,
        }
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["left_out"] = {
            "type": "object",
            "description": "Participations de la période écartées du fichier.",
            "properties": {
                "without_consent": {
                    "type": "integer",
                    "description": "Sans consentement « Collecte des données FSE+ » en vigueur.",
                },
                "anonymised": {"type": "integer", "description": "Dossiers anonymisés."},
            },
        }
        return paginated


@extend_schema(tags=["FSE+"])
class FseParticipantsView(OrganizationScopedMixin, generics.GenericAPIView):
    """The participant file of an FSE+ agreement: administration, and advisors with the export
    right; another platform's agreement answers 404."""

    allowed_kinds = (Organization.Kind.PLATFORM,)
    allowed_roles = (Role.ADMIN, Role.ADVISOR)
    queryset = FundingAgreement.objects.none()
    serializer_class = FseParticipantSerializer
    pagination_class = FseParticipantsPagination
    filter_backends: list = []

    def scope_queryset(self, membership: Membership):
        return fse_agreements(membership)

    @extend_schema(
        summary="Participants FSE+ d'une convention",
        description="Une entrée par participation (une personne dans la convention ; sortie puis "
        "revenue, elle garde une seule participation) en cours pendant la période ou suivie à 6 "
        "mois pendant la période, avec son identité, sa situation à l'entrée, ses résultats à la "
        "sortie (dans les 4 semaines) et à 6 mois. Seules les personnes dont le consentement "
        "« Collecte des données FSE+ » est en vigueur y figurent ; `left_out` dit combien sont "
        "écartées et pourquoi. Réservé aux administrateur·rices de la plateforme et aux "
        "conseiller·es ayant le droit d'export ; chaque page lue est inscrite au journal de "
        "sécurité et, personne par personne, au journal des consultations.",
        parameters=[
            OpenApiParameter(
                "agreement", OpenApiTypes.UUID, required=True, description="La convention FSE+."
            ),
            OpenApiParameter(
                "start", OpenApiTypes.DATE, description="Début (par défaut celui de la convention)."
            ),
            OpenApiParameter(
                "end", OpenApiTypes.DATE, description="Fin (par défaut celle de la convention)."
            ),
        ],
        responses={200: FseParticipantSerializer(many=True), **error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        query = ParticipantQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        agreement = get_object_or_404(self.get_queryset(), pk=query.validated_data["agreement"])
        if not self.membership.may_export_personal_data:
            raise PermissionDenied(EXPORT_REFUSED)
        period = Period(
            query.validated_data.get("start", agreement.start_date),
            query.validated_data.get("end", agreement.end_date),
        )
        export = build_export(agreement, period)
        page = self.paginate_queryset(export.rows)
        log_export(request._request, export, page, channel="API")
        data = FseParticipantSerializer(api_rows(page), many=True).data
        return self.paginator.get_paginated_response(data, export)
