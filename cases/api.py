"""API endpoints of the cases app: beneficiaries, cases (with their lifecycle), appointments.

Each operation has its own small input and output serializers; every write calls a service
(cases/services/), so the API follows exactly the rules of the web pages.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from organizations.api import (
    ERROR_RESPONSES,
    LIST_RESPONSES,
    OptionalEmailField,
    OrganizationScopedMixin,
    error_responses,
    id_parameter,
)
from organizations.models import FundingAgreement, Membership, Organization, Site

from .models import (
    AccessLog,
    Appointment,
    Beneficiary,
    Case,
    CaseBarrier,
    CaseStatus,
    ConsentRecord,
    Situation,
)
from .services import contacts, lifecycle, people
from .services import sessions as session_services
from .views.common import log_beneficiary_access

Role = Membership.Role
CASEWORKERS = (Role.ADMIN, Role.ADVISOR)
PLATFORM_STAFF = (Role.ADMIN, Role.ADVISOR, Role.COACH)
PLATFORMS = (Organization.Kind.PLATFORM,)
WRITE_ACTIONS = ("create", "update", "partial_update")


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A related object named by its UUID, looked up only among those of the membership."""

    default_error_messages = {
        "required": "Ce champ est obligatoire.",
        "does_not_exist": "Introuvable dans votre organisation : « {pk_value} ».",
        "incorrect_type": "Identifiant attendu (UUID), reçu : {data_type}.",
    }

    def __init__(self, *, scope, **kwargs) -> None:
        self.scope = scope
        kwargs.setdefault("pk_field", serializers.UUIDField())
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(self.context["view"].membership)


def _caseworkers_of(membership: Membership) -> QuerySet[Membership]:
    return (
        Membership.objects.for_organization(membership.organization)
        .active()
        .filter(role__in=CASEWORKERS)
    )


def _staff_of(membership: Membership) -> QuerySet[Membership]:
    return (
        Membership.objects.for_organization(membership.organization)
        .active()
        .filter(role__in=PLATFORM_STAFF)
    )


def _sites_of(membership: Membership) -> QuerySet[Site]:
    return Site.objects.for_organization(membership.organization)


def _agreements_of(membership: Membership) -> QuerySet[FundingAgreement]:
    return FundingAgreement.objects.filter(organization=membership.organization)


def _beneficiaries_of(membership: Membership) -> QuerySet[Beneficiary]:
    return Beneficiary.objects.for_organization(membership.organization).not_anonymised()


def _cases_of(membership: Membership) -> QuerySet[Case]:
    return Case.objects.visible_to(membership)


def _with_person_details(people_qs: QuerySet[Beneficiary]) -> QuerySet[Beneficiary]:
    return people_qs.prefetch_related(
        Prefetch("cases", queryset=Case.objects.order_by("-opened_on", "id")),
        Prefetch("consents", queryset=ConsentRecord.objects.order_by("-given_on", "scope")),
    )


def _with_case_details(cases: QuerySet[Case]) -> QuerySet[Case]:
    current_barriers = (
        CaseBarrier.objects.current()
        .select_related("barrier__category")
        .order_by("barrier__category__position", "barrier__position", "id")
    )
    return cases.select_related("beneficiary__commune").prefetch_related(
        Prefetch("barriers", queryset=current_barriers, to_attr="current_barriers"),
        "funding_agreements",
    )


# --- Shared small output serializers -------------------------------------------------------


class CommuneSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True, help_text="Code INSEE.")
    name = serializers.CharField(read_only=True)


class StaffSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True, help_text="Identifiant de l'appartenance.")
    name = serializers.SerializerMethodField()
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)

    def get_name(self, membership: Membership) -> str:
        return membership.user.get_full_name() or membership.user.email


class SiteSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)


class PersonSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    birth_date = serializers.DateField(read_only=True, allow_null=True)


# --- /api/v1/beneficiaries/ ----------------------------------------------------------------


