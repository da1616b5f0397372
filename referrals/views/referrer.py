"""The referrer's pages: directory, referral form, confirmation, « Mes prescriptions »."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from organizations.errors import DomainError
from organizations.models import Organization, Territory

from .. import directory, services
from ..forms import (
    AttachmentForm,
    CommentForm,
    DirectoryForm,
    ReferralForm,
    StatusFilterForm,
)
from ..models import (
    Referral,
)
from .common import (
    GET_POST,
    PAGE_SIZE,
    Status,
    attachment_for,
    form_step,
    referral_for,
    referrer_required,
    show_error,
)


@referrer_required
@require_GET
def directory_view(request: HttpRequest) -> HttpResponse:
    """Find the platforms that cover the person's commune, with what they offer and contacts."""
    form = DirectoryForm(request.GET or None)
    context = {"form": form, "commune": None, "covering": [], "nearby": [], "aids": None}
    if form.is_bound and form.is_valid():
        commune = form.cleaned_data["commune"]
        covering, nearby = directory.platforms_for(commune)
        context.update(
            commune=commune, covering=covering, nearby=nearby,
            aids=directory.matching_aids(request.membership, commune=commune),
        )  # fmt: skip
    return render(request, "referrals/directory.html", context)


def _initial_from_query(request: HttpRequest) -> dict:
    initial = {}
    platform = (
        Organization.objects.platforms()
        .active()
        .filter(pk=_uuid_or_none(request.GET.get("platform")))
        .first()
    )
    if platform:
        initial["organization"] = platform
    commune = Territory.objects.communes().filter(code=request.GET.get("commune", "")[:9]).first()
    if commune:
        initial["commune"] = commune
    return initial


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None


def _coverage_warning(form: ReferralForm, referral: Referral | None = None) -> str:
    """Warn, before sending, when the chosen platform does not cover the person's commune."""
    if form.is_bound:
        values = getattr(form, "cleaned_data", {})
        platform, commune = values.get("organization"), values.get("commune")
    elif referral is not None:
        platform, commune = referral.organization, referral.commune
    else:
        platform, commune = form.initial.get("organization"), form.initial.get("commune")
    known = isinstance(platform, Organization) and isinstance(commune, Territory)
    if known and not services.covers(platform, commune):
        return (
            f"{platform.name} ne couvre pas {commune.name}. Vous pouvez quand même orienter "
            "la personne vers elle en expliquant pourquoi."
        )
    return ""


def _save_referral(request: HttpRequest, form: ReferralForm, referral: Referral | None):
    """Save the draft (and send it if asked); return the referral, or None if refused."""
    send = request.POST.get("action") == "send"
    data = form.referral_data()
    platform = form.cleaned_data["organization"]
    barriers = form.cleaned_data["barriers"]
    try:
        if referral is None:
            return services.create_referral(
                by=request.membership, platform=platform, data=data, barriers=barriers,
                attachments=form.attachments(), send=send,
            )  # fmt: skip
        return services.update_referral(
            referral, by=request.membership, platform=platform, data=data, barriers=barriers,
            attachments=form.attachments(), send=send,
        )  # fmt: skip
    except DomainError as error:
        show_error(request, form, error)
        return None


def _after_save(request: HttpRequest, referral: Referral) -> HttpResponse:
    if referral.status == Status.SENT:
        messages.success(request, f"Prescription envoyée à {referral.organization.name}.")
        return redirect("referrals:confirmation", referral.id)
    messages.success(request, "Brouillon enregistré : vous pouvez le compléter plus tard.")
    return redirect("referrals:edit", referral.id)


@referrer_required
@GET_POST
def create(request: HttpRequest) -> HttpResponse:
    """Write a referral: save it as a draft or send it (consent required to send)."""
    if request.method == "POST":
        form = ReferralForm(request.POST, request.FILES)
        if form.is_valid():
            referral = _save_referral(request, form, None)
            if referral is not None:
                return _after_save(request, referral)
    else:
        form = ReferralForm(initial=_initial_from_query(request))
    return _form_page(request, form, None)


