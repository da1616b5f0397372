"""Reservations and loans: the case tab, the reservation, check-out and check-in as guided
steps, extension, cancellation, the contract, and the waiting list."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.models import Case
from cases.views.common import get_case_for, log_beneficiary_access
from organizations.errors import DomainError

from .. import services
from ..checklists import compare_inspections, energy_label
from ..forms import (
    CancelForm,
    CheckInForm,
    CheckOutForm,
    ExtendForm,
    PeriodForm,
    ReservationForm,
    WaitingListForm,
)
from ..models import (
    Inspection,
    InspectionPhoto,
    Loan,
    MaintenanceRecord,
    Vehicle,
    WaitingListEntry,
)
from ..planning import free_vehicle_counts
from .common import add_domain_error, fleet_staff_required, get_loan, stream_file

GET_POST = require_http_methods(["GET", "POST"])
Status = Loan.Status
LIST_FILTERS = {
    "en-cours": ("En cours et réservés", Loan.objects.blocking),
    "en-retard": ("En retard", lambda: Loan.objects.filter(status=Status.OVERDUE)),
    "rendus": ("Rendus", lambda: Loan.objects.filter(status=Status.RETURNED)),
    "annules": ("Annulés", lambda: Loan.objects.filter(status=Status.CANCELLED)),
    "tous": ("Tous", Loan.objects.all),
}


# --- The case tab -----------------------------------------------------------------------------


@fleet_staff_required
@require_GET
def case_loans(request: HttpRequest, case_id) -> HttpResponse:
    """The « Prêts de véhicules » tab of a case: its loans and waiting-list entries."""
    case = get_case_for(request, case_id)
    log_beneficiary_access(request, case.beneficiary)
    loans = (
        Loan.objects.visible_to(request.membership)
        .filter(case=case)
        .select_related("vehicle", "solidarity_pricing")
        .order_by("-start_date", "-created_at")
    )
    waiting = (
        WaitingListEntry.objects.visible_to(request.membership)
        .filter(case=case)
        .select_related("site", "loan")
        .order_by("-created_at")
    )
    context = {"case": case, "active_tab": "loans", "loans": loans, "waiting": waiting}
    return render(request, "vehicles/case_loans.html", context)


def free_vehicles(request: HttpRequest, kind: str, start, end) -> QuerySet[Vehicle]:
    """Vehicles of that kind with no booking nor garage stay over [start, end)."""
    booked = Loan.objects.blocking().overlapping(start, end).values("vehicle_id")
    stays = MaintenanceRecord.objects.overlapping(start, end).values("vehicle_id")
    return (
        Vehicle.objects.visible_to(request.membership)
        .in_service()
        .filter(kind=kind)
        .exclude(pk__in=booked)
        .exclude(pk__in=stays)
        .select_related("site")
        .order_by("code", "id")
    )


@fleet_staff_required
@GET_POST
def loan_create(request: HttpRequest, case_id) -> HttpResponse:
    """Reserve a vehicle: choose a kind and a period, then one of the free vehicles."""
    case = get_case_for(request, case_id)
    if request.method == "POST":
        return _reserve(request, case)
    search = PeriodForm(request.GET or None)
    form = None
    if search.is_valid():
        data = search.cleaned_data
        vehicles = free_vehicles(request, data["kind"], data["start_date"], data["end_date"])
        form = ReservationForm(initial=data, case=case, vehicles=vehicles)
    return _reservation_page(request, case, search, form)


def _reserve(request: HttpRequest, case: Case) -> HttpResponse:
    every_vehicle = Vehicle.objects.visible_to(request.membership).in_service()
    form = ReservationForm(request.POST, case=case, vehicles=every_vehicle)
    if form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("kind")
        try:
            loan = services.reserve(case=case, by=request.membership, **data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                f"{loan.vehicle.code} réservé du {loan.start_date:%d/%m/%Y} au "
                f"{loan.end_date:%d/%m/%Y}.",
            )
            return redirect("vehicles:loan_detail", loan.pk)
    search = PeriodForm(request.POST)
    if search.is_valid():
        data = search.cleaned_data
        form.fields["vehicle"].queryset = free_vehicles(
            request, data["kind"], data["start_date"], data["end_date"]
        )
    return _reservation_page(request, case, search, form)


def _reservation_page(request, case, search, form) -> HttpResponse:
    context = {"case": case, "active_tab": "loans", "search": search, "form": form}
    return render(request, "vehicles/loan_create.html", context)


# --- Loans ------------------------------------------------------------------------------------


@fleet_staff_required
@require_GET
def loan_list(request: HttpRequest) -> HttpResponse:
    """Every loan of the platform, the late ones first."""
    current = request.GET.get("statut", "en-cours")
    if current not in LIST_FILTERS:
        current = "en-cours"
    loans = (
        LIST_FILTERS[current][1]()
        .for_organization(request.organization)
        .with_list_data()
        .order_by("end_date", "start_date", "id")
    )
    page = Paginator(loans, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": [(key, label) for key, (label, _) in LIST_FILTERS.items()],
        "current": current,
        "today": timezone.localdate(),
    }
    return render(request, "vehicles/loan_list.html", context)


def _inspections(loan: Loan) -> dict[str, Inspection]:
    rows = loan.inspections.prefetch_related("photos", "accessories_present").select_related(
        "performed_by"
    )
    return {inspection.kind: inspection for inspection in rows}


@fleet_staff_required
@require_GET
def loan_detail(request: HttpRequest, loan_id) -> HttpResponse:
    """A loan: period, price, deposit, inspections side by side with the differences."""
    loan = get_loan(request, loan_id)
    log_beneficiary_access(request, loan.case.beneficiary)
    inspections = _inspections(loan)
    departure = inspections.get(Inspection.Kind.CHECK_OUT)
    arrival = inspections.get(Inspection.Kind.CHECK_IN)
    kind = loan.vehicle.kind
    context = {
        "loan": loan,
        "vehicle": loan.vehicle,
        "person": loan.case.beneficiary,
        "departure": departure,
        "arrival": arrival,
        "departure_damages": departure.damage_labels(kind) if departure else [],
        "arrival_damages": arrival.damage_labels(kind) if arrival else [],
        "differences": compare_inspections(kind, departure, arrival),
        "energy_label": energy_label(kind),
        "extensions": loan.extensions.select_related("by"),
        "incidents": loan.incidents.all(),
        "today": timezone.localdate(),
    }
    return render(request, "vehicles/loan_detail.html", context)


@fleet_staff_required
@GET_POST
def loan_cancel(request: HttpRequest, loan_id) -> HttpResponse:
    loan = get_loan(request, loan_id)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel(loan, by=request.membership, reason=form.cleaned_data["reason"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Réservation annulée.")
            return redirect("vehicles:case_loans", loan.case_id)
    return render(request, "vehicles/loan_cancel.html", {"loan": loan, "form": form})


@fleet_staff_required
@GET_POST
def loan_check_out(request: HttpRequest, loan_id) -> HttpResponse:
    """Hand the vehicle over: checks, departure inspection, accessories, deposit."""
    loan = get_loan(request, loan_id)
    if loan.status != Status.RESERVED:
        messages.error(request, "Ce véhicule n'est pas (ou plus) en attente de départ.")
        return redirect("vehicles:loan_detail", loan.pk)
    form = CheckOutForm(request.POST or None, request.FILES or None, loan=loan)
    if request.method == "POST" and form.is_valid():
        try:
            services.check_out(loan, by=request.membership, **form.inspection_data())
        except services.NotEligible as error:
            for problem in error.problems:
                form.add_error(None, problem)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, "Véhicule remis. Imprimez le contrat de prêt et faites-le signer."
            )
            return redirect("vehicles:loan_detail", loan.pk)
    context = {
        "loan": loan,
        "form": form,
        "problems": services.eligibility_problems(loan, deposit_at_hand=True),
    }
    return render(request, "vehicles/loan_check_out.html", context)


@fleet_staff_required
@GET_POST
def loan_check_in(request: HttpRequest, loan_id) -> HttpResponse:
    """Take the vehicle back: return inspection compared with the departure, the deposit."""
    loan = get_loan(request, loan_id)
    if loan.status == Status.RESERVED:
        messages.error(
            request, "Ce véhicule n'est pas encore parti : enregistrez d'abord sa remise."
        )
        return redirect("vehicles:loan_detail", loan.pk)
    if not loan.is_out:
        messages.error(request, "Le retour de ce prêt est déjà enregistré.")
        return redirect("vehicles:loan_detail", loan.pk)
    departure = _inspections(loan).get(Inspection.Kind.CHECK_OUT)
    form = CheckInForm(request.POST or None, request.FILES or None, loan=loan, departure=departure)
    if request.method == "POST" and form.is_valid():
        try:
            services.check_in(loan, by=request.membership, **form.inspection_data())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Retour du véhicule enregistré.")
            return redirect("vehicles:loan_detail", loan.pk)
    context = {
        "loan": loan,
        "form": form,
        "departure": departure,
        "departure_damages": departure.damage_labels(loan.vehicle.kind) if departure else [],
        "energy_label": energy_label(loan.vehicle.kind),
    }
    return render(request, "vehicles/loan_check_in.html", context)


@fleet_staff_required
@GET_POST
def loan_extend(request: HttpRequest, loan_id) -> HttpResponse:
    loan = get_loan(request, loan_id)
    form = ExtendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            loan = services.extend(loan, by=request.membership, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                f"Prêt prolongé : retour le {loan.end_date:%d/%m/%Y}, prix "
                f"{services.french_amount(loan.price_total)}.",
            )
            return redirect("vehicles:loan_detail", loan.pk)
    return render(request, "vehicles/loan_extend.html", {"loan": loan, "form": form})


@fleet_staff_required
@require_GET
def loan_contract(request: HttpRequest, loan_id) -> HttpResponse:
    """Download the contract PDF, printing it first if it is missing or out of date."""
    loan = get_loan(request, loan_id)
    if not loan.contract:
        try:
            loan = services.store_contract(loan, by=request.membership)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("vehicles:loan_detail", loan.pk)
    name = slugify(f"contrat-pret-{loan.vehicle.code}-{loan.case.beneficiary.last_name}")
    return stream_file(loan.contract, filename=f"{name}.pdf")


@fleet_staff_required
@require_GET
def inspection_photo(request: HttpRequest, loan_id, photo_id) -> HttpResponse:
    loan = get_loan(request, loan_id)
    photos = InspectionPhoto.objects.filter(
        organization=request.organization, inspection__loan=loan
    )
    photo = get_object_or_404(photos, id=photo_id)
    return stream_file(photo.image, filename=f"etat-des-lieux-{photo.pk}.jpg", inline=True)


# --- Waiting list -----------------------------------------------------------------------------


@fleet_staff_required
@GET_POST
def waiting_add(request: HttpRequest, case_id) -> HttpResponse:
    case = get_case_for(request, case_id)
    form = WaitingListForm(
        request.POST or None, organization=request.organization, initial=request.GET.dict()
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.add_to_waiting_list(case=case, by=request.membership, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Personne inscrite sur la liste d'attente.")
            return redirect("vehicles:case_loans", case.pk)
    context = {"case": case, "active_tab": "loans", "form": form}
    return render(request, "vehicles/waiting_add.html", context)


@fleet_staff_required
@require_GET
def waiting_list(request: HttpRequest) -> HttpResponse:
    """People waiting for a vehicle, in order, with how many vehicles are free for them."""
    entries = list(
        WaitingListEntry.objects.visible_to(request.membership)
        .waiting()
        .select_related("case__beneficiary", "site")
        .order_by("created_at", "id")
    )
    counts = {}
    if entries:
        start = min(e.wanted_from for e in entries)
        end = max(e.wanted_until for e in entries)
        vehicles = list(
            Vehicle.objects.visible_to(request.membership).in_service().only("id", "kind")
        )
        loans = list(
            Loan.objects.for_organization(request.organization)
            .blocking()
            .overlapping(start, end)
            .only("vehicle_id", "start_date", "end_date")
        )
        stays = list(
            MaintenanceRecord.objects.for_organization(request.organization)
            .overlapping(start, end)
            .only("vehicle_id", "start_date", "end_date")
        )
        counts = free_vehicle_counts(entries, vehicles, loans, stays)
    rows = [(entry, counts.get(entry.pk, 0)) for entry in entries]
    return render(request, "vehicles/waiting_list.html", {"rows": rows})


@fleet_staff_required
@require_POST
def waiting_cancel(request: HttpRequest, entry_id) -> HttpResponse:
    entries = WaitingListEntry.objects.visible_to(request.membership)
    entry = get_object_or_404(entries, id=entry_id)
    try:
        services.cancel_waiting_entry(entry, by=request.membership)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Personne retirée de la liste d'attente.")
    if request.POST.get("next") == "case":
        return redirect("vehicles:case_loans", entry.case_id)
    return redirect("vehicles:waiting_list")


CASE = "accompagnements/<uuid:case_id>/prets/"
LOAN = "prets/<uuid:loan_id>/"
urlpatterns = [
    path(CASE, case_loans, name="case_loans"),
    path(f"{CASE}reserver/", loan_create, name="loan_create"),
    path(f"{CASE}liste-attente/", waiting_add, name="waiting_add"),
    path("prets/", loan_list, name="loan_list"),
    path("prets/liste-attente/", waiting_list, name="waiting_list"),
    path("prets/liste-attente/<uuid:entry_id>/retirer/", waiting_cancel, name="waiting_cancel"),
    path(LOAN, loan_detail, name="loan_detail"),
    path(f"{LOAN}annuler/", loan_cancel, name="loan_cancel"),
    path(f"{LOAN}depart/", loan_check_out, name="loan_check_out"),
    path(f"{LOAN}retour/", loan_check_in, name="loan_check_in"),
    path(f"{LOAN}prolonger/", loan_extend, name="loan_extend"),
    path(f"{LOAN}contrat/", loan_contract, name="loan_contract"),
    path(f"{LOAN}photos/<uuid:photo_id>/", inspection_photo, name="inspection_photo"),
]
