"""The platform's FSE+ page: the common indicators of an FSE+ agreement over a period, their
definitions, and the participant file for the managing authority."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from organizations.models import FundingAgreement, Membership, Organization
from organizations.tenancy import export_right_required, role_required

from ..forms_fse import FsePeriodForm
from ..fse import definitions as fse_definitions
from ..fse import fse_table, participations_frame
from ..fse_export import log_export, participant_export, write_csv
from ..scopes import agreement_scope, is_suppressed_for, visible_agreements

Role = Membership.Role
Kind = Organization.Kind

fse_staff_required = role_required(Role.ADMIN, Role.ADVISOR, kinds=(Kind.PLATFORM,))
# The definitions hold no tenant data: funders read them beside the figures they receive.
definitions_readers_required = role_required(
    Role.ADMIN, Role.ADVISOR, Role.FUNDER, kinds=(Kind.PLATFORM, Kind.FUNDER)
)
EXPORT_REFUSED = (
    "L'export des participants FSE+ est réservé aux administrateur·rices de la plateforme et "
    "aux conseiller·es qui ont le droit d'export des données personnelles."
)


def fse_agreements(membership: Membership) -> QuerySet[FundingAgreement]:
    """The platform's own agreements co-financed by the FSE+."""
    return (
        visible_agreements(membership)
        .filter(organization=membership.organization, is_fse_plus=True)
        .order_by("-start_date", "programme", "pk")
    )


def _chosen(request: HttpRequest, agreements: list[FundingAgreement]) -> FundingAgreement | None:
    """The agreement named by ``?convention=``, else the latest; an unknown one is a 404."""
    wanted = request.GET.get("convention")
    if not wanted:
        return agreements[0] if agreements else None
    for agreement in agreements:
        if str(agreement.pk) == wanted:
            return agreement
    raise Http404("Convention FSE+ introuvable.")


@fse_staff_required
@require_GET
def indicators(request: HttpRequest) -> HttpResponse:
    """The FSE+ indicators of one agreement, by sex, and the participant export."""
    membership = request.membership
    agreements = list(fse_agreements(membership))
    agreement = _chosen(request, agreements)
    context: dict = {"agreements": agreements, "agreement": agreement, "rows": None}
    if agreement is not None:
        form = FsePeriodForm(request.GET, agreements=agreements, agreement=agreement)
        context["form"] = form
        if form.is_valid():
            scope = agreement_scope(agreement)
            participations = participations_frame(scope)
            context["period"] = form.period
            context["rows"] = fse_table(
                scope,
                form.period,
                suppress=is_suppressed_for(membership, scope),
                participations=participations,
            )
            if membership.may_export_personal_data:
                context["export"] = participant_export(
                    agreement, form.period, scope=scope, participations=participations
                )
    return render(request, "reporting/fse/indicators.html", context)


@fse_staff_required
@export_right_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """Download the participant file (CSV) of an agreement and a period; consent enforced."""
    membership = request.membership
    agreements = list(fse_agreements(membership))
    agreement = _chosen(request, agreements)
    if agreement is None:
        raise Http404("Convention FSE+ introuvable.")
    form = FsePeriodForm(request.GET, agreements=agreements, agreement=agreement)
    if not form.is_valid():
        messages.error(request, "Période invalide : corrigez les dates avant d'exporter.")
        return redirect(f"{reverse('fse:indicators')}?{request.GET.urlencode()}")
    participants = participant_export(agreement, form.period)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{participants.filename}"'
    write_csv(participants, response)
    log_export(request, participants, participants.rows, channel="CSV", security_log=False)
    return response


@definitions_readers_required
@require_GET
def definitions(request: HttpRequest) -> HttpResponse:
    """What each FSE+ indicator counts, how Mobicase computes it, and what is confirmed."""
    return render(request, "reporting/fse/definitions.html", {"definitions": fse_definitions()})
