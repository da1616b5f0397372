"""The catalogue for members: manage entries, propose and review changes, stale entries, and
the aids matching a profile (for referrers before a referral, for anyone in the app)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from organizations.errors import DomainError
from organizations.models import Membership, Organization
from organizations.tenancy import membership_required, role_required

from . import presenters, services
from .forms import AidForm, DecisionForm, ProposalForm, ProposalReviewForm
from .models import (
    Aid,
    ChangeProposal,
    can_edit_directly,
    can_propose,
    can_review,
    stale_after_days,
)
from .views_public import render_search, search_context

Role = Membership.Role
GET_POST = require_http_methods(["GET", "POST"])
# Platform members keep the catalogue; referrers and funders read it through the match page.
catalog_member = role_required(
    Role.ADMIN, Role.ADVISOR, Role.COACH, kinds=(Organization.Kind.PLATFORM,)
)
PAGE_SIZE = 50


def _add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    field = error.field
    if field == "coverage":
        field = "communes"
    form.add_error(field if field in form.fields else None, error.message)


def _visible_aids(request: HttpRequest):
    return Aid.objects.visible_to(request.membership)


def _get_aid(request: HttpRequest, aid_id) -> Aid:
    aids = _visible_aids(request).select_related("provider", "owner").prefetch_related("coverage")
    return get_object_or_404(aids, id=aid_id)


# --- Lists -----------------------------------------------------------------------------------


@catalog_member
@require_GET
def manage(request: HttpRequest) -> HttpResponse:
    """Every entry this member may see, with filters, the stale ones flagged."""
    aids = _visible_aids(request).select_related("provider", "owner")
    aids = aids.annotate(
        pending=Count("proposals", filter=Q(proposals__status=ChangeProposal.Status.PENDING))
    )
    query = request.GET.get("q", "").strip()[:100]
    if query:
        aids = aids.filter(Q(name__icontains=query) | Q(provider_name__icontains=query))
    status = request.GET.get("statut", "")
    if status in Aid.Status.values:
        aids = aids.filter(status=status)
    kind = request.GET.get("type", "")
    if kind in Aid.Kind.values:
        aids = aids.filter(kind=kind)
    if request.GET.get("miennes"):
        aids = aids.filter(owner=request.organization)
    page = Paginator(aids.order_by("name", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": query,
        "status": status,
        "kind": kind,
        "mine": bool(request.GET.get("miennes")),
        "statuses": Aid.Status.choices,
        "kinds": Aid.Kind.choices,
        "today": timezone.localdate(),
        "to_review": ChangeProposal.objects.to_review_by(request.membership).count(),
    }
    return render(request, "catalog/manage.html", context)


@catalog_member
@require_GET
def stale(request: HttpRequest) -> HttpResponse:
    """Published entries not verified for CATALOG_STALE_AFTER_DAYS days."""
    today = timezone.localdate()
    aids = (
        _visible_aids(request)
        .stale(today)
        .select_related("provider", "owner")
        .order_by("last_verified_on", "name", "id")
    )
    context = {"aids": aids, "today": today, "days": stale_after_days()}
    return render(request, "catalog/stale.html", context)


@catalog_member
@require_GET
def proposals(request: HttpRequest) -> HttpResponse:
    """Proposals to review (owner admins), then those of the member's organisation."""
    visible = ChangeProposal.objects.visible_to(request.membership).select_related(
        "aid", "organization", "proposed_by", "reviewed_by"
    )
    to_review = visible.to_review_by(request.membership)
    others = visible.exclude(id__in=to_review.values("id"))[:PAGE_SIZE]
    context = {"to_review": to_review, "others": others}
    return render(request, "catalog/proposals.html", context)


# --- One entry -------------------------------------------------------------------------------


@catalog_member
@require_GET
def aid_detail(request: HttpRequest, aid_id) -> HttpResponse:
    """An entry with its criteria, its pending proposals and its history."""
    aid = _get_aid(request, aid_id)
    membership = request.membership
    context = {
        "aid": aid,
        "today": timezone.localdate(),
        "can_edit": can_edit_directly(aid, membership),
        "can_propose": can_propose(membership) and aid.status != Aid.Status.ARCHIVED,
        "decisions": [
            (d, services.DECISION_LABELS[d]) for d in services.allowed_decisions(aid, membership)
        ],
        "proposals": ChangeProposal.objects.visible_to(membership)
        .filter(aid=aid)
        .select_related("organization", "proposed_by", "reviewed_by"),
        "history": presenters.history_rows(aid),
    }
    return render(request, "catalog/aid_detail.html", context)


