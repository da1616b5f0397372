"""Two-factor authentication: who must use it, where a session stands, and its operations.

A TOTP application (django-otp ``otp_totp``) is the second factor; ten single-use backup codes
(``otp_static``) are the way back in without the phone. A session is *verified* once a code was
accepted in it: django-otp's ``otp_device_id`` is then in the session. The operations below keep
one invariant so that the middleware can trust that key without a query per request: a session
holds a device id only while that device exists (enabling, disabling and an admin reset end the
user's other sessions).
"""

from __future__ import annotations

import logging
from base64 import b32encode
from typing import TYPE_CHECKING

import segno
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .errors import DomainError
from .models import Membership, SecurityEvent, User
from .security import record_security_event

if TYPE_CHECKING:
    from collections.abc import Iterable

logger = logging.getLogger(__name__)

# Set at login when the account has a confirmed device: the code is still to be typed.
PENDING_SESSION_KEY = "two_factor_pending"
# The backup codes just generated, shown once by the backup-codes page.
NEW_CODES_SESSION_KEY = "two_factor_new_codes"
TOTP_NAME = "Application d'authentification"
BACKUP_NAME = "Codes de secours"

Kind = SecurityEvent.Kind


# --- Where a user and a session stand -----------------------------------------------------------


def membership_requires(memberships: Iterable[Membership]) -> bool:
    """Whether any of these (active) memberships makes two-factor authentication mandatory."""
    return any(membership.requires_two_factor for membership in memberships)


def user_requires_two_factor(user: User) -> bool:
    """Whether this user must use two-factor authentication (a rule or an admin reset)."""
    memberships = Membership.objects.active().for_user(user).select_related("organization")
    return user.two_factor_enrolment_due or membership_requires(memberships)


def is_verified(request: HttpRequest) -> bool:
    """Whether a second factor was accepted in this session."""
    session = getattr(request, "session", None)
    return session is not None and DEVICE_ID_SESSION_KEY in session


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def has_two_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def mark_pending_on_login(sender, request, user, **kwargs) -> None:
    """After the password, ask for the code when the account has a confirmed device."""
    if request is None or not hasattr(request, "session"):
        return
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    if has_two_factor(user):
        request.session[PENDING_SESSION_KEY] = True
    else:
        request.session.pop(PENDING_SESSION_KEY, None)


def connect_signals() -> None:
    user_logged_in.connect(mark_pending_on_login, dispatch_uid="mobicase_two_factor_pending")


# --- Showing the secret -------------------------------------------------------------------------


def secret_for_display(device: TOTPDevice) -> str:
    """The base32 secret, in groups of four, for typing into an application by hand."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code in a data: URI (no external service)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


# --- Operations ---------------------------------------------------------------------------------


def _normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.TWO_FACTOR_BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def end_other_sessions(user: User, request: HttpRequest | None) -> int:
    """Log the user out of every session but this one (their API tokens stay)."""
    from .services import end_user_sessions

    keep = request.session.session_key if request is not None else None
    return end_user_sessions(user, except_session_key=keep, tokens=False)


def start_enrolment(*, user: User) -> TOTPDevice:
    """Return the unconfirmed TOTP device whose secret the user is about to scan."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        if has_two_factor(user):
            raise DomainError(
                "La double authentification est déjà activée sur votre compte.", code="enabled"
            )
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def confirm_enrolment(
    *, user: User, code: str, request: HttpRequest | None = None
) -> tuple[TOTPDevice, list[str]]:
    """Confirm the application with its first code; return the device and the backup codes."""
    code = _normalise(code)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("id")
            .first()
        )
        if device is None:
            raise DomainError(
                "Aucune configuration en cours : recommencez l'activation.", code="no_device"
            )
        accepted = code.isdigit() and device.verify_token(code)
        if accepted:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            codes = _new_backup_codes(user)
            User.objects.filter(pk=user.pk).update(two_factor_enrolment_due=False)
            user.two_factor_enrolment_due = False
    if not accepted:
        record_security_event(
            Kind.TWO_FACTOR_FAILED, request=request, user=user, detail="Activation"
        )
        raise DomainError(
            "Ce code n'est pas le bon. Vérifiez l'heure de votre téléphone et saisissez le "
            "code à 6 chiffres affiché maintenant par l'application.",
            code="wrong_code",
            field="code",
        )
    if request is not None:
        _verify_session(request, device)
        end_other_sessions(user, request)
    record_security_event(Kind.TWO_FACTOR_ENABLED, request=request, user=user)
    return device, codes


def _throttled_message(device: Device) -> str | None:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (data or {}).get("locked_until")
    if locked_until is None:
        return "Trop de codes erronés : patientez un peu avant de réessayer."
    from django.utils import timezone

    seconds = max(1, int((locked_until - timezone.now()).total_seconds()) + 1)
    return f"Trop de codes erronés : patientez {seconds} s avant de réessayer."


