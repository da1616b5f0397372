"""API of referrals for referrer systems and platforms: /api/v1/referrals/.

A referrer organisation creates referrals (``Idempotency-Key`` honoured), lists and reads its
own with the fields DESIGN.md §3 allows it, and withdraws them; a platform lists and reads the
referrals addressed to it, and accepts, refuses, puts on hold or transfers them. Every write
calls ``referrals.services``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api import CommuneSerializer
from cases.models import Barrier, Beneficiary
from cases.services.people import PossibleDuplicate
from organizations.api import (
    ERROR_RESPONSES,
    LIST_RESPONSES,
    OptionalEmailField,
    OrganizationScopedMixin,
    error_responses,
    id_parameter,
)
from organizations.errors import ConflictError, DomainError
from organizations.models import Membership, Organization, Territory

from . import services
from .models import IdempotencyRecord, Referral, ReferralStatus, RefusalReason

Role = Membership.Role
Kind = Organization.Kind
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


# --- Output ------------------------------------------------------------------------------------


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)


class BarrierSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)


class ReferralForReferrerSerializer(serializers.Serializer):
    """What a referrer may read (DESIGN.md §3): status, dates, next appointment, outcome."""

    id = serializers.UUIDField(read_only=True)
    status = serializers.ChoiceField(choices=ReferralStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    platform = OrganizationRefSerializer(source="organization", read_only=True)
    original_platform = OrganizationRefSerializer(read_only=True, allow_null=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    sent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    first_answered_at = serializers.DateTimeField(read_only=True, allow_null=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    on_hold_reason = serializers.CharField(read_only=True)
    refusal_reason = serializers.ChoiceField(
        choices=RefusalReason.choices, read_only=True, allow_blank=True
    )
    refusal_comment = serializers.CharField(read_only=True)
    share_reason_with_person = serializers.BooleanField(read_only=True)
    follow_up_shared = serializers.BooleanField(
        source="follow_up.shared",
        read_only=True,
        help_text="Vrai tant que la personne accepte que la plateforme vous transmette le suivi "
        "de son accompagnement ; sinon les trois champs suivants sont vides.",
    )
    follow_up_notice = serializers.CharField(
        source="follow_up.notice",
        read_only=True,
        help_text="Pourquoi le suivi n'est pas transmis (vide s'il l'est).",
    )
    case_opened_on = serializers.DateField(
        source="follow_up.case_opened_on", read_only=True, allow_null=True
    )
    next_appointment_at = serializers.DateTimeField(
        source="follow_up.next_appointment_at",
        read_only=True,
        allow_null=True,
        help_text="Prochain rendez-vous prévu avec la personne.",
    )
    outcome_summary = serializers.CharField(
        source="follow_up.outcome_summary",
        read_only=True,
        help_text="Situation de la personne à la sortie de l'accompagnement.",
    )


class ReferralForPlatformSerializer(serializers.Serializer):
    """The whole referral, for the platform it is addressed to."""

    id = serializers.UUIDField(read_only=True)
    status = serializers.ChoiceField(choices=ReferralStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    sender_organization = OrganizationRefSerializer(read_only=True)
    sender_name = serializers.SerializerMethodField()
    original_platform = OrganizationRefSerializer(read_only=True, allow_null=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    sex = serializers.CharField(read_only=True)
    birth_date = serializers.DateField(read_only=True, allow_null=True)
    email = OptionalEmailField(read_only=True)
    phone = serializers.CharField(read_only=True)
    address = serializers.CharField(read_only=True)
    postcode = serializers.CharField(read_only=True)
    commune = CommuneSerializer(read_only=True, allow_null=True)
    france_travail_id = serializers.CharField(read_only=True)
    labour_market_status = serializers.CharField(read_only=True)
    receives_rsa = serializers.BooleanField(read_only=True)
    driving_licence = serializers.CharField(read_only=True)
    has_car_access = serializers.BooleanField(read_only=True)
    has_two_wheeler_access = serializers.BooleanField(read_only=True)
    has_bike_access = serializers.BooleanField(read_only=True)
    barriers = BarrierSerializer(many=True, read_only=True, source="barriers.all")
    barriers_comment = serializers.CharField(read_only=True)
    objective = serializers.CharField(read_only=True)
    job_interview_on = serializers.DateField(read_only=True, allow_null=True)
    job_start_on = serializers.DateField(read_only=True, allow_null=True)
    training_start_on = serializers.DateField(read_only=True, allow_null=True)
    employer_commune = CommuneSerializer(read_only=True, allow_null=True)
    working_hours = serializers.CharField(read_only=True)
    consent_given_on = serializers.DateField(read_only=True, allow_null=True)
    consent_text = serializers.CharField(read_only=True)
    share_follow_up_with_referrer = serializers.BooleanField(read_only=True)
    share_diagnostic_with_referrer = serializers.BooleanField(read_only=True)
    coverage_override_reason = serializers.CharField(read_only=True)
    on_hold_reason = serializers.CharField(read_only=True)
    refusal_reason = serializers.ChoiceField(
        choices=RefusalReason.choices, read_only=True, allow_blank=True
    )
    refusal_comment = serializers.CharField(read_only=True)
    share_reason_with_person = serializers.BooleanField(read_only=True)
    case = serializers.PrimaryKeyRelatedField(
        read_only=True, pk_field=serializers.UUIDField(), allow_null=True
    )
    sent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    received_at = serializers.DateTimeField(read_only=True, allow_null=True)
    first_answered_at = serializers.DateTimeField(read_only=True, allow_null=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_sender_name(self, referral: Referral) -> str:
        sender = referral.sender
        return (sender.user.get_full_name() or sender.user.email) if sender else ""


# --- Input -------------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class CommuneCodeField(serializers.Field):
    """A commune named by its INSEE code (empty: no commune, where allowed)."""

    default_error_messages = {"invalid": "Code INSEE attendu (5 caractères), par exemple 59350."}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("help_text", "Code INSEE de la commune (par exemple 59350 pour Lille).")
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> Territory | None:
        if not isinstance(data, str) or len(data.strip()) > 5:
            self.fail("invalid")
        code = data.strip().upper()
        if not code:
            if self.required:
                raise serializers.ValidationError("Indiquez la commune (code INSEE).")
            return None
        commune = Territory.objects.communes().filter(code=code).first()
        if commune is None:
            raise serializers.ValidationError(f"Commune inconnue : code INSEE « {code} ».")
        return commune

    def to_representation(self, value):
        return value.code if value else None


class ReferralCreateSerializer(serializers.Serializer):
    platform = serializers.UUIDField(help_text="Identifiant de la plateforme destinataire.")
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    sex = serializers.ChoiceField(
        choices=Beneficiary.Sex.choices, default=Beneficiary.Sex.NOT_STATED
    )
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")
    postcode = serializers.RegexField(
        r"^\d{5}$",
        required=False,
        allow_blank=True,
        default="",
        error_messages={"invalid": "Le code postal compte 5 chiffres."},
    )
    commune = CommuneCodeField(help_text="Code INSEE de la commune où habite la personne.")
    france_travail_id = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default=""
    )
    labour_market_status = serializers.ChoiceField(
        choices=Beneficiary.LabourMarketStatus.choices,
        default=Beneficiary.LabourMarketStatus.UNEMPLOYED,
    )
    receives_rsa = serializers.BooleanField(default=False)
    driving_licence = serializers.ChoiceField(
        choices=Beneficiary.DrivingLicence.choices, default=Beneficiary.DrivingLicence.NONE
    )
    has_car_access = serializers.BooleanField(default=False)
    has_two_wheeler_access = serializers.BooleanField(default=False)
    has_bike_access = serializers.BooleanField(default=False)
    barriers = serializers.ListField(
        child=serializers.CharField(max_length=60),
        required=False,
        default=list,
        help_text="Codes des freins observés (taxonomie commune).",
    )
    barriers_comment = serializers.CharField(required=False, allow_blank=True, default="")
    objective = serializers.CharField()
    job_interview_on = serializers.DateField(required=False, allow_null=True, default=None)
    job_start_on = serializers.DateField(required=False, allow_null=True, default=None)
    training_start_on = serializers.DateField(required=False, allow_null=True, default=None)
    employer_commune = CommuneCodeField(required=False, allow_null=True, default=None)
    working_hours = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    consent_given_on = serializers.DateField(
        help_text="Jour où la personne a accepté d'être orientée et que ses données soient "
        "transmises. Obligatoire.",
        error_messages={
            "required": "Le consentement de la personne est obligatoire : indiquez le jour de "
            "son accord (consent_given_on).",
            "null": "Le consentement de la personne est obligatoire : indiquez le jour de "
            "son accord (consent_given_on).",
        },
    )
    consent_text = serializers.CharField(
        help_text="Ce à quoi la personne a consenti, tel que vous l'avez recueilli. Obligatoire.",
        error_messages={
            "required": "Le consentement de la personne est obligatoire : indiquez le texte "
            "de l'attestation (consent_text).",
            "blank": "Le consentement de la personne est obligatoire : indiquez le texte de "
            "l'attestation (consent_text).",
        },
    )
    share_follow_up_with_referrer = serializers.BooleanField(
        default=False,
        help_text="La personne accepte que la plateforme vous transmette le suivi de son "
        "accompagnement (date d'entrée, prochain rendez-vous, situation à la sortie).",
    )
    share_diagnostic_with_referrer = serializers.BooleanField(default=False)
    coverage_override_reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Obligatoire si la plateforme ne couvre pas la commune de la personne.",
    )

    def validate_platform(self, value) -> Organization:
        platform = Organization.objects.platforms().active().filter(pk=value).first()
        if platform is None:
            raise serializers.ValidationError("Plateforme de mobilité inconnue ou inactive.")
        return platform

    def validate_barriers(self, codes: list[str]) -> list[Barrier]:
        found = {
            b.code: b
            for b in Barrier.objects.filter(organization=None, is_active=True, code__in=codes)
        }
        unknown = sorted(set(codes) - set(found))
        if unknown:
            raise serializers.ValidationError(f"Freins inconnus : {', '.join(unknown)}.")
        return [found[code] for code in dict.fromkeys(codes)]


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class HoldSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500, help_text="Ce que la plateforme attend pour reprendre l'examen."
    )


class RefuseSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=RefusalReason.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    share_reason_with_person = serializers.BooleanField(default=False)


class TransferSerializer(serializers.Serializer):
    platform = serializers.UUIDField(help_text="Identifiant de la plateforme destinataire.")
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate_platform(self, value) -> Organization:
        platform = Organization.objects.platforms().active().filter(pk=value).first()
        if platform is None:
            raise serializers.ValidationError("Plateforme de mobilité inconnue ou inactive.")
        return platform


class AcceptSerializer(serializers.Serializer):
    beneficiary = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Personne déjà suivie à qui rattacher la prescription ; vide pour créer son "
        "dossier.",
    )
    confirm_not_duplicate = serializers.BooleanField(
        default=False,
        help_text="Vrai pour créer le dossier malgré une personne de même nom et même date de "
        "naissance déjà suivie (sinon 409 avec les doublons possibles).",
    )
    advisor = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Appartenance du ou de la conseiller·e référent·e.",
    )


class ReferralFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(
        choices=ReferralStatus.choices, help_text="Statut (répétez le paramètre pour plusieurs)."
    )

    class Meta:
        model = Referral
        fields = ["status"]


def request_hash(data: Any) -> str:
    """A stable fingerprint of a request body, whatever the order of its keys."""
    if isinstance(data, QueryDict):
        data = dict(data.lists())
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()


_ID = id_parameter("Identifiant de la prescription.")
_KEY = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Clé unique choisie par votre système : renvoyer la même requête avec la même "
    "clé rend la même réponse sans créer de doublon ; la même clé avec un autre contenu répond "
    "409.",
)


@extend_schema_view(
    list=extend_schema(
        summary="Prescriptions",
        description="Un prescripteur voit celles de son organisation (statut, dates, prochain "
        "rendez-vous, résultat) ; une plateforme celles qui lui sont adressées.",
        responses={200: ReferralForPlatformSerializer(many=True), **LIST_RESPONSES},
    ),
    retrieve=extend_schema(
        summary="Une prescription",
        parameters=[_ID],
        responses={200: ReferralForPlatformSerializer, **ERROR_RESPONSES},
    ),
    create=extend_schema(
        summary="Orienter une personne",
        description="Crée et envoie une prescription (prescripteurs). Le consentement est "
        "obligatoire ; une plateforme qui ne couvre pas la commune demande une raison.",
        parameters=[_KEY],
        request=ReferralCreateSerializer,
        responses={201: ReferralForReferrerSerializer, **error_responses(400, 409)},
    ),
    withdraw=extend_schema(
        summary="Retirer une prescription (prescripteur)",
        parameters=[_ID],
        request=CommentSerializer,
        responses={200: ReferralForReferrerSerializer, **error_responses(400)},
    ),
    accept=extend_schema(
        summary="Accepter une prescription (plateforme)",
        description="Crée ou rattache le dossier de la personne et ouvre son accompagnement.",
        parameters=[_ID],
        request=AcceptSerializer,
        responses={
            200: ReferralForPlatformSerializer,
            409: inline_serializer(
                "ReferralDuplicates",
                {
                    "detail": serializers.CharField(),
                    "code": serializers.CharField(),
                    "duplicates": serializers.ListField(child=serializers.UUIDField()),
                },
            ),
            **error_responses(400),
        },
    ),
    refuse=extend_schema(
        summary="Refuser une prescription (plateforme)",
        parameters=[_ID],
        request=RefuseSerializer,
        responses={200: ReferralForPlatformSerializer, **error_responses(400)},
    ),
    hold=extend_schema(
        summary="Mettre une prescription en attente (plateforme)",
        parameters=[_ID],
        request=HoldSerializer,
        responses={200: ReferralForPlatformSerializer, **error_responses(400)},
    ),
    transfer=extend_schema(
        summary="Transférer une prescription à une autre plateforme",
        parameters=[_ID],
        request=TransferSerializer,
        responses={200: ReferralForPlatformSerializer, **error_responses(400)},
    ),
)
@extend_schema(tags=["prescriptions"])
class ReferralViewSet(
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Referrals, each side with its fields and its actions."""

    allowed_kinds = (Kind.PLATFORM, Kind.REFERRER)
    allowed_roles = (Role.ADMIN, Role.ADVISOR, Role.REFERRER)
    queryset = Referral.objects.none()
    serializer_class = ReferralForPlatformSerializer
    filterset_class = ReferralFilter
    ordering_fields = ["created_at", "sent_at", "received_at"]
    REFERRER_ACTIONS = ("create", "withdraw")
    PLATFORM_ACTIONS = ("accept", "refuse", "hold", "transfer")

    @property
    def is_referrer(self) -> bool:
        return self.organization.kind == Kind.REFERRER

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        # The side is checked before the object: acting from the wrong side is a 403.
        if self.action in self.REFERRER_ACTIONS and not self.is_referrer:
            raise exceptions.PermissionDenied("Seuls les prescripteurs peuvent faire cela.")
        if self.action in self.PLATFORM_ACTIONS and self.is_referrer:
            raise exceptions.PermissionDenied("Seule la plateforme destinataire peut faire cela.")

    def scope_queryset(self, membership: Membership) -> QuerySet[Referral]:
        referrals = Referral.objects.visible_to(membership).exclude(status=ReferralStatus.DRAFT)
        if membership.organization.kind == Kind.REFERRER:
            referrals = referrals.with_follow_up(timezone.now()).select_related(
                "organization", "original_platform", "case"
            )
        else:
            referrals = referrals.select_related(
                "sender_organization", "sender__user", "original_platform", "commune",
                "employer_commune",
            ).prefetch_related(
                Prefetch("barriers", queryset=Barrier.objects.order_by("position", "code"))
            )  # fmt: skip
        return referrals.order_by("-sent_at", "id")

    def get_serializer_class(self):
        if getattr(self, "swagger_fake_view", False):
            return ReferralForPlatformSerializer
        return ReferralForReferrerSerializer if self.is_referrer else ReferralForPlatformSerializer

    def _valid(self, serializer_class) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _read(self, referral: Referral) -> dict:
        return self.get_serializer_class()(self.get_queryset().get(pk=referral.pk)).data

    # --- Referrer ---

    def create(self, request: Request) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if len(key) > MAX_KEY_LENGTH:
            raise DomainError(
                f"La clé d'idempotence compte au plus {MAX_KEY_LENGTH} caractères.",
                field=IDEMPOTENCY_HEADER,
            )
        fingerprint = request_hash(request.data)
        if key and (replay := self._replay(key, fingerprint)):
            return replay
        data = self._valid(ReferralCreateSerializer)
        platform, barriers = data.pop("platform"), data.pop("barriers")
        try:
            with transaction.atomic():
                referral = services.create_referral(
                    by=self.membership, platform=platform, data=data, barriers=barriers
                )
                body = json.loads(json.dumps(self._read(referral), cls=DjangoJSONEncoder))
                if key:
                    IdempotencyRecord.objects.create(
                        sender_organization=self.organization, key=key,
                        request_hash=fingerprint, referral=referral, response_body=body,
                        response_status=status.HTTP_201_CREATED,
                    )  # fmt: skip
        except IntegrityError:
            # The same key arrived twice at once: the other request won, answer like it.
            if key and (replay := self._replay(key, fingerprint)):
                return replay
            raise
        return Response(body, status=status.HTTP_201_CREATED)

    def _replay(self, key: str, fingerprint: str) -> Response | None:
        record = IdempotencyRecord.objects.filter(
            sender_organization=self.organization, key=key
        ).first()
        if record is None:
            return None
        if record.request_hash != fingerprint:
            raise ConflictError(
                "Cette clé d'idempotence a déjà servi pour une requête différente : utilisez "
                "une nouvelle clé pour une nouvelle prescription.",
                code="idempotency_key_reused",
            )
        return Response(
            record.response_body, status=record.response_status,
            headers={"Idempotent-Replayed": "true"},
        )  # fmt: skip

    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, id=None) -> Response:
        referral = self.get_object()
        services.withdraw_referral(referral, by=self.membership, **self._valid(CommentSerializer))
        return Response(self._read(referral))

    # --- Platform ---

    @action(detail=True, methods=["post"])
    def accept(self, request: Request, id=None) -> Response:
        referral = self.get_object()
        data = self._valid(AcceptSerializer)
        beneficiary = advisor = None
        if data["beneficiary"]:
            beneficiary = (
                Beneficiary.objects.for_organization(self.organization)
                .not_anonymised()
                .filter(pk=data["beneficiary"])
                .first()
            )
            if beneficiary is None:
                raise DomainError(
                    "Personne introuvable dans votre plateforme.", field="beneficiary"
                )
        if data["advisor"]:
            advisor = services.caseworkers_of(self.organization).filter(pk=data["advisor"]).first()
            if advisor is None:
                raise DomainError(
                    "Conseiller·e introuvable dans votre plateforme.", field="advisor"
                )
        try:
            services.accept_referral(
                referral, by=self.membership, beneficiary=beneficiary,
                confirm_not_duplicate=data["confirm_not_duplicate"], advisor=advisor,
            )  # fmt: skip
        except PossibleDuplicate as error:
            return Response(
                {
                    "detail": error.message,
                    "code": error.code,
                    "duplicates": [str(person.pk) for person in error.duplicates],
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(self._read(referral))

    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, id=None) -> Response:
        referral = self.get_object()
        services.refuse_referral(referral, by=self.membership, **self._valid(RefuseSerializer))
        return Response(self._read(referral))

    @action(detail=True, methods=["post"])
    def hold(self, request: Request, id=None) -> Response:
        referral = self.get_object()
        services.put_on_hold(referral, by=self.membership, **self._valid(HoldSerializer))
        return Response(self._read(referral))

    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, id=None) -> Response:
        referral = self.get_object()
        data = self._valid(TransferSerializer)
        services.transfer_referral(
            referral, by=self.membership, to_platform=data["platform"], comment=data["comment"]
        )
        # Transferred away: the platform no longer sees it; answer with what it sent off.
        referral.refresh_from_db()
        return Response(ReferralForPlatformSerializer(referral).data)


def register(router) -> None:
    """Register this app's viewsets on the API router."""
    router.register("referrals", ReferralViewSet, basename="referral")