class BeneficiaryListSerializer(PersonSummarySerializer):
    sex = serializers.ChoiceField(choices=Beneficiary.Sex.choices, read_only=True)
    postcode = serializers.CharField(read_only=True)
    commune = CommuneSerializer(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class CaseOfPersonSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    status = serializers.ChoiceField(choices=CaseStatus.choices, read_only=True)
    opened_on = serializers.DateField(read_only=True)
    closed_on = serializers.DateField(read_only=True, allow_null=True)


class ConsentSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=ConsentRecord.Scope.choices, read_only=True)
    given = serializers.BooleanField(read_only=True)
    given_on = serializers.DateField(read_only=True)
    withdrawn_on = serializers.DateField(read_only=True, allow_null=True)


class BeneficiaryDetailSerializer(BeneficiaryListSerializer):
    email = OptionalEmailField(read_only=True)
    phone = serializers.CharField(read_only=True)
    address = serializers.CharField(read_only=True)
    is_qpv_resident = serializers.BooleanField(read_only=True, allow_null=True)
    labour_market_status = serializers.ChoiceField(
        choices=Beneficiary.LabourMarketStatus.choices, read_only=True
    )
    job_seeker_since = serializers.DateField(read_only=True, allow_null=True)
    france_travail_id = serializers.CharField(read_only=True)
    receives_rsa = serializers.BooleanField(read_only=True)
    receives_ass = serializers.BooleanField(read_only=True)
    receives_aah = serializers.BooleanField(read_only=True)
    has_rqth = serializers.BooleanField(read_only=True)
    education_level = serializers.ChoiceField(
        choices=Beneficiary.EducationLevel.choices, read_only=True
    )
    isced_band = serializers.CharField(
        read_only=True, help_text="Bande CITE (ISCED) : 0-2, 3-4, 5-8."
    )
    driving_licence = serializers.ChoiceField(
        choices=Beneficiary.DrivingLicence.choices, read_only=True
    )
    has_car_access = serializers.BooleanField(read_only=True)
    has_two_wheeler_access = serializers.BooleanField(read_only=True)
    has_bike_access = serializers.BooleanField(read_only=True)
    bike_skill = serializers.ChoiceField(choices=Beneficiary.BikeSkill.choices, read_only=True)
    age = serializers.SerializerMethodField()
    is_under_26 = serializers.SerializerMethodField()
    is_55_or_over = serializers.SerializerMethodField()
    is_long_term_unemployed = serializers.SerializerMethodField()
    is_rural = serializers.BooleanField(read_only=True, allow_null=True)
    consents = ConsentSerializer(many=True, read_only=True)
    cases = CaseOfPersonSerializer(many=True, read_only=True)
    last_contact_on = serializers.DateField(
        read_only=True, help_text="Dernier contact venu de la personne."
    )
    anonymisation_due_on = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="Jour où le dossier sera anonymisé sans nouveau contact venu de la personne.",
    )

    def get_age(self, person: Beneficiary) -> int | None:
        return person.age()

    def get_is_under_26(self, person: Beneficiary) -> bool:
        return person.is_under_26()

    def get_is_55_or_over(self, person: Beneficiary) -> bool:
        return person.is_55_or_over()

    def get_is_long_term_unemployed(self, person: Beneficiary) -> bool:
        return person.is_long_term_unemployed()


