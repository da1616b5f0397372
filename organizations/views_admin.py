"""The organisation admin's pages: members and invitations, sites, settings, funding agreements."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services, two_factor
from .errors import DomainError
from .forms import (
    FundingAgreementForm,
    InviteForm,
    MemberForm,
    OrganizationSettingsForm,
    SecurityLogFilterForm,
    SiteForm,
)
from .models import FundingAgreement, Invitation, Membership, Organization, SecurityEvent, Site
from .tenancy import role_required

Role = Membership.Role
Kind = Organization.Kind

admin_only = role_required(Role.ADMIN)
platform_admin_only = role_required(Role.ADMIN, kinds=(Kind.PLATFORM,))
agreement_readers = role_required(
    Role.ADMIN, Role.ADVISOR, Role.FUNDER, kinds=(Kind.PLATFORM, Kind.FUNDER)
)
GET_POST = require_http_methods(["GET", "POST"])


def _add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _act(request: HttpRequest, action: Callable[[], object], success: str) -> None:
    """Run a one-click service call and report its outcome as a message."""
    try:
        action()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)


# --- Members ------------------------------------------------------------------------------------


def _members_of(request: HttpRequest):
    return Membership.objects.for_organization(request.organization).select_related(
        "user", "organization"
    )


def _invitations_of(request: HttpRequest):
    return Invitation.objects.for_organization(request.organization).select_related("organization")


@admin_only
@require_GET
def members(request: HttpRequest) -> HttpResponse:
    """List the members with their role, sites and status, and the invitations not yet used."""
    confirmed_devices = TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)
    memberships = (
        _members_of(request)
        .prefetch_related("sites")
        .annotate(has_two_factor=Exists(confirmed_devices))
        .order_by("-is_active", "user__last_name", "user__first_name", "user__email")
    )
    invitations = (
        Invitation.objects.for_organization(request.organization)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at")
    )
    context = {"memberships": memberships, "invitations": invitations}
    return render(request, "organizations/members.html", context)


@admin_only
@GET_POST
def member_invite(request: HttpRequest) -> HttpResponse:
    """Invite a person by e-mail, with a role the organisation kind allows."""
    form = InviteForm(request.POST or None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = services.invite_member(
                organization=request.organization, by=request.membership, **form.cleaned_data
            )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, f"Invitation envoyée à {invitation.email}.")
            return redirect("organizations:members")
    return render(request, "organizations/member_invite.html", {"form": form})


@admin_only
@GET_POST
def member_edit(request: HttpRequest, membership_id) -> HttpResponse:
    """Change a member's role (and sites, on a platform)."""
    membership = get_object_or_404(_members_of(request), id=membership_id)
    form = MemberForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                services.change_role(
                    membership=membership,
                    role=data["role"],
                    sites=data.get("sites"),
                    by=request.membership,
                    request=request,
                )
                if "can_export_data" in form.fields:
                    services.set_export_right(
                        membership=membership,
                        allowed=data["can_export_data"],
                        by=request.membership,
                        request=request,
                    )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, f"Les droits de {membership.user} sont enregistrés.")
            return redirect("organizations:members")
    context = {
        "form": form,
        "member": membership,
        "two_factor_enabled": two_factor.has_two_factor(membership.user),
    }
    return render(request, "organizations/member_form.html", context)


@admin_only
@require_POST
def member_two_factor_reset(request: HttpRequest, membership_id) -> HttpResponse:
    """Remove a member's 2FA devices (lost phone): they enrol again at their next login."""
    membership = get_object_or_404(_members_of(request), id=membership_id)
    _act(
        request,
        lambda: two_factor.reset_two_factor(
            membership=membership, by=request.membership, request=request
        ),
        f"La double authentification de {membership.user} est réinitialisée : un e-mail l'en "
        "informe et elle ou il la configurera de nouveau à sa prochaine connexion.",
    )
    return redirect("organizations:member_edit", membership_id=membership.pk)


@admin_only
@require_POST
def member_deactivate(request: HttpRequest, membership_id) -> HttpResponse:
    membership = get_object_or_404(_members_of(request), id=membership_id)
    _act(
        request,
        lambda: services.deactivate_member(
            membership=membership, by=request.membership, request=request
        ),
        f"L'accès de {membership.user} est désactivé.",
    )
    return redirect("organizations:members")


@admin_only
@require_POST
def member_reactivate(request: HttpRequest, membership_id) -> HttpResponse:
    membership = get_object_or_404(_members_of(request), id=membership_id)
    _act(
        request,
        lambda: services.reactivate_member(membership=membership, by=request.membership),
        f"L'accès de {membership.user} est réactivé.",
    )
    return redirect("organizations:members")


@admin_only
@require_POST
def invitation_resend(request: HttpRequest, invitation_id) -> HttpResponse:
    invitation = get_object_or_404(_invitations_of(request), id=invitation_id)
    _act(
        request,
        lambda: services.resend_invitation(invitation=invitation, by=request.membership),
        f"Nouvelle invitation envoyée à {invitation.email}.",
    )
    return redirect("organizations:members")


@admin_only
@require_POST
def invitation_revoke(request: HttpRequest, invitation_id) -> HttpResponse:
    invitation = get_object_or_404(_invitations_of(request), id=invitation_id)
    _act(
        request,
        lambda: services.revoke_invitation(invitation=invitation, by=request.membership),
        f"L'invitation de {invitation.email} est annulée : son lien ne fonctionne plus.",
    )
    return redirect("organizations:members")


# --- Sites --------------------------------------------------------------------------------------


