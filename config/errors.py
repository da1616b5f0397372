"""French error pages. They render without the request context processors' queries failing.

Under /api/v1/ the errors Django answers itself (an unknown URL, a server error) are JSON with a
French ``detail``, as the API documents every answer.
"""

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csp import get_nonce
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1/"
API_MESSAGES = {
    400: "Requête invalide.",
    403: "Accès refusé.",
    404: "Introuvable.",
    500: "Erreur du serveur : l'équipe Mobicase est prévenue.",
}


def _render(request: HttpRequest, template: str, status: int, message: str = "") -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": message or API_MESSAGES[status]}, status=status)
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
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": API_MESSAGES[500]}, status=500)
    # No context processors on purpose: the database may be what failed. The nonce is the one
    # thing the page needs from the request, for its inline style.
    body = loader.get_template("errors/500.html").render({"csp_nonce": get_nonce(request)})
    return HttpResponse(body, status=500)
