"""What a report counts: a platform, one of its sites, a funding agreement, all the agreements of
a funder, or a territory across platforms (the observatory).

A scope only hands out querysets built from the tenancy scoping helpers
(``for_organization``, ``visible_to``) or, for a territory (the observatory's one deliberate
crossing of tenants, always read with small-cell suppression), from an explicit filter on the
commune of residence at entry. Which scopes a member may open is decided here too:
``resolve_scope(membership, code)`` answers 404 for any scope the member may not read, so that
no view or endpoint builds a scope from a raw id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from cases.models import (
    AidApplication,
    Appointment,
    Case,
    Diagnostic,
    DiagnosticItem,
    ExitQuestionnaire,
    FollowUp,
    Registration,
    Workshop,
)
from organizations.errors import DomainError
from organizations.models import FundingAgreement, Membership, Organization, Site, Territory
from referrals.models import ReferralTransition
from vehicles.models import Loan, LoanExtension, MaintenanceRecord, Vehicle

Role = Membership.Role
Kind = Organization.Kind
REPORTING_ROLES = (Role.ADMIN, Role.ADVISOR)


@dataclass(frozen=True)
class Scope:
    """The rows a report may count. ``code`` is what the API's ``scope`` parameter takes."""

    code: str
    label: str
    kind: str
    platforms: tuple[Organization, ...] = ()
    site: Site | None = None
    agreements: tuple[FundingAgreement, ...] = ()
    territory: Territory | None = None
    detail: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def platform_ids(self) -> set:
        return {p.pk for p in self.platforms}

    @property
    def is_own_platform(self) -> bool:
        """The figures of one platform read as its own: its free-text labels may show."""
        return self.kind in ("platform", "site")

    @property
    def agreement(self) -> FundingAgreement | None:
        return self.agreements[0] if self.kind == "agreement" else None

    # --- The rows ------------------------------------------------------------------------

    def case_q(self, path: str = "") -> Q:
        """The scope's condition on cases, for a model reached from a case through ``path``
        (``"diagnostic__case"`` for a diagnostic item): one filter, no subquery per row."""
        prefix = f"{path}__" if path else ""

        def on(**lookups) -> Q:
            return Q(**{f"{prefix}{name}": value for name, value in lookups.items()})

        if self.kind == "platform":
            return on(organization=self.platforms[0])
        if self.kind == "site":
            return on(organization=self.platforms[0], site=self.site)
        if self.kind in ("agreement", "funder"):
            funded = Case.funding_agreements.through.objects.filter(
                fundingagreement__in=[a.pk for a in self.agreements]
            ).values("case_id")
            return on(organization__in=self.platform_ids, pk__in=funded)
        condition = on(organization__kind=Kind.PLATFORM)
        if self.territory is not None:
            communes = _communes_of([self.territory]).values("pk")
            condition &= on(participation__commune__in=communes)
        return condition

    def cases(self) -> QuerySet[Case]:
        return Case.objects.filter(self.case_q())

    def diagnostics(self) -> QuerySet[Diagnostic]:
        return Diagnostic.objects.filter(self.case_q("case"))

    def diagnostic_items(self) -> QuerySet[DiagnosticItem]:
        return DiagnosticItem.objects.filter(self.case_q("diagnostic__case"))

    def exit_questionnaires(self) -> QuerySet[ExitQuestionnaire]:
        return ExitQuestionnaire.objects.filter(self.case_q("case"))

    def follow_ups(self) -> QuerySet[FollowUp]:
        return FollowUp.objects.filter(self.case_q("case"))

    def workshops(self) -> QuerySet[Workshop]:
        if self.kind == "platform":
            return Workshop.objects.for_organization(self.platforms[0])
        if self.kind == "site":
            return Workshop.objects.for_organization(self.platforms[0]).filter(site=self.site)
        # Sessions that at least one person of the scope attended.
        return Workshop.objects.filter(
            pk__in=Registration.objects.filter(self.case_q("case")).values("workshop_id")
        )

    def registrations(self) -> QuerySet[Registration]:
        if self.kind == "platform":
            return Registration.objects.for_organization(self.platforms[0])
        if self.kind == "site":
            return Registration.objects.for_organization(self.platforms[0]).filter(
                workshop__site=self.site
            )
        return Registration.objects.filter(self.case_q("case"))

    def appointments(self) -> QuerySet[Appointment]:
        if self.kind == "platform":
            return Appointment.objects.for_organization(self.platforms[0])
        return Appointment.objects.filter(self.case_q("case"))

    def loans(self) -> QuerySet[Loan]:
        if self.kind == "platform":
            return Loan.objects.for_organization(self.platforms[0])
        return Loan.objects.filter(self.case_q("case"))

    def extensions(self) -> QuerySet[LoanExtension]:
        return LoanExtension.objects.filter(loan__in=self.loans().values("pk"))

    def fleet(self) -> tuple[QuerySet[Vehicle], QuerySet[Loan], QuerySet[MaintenanceRecord]] | None:
        """The vehicles whose occupancy the scope reports (a platform's or a site's fleet),
        with their loans and garage stays."""
        if self.kind not in ("platform", "agreement", "site"):
            return None
        platform = self.platforms[0]
        vehicles = Vehicle.objects.for_organization(platform)
        records = MaintenanceRecord.objects.for_organization(platform)
        if self.kind == "site":
            vehicles = vehicles.filter(site=self.site)
            records = records.filter(vehicle__site=self.site)
        loans = Loan.objects.for_organization(platform).filter(vehicle__in=vehicles.values("pk"))
        return vehicles, loans, records

    def aid_applications(self) -> QuerySet[AidApplication]:
        if self.kind == "platform":
            return AidApplication.objects.for_organization(self.platforms[0])
        return AidApplication.objects.filter(self.case_q("case"))

    def referral_transitions(self) -> QuerySet[ReferralTransition] | None:
        """Steps of the referrals the scope answers for; None where referrals do not apply."""
        if self.kind == "site":
            return None
        if self.kind == "territory":
            transitions = ReferralTransition.objects.filter(organization__kind=Kind.PLATFORM)
            if self.territory is not None:
                communes = _communes_of([self.territory]).values("pk")
                transitions = transitions.filter(referral__commune__in=communes)
            return transitions
        transitions = ReferralTransition.objects.filter(
            Q(organization__in=self.platform_ids) | Q(to_organization__in=self.platform_ids)
        )
        if self.kind == "agreement":
            territories = list(self.agreements[0].territories.all())
            if territories:
                communes = _communes_of(territories).values("pk")
                transitions = transitions.filter(referral__commune__in=communes)
        return transitions

    def referral_platform_ids(self) -> set:
        if self.kind == "territory":
            return set(Organization.objects.platforms().values_list("pk", flat=True))
        return self.platform_ids