class BeneficiaryInputSerializer(serializers.Serializer):
    """A person's file as an advisor fills it in (create; update takes any subset)."""

    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    sex = serializers.ChoiceField(choices=Beneficiary.Sex.choices, required=False)
    birth_date = serializers.DateField(required=False, allow_null=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    address = serializers.CharField(max_length=250, required=False, allow_blank=True)
    postcode = serializers.RegexField(
        r"^\d{5}$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": "Le code postal compte 5 chiffres."},
    )
    commune = serializers.CharField(
        max_length=5,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Code INSEE de la commune (5 caractères, par exemple 59350 pour Lille).",
    )
    is_qpv_resident = serializers.BooleanField(required=False, allow_null=True)
    labour_market_status = serializers.ChoiceField(
        choices=Beneficiary.LabourMarketStatus.choices, required=False
    )
    job_seeker_since = serializers.DateField(required=False, allow_null=True)
    france_travail_id = serializers.CharField(max_length=20, required=False, allow_blank=True)
    receives_rsa = serializers.BooleanField(required=False)
    receives_ass = serializers.BooleanField(required=False)
    receives_aah = serializers.BooleanField(required=False)
    has_rqth = serializers.BooleanField(required=False)
    education_level = serializers.ChoiceField(
        choices=Beneficiary.EducationLevel.choices, required=False
    )
    driving_licence = serializers.ChoiceField(
        choices=Beneficiary.DrivingLicence.choices, required=False
    )
    has_car_access = serializers.BooleanField(required=False)
    has_two_wheeler_access = serializers.BooleanField(required=False)
    has_bike_access = serializers.BooleanField(required=False)
    bike_skill = serializers.ChoiceField(choices=Beneficiary.BikeSkill.choices, required=False)
    confirm_not_duplicate = serializers.BooleanField(
        required=False,
        default=False,
        write_only=True,
        help_text="Vrai pour enregistrer malgré une personne de même nom et même date de "
        "naissance déjà suivie (sinon la réponse est 409 avec les doublons possibles).",
    )

    def person_data(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        data.pop("confirm_not_duplicate", None)
        if data.get("commune") is None and "commune" in data:
            data["commune"] = ""
        return data


class ContactInputSerializer(serializers.Serializer):
    on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Jour du contact venu de la personne (aujourd'hui par défaut).",
    )


class ContactSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    last_contact_on = serializers.DateField(read_only=True)
    anonymisation_due_on = serializers.DateField(read_only=True)


class DuplicateSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True)
    code = serializers.CharField(read_only=True)
    duplicates = serializers.ListField(child=serializers.UUIDField(), read_only=True)


def _duplicate_response(error: people.PossibleDuplicate) -> Response:
    return Response(
        {
            "detail": error.message,
            "code": error.code,
            "duplicates": [str(person.pk) for person in error.duplicates],
        },
        status=status.HTTP_409_CONFLICT,
    )


class BeneficiaryFilter(filters.FilterSet):
    q = filters.CharFilter(
        method="filter_q",
        help_text="Recherche par nom et prénom ; les accents et la casse sont ignorés.",
    )
    birth_date = filters.DateFilter(help_text="Date de naissance (AAAA-MM-JJ).")
    commune = filters.CharFilter(field_name="commune__code", help_text="Code INSEE de la commune.")

    class Meta:
        model = Beneficiary
        fields = ["q", "birth_date", "commune"]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)


_PERSON_409 = OpenApiResponse(
    DuplicateSerializer,
    description="Doublon possible : une personne de même nom et même date de naissance est "
    "déjà suivie. Renvoyez avec `confirm_not_duplicate: true` s'il s'agit d'une autre personne.",
)


