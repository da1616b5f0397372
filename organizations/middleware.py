from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
