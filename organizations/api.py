"""API foundations: tenant resolution for token clients, role permission, error format."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError
from .models import Membership
from .tenancy import ORGANIZATION_HEADER, SESSION_KEY, active_memberships, pick_membership


def resolve_api_membership(request: Request) -> Membership | None:
    """Return the membership in force: the session's for the browser, the header's for tokens."""
    django_request = request._request
    membership = getattr(django_request, "membership", None)
    wanted = request.headers.get(ORGANIZATION_HEADER)
    if membership is not None and membership.user_id == request.user.pk and not wanted:
        return membership
    if not request.user or not request.user.is_authenticated:
        return None
    session = getattr(django_request, "session", None)
    wanted = wanted or (session.get(SESSION_KEY) if session is not None else None)
    membership = pick_membership(active_memberships(request.user), wanted)
    if membership is not None and wanted and str(membership.organization_id) != str(wanted):
        # Asking for an organisation one does not belong to answers as if it did not exist.
        raise exceptions.NotFound("Organisation introuvable.")
    django_request.membership = membership
    django_request.organization = membership.organization if membership else None
    return membership


class HasMembershipRole(permissions.BasePermission):
    """Allow members whose role is in the view's ``allowed_roles`` (all roles if unset)."""

    message = "Votre rôle ne permet pas cette opération."

    def has_permission(self, request: Request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        membership = resolve_api_membership(request)
        if membership is None:
            raise exceptions.PermissionDenied(
                "Votre compte n'est rattaché à aucune organisation active."
            )
        allowed: Iterable[str] | None = getattr(view, "allowed_roles", None)
        kinds: Iterable[str] | None = getattr(view, "allowed_kinds", None)
        if kinds is not None and membership.organization.kind not in kinds:
            return False
        if allowed is not None and membership.role not in allowed:
            return False
        action_roles = getattr(view, "action_roles", {}).get(getattr(view, "action", None))
        return action_roles is None or membership.role in action_roles


class OrganizationScopedMixin:
    """For API views: resolve the membership, check roles, scope every queryset.

    Subclasses implement ``scope_queryset(membership)`` and never use ``Model.objects`` bare.
    """

    permission_classes = [permissions.IsAuthenticated, HasMembershipRole]
    allowed_roles: tuple[str, ...] | None = None
    allowed_kinds: tuple[str, ...] | None = None
    action_roles: dict[str, tuple[str, ...]] = {}
    lookup_field = "id"

    @classmethod
    def as_view(cls, *args, **kwargs):
        # DRF authenticates tokens itself: Django's LoginRequiredMiddleware must let it through.
        view = super().as_view(*args, **kwargs)
        view.login_required = False
        return view

    @property
    def membership(self) -> Membership:
        return self.request._request.membership

    @property
    def organization(self):
        return self.membership.organization

    def scope_queryset(self, membership: Membership):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return self.queryset.none()
        return self.scope_queryset(self.membership)


def exception_handler(exc, context) -> Response | None:
    """Turn domain errors into 400/409 with a French ``detail``; keep DRF's format otherwise."""
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Introuvable.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or "Accès refusé.")
    return drf_exception_handler(exc, context)


class MembershipSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    role = serializers.CharField()
    role_label = serializers.CharField(source="get_role_display")
    organization = serializers.SerializerMethodField()

    def get_organization(self, membership: Membership) -> dict:
        org = membership.organization
        return {"id": str(org.pk), "name": org.name, "slug": org.slug, "kind": org.kind}
