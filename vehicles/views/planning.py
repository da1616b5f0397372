"""The planning (vehicles by days) and the fleet utilisation over a period."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..checklists import VehicleKind
from ..forms import PlanningForm, UtilisationForm
from ..models import Loan, MaintenanceRecord, Vehicle
from ..planning import days_of, planning_rows, utilisation
from .common import fleet_staff_required


def _fleet_rows(request: HttpRequest, start, end, kind: str = ""):
    """The vehicles in service during [start, end), their loans and garage stays: 3 queries."""
    vehicles = (
        Vehicle.objects.visible_to(request.membership)
        .filter(Q(retired_on__isnull=True) | Q(retired_on__gt=start))
        .select_related("site")
        .order_by("kind", "code", "id")
    )
    loans = (
        Loan.objects.visible_to(request.membership)
        .exclude(status=Loan.Status.CANCELLED)
        .filter(start_date__lt=end)
        .filter(Q(end_date__gt=start) | Q(status=Loan.Status.OVERDUE))
        .select_related("case__beneficiary")
    )
    stays = MaintenanceRecord.objects.for_organization(request.organization).overlapping(start, end)
    if kind:
        vehicles = vehicles.filter(kind=kind)
        loans = loans.filter(vehicle__kind=kind)
        stays = stays.filter(vehicle__kind=kind)
    return list(vehicles), list(loans), list(stays)


@fleet_staff_required
@require_GET
def planning(request: HttpRequest) -> HttpResponse:
    """Vehicles by days: reservations, loans (late ones in red) and garage stays."""
    form = PlanningForm(request.GET or None)
    start, days, kind = form.period()
    end = start + timedelta(days=days)
    today = timezone.localdate()
    vehicles, loans, stays = _fleet_rows(request, start, end, kind)
    context = {
        "form": form,
        "start": start,
        "end": end,
        "days": days_of(start, days, today),
        "rows": planning_rows(vehicles, loans, stays, start=start, days=days, today=today),
        "previous": start - timedelta(days=days),
        "next": end,
        "span": days,
        "kind": kind,
        "kinds": VehicleKind.choices,
    }
    return render(request, "vehicles/planning.html", context)


@fleet_staff_required
@require_GET
def utilisation_view(request: HttpRequest) -> HttpResponse:
    """Loan-days over available days, by vehicle and by kind, over a period."""
    form = UtilisationForm(request.GET or None)
    start, end = form.period()
    vehicles, loans, stays = _fleet_rows(request, start, end)
    by_vehicle, by_kind, total = utilisation(
        vehicles, loans, stays, start=start, end=end, today=timezone.localdate()
    )
    context = {
        "form": form,
        "start": start,
        "end": end,
        "last_day": end - timedelta(days=1),
        "by_vehicle": by_vehicle,
        "by_kind": by_kind,
        "total": total,
    }
    return render(request, "vehicles/utilisation.html", context)


urlpatterns = [
    path("vehicules/planning/", planning, name="planning"),
    path("vehicules/utilisation/", utilisation_view, name="utilisation"),
]
