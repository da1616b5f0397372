"""The FSE+ data of a case: its situation at entry and the answers to the sensitive questions."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from cases.forms_participations import ParticipationForm
from cases.models import Participation
from cases.services.participations import ENTRY_STEPS, update_participation
from organizations.errors import DomainError

from .common import caseworker_required, get_case_for, log_beneficiary_access


@caseworker_required
@require_http_methods(["GET", "POST"])
def participation_edit(request: HttpRequest, case_id) -> HttpResponse:
    """Show and correct the case's FSE+ data at entry."""
    case = get_case_for(request, case_id)
    participation = get_object_or_404(
        Participation.objects.for_organization(request.organization).select_related("commune"),
        case=case,
    )
    form = ParticipationForm(request.POST or None, instance=participation)
    if request.method == "POST" and form.is_valid():
        try:
            update_participation(participation, by=request.membership, data=form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "Données FSE+ à l'entrée enregistrées.")
            return redirect("cases:case_detail", case.id)
    log_beneficiary_access(request, case.beneficiary)
    context = {
        "case": case,
        "active_tab": "summary",
        "participation": participation,
        "form": form,
        "follows_the_file": case.status in ENTRY_STEPS,
    }
    return render(request, "cases/participation_form.html", context)


urlpatterns = [
    path(
        "accompagnements/<uuid:case_id>/fse-plus/",
        participation_edit,
        name="participation_edit",
    ),
]
