"""The fleet pages: vehicles, their maintenance and incidents, accessories, solidarity tariffs."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from organizations.errors import DomainError
from organizations.tenancy import uuid_or_404

from .. import services
from ..forms import (
    AccessoryForm,
    IncidentForm,
    MaintenanceFinishForm,
    MaintenancePlanForm,
    MaintenanceRecordForm,
    SolidarityPricingForm,
    VehicleFilterForm,
    VehicleForm,
)
from ..models import (
    OUT_STATUSES,
    Accessory,
    Incident,
    Loan,
    MaintenancePlan,
    MaintenanceRecord,
    SolidarityPricing,
    Vehicle,
    WaitingListEntry,
)
from .common import (
    add_domain_error,
    fleet_admin_required,
    fleet_staff_required,
    get_loan,
    get_vehicle,
    stream_file,
)

GET_POST = require_http_methods(["GET", "POST"])
FORM_PAGE = "vehicles/form_page.html"


def _form_page(request: HttpRequest, form, *, title: str, back: str, back_id=None) -> HttpResponse:
    """Render a form page; ``back`` (with ``back_id``) names the page the Cancel link opens."""
    context = {"form": form, "title": title, "back": back, "back_id": back_id}
    return render(request, FORM_PAGE, context)


# --- Vehicles ---------------------------------------------------------------------------------


@fleet_staff_required
@require_GET
def vehicle_list(request: HttpRequest) -> HttpResponse:
    """The « Parc de véhicules »: every vehicle with its status, current loan and next service."""
    organization, today = request.organization, timezone.localdate()
    filters = VehicleFilterForm(request.GET or None, organization=organization)
    vehicles = Vehicle.objects.visible_to(request.membership).with_list_data()
    if filters.is_valid():
        data = filters.cleaned_data
        vehicles = vehicles.filter(**{k: v for k, v in data.items() if v})
    out = Loan.objects.out().select_related("case__beneficiary").order_by("start_date")
    plans = MaintenancePlan.objects.active().order_by("next_due_on", "next_due_km")
    vehicles = vehicles.prefetch_related(
        Prefetch("loans", queryset=out, to_attr="current_loans"),
        Prefetch("maintenance_plans", queryset=plans, to_attr="active_plans"),
    ).order_by("kind", "code", "id")
    waiting = WaitingListEntry.objects.visible_to(request.membership).waiting().count()
    context = {
        "filters": filters,
        "vehicles": vehicles,
        "today": today,
        "soon": today + timedelta(days=30),
        "waiting_count": waiting,
    }
    return render(request, "vehicles/vehicle_list.html", context)


@fleet_staff_required
@GET_POST
def vehicle_create(request: HttpRequest) -> HttpResponse:
    form = VehicleForm(
        request.POST or None, request.FILES or None, organization=request.organization
    )
    if request.method == "POST" and form.is_valid():
        try:
            vehicle = services.create_vehicle(
                organization=request.organization, by=request.membership, data=form.vehicle_data()
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Véhicule {vehicle.code} ajouté au parc.")
            return redirect("vehicles:vehicle_detail", vehicle.pk)
    return _form_page(request, form, title="Nouveau véhicule", back="vehicles:vehicle_list")


@fleet_staff_required
@require_GET
def vehicle_detail(request: HttpRequest, vehicle_id) -> HttpResponse:
    """A vehicle: status, next maintenance, loan history, incidents, garage stays."""
    vehicle = get_vehicle(request, vehicle_id)
    today = timezone.localdate()
    plans = list(vehicle.maintenance_plans.order_by("-is_active", "next_due_on", "label"))
    loans = vehicle.loans.select_related("case__beneficiary").order_by("-start_date", "-created_at")
    context = {
        "vehicle": vehicle,
        "today": today,
        "plans": plans,
        "due_plans": [p for p in plans if p.is_due(today, vehicle.odometer_km)],
        "records": vehicle.maintenance_records.select_related("plan").order_by("-start_date"),
        "loans": loans,
        "incidents": vehicle.incidents.all(),
        "accessories": vehicle.accessories.order_by("kind", "label"),
        "insurance_ok": not vehicle.is_motorised or vehicle.insurance_valid_until(today),
    }
    return render(request, "vehicles/vehicle_detail.html", context)


@fleet_staff_required
@GET_POST
def vehicle_edit(request: HttpRequest, vehicle_id) -> HttpResponse:
    vehicle = get_vehicle(request, vehicle_id)
    form = VehicleForm(
        request.POST or None,
        request.FILES or None,
        instance=vehicle,
        organization=request.organization,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_vehicle(vehicle, by=request.membership, data=form.vehicle_data())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Fiche du véhicule enregistrée.")
            return redirect("vehicles:vehicle_detail", vehicle.pk)
    return _form_page(
        request,
        form,
        title=f"Modifier {vehicle.code}",
        back="vehicles:vehicle_detail",
        back_id=vehicle.pk,
    )


@fleet_staff_required
@require_POST
def vehicle_retire(request: HttpRequest, vehicle_id) -> HttpResponse:
    vehicle = get_vehicle(request, vehicle_id)
    try:
        services.retire_vehicle(vehicle, by=request.membership)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{vehicle.code} est retiré du parc.")
    return redirect("vehicles:vehicle_detail", vehicle.pk)


@fleet_staff_required
@require_GET
def vehicle_photo(request: HttpRequest, vehicle_id) -> HttpResponse:
    vehicle = get_vehicle(request, vehicle_id)
    if not vehicle.photo:
        return HttpResponse(status=404)
    return stream_file(vehicle.photo, filename=f"{vehicle.code}.jpg", inline=True)


# --- Maintenance ------------------------------------------------------------------------------


@fleet_staff_required
@GET_POST
def plan_create(request: HttpRequest, vehicle_id) -> HttpResponse:
    return _plan_form(request, get_vehicle(request, vehicle_id), None)


@fleet_staff_required
@GET_POST
def plan_edit(request: HttpRequest, vehicle_id, plan_id) -> HttpResponse:
    vehicle = get_vehicle(request, vehicle_id)
    plan = get_object_or_404(vehicle.maintenance_plans.all(), id=plan_id)
    return _plan_form(request, vehicle, plan)


def _plan_form(request: HttpRequest, vehicle: Vehicle, plan: MaintenancePlan | None):
    initial = {"is_active": True}
    if plan is not None:
        fields = ("label", "interval_days", "interval_km", "after_each_loan", "is_active")
        initial = {name: getattr(plan, name) for name in fields}
    form = MaintenancePlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_maintenance_plan(
                vehicle=vehicle, plan=plan, by=request.membership, **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Plan d'entretien enregistré.")
            return redirect("vehicles:vehicle_detail", vehicle.pk)
    title = "Nouveau plan d'entretien" if plan is None else f"Plan « {plan.label} »"
    return _form_page(
        request,
        form,
        title=f"{title} · {vehicle.code}",
        back="vehicles:vehicle_detail",
        back_id=vehicle.pk,
    )


@fleet_staff_required
@GET_POST
def maintenance_create(request: HttpRequest, vehicle_id) -> HttpResponse:
    vehicle = get_vehicle(request, vehicle_id)
    initial = {"start_date": timezone.localdate(), "odometer_km": vehicle.odometer_km}
    form = MaintenanceRecordForm(request.POST or None, vehicle=vehicle, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_maintenance(vehicle=vehicle, by=request.membership, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Entretien enregistré.")
            return redirect("vehicles:vehicle_detail", vehicle.pk)
    return _form_page(
        request,
        form,
        title=f"Entretien de {vehicle.code}",
        back="vehicles:vehicle_detail",
        back_id=vehicle.pk,
    )


@fleet_staff_required
@GET_POST
def maintenance_finish(request: HttpRequest, vehicle_id, record_id) -> HttpResponse:
    vehicle = get_vehicle(request, vehicle_id)
    record = get_object_or_404(MaintenanceRecord.objects.filter(vehicle=vehicle), id=record_id)
    form = MaintenanceFinishForm(request.POST or None, initial={"cost": record.cost})
    if request.method == "POST" and form.is_valid():
        try:
            services.finish_maintenance(record, by=request.membership, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"{vehicle.code} est revenu du garage.")
            return redirect("vehicles:vehicle_detail", vehicle.pk)
    return _form_page(
        request,
        form,
        title=f"Fin de l'entretien « {record.label} »",
        back="vehicles:vehicle_detail",
        back_id=vehicle.pk,
    )


# --- Incidents --------------------------------------------------------------------------------


@fleet_staff_required
@GET_POST
def incident_create(request: HttpRequest, vehicle_id) -> HttpResponse:
    vehicle = get_vehicle(request, vehicle_id)
    initial = {}
    if request.GET.get("pret"):
        initial["loan"] = get_loan(request, uuid_or_404(request.GET["pret"])).pk
    form = IncidentForm(request.POST or None, vehicle=vehicle, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.record_incident(
                vehicle=vehicle,
                loan=form.cleaned_data["loan"],
                by=request.membership,
                data=form.incident_data(),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"{incident.get_kind_display()} enregistré.")
            if incident.loan_id:
                return redirect("vehicles:loan_detail", incident.loan_id)
            return redirect("vehicles:vehicle_detail", vehicle.pk)
    return _form_page(
        request,
        form,
        title=f"Incident sur {vehicle.code}",
        back="vehicles:vehicle_detail",
        back_id=vehicle.pk,
    )


@fleet_staff_required
@GET_POST
def incident_edit(request: HttpRequest, vehicle_id, incident_id) -> HttpResponse:
    vehicle = get_vehicle(request, vehicle_id)
    incident = get_object_or_404(Incident.objects.filter(vehicle=vehicle), id=incident_id)
    fields = ("kind", "occurred_on", "loan", "description", "reference", "cost", "borne_by")
    initial = {name: getattr(incident, name) for name in fields}
    initial["resolved_on"] = incident.resolved_on
    form = IncidentForm(request.POST or None, vehicle=vehicle, initial=initial)
    form.fields["loan"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.update_incident(incident, by=request.membership, data=form.incident_data())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Incident mis à jour.")
            return redirect("vehicles:vehicle_detail", vehicle.pk)
    return _form_page(
        request,
        form,
        title=f"Incident du {incident.occurred_on:%d/%m/%Y}",
        back="vehicles:vehicle_detail",
        back_id=vehicle.pk,
    )


# --- Accessories ------------------------------------------------------------------------------


@fleet_staff_required
@require_GET
def accessory_list(request: HttpRequest) -> HttpResponse:
    accessories = (
        Accessory.objects.for_organization(request.organization)
        .select_related("vehicle")
        .annotate(out_count=Count("loans", filter=Q(loans__status__in=OUT_STATUSES)))
        .order_by("-is_active", "kind", "label", "id")
    )
    return render(request, "vehicles/accessory_list.html", {"accessories": accessories})


@fleet_staff_required
@GET_POST
def accessory_create(request: HttpRequest) -> HttpResponse:
    return _accessory_form(request, None)


@fleet_staff_required
@GET_POST
def accessory_edit(request: HttpRequest, accessory_id) -> HttpResponse:
    accessories = Accessory.objects.for_organization(request.organization)
    return _accessory_form(request, get_object_or_404(accessories, id=accessory_id))


def _accessory_form(request: HttpRequest, accessory: Accessory | None) -> HttpResponse:
    initial = {"is_active": True}
    if accessory is not None:
        names = ("kind", "label", "serial_number", "vehicle", "is_active", "notes")
        initial = {name: getattr(accessory, name) for name in names}
    form = AccessoryForm(request.POST or None, organization=request.organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_accessory(
                organization=request.organization,
                accessory=accessory,
                by=request.membership,
                **form.cleaned_data,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Accessoire enregistré.")
            return redirect("vehicles:accessory_list")
    title = "Nouvel accessoire" if accessory is None else f"Modifier « {accessory} »"
    return _form_page(request, form, title=title, back="vehicles:accessory_list")


# --- Solidarity tariffs -----------------------------------------------------------------------


@fleet_admin_required
@require_GET
def pricing_list(request: HttpRequest) -> HttpResponse:
    pricings = (
        SolidarityPricing.objects.for_organization(request.organization)
        .select_related("agreement__funder")
        .annotate(loan_count=Count("loans"))
        .order_by("-is_active", "label", "id")
    )
    return render(request, "vehicles/pricing_list.html", {"pricings": pricings})


@fleet_admin_required
@GET_POST
def pricing_create(request: HttpRequest) -> HttpResponse:
    return _pricing_form(request, None)


@fleet_admin_required
@GET_POST
def pricing_edit(request: HttpRequest, pricing_id) -> HttpResponse:
    pricings = SolidarityPricing.objects.for_organization(request.organization)
    return _pricing_form(request, get_object_or_404(pricings, id=pricing_id))


def _pricing_form(request: HttpRequest, pricing: SolidarityPricing | None) -> HttpResponse:
    initial = {"is_active": True, "daily_fee": 1, "max_days": 60}
    if pricing is not None:
        names = ("agreement", "label", "daily_fee", "max_days", "is_active")
        initial = {name: getattr(pricing, name) for name in names}
    form = SolidarityPricingForm(
        request.POST or None, organization=request.organization, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_solidarity_pricing(
                organization=request.organization,
                pricing=pricing,
                by=request.membership,
                **form.cleaned_data,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Tarif solidaire enregistré.")
            return redirect("vehicles:pricing_list")
    title = "Nouveau tarif solidaire" if pricing is None else f"Modifier « {pricing.label} »"
    return _form_page(request, form, title=title, back="vehicles:pricing_list")


VEHICLE = "vehicules/<uuid:vehicle_id>/"
urlpatterns = [
    path("vehicules/", vehicle_list, name="vehicle_list"),
    path("vehicules/nouveau/", vehicle_create, name="vehicle_create"),
    path("vehicules/accessoires/", accessory_list, name="accessory_list"),
    path("vehicules/accessoires/nouveau/", accessory_create, name="accessory_create"),
    path("vehicules/accessoires/<uuid:accessory_id>/", accessory_edit, name="accessory_edit"),
    path("vehicules/tarifs-solidaires/", pricing_list, name="pricing_list"),
    path("vehicules/tarifs-solidaires/nouveau/", pricing_create, name="pricing_create"),
    path("vehicules/tarifs-solidaires/<uuid:pricing_id>/", pricing_edit, name="pricing_edit"),
    path(VEHICLE, vehicle_detail, name="vehicle_detail"),
    path(f"{VEHICLE}modifier/", vehicle_edit, name="vehicle_edit"),
    path(f"{VEHICLE}retirer/", vehicle_retire, name="vehicle_retire"),
    path(f"{VEHICLE}photo/", vehicle_photo, name="vehicle_photo"),
    path(f"{VEHICLE}entretien/plans/nouveau/", plan_create, name="plan_create"),
    path(f"{VEHICLE}entretien/plans/<uuid:plan_id>/", plan_edit, name="plan_edit"),
    path(f"{VEHICLE}entretien/nouveau/", maintenance_create, name="maintenance_create"),
    path(
        f"{VEHICLE}entretien/<uuid:record_id>/fin/",
        maintenance_finish,
        name="maintenance_finish",
    ),
    path(f"{VEHICLE}incidents/nouveau/", incident_create, name="incident_create"),
    path(f"{VEHICLE}incidents/<uuid:incident_id>/", incident_edit, name="incident_edit"),
]
