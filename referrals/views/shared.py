"""The pages of both sides: the referral, its thread, its files and summary, e-mail wishes."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from organizations.errors import DomainError

from .. import directory, services
from ..forms import (
    AttachmentForm,
    MessageForm,
    PreferencesForm,
)
from ..models import (
    Message,
    Referral,
    ReferralTransition,
)
from ..pdf import diagnostic_summary_pdf
from ..sharing import follow_up_for, shared_diagnostic
from .common import (
    GET_POST,
    Kind,
    attachment_for,
    either_side_required,
    referral_for,
    show_error,
)


def _detail_context(request: HttpRequest, referral: Referral) -> dict:
    membership = request.membership
    is_platform = referral.is_platform_side(membership)
    transitions = ReferralTransition.objects.filter(referral=referral).select_related(
        "by", "organization", "to_organization"
    )
    is_sender = referral.is_sender_side(membership)
    delays = services.settings_for(referral.organization)
    aids = None
    if is_sender and referral.commune_id:
        aids = directory.matching_aids(membership, commune=referral.commune, referral=referral)
    return {
        "referral": referral,
        "is_platform": is_platform,
        "is_sender": is_sender,
        "can": {kind: services.can(referral, kind) for kind in ReferralTransition.Kind.values},
        "transitions": transitions,
        "barriers": referral.barriers.select_related("category").order_by(
            "category__position", "position"
        ),
        "attachments": referral.attachments.select_related("uploaded_by"),
        "follow_up": follow_up_for(referral, now=timezone.now(), as_platform=is_platform),
        "diagnostic": shared_diagnostic(referral),
        "thread": thread_context(referral),
        "attachment_form": AttachmentForm(),
        "delays": delays,
        "expires_on": referral.expires_on(delays.expiry_days),
        "aids": aids,
    }


def message_form(referral: Referral, data=None) -> MessageForm:
    # Ids unique per referral: a case page may show several threads next to its note form.
    return MessageForm(data, auto_id=f"id_message_{referral.pk.hex[:8]}_%s")


def thread_context(referral: Referral, form: MessageForm | None = None) -> dict:
    thread = Message.objects.filter(referral=referral).select_related(
        "author__user", "author_organization"
    )
    return {"referral": referral, "messages_list": thread, "form": form or message_form(referral)}


@either_side_required
@require_GET
def detail(request: HttpRequest, referral_id) -> HttpResponse:
    """The referral page: each side sees its own fields (see DESIGN.md §3) and its actions."""
    referral = referral_for(request, referral_id)
    return render(request, "referrals/detail.html", _detail_context(request, referral))


@either_side_required
@GET_POST
def thread(request: HttpRequest, referral_id) -> HttpResponse:
    """The message thread (htmx partial); posting adds a message and mails the other side."""
    referral = referral_for(request, referral_id)
    form = message_form(referral, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_message(referral, by=request.membership, body=form.cleaned_data["body"])
        except DomainError as error:
            show_error(request, form, error)
        else:
            if not request.htmx:
                messages.success(request, "Message envoyé.")
                return redirect(reverse("referrals:detail", args=[referral.id]) + "#messages")
            form = None
    if not request.htmx and request.method == "GET":
        return redirect(reverse("referrals:detail", args=[referral.id]) + "#messages")
    response = render(request, "referrals/_thread.html", thread_context(referral, form))
    patch_vary_headers(response, ["HX-Request"])
    return response


@either_side_required
@require_GET
def attachment_download(request: HttpRequest, referral_id, attachment_id) -> FileResponse:
    """Stream a file of the referral to either side, never from a public URL."""
    attachment = attachment_for(request, referral_id, attachment_id)
    return FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
        content_type=attachment.content_type,
    )  # fmt: skip


@either_side_required
@require_GET
def diagnostic_pdf(request: HttpRequest, referral_id) -> HttpResponse:
    """The diagnostic summary as PDF, only if the person agreed to share it with the referrer."""
    referral = referral_for(request, referral_id)
    diagnostic = shared_diagnostic(referral)
    if diagnostic is None:
        messages.error(
            request,
            "La synthèse du diagnostic n'est pas disponible : la personne n'a pas accepté de la "
            "partager, ou le diagnostic n'est pas encore fait.",
        )
        return redirect("referrals:detail", referral.id)
    response = HttpResponse(
        diagnostic_summary_pdf(referral, diagnostic), content_type="application/pdf"
    )
    response["Content-Disposition"] = 'attachment; filename="synthese-diagnostic-mobilite.pdf"'
    return response


@either_side_required
@GET_POST
def preferences(request: HttpRequest) -> HttpResponse:
    """Choose the e-mails one receives about referrals, and the daily digest."""
    current = services.preferences_for(request.membership)
    is_platform = request.organization.kind == Kind.PLATFORM
    form = PreferencesForm(request.POST or None, instance=current, platform=is_platform)
    if request.method == "POST" and form.is_valid():
        services.update_preferences(
            by=request.membership,
            values={name: form.cleaned_data[name] for name in form.fields},
        )
        messages.success(request, "Préférences enregistrées.")
        return redirect("referrals:preferences")
    return render(request, "referrals/preferences.html", {"form": form})
