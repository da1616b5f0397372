"""API endpoints of the fleet: /api/v1/vehicles/ (read) and /api/v1/loans/ (reserve, check out,
check in, extend, cancel). Every write calls a service, so the API follows the rules of the web
pages; a double booking answers 409 with a French ``detail``."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases.models import Case
from organizations.api import (
    ERROR_RESPONSES,
    LIST_RESPONSES,
    ErrorSerializer,
    OrganizationScopedMixin,
    error_responses,
    id_parameter,
)
from organizations.models import Membership, Organization

from . import services
from .checklists import DAMAGE_CHECKLISTS, VehicleKind
from .models import Accessory, Inspection, Loan, SolidarityPricing, Vehicle

Role = Membership.Role
FLEET_ROLES = (Role.ADMIN, Role.ADVISOR)
PLATFORMS = (Organization.Kind.PLATFORM,)
ALL_DAMAGE_CODES = sorted({code for items in DAMAGE_CHECKLISTS.values() for code, _ in items})


CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description="Double réservation : le véhicule est déjà réservé ou prêté sur une partie de la "
    "période demandée.",
)


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


def _cases_of(membership: Membership) -> QuerySet[Case]:
    return Case.objects.visible_to(membership).select_related("beneficiary")


def _vehicles_of(membership: Membership) -> QuerySet[Vehicle]:
    return Vehicle.objects.visible_to(membership)


def _pricings_of(membership: Membership) -> QuerySet[SolidarityPricing]:
    return SolidarityPricing.objects.for_organization(membership.organization).select_related(
        "agreement"
    )


def _accessories_of(membership: Membership) -> QuerySet[Accessory]:
    return Accessory.objects.for_organization(membership.organization)


# --- Output -----------------------------------------------------------------------------------


class VehicleSiteSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)


class VehicleSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    code = serializers.CharField(read_only=True, help_text="Numéro de parc.")
    kind = serializers.ChoiceField(choices=VehicleKind.choices, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    make = serializers.CharField(read_only=True)
    model_name = serializers.CharField(read_only=True)
    plate = serializers.CharField(read_only=True)
    frame_number = serializers.CharField(read_only=True)
    marking = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Vehicle.Status.choices, read_only=True)
    site = VehicleSiteSerializer(read_only=True, allow_null=True)
    insurer = serializers.CharField(read_only=True)
    policy_number = serializers.CharField(read_only=True)
    insurance_expiry = serializers.DateField(read_only=True, allow_null=True)
    odometer_km = serializers.IntegerField(read_only=True)
    daily_fee = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    monthly_fee = serializers.DecimalField(
        max_digits=8, decimal_places=2, read_only=True, allow_null=True
    )
    deposit_amount = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    acquired_on = serializers.DateField(read_only=True, allow_null=True)


class LoanVehicleSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    code = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=VehicleKind.choices, read_only=True)
    label = serializers.CharField(read_only=True)


class LoanPersonSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    full_name = serializers.CharField(read_only=True)


class LoanAccessorySerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    kind = serializers.ChoiceField(choices=Accessory.Kind.choices, read_only=True)
    label = serializers.CharField(source="__str__", read_only=True)


class LoanInspectionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Inspection.Kind.choices, read_only=True)
    odometer_km = serializers.IntegerField(read_only=True)
    energy_level = serializers.IntegerField(read_only=True, allow_null=True)
    damages = serializers.ListField(child=serializers.CharField(), read_only=True)
    comments = serializers.CharField(read_only=True)
    performed_at = serializers.DateTimeField(read_only=True)


class LoanExtensionSerializer(serializers.Serializer):
    previous_end_date = serializers.DateField(read_only=True)
    new_end_date = serializers.DateField(read_only=True)
    reason = serializers.CharField(read_only=True)
    price_before = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    price_after = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    at = serializers.DateTimeField(read_only=True)


class LoanSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    vehicle = LoanVehicleSerializer(read_only=True)
    case = serializers.UUIDField(source="case_id", read_only=True)
    person = LoanPersonSerializer(source="case.beneficiary", read_only=True)
    start_date = serializers.DateField(read_only=True, help_text="Jour du départ.")
    end_date = serializers.DateField(
        read_only=True,
        help_text="Jour du retour prévu (exclu de la période : un autre prêt peut commencer ce "
        "jour-là).",
    )
    status = serializers.ChoiceField(choices=Loan.Status.choices, read_only=True)
    pricing_mode = serializers.ChoiceField(choices=Loan.PricingMode.choices, read_only=True)
    solidarity_pricing = serializers.UUIDField(
        source="solidarity_pricing_id", read_only=True, allow_null=True
    )
    daily_fee = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    monthly_fee = serializers.DecimalField(
        max_digits=8, decimal_places=2, read_only=True, allow_null=True
    )
    price_total = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    deposit_amount = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    deposit_status = serializers.ChoiceField(choices=Loan.DepositStatus.choices, read_only=True)
    deposit_retained_amount = serializers.DecimalField(
        max_digits=8, decimal_places=2, read_only=True
    )
    deposit_retained_reason = serializers.CharField(read_only=True)
    checked_out_at = serializers.DateTimeField(read_only=True, allow_null=True)
    returned_at = serializers.DateTimeField(read_only=True, allow_null=True)


class LoanDetailSerializer(LoanSerializer):
    accessories = LoanAccessorySerializer(many=True, read_only=True)
    inspections = LoanInspectionSerializer(many=True, read_only=True)
    extensions = LoanExtensionSerializer(many=True, read_only=True)
    cancel_reason = serializers.CharField(read_only=True)
    notes = serializers.CharField(read_only=True)


# --- Input ------------------------------------------------------------------------------------


class ReservationSerializer(serializers.Serializer):
    case = ScopedRelatedField(scope=_cases_of, help_text="Identifiant de l'accompagnement.")
    vehicle = ScopedRelatedField(scope=_vehicles_of, help_text="Identifiant du véhicule.")
    start_date = serializers.DateField(help_text="Jour du départ (AAAA-MM-JJ).")
    end_date = serializers.DateField(help_text="Jour du retour, exclu (AAAA-MM-JJ).")
    pricing_mode = serializers.ChoiceField(
        choices=Loan.PricingMode.choices, default=Loan.PricingMode.DAILY
    )
    solidarity_pricing = ScopedRelatedField(
        scope=_pricings_of, required=False, allow_null=True, help_text="Tarif solidaire."
    )
    deposit_amount = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        required=False,
        allow_null=True,
        min_value=0,
        help_text="Caution ; par défaut celle du véhicule.",
    )
    accessories = ScopedRelatedField(scope=_accessories_of, many=True, required=False)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class _InspectionInput(serializers.Serializer):
    odometer_km = serializers.IntegerField(min_value=0, help_text="Relevé du compteur (km).")
    energy_level = serializers.IntegerField(
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        default=None,
        help_text="Niveau de carburant ou de charge, en % (véhicules à moteur, électriques).",
    )
    damages = serializers.ListField(
        child=serializers.ChoiceField(choices=ALL_DAMAGE_CODES),
        required=False,
        default=list,
        help_text="Codes des éléments abîmés, dans la liste de contrôle du type de véhicule.",
    )
    comments = serializers.CharField(required=False, allow_blank=True, default="")


class CheckOutSerializer(_InspectionInput):
    accessories = ScopedRelatedField(
        scope=_accessories_of,
        many=True,
        required=False,
        help_text="Accessoires remis ; par défaut ceux de la réservation.",
    )
    deposit_received = serializers.BooleanField(
        required=False, default=False, help_text="Vrai si la caution est reçue à la remise."
    )


class CheckInSerializer(_InspectionInput):
    accessories_returned = ScopedRelatedField(
        scope=_accessories_of, many=True, required=False, default=list
    )
    deposit_retained_amount = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=0, required=False, default=0
    )
    deposit_retained_reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=250
    )


class ExtendSerializer(serializers.Serializer):
    new_end_date = serializers.DateField(help_text="Nouveau jour de retour (AAAA-MM-JJ).")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=250)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=250, help_text="Motif de l'annulation.")


# --- Filters ----------------------------------------------------------------------------------


class VehicleFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=VehicleKind.choices)
    status = filters.ChoiceFilter(choices=Vehicle.Status.choices)
    site = filters.UUIDFilter(field_name="site_id")

    class Meta:
        model = Vehicle
        fields = ["kind", "status", "site"]


class LoanFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Loan.Status.choices)
    vehicle = filters.UUIDFilter(field_name="vehicle_id")
    case = filters.UUIDFilter(field_name="case_id")

    class Meta:
        model = Loan
        fields = ["status", "vehicle", "case"]


# --- Viewsets ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Véhicules du parc",
        description="Les vélos, scooters et voitures de la plateforme en cours, avec leur statut.",
        responses={200: VehicleSerializer(many=True), **LIST_RESPONSES},
    ),
    retrieve=extend_schema(
        summary="Un véhicule",
        parameters=[id_parameter("Identifiant du véhicule.")],
        responses={200: VehicleSerializer, **ERROR_RESPONSES},
    ),
)
@extend_schema(tags=["véhicules"])
class VehicleViewSet(
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The fleet of the platform in force, for its admins and advisors."""

    allowed_kinds = PLATFORMS
    allowed_roles = FLEET_ROLES
    queryset = Vehicle.objects.none()
    serializer_class = VehicleSerializer
    filterset_class = VehicleFilter
    ordering_fields = ["code", "kind", "status"]

    def scope_queryset(self, membership: Membership) -> QuerySet[Vehicle]:
        return _vehicles_of(membership).with_list_data().order_by("kind", "code", "id")