def _form_page(request: HttpRequest, form: forms.Form, aid: Aid | None, mode: str):
    context = {"form": form, "aid": aid, "mode": mode, "can_publish": aid is None}
    if aid is None:
        context["can_publish"] = request.membership.role == Role.ADMIN or request.user.is_staff
    return render(request, "catalog/aid_form.html", context)


@catalog_member
@GET_POST
def aid_create(request: HttpRequest) -> HttpResponse:
    """Add an entry: saved as a draft, proposed for review, or published by an admin."""
    form = AidForm(request.POST or None, initial={"thematiques": [], "publics": []})
    if request.method == "POST" and form.is_valid():
        intent = request.POST.get("intent", "draft")
        if intent not in ("draft", "propose", "publish"):
            intent = "draft"
        try:
            aid = services.create_aid(by=request.membership, values=form.values(), intent=intent)
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, f"Fiche « {aid} » enregistrée ({aid.get_status_display()}).")
            return redirect("catalog:aid_detail", aid.id)
    return _form_page(request, form, None, "create")


@catalog_member
@GET_POST
def aid_edit(request: HttpRequest, aid_id) -> HttpResponse:
    """Change an entry directly (its organisation's admin; its members before publication)."""
    aid = _get_aid(request, aid_id)
    if not can_edit_directly(aid, request.membership):
        raise PermissionDenied(
            "Proposez votre modification : l'organisation qui tient la fiche la relira."
        )
    form = AidForm(request.POST or None, instance=aid)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_aid(aid=aid, by=request.membership, values=form.values())
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, f"Fiche « {aid.name} » enregistrée.")
            return redirect("catalog:aid_detail", aid.id)
    return _form_page(request, form, aid, "edit")


@catalog_member
@GET_POST
def aid_propose(request: HttpRequest, aid_id) -> HttpResponse:
    """Suggest a change to an entry; its organisation reviews it."""
    aid = _get_aid(request, aid_id)
    form = ProposalForm(request.POST or None, instance=aid)
    if request.method == "POST" and form.is_valid():
        try:
            services.propose_changes(
                aid=aid,
                by=request.membership,
                values=form.values(),
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(
                request, "Proposition envoyée : l'organisation qui tient la fiche va la relire."
            )
            return redirect("catalog:aid_detail", aid.id)
    return _form_page(request, form, aid, "propose")


@catalog_member
@require_POST
def aid_review(request: HttpRequest, aid_id) -> HttpResponse:
    """Publish, return to draft, submit, archive or mark an entry as verified."""
    aid = _get_aid(request, aid_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez une décision.")
        return redirect("catalog:aid_detail", aid.id)
    try:
        services.decide(aid=aid, by=request.membership, **form.cleaned_data)
    except services.Forbidden as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        label = services.DECISION_LABELS[form.cleaned_data["decision"]]
        messages.success(request, f"« {label} » : c'est fait.")
    return redirect("catalog:aid_detail", aid.id)


@catalog_member
@GET_POST
def proposal_review(request: HttpRequest, proposal_id) -> HttpResponse:
    """A proposal side by side with the entry; its reviewers accept or refuse it."""
    proposals_qs = ChangeProposal.objects.visible_to(request.membership).select_related(
        "aid", "organization", "proposed_by", "reviewed_by"
    )
    proposal = get_object_or_404(proposals_qs, id=proposal_id)
    may_review = can_review(proposal.aid, request.membership) and proposal.is_pending
    form = ProposalReviewForm(request.POST or None)
    if request.method == "POST":
        if not can_review(proposal.aid, request.membership):
            raise PermissionDenied(
                "Seul·e l'administrateur·rice de l'organisation qui tient la fiche relit."
            )
        if form.is_valid():
            try:
                services.review_proposal(
                    proposal=proposal,
                    by=request.membership,
                    accept=form.cleaned_data["decision"] == "accept",
                    comment=form.cleaned_data["review_comment"],
                )
            except DomainError as error:
                _add_domain_error(form, error)
            else:
                messages.success(request, "Relecture enregistrée.")
                return redirect("catalog:aid_detail", proposal.aid_id)
    context = {
        "proposal": proposal,
        "rows": presenters.proposal_rows(proposal),
        "form": form,
        "may_review": may_review,
    }
    return render(request, "catalog/proposal_review.html", context)


# --- Matching a profile (any member) ---------------------------------------------------------


@membership_required
@require_GET
def match(request: HttpRequest) -> HttpResponse:
    """The aids a person may claim, from a profile typed for this search (nothing stored)."""
    queryset = Aid.objects.published()
    context = search_context(request, on=timezone.localdate(), queryset=queryset)
    return render_search(request, "catalog/match.html", context)
