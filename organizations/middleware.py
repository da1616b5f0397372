from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from .tenancy import SESSION_KEY, active_memberships, pick_membership


class CurrentOrganizationMiddleware:
    """Set ``request.membership`` and ``request.organization`` from the session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None
        request.organization = None
        request.user_memberships = []
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request.user_memberships = active_memberships(user)
            membership = pick_membership(request.user_memberships, request.session.get(SESSION_KEY))
            if membership is not None:
                request.membership = membership
                request.organization = membership.organization
                if request.session.get(SESSION_KEY) != str(membership.organization_id):
                    request.session[SESSION_KEY] = str(membership.organization_id)
        return self.get_response(request)


class TwoFactorMiddleware:
    """Hold a session at the second factor until it is given, or until the user enrols.

    A session whose account has a confirmed device reaches only the code page (and logout)
    until a code is accepted; a member who must use two-factor authentication and has no device
    reaches only the enrolment pages. Public pages stay public. The API answers a French 403 to
    such a session; a token client (``Authorization`` header) is authenticated by DRF and never
    held here: system accounts do not use a second factor.
    """

    ALLOWED_VIEWS = frozenset(
        {
            "accounts:logout",
            "accounts:two_factor_verify",
            "accounts:two_factor_setup",
        }
    )
    # Public, but acting with the signed-in account: held like any other page.
    ACTING_PUBLIC_VIEWS = frozenset({"accounts:invitation_accept"})
    API_MESSAGE = (
        "Double authentification requise : terminez la connexion dans le navigateur (code de "
        "votre application), puis réessayez."
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.two_factor_step = self._step(request)
        return self.get_response(request)

    @staticmethod
    def _step(request: HttpRequest) -> str | None:
        """None when the session may go on; else "verify" or "enrol"."""
        from .two_factor import PENDING_SESSION_KEY, is_verified, membership_requires

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or is_verified(request):
            return None
        if request.session.get(PENDING_SESSION_KEY):
            return "verify"
        if user.two_factor_enrolment_due or membership_requires(request.user_memberships):
            return "enrol"
        return None

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        step = getattr(request, "two_factor_step", None)
        if step is None:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in self.ALLOWED_VIEWS:
            return None
        if request.path.startswith("/api/"):
            scheme = request.META.get("HTTP_AUTHORIZATION", "").split(" ", 1)[0].lower()
            if scheme == "token":
                # DRF authenticates the token (or refuses it with 401) before it would ever
                # read this session. Any other scheme falls through to the session: held.
                return None
            if match is not None and match.view_name in ("api:schema", "api:docs", "api:redoc"):
                return None
            return JsonResponse({"detail": self.API_MESSAGE, "code": "two_factor"}, status=403)
        public = not getattr(view_func, "login_required", True)
        if public and (match is None or match.view_name not in self.ACTING_PUBLIC_VIEWS):
            return None  # a public page: nothing more than an anonymous visitor sees
        target = "accounts:two_factor_verify" if step == "verify" else "accounts:two_factor_setup"
        url = reverse(target)
        if request.method == "GET" and request.path != reverse("home"):
            url += "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)  # the whole page, not a fragment
        return redirect(url)


class NoStoreMiddleware:
    """Forbid any cache to keep a response given to a signed-in person (or an API client).

    Pages and API answers of a session or a token carry personal data; static files never reach
    this middleware (WhiteNoise serves them first) and public pages keep their caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META:
            patch_cache_control(response, private=True, no_store=True)
            response.headers.pop("Expires", None)
        return response
