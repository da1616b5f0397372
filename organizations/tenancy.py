"""The organisation in force for a request, and the checks every view and endpoint uses.

The organisation is always explicit: middleware sets ``request.organization`` and
``request.membership`` from the session; views pass them to queryset scoping methods
(``for_organization(org)``, ``visible_to(membership)``). Another tenant's object is a 404,
a role that may not act is a 403.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from .models import Membership, Organization

if TYPE_CHECKING:
    from .models import User

SESSION_KEY = "current_organization_id"
ORGANIZATION_HEADER = "X-Organization"

Role = Membership.Role
PLATFORM_STAFF = (Role.ADMIN, Role.ADVISOR, Role.COACH)
PLATFORM_CASEWORKERS = (Role.ADMIN, Role.ADVISOR)


class NoMembership(PermissionDenied):
    """The user belongs to no active organisation."""

    message = (
        "Votre compte n'est rattaché à aucune organisation active. "
        "Demandez à l'administrateur·rice de votre structure de vous inviter."
    )


def active_memberships(user: User) -> list[Membership]:
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.active()
        .for_user(user)
        .select_related("organization")
        .order_by("organization__name", "organization_id")
    )


def pick_membership(
    memberships: list[Membership], wanted_organization_id: str | None
) -> Membership | None:
    """Pick the membership for the wanted organisation, else the first one."""
    if wanted_organization_id:
        for membership in memberships:
            if str(membership.organization_id) == str(wanted_organization_id):
                return membership
    return memberships[0] if memberships else None


def switch_organization(request: HttpRequest, organization: Organization) -> Membership:
    """Make ``organization`` the one in force for this session; 404 if not a member."""
    membership = pick_membership(active_memberships(request.user), str(organization.pk))
    if membership is None or membership.organization_id != organization.pk:
        raise Http404("Organisation introuvable.")
    request.session[SESSION_KEY] = str(organization.pk)
    request.membership = membership
    request.organization = organization
    return membership


def _has_role(request: HttpRequest, roles: Iterable[str], kinds: Iterable[str] | None) -> bool:
    membership: Membership | None = getattr(request, "membership", None)
    if membership is None:
        raise NoMembership(NoMembership.message)
    if kinds is not None and membership.organization.kind not in kinds:
        return False
    return membership.role in roles


def role_required(*roles: str, kinds: Iterable[str] | None = None) -> Callable:
    """Let a view run only for members with one of ``roles`` (and of an organisation kind)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not _has_role(request, roles, kinds):
                raise PermissionDenied("Votre rôle ne permet pas d'accéder à cette page.")
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = tuple(roles)  # type: ignore[attr-defined]
        return wrapper

    return decorator


def membership_required(view: Callable) -> Callable:
    """Let a view run for any member of an active organisation."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if getattr(request, "membership", None) is None:
            raise NoMembership(NoMembership.message)
        return view(request, *args, **kwargs)

    return wrapper


EXPORT_REFUSED = (
    "Votre compte n'a pas le droit d'exporter des données personnelles. Demandez-le à "
    "l'administrateur·rice de votre plateforme."
)


def export_right_required(view: Callable) -> Callable:
    """Let an export of personal data run only for members with the export right, and log it.

    The right: platform admins always, advisors their admin granted it (``can_export_data``);
    the session must have passed the second factor. Each export that answers is written to the
    security log (``EXPORT``) with the page and its filters, and what the view put in
    ``request.export_detail`` (the rows it exported, say).
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        from .models import SecurityEvent
        from .security import record_security_event
        from .two_factor import is_verified

        membership: Membership | None = getattr(request, "membership", None)
        if membership is None:
            raise NoMembership(NoMembership.message)
        if not membership.may_export_personal_data:
            raise PermissionDenied(EXPORT_REFUSED)
        if not is_verified(request):
            raise PermissionDenied(
                "Un export de données personnelles demande la double authentification : "
                "activez-la sur votre profil."
            )
        response = view(request, *args, **kwargs)
        if 200 <= response.status_code < 300:  # a redirect or an error exported nothing
            # The view may say what it exported (``request.export_detail``), else its name.
            match = request.resolver_match
            detail = getattr(request, "export_detail", "") or (
                match.view_name if match else request.path
            )
            record_security_event(SecurityEvent.Kind.EXPORT, request=request, detail=detail)
        return response

    wrapper.exports_personal_data = True  # type: ignore[attr-defined]
    return wrapper


def uuid_or_404(value: str | None) -> uuid.UUID:
    """Read an object id sent in a form or a query string; anything but a UUID is a 404."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404("Introuvable.") from None
