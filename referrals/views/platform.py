"""The platform's pages: inbox, answers (accept, hold, refuse, transfer…), figures, delays."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from cases.services.people import PossibleDuplicate, find_possible_duplicates
from organizations.errors import DomainError

from .. import services
from ..forms import (
    AcceptForm,
    CommentForm,
    HoldForm,
    PeriodForm,
    RefuseForm,
    SettingsForm,
    TransferForm,
)
from ..models import (
    PENDING_STATUSES,
    Referral,
)
from ..stats import platform_figures
from .common import (
    GET_POST,
    PAGE_SIZE,
    Role,
    form_step,
    platform_admin_required,
    platform_required,
    referral_for,
    run_step,
    show_error,
)


@platform_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """« Prescriptions reçues »: new, in review, on hold, by urgency; or every one received."""
    referrals = (
        Referral.objects.visible_to(request.membership)
        .select_related("sender_organization", "sender__user", "commune", "original_platform")
    )  # fmt: skip
    if request.GET.get("vue") == "toutes":
        page = Paginator(referrals.order_by("-received_at", "id"), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        return render(request, "referrals/inbox_all.html", {"page": page})
    pending = list(referrals.filter(status__in=PENDING_STATUSES).by_urgency())
    sections = [(status, [r for r in pending if r.status == status]) for status in PENDING_STATUSES]
    context = {"sections": sections, "now": timezone.now(), "total": len(pending)}
    template = "referrals/inbox.html"
    response = render(request, f"{template}#sections" if request.htmx else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@platform_required
@require_POST
def start_review(request: HttpRequest, referral_id) -> HttpResponse:
    """Tell the referrer the platform examines the referral."""
    return run_step(request, referral_id, services.start_review, "Examen commencé.")


@platform_required
@require_POST
def resume(request: HttpRequest, referral_id) -> HttpResponse:
    """Take a referral on hold back into examination."""
    return run_step(request, referral_id, services.resume_referral, "Examen repris.")


@platform_admin_required
@require_POST
def reopen(request: HttpRequest, referral_id) -> HttpResponse:
    """Reopen a refused or expired referral (platform admins)."""
    comment = request.POST.get("comment", "")[:500]
    return run_step(
        request, referral_id, services.reopen_referral, "Prescription rouverte.", comment=comment
    )


@platform_required
@GET_POST
def hold(request: HttpRequest, referral_id) -> HttpResponse:
    """Put the examination on hold, saying what is awaited."""
    return form_step(
        request, referral_id, form_class=HoldForm, template="referrals/hold.html",
        success="Prescription mise en attente : le prescripteur est prévenu.",
        step=lambda r, data: services.put_on_hold(r, by=request.membership, **data),
    )  # fmt: skip


@platform_required
@GET_POST
def refuse(request: HttpRequest, referral_id) -> HttpResponse:
    """Refuse with a structured reason."""
    return form_step(
        request, referral_id, form_class=RefuseForm, template="referrals/refuse.html",
        success="Prescription refusée : le prescripteur est prévenu.",
        step=lambda r, data: services.refuse_referral(r, by=request.membership, **data),
    )  # fmt: skip


@platform_required
@GET_POST
def transfer(request: HttpRequest, referral_id) -> HttpResponse:
    """Hand the referral to another platform; it then leaves this inbox."""
    return form_step(
        request, referral_id, form_class=TransferForm, template="referrals/transfer.html",
        success="Prescription transférée : elle quitte votre liste.",
        step=lambda r, data: services.transfer_referral(r, by=request.membership, **data),
        form_kwargs=lambda r: {"current": r.organization}, then="referrals:inbox",
    )  # fmt: skip


@platform_required
@GET_POST
def cancel(request: HttpRequest, referral_id) -> HttpResponse:
    """The person never came: cancel the accepted referral."""
    return form_step(
        request, referral_id, form_class=CommentForm, template="referrals/cancel.html",
        success="Prescription annulée : le prescripteur est prévenu.",
        step=lambda r, data: services.cancel_referral(r, by=request.membership, **data),
    )  # fmt: skip


@platform_required
@GET_POST
def accept(request: HttpRequest, referral_id) -> HttpResponse:
    """Accept: show the people already followed who may be this person, then open the case."""
    referral = referral_for(request, referral_id)
    duplicates = find_possible_duplicates(
        organization=referral.organization, first_name=referral.first_name,
        last_name=referral.last_name, birth_date=referral.birth_date,
    )  # fmt: skip
    caseworkers = services.caseworkers_of(referral.organization)
    initial = {"advisor": request.membership if request.membership.role == Role.ADVISOR else None}
    form = AcceptForm(
        request.POST or None, duplicates=duplicates, caseworkers=caseworkers, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        # "New person" confirms only the duplicates this form showed, not any found since.
        shown = set(request.POST.get("duplicates_shown", "").split(","))
        try:
            case = services.accept_referral(
                referral, by=request.membership, beneficiary=form.chosen_beneficiary(),
                confirm_not_duplicate={str(d.pk) for d in duplicates} <= shown,
                advisor=form.cleaned_data["advisor"],
            )  # fmt: skip
        except PossibleDuplicate as error:
            form.add_error(None, error.message)
        except DomainError as error:
            show_error(request, form, error)
        else:
            messages.success(request, "Prescription acceptée : l'accompagnement est ouvert.")
            return redirect("cases:case_detail", case.id)
    return render(
        request,
        "referrals/accept.html",
        {"referral": referral, "form": form, "duplicates": duplicates},
    )


@platform_required
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    """Response times, outcomes and acceptance rate, overall and by referrer organisation."""
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    total, by_sender = platform_figures(request.organization, start=start, end=end)
    context = {"form": form, "start": start, "end": end, "total": total, "by_sender": by_sender}
    template = "referrals/stats.html"
    response = render(request, f"{template}#summary" if request.htmx else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@platform_admin_required
@GET_POST
def settings_view(request: HttpRequest) -> HttpResponse:
    """The platform's delays: expiry of unanswered referrals, reminders to the team."""
    current = services.settings_for(request.organization)
    form = SettingsForm(
        request.POST or None,
        initial={"expiry_days": current.expiry_days, "reminder_days": current.reminder_days},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_settings(
                organization=request.organization, by=request.membership, **form.cleaned_data
            )
        except DomainError as error:
            show_error(request, form, error)
        else:
            messages.success(request, "Délais enregistrés.")
            return redirect("referrals:settings")
    return render(request, "referrals/settings.html", {"form": form})