def _communes_of(territories: list[Territory]) -> QuerySet[Territory]:
    condition = Q(pk__in=[])
    for territory in territories:
        match territory.level:
            case Territory.Level.COMMUNE:
                condition |= Q(pk=territory.pk)
            case Territory.Level.EPCI:
                condition |= Q(epci=territory)
            case Territory.Level.DEPARTEMENT:
                condition |= Q(departement=territory)
            case Territory.Level.REGION:
                condition |= Q(region=territory)
    return Territory.objects.communes().filter(condition)


# --- Which scopes a member may open --------------------------------------------------------


def platform_scope(platform: Organization) -> Scope:
    return Scope(code="platform", label=platform.name, kind="platform", platforms=(platform,))


def site_scope(site: Site) -> Scope:
    platform = site.organization
    return Scope(
        code=f"site:{site.pk}",
        label=f"{platform.name} — {site.name}",
        kind="site",
        platforms=(platform,),
        site=site,
    )


def agreement_scope(agreement: FundingAgreement) -> Scope:
    return Scope(
        code=f"agreement:{agreement.pk}",
        label=f"{agreement.programme} — {agreement.organization.name}",
        kind="agreement",
        platforms=(agreement.organization,),
        agreements=(agreement,),
        detail=f"Financée par {agreement.funder.name}",
    )


def funder_scope(funder: Organization, agreements: list[FundingAgreement]) -> Scope:
    platforms = {a.organization_id: a.organization for a in agreements}
    return Scope(
        code="funder",
        label=f"Toutes les conventions de {funder.name}",
        kind="funder",
        platforms=tuple(sorted(platforms.values(), key=lambda p: p.name)),
        agreements=tuple(agreements),
    )


def territory_scope(territory: Territory | None) -> Scope:
    if territory is None:
        return Scope(code="territory:all", label="Tous les territoires", kind="territory")
    return Scope(
        code=f"territory:{territory.level}:{territory.code}",
        label=f"{territory.get_level_display()} : {territory.name}",
        kind="territory",
        territory=territory,
    )