@platform_admin_only
@require_GET
def sites(request: HttpRequest) -> HttpResponse:
    """List the platform's sites with their commune and number of active members."""
    site_list = (
        Site.objects.for_organization(request.organization)
        .select_related("commune")
        .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
        .order_by("-is_active", "name")
    )
    return render(request, "organizations/sites.html", {"sites": site_list})


@platform_admin_only
@GET_POST
def site_create(request: HttpRequest) -> HttpResponse:
    form = SiteForm(request.POST or None, instance=Site(organization=request.organization))
    if request.method == "POST" and form.is_valid():
        try:
            site = services.create_site(
                organization=request.organization, by=request.membership, **form.cleaned_data
            )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, f"Le site « {site.name} » est créé.")
            return redirect("organizations:sites")
    context = {"form": form, "site": None, "title": ""}
    return render(request, "organizations/site_form.html", context)


@platform_admin_only
@GET_POST
def site_edit(request: HttpRequest, site_id) -> HttpResponse:
    site = get_object_or_404(
        Site.objects.for_organization(request.organization).select_related("commune"), id=site_id
    )
    title = site.name  # before the form changes the instance
    form = SiteForm(request.POST or None, instance=site)
    if request.method == "POST" and form.is_valid():
        try:
            site = services.update_site(site=site, by=request.membership, **form.cleaned_data)
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, f"Le site « {site.name} » est enregistré.")
            return redirect("organizations:sites")
    context = {"form": form, "site": site, "title": title}
    return render(request, "organizations/site_form.html", context)


@platform_admin_only
@require_POST
def site_deactivate(request: HttpRequest, site_id) -> HttpResponse:
    site = get_object_or_404(Site.objects.for_organization(request.organization), id=site_id)
    _act(
        request,
        lambda: services.deactivate_site(site=site, by=request.membership),
        f"Le site « {site.name} » est fermé.",
    )
    return redirect("organizations:sites")


@platform_admin_only
@require_POST
def site_reactivate(request: HttpRequest, site_id) -> HttpResponse:
    site = get_object_or_404(Site.objects.for_organization(request.organization), id=site_id)
    _act(
        request,
        lambda: services.reactivate_site(site=site, by=request.membership),
        f"Le site « {site.name} » est rouvert.",
    )
    return redirect("organizations:sites")


# --- Settings -----------------------------------------------------------------------------------


@admin_only
@GET_POST
def settings(request: HttpRequest) -> HttpResponse:
    """Edit the organisation's identity, contact details and (for a platform) its coverage."""
    organization = get_object_or_404(
        Organization.objects.select_related("commune").prefetch_related("coverage"),
        pk=request.organization.pk,
    )
    form = OrganizationSettingsForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organization(
                organization=organization,
                by=request.membership,
                request=request,
                **form.cleaned_data,
            )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, "Les informations de l'organisation sont enregistrées.")
            return redirect("organizations:settings")
    return render(request, "organizations/settings.html", {"form": form})


# --- Funding agreements -------------------------------------------------------------------------


def _agreements_of(request: HttpRequest):
    return FundingAgreement.objects.visible_to(request.membership).select_related(
        "organization", "funder"
    )


def _can_edit_agreements(membership: Membership) -> bool:
    return membership.role == Role.ADMIN and membership.organization.is_platform


@agreement_readers
@require_GET
def agreements(request: HttpRequest) -> HttpResponse:
    """List the agreements a platform carries, or that a funder finances."""
    agreement_list = _agreements_of(request).prefetch_related("territories")
    context = {
        "agreements": agreement_list,
        "can_edit": _can_edit_agreements(request.membership),
    }
    return render(request, "organizations/agreements.html", context)


@agreement_readers
@require_GET
def agreement_detail(request: HttpRequest, agreement_id) -> HttpResponse:
    agreement = get_object_or_404(
        _agreements_of(request).prefetch_related("territories"), id=agreement_id
    )
    context = {
        "agreement": agreement,
        "can_edit": _can_edit_agreements(request.membership),
        # The remarks are the platform's own working notes: a funder reads no free text.
        "show_notes": agreement.organization_id == request.organization.pk,
    }
    return render(request, "organizations/agreement_detail.html", context)


def _agreement_form_page(request: HttpRequest, agreement: FundingAgreement | None) -> HttpResponse:
    instance = agreement or FundingAgreement(organization=request.organization)
    title = agreement.programme if agreement else ""  # before the form changes the instance
    form = FundingAgreementForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_funding_agreement(
                organization=request.organization,
                by=request.membership,
                agreement=agreement,
                **form.cleaned_data,
            )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, f"La convention « {saved.programme} » est enregistrée.")
            return redirect("organizations:agreement_detail", agreement_id=saved.pk)
    context = {"form": form, "agreement": agreement, "title": title}
    return render(request, "organizations/agreement_form.html", context)


@platform_admin_only
@GET_POST
def agreement_create(request: HttpRequest) -> HttpResponse:
    return _agreement_form_page(request, None)


@platform_admin_only
@GET_POST
def agreement_edit(request: HttpRequest, agreement_id) -> HttpResponse:
    agreement = get_object_or_404(_agreements_of(request), id=agreement_id)
    return _agreement_form_page(request, agreement)


# --- Security log -------------------------------------------------------------------------------

SECURITY_LOG_PAGE_SIZE = 50


@admin_only
@require_GET
def security_log(request: HttpRequest) -> HttpResponse:
    """The organisation's security events and its members' account events, newest first."""
    form = SecurityLogFilterForm(request.GET or None, organization=request.organization)
    events = form.filter(
        SecurityEvent.objects.for_organization(request.organization).select_related(
            "user", "organization"
        )
    ).order_by("-at", "-id")
    page = Paginator(events, SECURITY_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "organizations/security_log.html", context)
