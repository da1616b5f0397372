"""French error pages. They render without the request context processors' queries failing."""

import logging

from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)


def _render(request: HttpRequest, template: str, status: int, message: str = "") -> HttpResponse:
    body = loader.render_to_string(template, {"message": message}, request)
    return HttpResponse(body, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _render(request, "errors/400.html", 400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    from organizations.models import SecurityEvent
    from organizations.security import record_security_event

    message = str(exception) if exception and str(exception) else ""
    try:
        record_security_event(SecurityEvent.Kind.PERMISSION_DENIED, request=request, detail=message)
    except Exception:  # the refusal page must show even if the log cannot be written
        logger.exception("could not record a permission denial")
    return _render(request, "errors/403.html", 403, message)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _render(request, "errors/404.html", 404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors on purpose: the database may be what failed. The nonce is the one
    # thing the page needs from the request, for its inline style.
    body = loader.get_template("errors/500.html").render({"csp_nonce": get_nonce(request)})
    return HttpResponse(body, status=500)
