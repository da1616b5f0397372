"""French error pages. They render without the request context processors' queries failing."""

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


def _render(request: HttpRequest, template: str, status: int, message: str = "") -> HttpResponse:
    body = loader.render_to_string(template, {"message": message}, request)
    return HttpResponse(body, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _render(request, "errors/400.html", 400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else ""
    return _render(request, "errors/403.html", 403, message)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _render(request, "errors/404.html", 404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors on purpose: the database may be what failed.
    body = loader.get_template("errors/500.html").render({})
    return HttpResponse(body, status=500)
