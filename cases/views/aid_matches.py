"""The catalogue aids a case's person matches, and starting an application from one."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases.catalog_profile import profile_for_case
from cases.models import AidApplication, Case
from cases.services.aid_matches import LIVE_STATUSES, prepare_aid_application
from catalog.matching import match_aids
from catalog.models import Aid
from organizations.errors import DomainError

from .common import caseworker_required, get_case_for


def aid_matches_context(request: HttpRequest, case: Case) -> dict:
    """The aids tab's catalogue part: matches for the person, with an optional distance."""
    raw = request.GET.get("distance", "").strip()
    distance = int(raw) if raw.isdigit() and int(raw) <= 1000 else None
    today = timezone.localdate()
    profile = profile_for_case(case, on=today, distance_to_work_km=distance)
    applied = AidApplication.objects.filter(case=case, status__in=LIVE_STATUSES).exclude(aid=None)
    return {
        "aid_matches": match_aids(profile, on=today, queryset=Aid.objects.published()),
        "applied_aid_ids": set(applied.values_list("aid_id", flat=True)),
        "aid_profile": profile,
        "distance": distance,
    }


@caseworker_required
@require_POST
def aid_prepare(request: HttpRequest, case_id, aid_id) -> HttpResponse:
    """Create a draft application prefilled from a catalogue aid, then let the advisor edit it."""
    case = get_case_for(request, case_id)
    aid = get_object_or_404(Aid.objects.published(), id=aid_id)
    try:
        application = prepare_aid_application(case=case, aid=aid, by=request.membership)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("cases:case_aids", case.id)
    messages.success(
        request, f"Demande « {application.aid_name} » préparée : complétez-la puis enregistrez."
    )
    return redirect("cases:aid_edit", case.id, application.id)


urlpatterns = [
    path(
        "accompagnements/<uuid:case_id>/aides/catalogue/<uuid:aid_id>/preparer/",
        aid_prepare,
        name="aid_prepare",
    ),
]
