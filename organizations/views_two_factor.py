"""Two-factor pages of one's own account: the code at login, enrolment, backup codes, disabling."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods

from . import two_factor
from .errors import DomainError
from .forms import TwoFactorCodeForm

GET_POST = require_http_methods(["GET", "POST"])


def _next_url(request: HttpRequest) -> str:
    """The page to go back to, if it is one of ours; else the home page."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("home")


def _with_next(url_name: str, request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next")
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': wanted})}" if wanted else url


@GET_POST
def verify(request: HttpRequest) -> HttpResponse:
    """Second step of the login: the code of the application (or a backup code)."""
    if two_factor.is_verified(request):
        return redirect(_next_url(request))
    if not two_factor.has_two_factor(request.user):
        return redirect(_with_next("accounts:two_factor_setup", request))
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor.complete_login(request=request, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            left = two_factor.backup_codes_left(request.user)
            if left <= 3:
                messages.warning(
                    request,
                    f"Il vous reste {left} code(s) de secours : renouvelez-les depuis votre "
                    "profil.",
                )
            return redirect(_next_url(request))
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
    return render(request, "accounts/two_factor_verify.html", context)


@GET_POST
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authentication application: scan the QR code, confirm with a first code."""
    user = request.user
    if two_factor.has_two_factor(user):
        if two_factor.is_verified(request):
            messages.info(request, "La double authentification est déjà activée sur votre compte.")
            return redirect("accounts:profile")
        # Enrolled in another session: this one still has to give a code.
        request.session[two_factor.PENDING_SESSION_KEY] = True
        return redirect(_with_next("accounts:two_factor_verify", request))
    device = two_factor.start_enrolment(user=user)
    form = TwoFactorCodeForm(request.POST or None, backup_allowed=False)
    if request.method == "POST" and form.is_valid():
        try:
            _device, codes = two_factor.confirm_enrolment(
                user=user, code=form.cleaned_data["code"], request=request
            )
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            request.session[two_factor.NEW_CODES_SESSION_KEY] = codes
            messages.success(request, "La double authentification est activée sur votre compte.")
            return redirect(_with_next("accounts:two_factor_backup_codes", request))
    context = {
        "form": form,
        "qr_code": two_factor.qr_code_data_uri(device),
        "secret": two_factor.secret_for_display(device),
        "required": two_factor.user_requires_two_factor(user),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@GET_POST
def backup_codes(request: HttpRequest) -> HttpResponse:
    """Show the backup codes just generated (once), or renew them."""
    if two_factor.has_two_factor(request.user) and not two_factor.is_verified(request):
        # New codes would let a password alone in: the code comes first.
        return redirect(_with_next("accounts:two_factor_verify", request))
    if request.method == "POST":
        try:
            codes = two_factor.renew_backup_codes(user=request.user, request=request)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("accounts:profile")
        request.session[two_factor.NEW_CODES_SESSION_KEY] = codes
        messages.success(
            request, "Vos codes de secours sont renouvelés : les anciens ne marchent plus."
        )
        return redirect("accounts:two_factor_backup_codes")
    context = {
        "codes": request.session.pop(two_factor.NEW_CODES_SESSION_KEY, []),
        "left": two_factor.backup_codes_left(request.user),
        "enabled": two_factor.has_two_factor(request.user),
        "next": request.GET.get("next", ""),
    }
    return render(request, "accounts/two_factor_backup_codes.html", context)


@GET_POST
def disable(request: HttpRequest) -> HttpResponse:
    """Turn two-factor authentication off, with a current code, when no rule requires it."""
    if not two_factor.has_two_factor(request.user):
        messages.info(request, "La double authentification n'est pas activée sur votre compte.")
        return redirect("accounts:profile")
    required = two_factor.user_requires_two_factor(request.user)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and not required and form.is_valid():
        try:
            two_factor.disable_two_factor(
                user=request.user, code=form.cleaned_data["code"], request=request
            )
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            messages.success(request, "La double authentification est désactivée sur votre compte.")
            return redirect("accounts:profile")
    return render(request, "accounts/two_factor_disable.html", {"form": form, "required": required})
