"""Home pages by role, the organisation switcher and the health check."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .models import Organization
from .tenancy import NoMembership, switch_organization


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Answer 200 when the application and its database answer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure makes the instance unhealthy
        return JsonResponse({"status": "error", "database": "injoignable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def home(request: HttpRequest) -> HttpResponse:
    """Show the home page of the user's role in the organisation in force."""
    membership = request.membership
    if membership is None:
        raise NoMembership(NoMembership.message)
    return render(request, "organizations/home.html", {"membership": membership})


@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    """Make another of the user's organisations the one in force."""
    organization = get_object_or_404(
        Organization.objects.for_user(request.user), id=request.POST.get("organization")
    )
    switch_organization(request, organization)
    messages.success(request, f"Vous travaillez maintenant pour « {organization.name} ».")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = "home"
    return redirect(next_url)
