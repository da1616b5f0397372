"""What every referral page shares: who may open it, the scoped fetch, the error display.

Every referral is fetched through ``Referral.objects.visible_to(membership)``: another
organisation's referral is a 404; a role that may not act is a 403 (decorators below).
"""

from __future__ import annotations

from django.contrib import messages
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from organizations.errors import DomainError
from organizations.models import Membership, Organization
from organizations.tenancy import role_required

from ..models import (
    Attachment,
    Referral,
    ReferralStatus,
)

Role = Membership.Role
Kind = Organization.Kind
Status = ReferralStatus
GET_POST = require_http_methods(["GET", "POST"])
PAGE_SIZE = 25

referrer_required = role_required(Role.ADMIN, Role.REFERRER, kinds=(Kind.REFERRER,))
platform_required = role_required(Role.ADMIN, Role.ADVISOR, kinds=(Kind.PLATFORM,))
platform_admin_required = role_required(Role.ADMIN, kinds=(Kind.PLATFORM,))
either_side_required = role_required(
    Role.ADMIN, Role.ADVISOR, Role.REFERRER, kinds=(Kind.PLATFORM, Kind.REFERRER)
)


def referral_for(request: HttpRequest, referral_id) -> Referral:
    """Return the referral if the member's organisation may open it, else 404."""
    referrals = Referral.objects.visible_to(request.membership).select_related(
        "organization", "sender_organization", "sender__user", "commune", "employer_commune",
        "original_platform", "case__beneficiary",
    )  # fmt: skip
    return get_object_or_404(referrals, id=referral_id)


def show_error(request: HttpRequest, form: BaseForm | None, error: DomainError) -> None:
    """Put a refused operation next to its field, or on top of the form, or as a message."""
    field = {"consent_given_on": "consent", "file": "attachment"}.get(
        error.field or "", error.field
    )
    if form is not None and field in form.fields:
        form.add_error(field, error.message)
    elif form is not None:
        form.add_error(None, error.message)
    else:
        messages.error(request, error.message)


def run_step(request: HttpRequest, referral_id, step, success: str, **kwargs) -> HttpResponse:
    """Run a one-click step of the platform or the referrer, then back to the referral page."""
    referral = referral_for(request, referral_id)
    try:
        step(referral, by=request.membership, **kwargs)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("referrals:detail", referral.id)


def form_step(
    request: HttpRequest,
    referral_id,
    *,
    form_class,
    template: str,
    step,
    success: str,
    form_kwargs=None,
    then: str = "referrals:detail",
) -> HttpResponse:
    """A step with a form page: show it, run ``step(referral, data)``, keep typing on error."""
    referral = referral_for(request, referral_id)
    form = form_class(request.POST or None, **(form_kwargs(referral) if form_kwargs else {}))
    if request.method == "POST" and form.is_valid():
        try:
            step(referral, form.cleaned_data)
        except DomainError as error:
            show_error(request, form, error)
        else:
            messages.success(request, success)
            return redirect(then, referral.id) if then == "referrals:detail" else redirect(then)
    return render(request, template, {"referral": referral, "form": form})


def attachment_for(request: HttpRequest, referral_id, attachment_id) -> Attachment:
    referral = referral_for(request, referral_id)
    return get_object_or_404(
        Attachment.objects.filter(referral=referral).select_related("referral"),
        id=attachment_id,
    )
