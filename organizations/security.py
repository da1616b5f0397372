"""The security log: one function records an event with its user, organisation, IP and time."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest

from .models import Organization, SecurityEvent

logger = logging.getLogger("mobicase.security")


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address, read as django-axes reads it (behind AXES_IPWARE_PROXY_COUNT)."""
    if request is None:
        return None
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or None


def record_security_event(
    kind: str,
    *,
    request: HttpRequest | None = None,
    user=None,
    organization: Organization | None = None,
    username: str = "",
    detail: str = "",
) -> SecurityEvent:
    """Write one row of the security log; the request gives the user, organisation and IP."""
    if request is not None:
        request_user = getattr(request, "user", None)
        if user is None and request_user is not None and request_user.is_authenticated:
            user = request_user
        if organization is None:
            organization = getattr(request, "organization", None)
    event = SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=username[:254],
        organization=organization,
        ip_address=client_ip(request),
        user_agent=(request.headers.get("User-Agent", "") if request is not None else "")[:250],
        path=(request.get_full_path() if request is not None else "")[:250],
        detail=detail[:500],
    )
    logger.info(
        "security event %s user=%s organization=%s ip=%s",
        kind,
        getattr(user, "pk", None),
        getattr(organization, "pk", None),
        event.ip_address,
    )
    return event


# --- Signal receivers (wired in OrganizationsConfig.ready) ---------------------------------------


def _user_for(username: str):
    from .models import User

    return User.objects.filter(email__iexact=(username or "").strip()).first() if username else None


def on_logged_in(sender, request, user, **kwargs) -> None:
    from .two_factor import PENDING_SESSION_KEY

    pending = request is not None and request.session.get(PENDING_SESSION_KEY)
    detail = "Mot de passe accepté ; code de double authentification demandé" if pending else ""
    record_security_event(SecurityEvent.Kind.LOGIN, request=request, user=user, detail=detail)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username") or credentials.get("email") or "")
    record_security_event(
        SecurityEvent.Kind.LOGIN_FAILED,
        request=request,
        user=_user_for(username),
        username=username,
    )


def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record_security_event(SecurityEvent.Kind.LOGOUT, request=request, user=user)


def on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    record_security_event(
        SecurityEvent.Kind.LOCKOUT,
        request=request,
        user=_user_for(username),
        username=username or "",
        detail=f"Après {settings.AXES_FAILURE_LIMIT} échecs depuis {ip_address}",
    )


def connect_signals() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(on_logged_in, dispatch_uid="mobicase_security_login")
    user_login_failed.connect(on_login_failed, dispatch_uid="mobicase_security_login_failed")
    user_logged_out.connect(on_logged_out, dispatch_uid="mobicase_security_logout")
    user_locked_out.connect(on_locked_out, dispatch_uid="mobicase_security_lockout")