def _check_code(user: User, code: str) -> tuple[Device | None, bool, str | None]:
    """Try the code on the TOTP device, then as a backup code: (device, backup used, refusal)."""
    code = _normalise(code)
    totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if totp is None:
        return None, False, "La double authentification n'est pas activée sur ce compte."
    if code.isdigit() and len(code) == totp.digits:
        if message := _throttled_message(totp):
            return None, False, message
        return (totp, False, None) if totp.verify_token(code) else (None, False, None)
    backup = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if backup is None or not code:
        return None, False, None
    if message := _throttled_message(backup):
        return None, False, message
    return (backup, True, None) if backup.verify_token(code) else (None, True, None)


WRONG_CODE = (
    "Ce code n'est pas valable. Saisissez le code à 6 chiffres affiché maintenant par votre "
    "application, ou l'un de vos codes de secours."
)


def verify_code(*, user: User, code: str, request: HttpRequest | None = None) -> Device:
    """Accept a TOTP or backup code for this user, or raise a DomainError (logged)."""
    with transaction.atomic():
        device, backup, refusal = _check_code(user, code)
    if device is None:
        detail = "Code de secours" if backup else "Code de l'application"
        record_security_event(Kind.TWO_FACTOR_FAILED, request=request, user=user, detail=detail)
        raise DomainError(refusal or WRONG_CODE, code="wrong_code", field="code")
    if backup:
        left = backup_codes_left(user)
        record_security_event(
            Kind.TWO_FACTOR_BACKUP_USED,
            request=request,
            user=user,
            detail=f"{left} code(s) de secours restant(s)",
        )
    return device


def complete_login(*, request: HttpRequest, code: str) -> Device:
    """Second step of the login: check the code and mark the session as verified."""
    device = verify_code(user=request.user, code=code, request=request)
    _verify_session(request, device)
    return device


def _verify_session(request: HttpRequest, device: Device) -> None:
    # A new session key once the second factor is in: a key seen before cannot ride it.
    request.session.cycle_key()
    otp_login(request, device)
    request.session.pop(PENDING_SESSION_KEY, None)


def renew_backup_codes(*, user: User, request: HttpRequest | None = None) -> list[str]:
    """Replace the backup codes with ten new ones; the old ones stop working."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        if not has_two_factor(user):
            raise DomainError("Activez d'abord la double authentification.", code="not_enabled")
        codes = _new_backup_codes(user)
    record_security_event(Kind.TWO_FACTOR_BACKUP_RENEWED, request=request, user=user)
    return codes


def disable_two_factor(*, user: User, code: str, request: HttpRequest | None = None) -> None:
    """Turn two-factor authentication off, after a current code, when no rule requires it."""
    if user_requires_two_factor(user):
        raise DomainError(
            "La double authentification est obligatoire pour votre compte (votre rôle, votre "
            "droit d'export ou la règle de votre organisation) : elle ne peut pas être "
            "désactivée.",
            code="required",
        )
    verify_code(user=user, code=code, request=request)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    if request is not None:
        request.session.pop(DEVICE_ID_SESSION_KEY, None)
        end_other_sessions(user, request)
    record_security_event(Kind.TWO_FACTOR_DISABLED, request=request, user=user)


def reset_two_factor(
    *, membership: Membership, by: Membership, request: HttpRequest | None = None
) -> Membership:
    """An admin removes a member's devices: the member enrols again at the next login."""
    from .services import _ensure_admin_of, _locked_membership, end_user_sessions

    with transaction.atomic():
        membership = _locked_membership(membership)
        _ensure_admin_of(by, membership.organization)
        user = membership.user
        if user.pk == by.user_id:
            raise DomainError(
                "Vous ne pouvez pas réinitialiser votre propre double authentification : "
                "demandez-le à un·e autre administrateur·rice.",
                code="self",
            )
        if not membership.is_active:
            raise DomainError("Ce membre est désactivé.", code="inactive")
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        User.objects.filter(pk=user.pk).update(two_factor_enrolment_due=True)
        user.two_factor_enrolment_due = True
        end_user_sessions(user, tokens=False)
        record_security_event(
            Kind.TWO_FACTOR_RESET,
            request=request,
            user=by.user,
            organization=membership.organization,
            detail=f"Membre : {user.email}",
        )
        transaction.on_commit(lambda: _mail_reset(membership, by), robust=True)
    return membership


def _mail_reset(membership: Membership, by: Membership) -> None:
    context = {
        "user": membership.user,
        "organization": membership.organization,
        "admin": by.user.get_full_name() or by.user.email,
        "login_url": settings.SITE_URL + reverse("accounts:login"),
    }
    body = render_to_string("accounts/two_factor_reset_email.txt", context)
    subject = "Votre double authentification Mobicase a été réinitialisée"
    EmailMessage(subject, body, to=[membership.user.email]).send()
