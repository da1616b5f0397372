"""Rate limits on the public doors: login, password reset, catalogue search, public aids API.

django-ratelimit counts the hits in Django's cache (``CACHES``, shared by every process: the
database cache by default). The rules live here, by URL name, so that the views stay as they
are. A hit over the limit answers 429 with a French page or JSON, and the first one of each
window is written to the security log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django_ratelimit.core import get_usage

from .models import SecurityEvent
from .security import client_ip, record_security_event

logger = logging.getLogger(__name__)

MESSAGE = (
    "Trop de tentatives en peu de temps depuis votre connexion. Patientez quelques minutes "
    "avant de réessayer."
)


def _ip(group: str, request: HttpRequest) -> str:
    # The address django-axes sees, behind the configured number of proxies.
    return client_ip(request) or "inconnue"


def _posted_email(group: str, request: HttpRequest) -> str:
    return (request.POST.get("email") or "").strip().lower()


@dataclass(frozen=True)
class Rule:
    group: str
    key: Callable[[str, HttpRequest], str]
    setting: str
    methods: tuple[str, ...]


RULES: dict[str, tuple[Rule, ...]] = {
    "accounts:login": (Rule("login-ip", _ip, "RATELIMIT_LOGIN_IP", ("POST",)),),
    "accounts:password_reset": (
        Rule("reset-ip", _ip, "RATELIMIT_PASSWORD_RESET_IP", ("POST",)),
        Rule("reset-email", _posted_email, "RATELIMIT_PASSWORD_RESET_EMAIL", ("POST",)),
    ),
    "catalog:search": (Rule("search-ip", _ip, "RATELIMIT_PUBLIC_SEARCH_IP", ("GET",)),),
    "catalog:communes": (Rule("communes-ip", _ip, "RATELIMIT_PUBLIC_SEARCH_IP", ("GET",)),),
    "api:aid-list": (Rule("aids-api-ip", _ip, "RATELIMIT_PUBLIC_API_IP", ("GET",)),),
    "api:aid-detail": (Rule("aids-api-ip", _ip, "RATELIMIT_PUBLIC_API_IP", ("GET",)),),
}


def exceeded_rule(request: HttpRequest, view_name: str) -> tuple[Rule, bool] | None:
    """Count this request against its rules; return the rule it exceeds (and if first time)."""
    for rule in RULES.get(view_name, ()):
        if request.method not in rule.methods:
            continue
        try:
            usage = get_usage(
                request,
                group=rule.group,
                key=rule.key,
                rate=getattr(settings, rule.setting),
                method=list(rule.methods),
                increment=True,
            )
        except DatabaseError:
            # A missing cache table must not close the login page: axes still locks accounts.
            logger.exception("rate-limit cache unavailable (manage.py createcachetable?)")
            return None
        if usage is not None and usage["should_limit"]:
            return rule, usage["count"] == usage["limit"] + 1
    return None


def too_many_requests(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": MESSAGE, "code": "rate_limited"}, status=429
        )
    else:
        body = loader.render_to_string("errors/429.html", {"message": MESSAGE}, request)
        response = HttpResponse(body, status=429)
    response["Retry-After"] = "60"
    return response


class RateLimitMiddleware:
    """Apply ``RULES`` before the view runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.view_name not in RULES:
            return None
        exceeded = exceeded_rule(request, match.view_name)
        if exceeded is None:
            return None
        rule, first = exceeded
        if first:
            username = _posted_email("", request) or request.POST.get("username", "")
            record_security_event(
                SecurityEvent.Kind.RATE_LIMITED,
                request=request,
                username=username.strip(),
                detail=f"{match.view_name} ({rule.group}, {getattr(settings, rule.setting)})",
            )
        return too_many_requests(request)
