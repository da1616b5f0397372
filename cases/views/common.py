"""Helpers every case view shares: the scoped case fetch, the read-access log, the role check."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from cases.models import AccessLog, Beneficiary, Case
from organizations.models import Membership, Organization
from organizations.tenancy import role_required

Role = Membership.Role

# Admins and advisors of a platform act on cases; coaches, referrers and funders do not.
caseworker_required = role_required(Role.ADMIN, Role.ADVISOR, kinds=(Organization.Kind.PLATFORM,))
platform_admin_required = role_required(Role.ADMIN, kinds=(Organization.Kind.PLATFORM,))


def get_case_for(request: HttpRequest, case_id) -> Case:
    """Return the case if the current member may open it, else raise 404."""
    cases = Case.objects.visible_to(request.membership).with_list_data()
    return get_object_or_404(cases, id=case_id)


def log_beneficiary_access(
    request: HttpRequest, beneficiary: Beneficiary, kind: str = AccessLog.Kind.VIEW
) -> AccessLog:
    """Record that the current user opened (or exported) a person's file."""
    return AccessLog.objects.create(
        organization_id=beneficiary.organization_id,
        beneficiary=beneficiary,
        user=request.user,
        kind=kind,
        path=request.get_full_path()[:250],
    )


def log_beneficiaries_access(
    request: HttpRequest, beneficiary_ids: Iterable, kind: str = AccessLog.Kind.EXPORT
) -> None:
    """Record in one query that the current user read many files (an export)."""
    path = request.get_full_path()[:250]
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                organization=request.organization,
                beneficiary_id=beneficiary_id,
                user=request.user,
                kind=kind,
                path=path,
            )
            for beneficiary_id in beneficiary_ids
        ]
    )
