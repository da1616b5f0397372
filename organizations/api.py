"""API foundations: tenant resolution for token clients, role permission, error format.

The browser (session) works for the organisation in force in its session; another system
(``Authorization: Token …``) works for its first organisation, or for the one it names in the
``X-Organization: <uuid>`` header. Naming an organisation one does not belong to answers 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import exceptions, permissions, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError
from .models import Membership, Organization
from .tenancy import ORGANIZATION_HEADER, active_memberships

_RESOLVED = "_mobicase_membership_resolved"

ORGANIZATION_HEADER_PARAMETER = OpenApiParameter(
    name=ORGANIZATION_HEADER,
    type=OpenApiTypes.UUID,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Identifiant de l'organisation pour laquelle vous agissez, si votre compte appartient "
        "à plusieurs organisations. Par défaut : l'organisation en cours de la session, ou la "
        "première organisation du compte. Une organisation dont vous n'êtes pas membre "
        "répond 404."
    ),
)


def _wanted_organization_id(request: Request) -> uuid.UUID | None:
    raw = request.headers.get(ORGANIZATION_HEADER, "").strip()
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise exceptions.NotFound("Organisation introuvable.") from None


def resolve_api_membership(request: Request) -> Membership | None:
    """Return the membership in force: the header's if given, else the session's or the first.

    Sets ``membership``, ``organization`` and ``user_memberships`` on the Django request, as the
    middleware does for the browser, so that API code reads them the same way.
    """
    django_request = request._request
    if getattr(django_request, _RESOLVED, False):
        return django_request.membership
    user = request.user
    if not user or not user.is_authenticated:
        return None
    wanted = _wanted_organization_id(request)
    # The middleware already loaded the session user's memberships; a token user needs its own.
    from_session = isinstance(request.successful_authenticator, SessionAuthentication)
    memberships = django_request.user_memberships if from_session else active_memberships(user)
    if wanted is not None:
        membership = next((m for m in memberships if m.organization_id == wanted), None)
        if membership is None:
            # Asking for an organisation one does not belong to answers as if it did not exist.
            raise exceptions.NotFound("Organisation introuvable.")
    elif from_session:
        membership = django_request.membership
    else:
        membership = memberships[0] if memberships else None
    django_request.user_memberships = memberships
    django_request.membership = membership
    django_request.organization = membership.organization if membership else None
    setattr(django_request, _RESOLVED, True)
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
        kinds: Iterable[str] | None = getattr(view, "allowed_kinds", None)
        if kinds is not None and membership.organization.kind not in kinds:
            return False
        allowed: Iterable[str] | None = getattr(view, "allowed_roles", None)
        if allowed is not None and membership.role not in allowed:
            return False
        action_roles = getattr(view, "action_roles", {}).get(getattr(view, "action", None))
        return action_roles is None or membership.role in action_roles


class OrganizationHeaderSchema(AutoSchema):
    """Document the ``X-Organization`` header on every organisation-scoped operation."""

    def get_override_parameters(self):
        return [*super().get_override_parameters(), ORGANIZATION_HEADER_PARAMETER]


class TokenClientMixin:
    """Let DRF authenticate: Django's LoginRequiredMiddleware would redirect token clients."""

    schema = OrganizationHeaderSchema()

    @classmethod
    def as_view(cls, *args, **kwargs):
        view = super().as_view(*args, **kwargs)
        view.login_required = False
        return view


class OrganizationScopedMixin(TokenClientMixin):
    """For API views: resolve the membership, check roles, scope every queryset.

    Subclasses set ``queryset = Model.objects.none()`` (for the schema only) and implement
    ``scope_queryset(membership)``; they never read ``Model.objects`` bare.
    """

    permission_classes = [permissions.IsAuthenticated, HasMembershipRole]
    allowed_roles: tuple[str, ...] | None = None
    allowed_kinds: tuple[str, ...] | None = None
    action_roles: dict[str, tuple[str, ...]] = {}
    lookup_field = "id"

    @property
    def membership(self) -> Membership:
        return self.request._request.membership

    @property
    def organization(self) -> Organization:
        return self.membership.organization

    def scope_queryset(self, membership: Membership):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user
            return self.queryset.none()
        return self.scope_queryset(self.membership)


