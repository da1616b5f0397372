"""Home pages by role, the organisation switcher and the health check."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .models import FundingAgreement, Invitation, Membership, Organization, Site, Territory
from .tenancy import NoMembership, switch_organization, uuid_or_404


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
    today = timezone.localdate()
    kind, role = membership.organization.kind, membership.role
    if kind == Organization.Kind.REFERRER:
        template, context = "home_referrer", _referrer_home(membership)
    elif kind == Organization.Kind.FUNDER:
        template, context = "home_funder", _funder_home(membership, today)
    elif role == Membership.Role.ADMIN:
        template, context = "home_platform_admin", _platform_admin_home(membership, today)
    else:
        template = "home_coach" if role == Membership.Role.COACH else "home_advisor"
        context = _platform_staff_home(membership, today)
    context.update(membership=membership, organization=membership.organization, today=today)
    return render(request, f"organizations/{template}.html", context)


def _open_sites(organization: Organization) -> list[Site]:
    return list(
        Site.objects.for_organization(organization)
        .active()
        .select_related("commune")
        .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
        .order_by("name")
    )


def _site_ids(membership: Membership) -> set:
    return set(membership.sites.values_list("id", flat=True))


def _agreements_in_force(membership: Membership, today: date) -> list[FundingAgreement]:
    return list(
        FundingAgreement.objects.visible_to(membership)
        .active_on(today)
        .select_related("funder")
        .order_by("end_date", "programme")
    )


def _coverage(organization: Organization) -> list[Territory]:
    return list(
        organization.coverage.annotate(commune_count=Count("member_communes")).order_by(
            "level", "name"
        )
    )


def _platform_admin_home(membership: Membership, today: date) -> dict:
    organization = membership.organization
    counts = dict(
        Membership.objects.for_organization(organization)
        .active()
        .values_list("role")
        .annotate(total=Count("id"))
        .order_by()
    )
    pending = Invitation.objects.for_organization(organization).pending()
    pending_invitations = list(pending.order_by("expires_at")[:5])
    pending_total = pending.count()
    agreements = _agreements_in_force(membership, today)
    return {
        "role_counts": [
            (label, counts.get(value, 0))
            for value, label in Membership.Role.choices
            if value in organization.allowed_roles()
        ],
        "member_total": sum(counts.values()),
        "sites": _open_sites(organization),
        "my_site_ids": _site_ids(membership),
        "pending_invitations": pending_invitations,
        "pending_invitation_total": pending_total,
        "more_invitations": pending_total - len(pending_invitations),
        "agreements": agreements,
        "agreements_amount": sum(a.amount or 0 for a in agreements),
        "coverage": _coverage(organization),
    }


def _platform_staff_home(membership: Membership, today: date) -> dict:
    organization = membership.organization
    colleagues = (
        Membership.objects.for_organization(organization)
        .active()
        .exclude(pk=membership.pk)
        .select_related("user")
        .prefetch_related(Prefetch("sites", queryset=Site.objects.order_by("name")))
        .order_by("role", "user__last_name", "user__first_name")
    )
    return {
        "sites": _open_sites(organization),
        "my_site_ids": _site_ids(membership),
        "colleagues": list(colleagues),
        "agreements": _agreements_in_force(membership, today),
        "coverage": _coverage(organization),
    }


def _directory(platforms) -> list[Organization]:
    """Prefetch what a referrer needs to contact each platform."""
    return list(
        platforms.prefetch_related(
            Prefetch(
                "sites",
                queryset=Site.objects.active().select_related("commune").order_by("name"),
                to_attr="open_sites",
            ),
            Prefetch(
                "coverage",
                queryset=Territory.objects.order_by("name"),
                to_attr="covered_territories",
            ),
        ).order_by("name")
    )


def _referrer_home(membership: Membership) -> dict:
    organization = membership.organization
    commune = (
        Territory.objects.select_related("departement").filter(pk=organization.commune_id).first()
    )
    covering, nearby = [], []
    if commune is not None:
        covering = _directory(Organization.objects.covering_commune(commune))
        if commune.departement_id:
            nearby = _directory(
                Organization.objects.platforms()
                .active()
                .filter(
                    Q(coverage=commune.departement_id)
                    | Q(coverage__departement=commune.departement_id)
                )
                .exclude(pk__in=[platform.pk for platform in covering])
                .distinct()
            )
    return {"commune": commune, "covering": covering, "nearby": nearby}


def _funder_home(membership: Membership, today: date) -> dict:
    agreements = list(
        FundingAgreement.objects.visible_to(membership)
        .select_related("organization")
        .prefetch_related(Prefetch("territories", queryset=Territory.objects.order_by("name")))
        .order_by("-end_date", "programme")
    )
    in_force = [a for a in agreements if a.start_date <= today <= a.end_date]
    return {
        "agreements": agreements,
        "in_force_count": len(in_force),
        "in_force_amount": sum(a.amount or 0 for a in in_force),
        "fse_plus_count": sum(1 for a in in_force if a.is_fse_plus),
        "platform_count": len({a.organization_id for a in in_force}),
    }


@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    """Make another of the user's organisations the one in force."""
    organization = get_object_or_404(
        Organization.objects.for_user(request.user),
        id=uuid_or_404(request.POST.get("organization")),
    )
    switch_organization(request, organization)
    messages.success(request, f"Vous travaillez maintenant pour « {organization.name} ».")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = "home"
    return redirect(next_url)