@extend_schema_view(
    list=extend_schema(
        summary="Personnes accompagnées",
        description="Les personnes suivies par la plateforme en cours (administration, conseil). "
        "`q` cherche dans les noms sans tenir compte des accents.",
        responses={200: BeneficiaryListSerializer(many=True), **LIST_RESPONSES},
    ),
    retrieve=extend_schema(
        summary="Dossier d'une personne",
        description="Le dossier complet d'une personne ; chaque lecture est inscrite au journal "
        "des consultations. Celle d'une autre plateforme répond 404.",
        parameters=[id_parameter("Identifiant de la personne.")],
        responses={200: BeneficiaryDetailSerializer, **ERROR_RESPONSES},
    ),
    create=extend_schema(
        summary="Créer le dossier d'une personne",
        description="Crée le dossier après contrôle de la date de naissance et de la commune. "
        "Un doublon possible répond 409 avec les identifiants des personnes concernées.",
        request=BeneficiaryInputSerializer,
        responses={201: BeneficiaryDetailSerializer, 409: _PERSON_409, **error_responses(400)},
    ),
    update=extend_schema(
        summary="Modifier le dossier d'une personne",
        parameters=[id_parameter("Identifiant de la personne.")],
        request=BeneficiaryInputSerializer,
        responses={200: BeneficiaryDetailSerializer, 409: _PERSON_409, **error_responses(400)},
    ),
    partial_update=extend_schema(
        summary="Modifier une partie du dossier d'une personne",
        parameters=[id_parameter("Identifiant de la personne.")],
        request=BeneficiaryInputSerializer,
        responses={200: BeneficiaryDetailSerializer, 409: _PERSON_409, **error_responses(400)},
    ),
    contact=extend_schema(
        summary="Enregistrer un contact venu de la personne",
        description="Un appel, une visite, un message de la personne : son dossier est conservé "
        "pendant la durée de conservation à compter de ce jour. Un contact plus ancien que le "
        "dernier enregistré est refusé (400).",
        parameters=[id_parameter("Identifiant de la personne.")],
        request=ContactInputSerializer,
        responses={200: ContactSerializer, **error_responses(400)},
    ),
)
@extend_schema(tags=["personnes accompagnées"])
class BeneficiaryViewSet(
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The people the platform in force accompanies, for its admins and advisors."""

    allowed_kinds = PLATFORMS
    allowed_roles = CASEWORKERS
    queryset = Beneficiary.objects.none()
    serializer_class = BeneficiaryListSerializer
    filterset_class = BeneficiaryFilter
    ordering_fields = ["last_name", "birth_date", "created_at"]

    def scope_queryset(self, membership: Membership) -> QuerySet[Beneficiary]:
        people_qs = _beneficiaries_of(membership).select_related("commune")
        if self.action == "list":
            return people_qs.order_by("last_name", "first_name", "id")
        return _with_person_details(people_qs)

    def get_serializer_class(self):
        return (
            BeneficiaryDetailSerializer
            if self.action == "retrieve"
            else super().get_serializer_class()
        )

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        person = self.get_object()
        log_beneficiary_access(request._request, person, AccessLog.Kind.API)
        return Response(BeneficiaryDetailSerializer(person).data)

    def create(self, request: Request) -> Response:
        data = BeneficiaryInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        try:
            person = people.create_beneficiary(
                organization=self.organization,
                by=self.membership,
                data=data.person_data(),
                confirm_not_duplicate=data.validated_data["confirm_not_duplicate"],
            )
        except people.PossibleDuplicate as error:
            return _duplicate_response(error)
        return Response(self._detail(person), status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, partial: bool = False, **kwargs) -> Response:
        person = self.get_object()
        data = BeneficiaryInputSerializer(
            data=request.data, partial=partial, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        try:
            person = people.update_beneficiary(
                person,
                by=self.membership,
                data=data.person_data(),
                confirm_not_duplicate=data.validated_data.get("confirm_not_duplicate", False),
            )
        except people.PossibleDuplicate as error:
            return _duplicate_response(error)
        return Response(self._detail(person))

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @action(detail=True, methods=["post"])
    def contact(self, request: Request, id=None) -> Response:
        person = self.get_object()
        data = ContactInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = contacts.record_contact(person, by=self.membership, on=data.validated_data["on"])
        return Response(ContactSerializer(person).data)

    def _detail(self, person: Beneficiary) -> dict:
        people_qs = _beneficiaries_of(self.membership).select_related("commune")
        return BeneficiaryDetailSerializer(_with_person_details(people_qs).get(pk=person.pk)).data


# --- /api/v1/cases/ ------------------------------------------------------------------------


class CaseListSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    status = serializers.ChoiceField(choices=CaseStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    beneficiary = PersonSummarySerializer(read_only=True)
    advisor = StaffSummarySerializer(read_only=True, allow_null=True)
    site = SiteSummarySerializer(read_only=True, allow_null=True)
    origin = serializers.ChoiceField(choices=Case.Origin.choices, read_only=True)
    opened_on = serializers.DateField(read_only=True)
    closed_on = serializers.DateField(read_only=True, allow_null=True)
    exit_reason = serializers.ChoiceField(
        choices=Case.ExitReason.choices, read_only=True, allow_blank=True
    )


class CaseBarrierSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    code = serializers.CharField(source="barrier.code", read_only=True)
    label = serializers.CharField(source="barrier.label", read_only=True)
    category = serializers.CharField(source="barrier.category.label", read_only=True)
    status = serializers.ChoiceField(choices=CaseBarrier.Status.choices, read_only=True)
    severity = serializers.IntegerField(read_only=True)
    identified_on = serializers.DateField(read_only=True)


class TransitionSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=CaseStatus.choices, read_only=True)
    label = serializers.CharField(read_only=True)


class BeneficiaryOfCaseSerializer(PersonSummarySerializer):
    sex = serializers.ChoiceField(choices=Beneficiary.Sex.choices, read_only=True)
    phone = serializers.CharField(read_only=True)
    email = OptionalEmailField(read_only=True)
    commune = CommuneSerializer(read_only=True, allow_null=True)
    labour_market_status = serializers.ChoiceField(
        choices=Beneficiary.LabourMarketStatus.choices, read_only=True
    )
    driving_licence = serializers.ChoiceField(
        choices=Beneficiary.DrivingLicence.choices, read_only=True
    )


class CaseDetailSerializer(CaseListSerializer):
    beneficiary = BeneficiaryOfCaseSerializer(read_only=True)
    origin_detail = serializers.CharField(read_only=True)
    objective = serializers.CharField(read_only=True)
    job_start_date = serializers.DateField(read_only=True, allow_null=True)
    on_hold_reason = serializers.CharField(read_only=True)
    funding_agreements = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, pk_field=serializers.UUIDField()
    )
    current_barriers = CaseBarrierSerializer(many=True, read_only=True)
    allowed_transitions = serializers.SerializerMethodField()

    @extend_schema_field(TransitionSerializer(many=True))
    def get_allowed_transitions(self, case: Case) -> list[dict[str, str]]:
        return [
            {"to_status": to_status, "label": label}
            for to_status, label in case.allowed_transitions().items()
        ]


class CaseCreateSerializer(serializers.Serializer):
    beneficiary = ScopedRelatedField(
        scope=_beneficiaries_of, help_text="Identifiant de la personne accompagnée."
    )
    opened_on = serializers.DateField(
        required=False, help_text="Date d'entrée (aujourd'hui par défaut)."
    )
    advisor = ScopedRelatedField(
        scope=_caseworkers_of,
        required=False,
        allow_null=True,
        help_text="Identifiant de l'appartenance du ou de la conseiller·e référent·e.",
    )
    site = ScopedRelatedField(scope=_sites_of, required=False, allow_null=True)
    origin = serializers.ChoiceField(choices=Case.Origin.choices, default=Case.Origin.DIRECT)
    origin_detail = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True
    )
    objective = serializers.CharField(required=False, default="", allow_blank=True)
    job_start_date = serializers.DateField(required=False, allow_null=True)
    funding_agreements = ScopedRelatedField(
        scope=_agreements_of,
        many=True,
        required=False,
        default=list,
        help_text="Identifiants des conventions qui financent l'accompagnement.",
    )


class CaseUpdateSerializer(serializers.Serializer):
    advisor = ScopedRelatedField(scope=_caseworkers_of, allow_null=True)
    site = ScopedRelatedField(scope=_sites_of, allow_null=True)
    objective = serializers.CharField(allow_blank=True)


class CaseTransitionInputSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(
        choices=CaseStatus.choices,
        help_text="Statut visé ; pour clôturer, utilisez l'action `close`.",
    )
    comment = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class CaseCloseSerializer(serializers.Serializer):
    """The exit questionnaire: the person's situation within four weeks of the exit."""

    exit_date = serializers.DateField(help_text="Date de sortie (AAAA-MM-JJ).")
    exit_reason = serializers.ChoiceField(choices=Case.ExitReason.choices)
    situation = serializers.ChoiceField(choices=Situation.choices)
    qualification_gained = serializers.BooleanField(required=False, default=False)
    licence_gained = serializers.BooleanField(required=False, default=False)
    mobility_autonomy = serializers.BooleanField(required=False, default=False)
    comment = serializers.CharField(required=False, default="", allow_blank=True)


class CaseFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(
        choices=CaseStatus.choices, help_text="Statut (répétez le paramètre pour plusieurs)."
    )
    advisor = filters.UUIDFilter(
        field_name="advisor_id", help_text="Identifiant de l'appartenance du ou de la conseiller·e."
    )
    site = filters.UUIDFilter(field_name="site_id", help_text="Identifiant du site.")
    origin = filters.ChoiceFilter(choices=Case.Origin.choices, help_text="Origine.")
    opened_after = filters.DateFilter(
        field_name="opened_on", lookup_expr="gte", help_text="Entrés à partir de cette date."
    )
    opened_before = filters.DateFilter(
        field_name="opened_on", lookup_expr="lte", help_text="Entrés jusqu'à cette date incluse."
    )
    q = filters.CharFilter(
        method="filter_q", help_text="Recherche par nom de la personne, accents ignorés."
    )

    class Meta:
        model = Case
        fields = ["status", "advisor", "site", "origin", "opened_after", "opened_before", "q"]

    def filter_q(self, queryset, name, value):
        people_qs = Beneficiary.objects.for_organization(self.request.organization)
        return queryset.filter(beneficiary__in=people_qs.search(value))


_CASE_ID = id_parameter("Identifiant de l'accompagnement.")


@extend_schema_view(
    list=extend_schema(
        summary="Accompagnements",
        description="Les accompagnements de la plateforme en cours (administration, conseil), "
        "filtrables par statut, conseiller·e, site, origine et date d'entrée.",
        responses={200: CaseListSerializer(many=True), **LIST_RESPONSES},
    ),
    retrieve=extend_schema(
        summary="Un accompagnement",
        description="L'accompagnement avec la personne, ses freins actuels et les changements de "
        "statut possibles. Celui d'une autre plateforme répond 404.",
        parameters=[_CASE_ID],
        responses={200: CaseDetailSerializer, **ERROR_RESPONSES},
    ),
    create=extend_schema(
        summary="Ouvrir un accompagnement",
        description="Ouvre l'accompagnement d'une personne déjà enregistrée, au statut "
        "« Accueil ». "
        "Refusé (400) si la personne a déjà un accompagnement en cours.",
        request=CaseCreateSerializer,
        responses={201: CaseDetailSerializer, **error_responses(400)},
    ),
    update=extend_schema(
        summary="Changer le ou la conseiller·e, le site ou l'objectif",
        parameters=[_CASE_ID],
        request=CaseUpdateSerializer,
        responses={200: CaseDetailSerializer, **error_responses(400)},
    ),
    partial_update=extend_schema(
        summary="Changer le ou la conseiller·e, le site ou l'objectif (en partie)",
        parameters=[_CASE_ID],
        request=CaseUpdateSerializer,
        responses={200: CaseDetailSerializer, **error_responses(400)},
    ),
    transition=extend_schema(
        summary="Changer le statut d'un accompagnement",
        description="Passe au statut demandé si le parcours le permet (sinon 400 avec la raison). "
        "La clôture passe par l'action `close` et son questionnaire de sortie.",
        parameters=[_CASE_ID],
        request=CaseTransitionInputSerializer,
        responses={200: CaseDetailSerializer, **error_responses(400)},
    ),
    close=extend_schema(
        summary="Clôturer un accompagnement",
        description="Clôture un accompagnement « Sortie en cours » avec le questionnaire de sortie "
        "et programme les suivis à 3 et 6 mois. Une date de sortie avant l'entrée ou dans le "
        "futur est refusée (400).",
        parameters=[_CASE_ID],
        request=CaseCloseSerializer,
        responses={200: CaseDetailSerializer, **error_responses(400)},
    ),
)
@extend_schema(tags=["accompagnements"])
class CaseViewSet(
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The cases of the platform in force, their lifecycle and exit, for admins and advisors."""

    allowed_kinds = PLATFORMS
    allowed_roles = CASEWORKERS
    queryset = Case.objects.none()
    serializer_class = CaseListSerializer
    filterset_class = CaseFilter
    ordering_fields = ["opened_on", "closed_on", "status"]

    def scope_queryset(self, membership: Membership) -> QuerySet[Case]:
        cases = _cases_of(membership).with_list_data()
        if self.action == "list":
            return cases.order_by("-opened_on", "-created_at", "id")
        return _with_case_details(cases)

    def get_serializer_class(self):
        if self.action == "list":
            return CaseListSerializer
        return CaseDetailSerializer

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        case = self.get_object()
        log_beneficiary_access(request._request, case.beneficiary, AccessLog.Kind.API)
        return Response(CaseDetailSerializer(case).data)

    def create(self, request: Request) -> Response:
        data = self._valid(CaseCreateSerializer)
        case = lifecycle.open_case(by=self.membership, **data)
        return Response(self._detail(case), status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, partial: bool = False, **kwargs) -> Response:
        case = self.get_object()
        data = self._valid(CaseUpdateSerializer, partial=partial)
        case = people.update_case(
            case,
            by=self.membership,
            advisor=data.get("advisor", case.advisor),
            site=data.get("site", case.site),
            objective=data.get("objective", case.objective),
            origin=case.origin,
            origin_detail=case.origin_detail,
            job_start_date=case.job_start_date,
            funding_agreements=case.funding_agreements.all(),
        )
        return Response(self._detail(case))

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @action(detail=True, methods=["post"])
    def transition(self, request: Request, id=None) -> Response:
        case = self.get_object()
        data = self._valid(CaseTransitionInputSerializer)
        case = lifecycle.move_case(case, by=self.membership, **data)
        return Response(self._detail(case))

    @action(detail=True, methods=["post"])
    def close(self, request: Request, id=None) -> Response:
        case = self.get_object()
        data = self._valid(CaseCloseSerializer)
        case = lifecycle.close_case(case, by=self.membership, **data)
        return Response(self._detail(case))

    def _valid(self, serializer_class, *, partial: bool = False) -> dict[str, Any]:
        serializer = serializer_class(
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _detail(self, case: Case) -> dict:
        cases = _with_case_details(_cases_of(self.membership).with_list_data())
        return CaseDetailSerializer(cases.get(pk=case.pk)).data


# --- /api/v1/appointments/ -----------------------------------------------------------------


class CaseOfAppointmentSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    beneficiary = PersonSummarySerializer(read_only=True)


class AppointmentSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    case = CaseOfAppointmentSerializer(read_only=True)
    staff = StaffSummarySerializer(read_only=True, allow_null=True)
    site = SiteSummarySerializer(read_only=True, allow_null=True)
    kind = serializers.ChoiceField(choices=Appointment.Kind.choices, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    starts_at = serializers.DateTimeField(read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True)
    location = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Appointment.Status.choices, read_only=True)
    notes = serializers.CharField(read_only=True)


class AppointmentCreateSerializer(serializers.Serializer):
    case = ScopedRelatedField(scope=_cases_of, help_text="Identifiant de l'accompagnement.")
    staff = ScopedRelatedField(
        scope=_staff_of,
        required=False,
        allow_null=True,
        default=None,
        help_text="Identifiant de l'appartenance du membre de l'équipe qui reçoit la personne.",
    )
    site = ScopedRelatedField(scope=_sites_of, required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=Appointment.Kind.choices)
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(min_value=5, max_value=600, default=60)
    location = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class AppointmentUpdateSerializer(serializers.Serializer):
    staff = ScopedRelatedField(scope=_staff_of, allow_null=True)
    site = ScopedRelatedField(scope=_sites_of, allow_null=True)
    kind = serializers.ChoiceField(choices=Appointment.Kind.choices)
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(min_value=5, max_value=600)
    location = serializers.CharField(max_length=200, allow_blank=True)
    status = serializers.ChoiceField(
        choices=Appointment.Status.choices,
        help_text="Pour noter un rendez-vous honoré, annulé ou manqué.",
    )
    notes = serializers.CharField(allow_blank=True, help_text="Compte rendu.")

    PLANNING_FIELDS = ("staff", "site", "kind", "starts_at", "duration_minutes", "location")


class AppointmentFilter(filters.FilterSet):
    starts_at = filters.DateFromToRangeFilter(
        help_text="Période : `starts_at_after` et `starts_at_before` (AAAA-MM-JJ, inclus)."
    )
    case = filters.UUIDFilter(field_name="case_id", help_text="Identifiant de l'accompagnement.")
    staff = filters.UUIDFilter(field_name="staff_id", help_text="Identifiant du membre reçu.")
    status = filters.ChoiceFilter(choices=Appointment.Status.choices, help_text="Statut.")

    class Meta:
        model = Appointment
        fields = ["starts_at", "case", "staff", "status"]


_APPOINTMENT_ID = id_parameter("Identifiant du rendez-vous.")


@extend_schema_view(
    list=extend_schema(
        summary="Rendez-vous individuels",
        description="Les rendez-vous de la plateforme en cours ; un·e formateur·rice ne voit que "
        "les siens, en lecture seule.",
        responses={200: AppointmentSerializer(many=True), **LIST_RESPONSES},
    ),
    retrieve=extend_schema(
        summary="Un rendez-vous",
        parameters=[_APPOINTMENT_ID],
        responses={200: AppointmentSerializer, **ERROR_RESPONSES},
    ),
    create=extend_schema(
        summary="Planifier un rendez-vous",
        description="Planifie un rendez-vous individuel pour la personne d'un accompagnement "
        "(administration, conseil). Refusé (400) pour un accompagnement clôturé ou archivé.",
        request=AppointmentCreateSerializer,
        responses={201: AppointmentSerializer, **error_responses(400)},
    ),
    update=extend_schema(
        summary="Modifier un rendez-vous",
        description="Déplace ou modifie un rendez-vous prévu, ou note son déroulement (statut et "
        "compte rendu).",
        parameters=[_APPOINTMENT_ID],
        request=AppointmentUpdateSerializer,
        responses={200: AppointmentSerializer, **error_responses(400)},
    ),
    partial_update=extend_schema(
        summary="Modifier une partie d'un rendez-vous",
        parameters=[_APPOINTMENT_ID],
        request=AppointmentUpdateSerializer,
        responses={200: AppointmentSerializer, **error_responses(400)},
    ),
)
@extend_schema(tags=["rendez-vous"])
class AppointmentViewSet(
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Individual appointments: caseworkers plan them, a coach reads the ones he holds."""

    allowed_kinds = PLATFORMS
    allowed_roles = PLATFORM_STAFF
    action_roles = dict.fromkeys(WRITE_ACTIONS, CASEWORKERS)
    queryset = Appointment.objects.none()
    serializer_class = AppointmentSerializer
    filterset_class = AppointmentFilter
    ordering_fields = ["starts_at"]

    def scope_queryset(self, membership: Membership) -> QuerySet[Appointment]:
        return (
            Appointment.objects.visible_to(membership)
            .select_related("case__beneficiary", "staff__user", "site")
            .order_by("starts_at", "id")
        )

    def create(self, request: Request) -> Response:
        serializer = AppointmentCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        appointment = session_services.schedule_appointment(
            by=self.membership, **serializer.validated_data
        )
        return Response(self._read(appointment), status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, partial: bool = False, **kwargs) -> Response:
        appointment = self.get_object()
        serializer = AppointmentUpdateSerializer(
            data=request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            if any(name in data for name in AppointmentUpdateSerializer.PLANNING_FIELDS):
                appointment = session_services.update_appointment(
                    appointment=appointment,
                    by=self.membership,
                    **{
                        name: data.get(name, getattr(appointment, name))
                        for name in AppointmentUpdateSerializer.PLANNING_FIELDS
                    },
                )
            if "status" in data or "notes" in data:
                appointment = session_services.set_appointment_status(
                    appointment=appointment,
                    by=self.membership,
                    status=data.get("status", appointment.status),
                    notes=data.get("notes", appointment.notes),
                )
        return Response(self._read(appointment))

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def _read(self, appointment: Appointment) -> dict:
        return AppointmentSerializer(self.get_queryset().get(pk=appointment.pk)).data


def register(router) -> None:
    """Register this app's viewsets on the API router."""
    router.register("beneficiaries", BeneficiaryViewSet, basename="beneficiary")
    router.register("cases", CaseViewSet, basename="case")
    router.register("appointments", AppointmentViewSet, basename="appointment")