class HasExportRight(permissions.BasePermission):
    """Allow an export of personal data only to members with the export right.

    Use with ``OrganizationScopedMixin`` (after ``HasMembershipRole``); log each export with
    ``record_security_event(SecurityEvent.Kind.EXPORT, request=request._request, …)``.
    """

    message = (
        "Votre compte n'a pas le droit d'exporter des données personnelles. Demandez-le à "
        "l'administrateur·rice de votre plateforme."
    )

    def has_permission(self, request: Request, view) -> bool:
        membership = resolve_api_membership(request)
        return membership is not None and membership.may_export_personal_data


def exception_handler(exc, context) -> Response | None:
    """Turn domain errors into 400/409 with a French ``detail``; keep DRF's format otherwise."""
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404):
        # Django's own 404 messages are English and name the model: say nothing more.
        exc = exceptions.NotFound("Introuvable.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or "Accès refusé.")
    if isinstance(exc, exceptions.PermissionDenied):
        _log_denial(context.get("request"), exc)
    return drf_exception_handler(exc, context)


def _log_denial(request: Request | None, exc: exceptions.PermissionDenied) -> None:
    from .models import SecurityEvent
    from .security import record_security_event

    django_request = getattr(request, "_request", None)
    if django_request is None:
        return  # called outside a request (nothing to attribute the refusal to)
    record_security_event(
        SecurityEvent.Kind.PERMISSION_DENIED, request=django_request, detail=str(exc.detail)
    )


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True, help_text="Message d'erreur en français.")


ERROR_RESPONSES = {
    401: OpenApiResponse(ErrorSerializer, description="Authentification requise."),
    403: OpenApiResponse(ErrorSerializer, description="Votre rôle ne permet pas cette opération."),
    404: OpenApiResponse(
        ErrorSerializer,
        description="Introuvable, ou organisation demandée dont vous n'êtes pas membre.",
    ),
}


# A refusal is either a rule of the domain (``detail``, ``code``, ``field``) or invalid input:
# then each field in cause (or ``non_field_errors``) maps to its messages, in French.
REFUSAL_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "Pourquoi, en français."},
        "code": {"type": "string", "description": "Code de la règle en cause."},
        "field": {"type": "string", "description": "Champ en cause, s'il y en a un."},
    },
    "additionalProperties": {
        "description": "Champ refusé (ou `non_field_errors`) et ses messages en français.",
        "anyOf": [{"type": "array"}, {"type": "object"}],
    },
}

REFUSED_RESPONSE = OpenApiResponse(
    REFUSAL_SCHEMA,
    description="Refusé : `detail` dit pourquoi, en français (`field` nomme le champ en cause "
    "s'il y en a un) ; une donnée ou un filtre invalide répond avec, pour chaque champ en "
    "cause, la liste de ses messages.",
)


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Document the refusals an operation may answer (400, 409…) plus 401/403/404."""
    return {**dict.fromkeys(codes, REFUSED_RESPONSE), **ERROR_RESPONSES}


# A list answers 400 for an invalid filter value and 404 for a page beyond the last.
LIST_RESPONSES = error_responses(400)


@extend_schema_field(
    {
        "anyOf": [{"type": "string", "format": "email"}, {"type": "string", "maxLength": 0}],
        "description": "Adresse e-mail, vide si elle n'est pas connue.",
    }
)
class OptionalEmailField(serializers.EmailField):
    """A read e-mail address that may be blank (the schema says so, format aside)."""


def id_parameter(description: str) -> OpenApiParameter:
    """Document the UUID of the object a detail route addresses."""
    return OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description=description)


class OrganizationSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    slug = serializers.SlugField(read_only=True)
    kind = serializers.ChoiceField(choices=Organization.Kind.choices, read_only=True)


class MembershipSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    role = serializers.ChoiceField(choices=Membership.Role.choices, read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    organization = OrganizationSummarySerializer(read_only=True)
