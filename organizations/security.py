"""The security log: one function records an event with its user, organisation, IP and time."""

from __future__ import annotations

import logging

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