def _loan_response(loan: Loan, code: int = status.HTTP_200_OK) -> Response:
    loan = (
        Loan.objects.with_list_data()
        .prefetch_related("accessories", "inspections", "extensions")
        .get(pk=loan.pk)
    )
    return Response(LoanDetailSerializer(loan).data, status=code)


@extend_schema_view(
    list=extend_schema(
        summary="Prêts de véhicules",
        description="Les réservations et prêts de la plateforme en cours.",
        responses={200: LoanSerializer(many=True), **LIST_RESPONSES},
    ),
    retrieve=extend_schema(
        summary="Un prêt",
        description="Le prêt avec ses accessoires, ses états des lieux et ses prolongations.",
        parameters=[id_parameter("Identifiant du prêt.")],
        responses={200: LoanDetailSerializer, **ERROR_RESPONSES},
    ),
    create=extend_schema(
        summary="Réserver un véhicule",
        description="Réserve un véhicule pour la personne d'un accompagnement sur la période "
        "[start_date, end_date) : un prêt peut commencer le jour où le précédent se termine. "
        "Un véhicule déjà réservé sur une partie de la période répond 409.",
        request=ReservationSerializer,
        responses={201: LoanDetailSerializer, 409: CONFLICT, **error_responses(400)},
    ),
)
@extend_schema(tags=["prêts de véhicules"])
class LoanViewSet(
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Reservations and loans of the platform in force, for its admins and advisors."""

    allowed_kinds = PLATFORMS
    allowed_roles = FLEET_ROLES
    queryset = Loan.objects.none()
    serializer_class = LoanSerializer
    filterset_class = LoanFilter
    ordering_fields = ["start_date", "end_date", "status"]

    def scope_queryset(self, membership: Membership) -> QuerySet[Loan]:
        loans = Loan.objects.visible_to(membership).with_list_data()
        if self.action == "retrieve":
            inspections = Inspection.objects.order_by("performed_at", "id")
            loans = loans.prefetch_related(
                "accessories", "extensions", Prefetch("inspections", queryset=inspections)
            )
        return loans.order_by("-start_date", "id")

    def get_serializer_class(self):
        return LoanDetailSerializer if self.action == "retrieve" else super().get_serializer_class()

    def _input(self, serializer_class) -> dict:
        data = serializer_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def create(self, request: Request) -> Response:
        data = self._input(ReservationSerializer)
        loan = services.reserve(by=self.membership, **data)
        return _loan_response(loan, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remettre le véhicule (départ)",
        description="Enregistre l'état des lieux de départ après les vérifications (permis, âge, "
        "assurance, caution, entretien) ; chaque refus dit sa raison.",
        parameters=[id_parameter("Identifiant du prêt.")],
        request=CheckOutSerializer,
        responses={200: LoanDetailSerializer, **error_responses(400)},
    )
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request: Request, id=None) -> Response:
        loan = self.get_object()
        data = self._input(CheckOutSerializer)
        if "accessories" not in data:
            data["accessories"] = None
        return _loan_response(services.check_out(loan, by=self.membership, **data))

    @extend_schema(
        summary="Enregistrer le retour",
        description="Enregistre l'état des lieux de retour et solde la caution. Refusé avant le "
        "départ, ou si le compteur recule.",
        parameters=[id_parameter("Identifiant du prêt.")],
        request=CheckInSerializer,
        responses={200: LoanDetailSerializer, **error_responses(400)},
    )
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, id=None) -> Response:
        loan = self.get_object()
        data = self._input(CheckInSerializer)
        return _loan_response(services.check_in(loan, by=self.membership, **data))

    @extend_schema(
        summary="Prolonger le prêt",
        description="Reporte le jour du retour, dans la limite du tarif solidaire et des autres "
        "réservations du véhicule (409 si la prolongation empiète sur l'une d'elles).",
        parameters=[id_parameter("Identifiant du prêt.")],
        request=ExtendSerializer,
        responses={200: LoanDetailSerializer, 409: CONFLICT, **error_responses(400)},
    )
    @action(detail=True, methods=["post"])
    def extend(self, request: Request, id=None) -> Response:
        loan = self.get_object()
        data = self._input(ExtendSerializer)
        return _loan_response(services.extend(loan, by=self.membership, **data))

    @extend_schema(
        summary="Annuler la réservation",
        description="Annule une réservation dont le véhicule n'est pas parti.",
        parameters=[id_parameter("Identifiant du prêt.")],
        request=CancelSerializer,
        responses={200: LoanDetailSerializer, **error_responses(400)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, id=None) -> Response:
        loan = self.get_object()
        data = self._input(CancelSerializer)
        return _loan_response(services.cancel(loan, by=self.membership, **data))


def register(router) -> None:
    """Register this app's viewsets on the API router."""
    router.register("vehicles", VehicleViewSet, basename="vehicle")
    router.register("loans", LoanViewSet, basename="loan")