def visible_agreements(membership: Membership) -> QuerySet[FundingAgreement]:
    """Agreements whose figures the member may read."""
    organization = membership.organization
    if organization.kind == Kind.PLATFORM and membership.role not in REPORTING_ROLES:
        return FundingAgreement.objects.none()
    if organization.kind == Kind.REFERRER:
        return FundingAgreement.objects.none()
    return (
        FundingAgreement.objects.visible_to(membership)
        .select_related("organization", "funder")
        .prefetch_related("territories")
    )


def may_report_on_platform(membership: Membership) -> bool:
    return membership.organization.kind == Kind.PLATFORM and membership.role in REPORTING_ROLES


def is_suppressed_for(membership: Membership, scope: Scope) -> bool:
    """Small cells are hidden from anyone but the platform's own staff."""
    if scope.kind == "territory":
        return True
    return not (
        may_report_on_platform(membership) and scope.platform_ids <= {membership.organization_id}
    )


def default_scope(membership: Membership) -> Scope:
    """What the member sees without choosing: their platform, their agreements, or the
    observatory of every territory."""
    organization = membership.organization
    if may_report_on_platform(membership):
        return platform_scope(organization)
    if organization.kind == Kind.FUNDER:
        return funder_scope(organization, list(visible_agreements(membership)))
    return territory_scope(None)


def scope_choices(membership: Membership) -> list[Scope]:
    """Every scope the member may read, their own first, then the observatory's territories."""
    organization = membership.organization
    scopes = []
    if may_report_on_platform(membership):
        scopes.append(platform_scope(organization))
        sites = Site.objects.for_organization(organization).select_related("organization")
        scopes += [site_scope(site) for site in sites.order_by("name")]
    agreements = list(visible_agreements(membership).order_by("-start_date", "programme"))
    if organization.kind == Kind.FUNDER:
        scopes.append(funder_scope(organization, agreements))
    scopes += [agreement_scope(agreement) for agreement in agreements]
    scopes.append(territory_scope(None))
    territories = Territory.objects.exclude(level=Territory.Level.COMMUNE).order_by("level", "code")
    level_order = {Territory.Level.REGION: 0, Territory.Level.DEPARTEMENT: 1}
    scopes += [
        territory_scope(t)
        for t in sorted(territories, key=lambda t: (level_order.get(t.level, 2), t.code))
    ]
    return scopes


def resolve_scope(membership: Membership, code: str | None) -> Scope:
    """The scope named by ``code`` if the member may read it, else 404."""
    if not code:
        return default_scope(membership)
    organization = membership.organization
    kind, _, rest = code.partition(":")
    if kind in ("platform", "site") and not may_report_on_platform(membership):
        if organization.kind == Kind.PLATFORM:
            raise PermissionDenied(
                "Votre rôle ne permet pas de consulter les statistiques de la plateforme."
            )
        raise Http404("Périmètre introuvable.")
    if kind == "platform" and not rest:
        return platform_scope(organization)
    if kind == "site":
        site = Site.objects.for_organization(organization).filter(pk=_uuid(rest)).first()
        if site is not None:
            return site_scope(site)
    if kind == "agreement":
        agreement = visible_agreements(membership).filter(pk=_uuid(rest)).first()
        if agreement is not None:
            return agreement_scope(agreement)
    if kind == "funder" and not rest and organization.kind == Kind.FUNDER:
        return funder_scope(organization, list(visible_agreements(membership)))
    if kind == "territory":
        if rest == "all":
            return territory_scope(None)
        level, _, territory_code = rest.partition(":")
        territory = (
            Territory.objects.exclude(level=Territory.Level.COMMUNE)
            .filter(level=level, code=territory_code)
            .first()
        )
        if territory is not None:
            return territory_scope(territory)
    raise Http404("Périmètre introuvable.")


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def check_period(scope: Scope, period, *, suppressed: bool) -> None:
    """Outside the platform, only fixed periods: subtracting the figures of two overlapping
    free periods would reveal the small counts that suppression hides."""
    if not suppressed or period.is_calendar_year:
        return
    agreement = scope.agreement
    if agreement is not None and (period.start, period.end) == (
        agreement.start_date,
        agreement.end_date,
    ):
        return
    allowed = "une année civile complète"
    if agreement is not None:
        allowed += " ou la période de la convention"
    raise DomainError(
        f"Pour protéger le secret statistique, la période doit être {allowed}.", field="start"
    )