def _form_page(request: HttpRequest, form: ReferralForm, referral: Referral | None):
    context = {
        "form": form,
        "referral": referral,
        "coverage_warning": _coverage_warning(form, referral),
        "file_lost": bool(request.FILES) and bool(form.errors),
        "attachments": referral.attachments.all() if referral else [],
        "attachment_form": AttachmentForm(),
    }
    return render(request, "referrals/form.html", context)


@referrer_required
@GET_POST
def edit(request: HttpRequest, referral_id) -> HttpResponse:
    """Complete a draft, then send it."""
    referral = referral_for(request, referral_id)
    if not referral.is_draft:
        messages.info(request, "Cette prescription est envoyée : elle ne se modifie plus.")
        return redirect("referrals:detail", referral.id)
    if request.method == "POST":
        form = ReferralForm(request.POST, request.FILES, instance=referral)
        if form.is_valid():
            saved = _save_referral(request, form, referral)
            if saved is not None:
                return _after_save(request, saved)
    else:
        form = ReferralForm(instance=referral)
    return _form_page(request, form, referral)


@referrer_required
@GET_POST
def draft_delete(request: HttpRequest, referral_id) -> HttpResponse:
    """Delete a draft never sent (after confirmation)."""
    referral = referral_for(request, referral_id)
    if request.method == "POST":
        try:
            services.delete_draft(referral, by=request.membership)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("referrals:detail", referral.id)
        messages.success(request, "Brouillon supprimé.")
        return redirect("referrals:sent")
    return render(request, "referrals/confirm.html", {
        "referral": referral, "title": "Supprimer ce brouillon ?", "form": None,
        "action": reverse("referrals:draft_delete", args=[referral.id]),
        "button": "Supprimer le brouillon", "danger": True,
        "explanation": "Le brouillon et ses pièces jointes seront supprimés définitivement.",
    })  # fmt: skip


@referrer_required
@require_GET
def confirmation(request: HttpRequest, referral_id) -> HttpResponse:
    """Confirm the sending and tell what happens next."""
    referral = referral_for(request, referral_id)
    delays = services.settings_for(referral.organization)
    return render(request, "referrals/confirmation.html", {"referral": referral, "delays": delays})


@referrer_required
@require_GET
def sent_list(request: HttpRequest) -> HttpResponse:
    """« Mes prescriptions »: status, dates, next appointment and outcome of each person sent."""
    form = StatusFilterForm(request.GET, choices=Status.choices)
    referrals = (
        Referral.objects.visible_to(request.membership)
        .with_follow_up(timezone.now())
        .select_related("organization", "commune", "sender__user")
        .order_by("-created_at", "id")
    )
    if form.is_valid() and form.cleaned_data["status"]:
        referrals = referrals.filter(status=form.cleaned_data["status"])
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "referrals/sent_list.html",
        {"page": page, "form": form, "query": query.urlencode()},
    )


@referrer_required
@GET_POST
def withdraw(request: HttpRequest, referral_id) -> HttpResponse:
    """The referrer withdraws a referral not decided yet (after confirmation)."""
    return form_step(
        request, referral_id, form_class=CommentForm, template="referrals/withdraw.html",
        success="Prescription retirée : la plateforme est prévenue.",
        step=lambda r, data: services.withdraw_referral(r, by=request.membership, **data),
    )  # fmt: skip


@referrer_required
@require_POST
def attachment_add(request: HttpRequest, referral_id) -> HttpResponse:
    """Join a file to a referral not decided yet."""
    referral = referral_for(request, referral_id)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_attachment(
                referral, by=request.membership, uploaded_file=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
            )  # fmt: skip
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Pièce jointe ajoutée.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    target = "referrals:edit" if referral.is_draft else "referrals:detail"
    return redirect(target, referral.id)


@referrer_required
@require_POST
def attachment_delete(request: HttpRequest, referral_id, attachment_id) -> HttpResponse:
    """Remove a file from a draft."""
    attachment = attachment_for(request, referral_id, attachment_id)
    try:
        services.delete_attachment(attachment, by=request.membership)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Pièce jointe retirée.")
    return redirect("referrals:edit", referral_id)
