"""A small, fully known world for the reporting tests: platform A's half-year 2026 (with rows
before, inside and after the period, on its edges, and a platform B whose rows must never be
counted for A).

Period under test: 1 January to 30 June 2026.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from cases.models import (
    AidApplication,
    Appointment,
    Barrier,
    Case,
    Diagnostic,
    DiagnosticItem,
    ExitQuestionnaire,
    FollowUp,
    Registration,
    Situation,
    Workshop,
)
from organizations.models import FundingAgreement, Organization, Territory
from referrals.models import ReferralTransition
from reporting.periods import Period
from tests.cases.factories import (
    AppointmentFactory,
    BeneficiaryFactory,
    CaseFactory,
    DiagnosticFactory,
    RegistrationFactory,
    WorkshopFactory,
)
from tests.factories import (
    FundingAgreementFactory,
    OrganizationFactory,
    SiteFactory,
    TerritoryFactory,
)
from tests.referrals.factories import ReferralFactory
from tests.vehicles.factories import LoanFactory, VehicleFactory

PERIOD = Period(dt.date(2026, 1, 1), dt.date(2026, 6, 30))
TODAY = dt.date(2026, 12, 5)


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def d(month: int, day: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, day)


@dataclass
class World:
    platform: Organization
    other: Organization
    funder: Organization
    agreement: FundingAgreement
    cases: dict[str, Case] = field(default_factory=dict)


def territories() -> dict[str, Territory]:
    region = TerritoryFactory(level=Territory.Level.REGION, code="32", name="Hauts-de-France")
    nord = TerritoryFactory(
        level=Territory.Level.DEPARTEMENT, code="59", name="Nord", region=region, parent=region
    )
    aisne = TerritoryFactory(
        level=Territory.Level.DEPARTEMENT, code="02", name="Aisne", region=region, parent=region
    )
    mel = TerritoryFactory(
        level=Territory.Level.EPCI,
        code="200093201",
        name="Métropole Européenne de Lille",
        departement=nord,
        region=region,
        parent=nord,
    )
    lille = TerritoryFactory(
        code="59350",
        name="Lille",
        epci=mel,
        departement=nord,
        region=region,
        parent=mel,
        is_rural=False,
    )
    village = TerritoryFactory(
        code="02001",
        name="Abbécourt",
        departement=aisne,
        region=region,
        parent=aisne,
        is_rural=True,
    )
    return {
        "region": region,
        "nord": nord,
        "aisne": aisne,
        "mel": mel,
        "lille": lille,
        "village": village,
    }


def _case(platform, key, *, opened, closed=None, status=None, person=None, **person_fields):
    if person is None:
        person = BeneficiaryFactory(organization=platform, **person_fields)
    status = status or (Case.Status.CLOSED if closed else Case.Status.IN_PROGRESS)
    exit_reason = Case.ExitReason.JOB_OR_TRAINING if closed else ""
    return CaseFactory(
        beneficiary=person,
        opened_on=opened,
        closed_on=closed,
        status=status,
        exit_reason=exit_reason,
    )


def build(*, with_other_platform: bool = True) -> World:
    places = territories()
    platform = OrganizationFactory(name="Mobilité Solidaire Lille", slug="msl")
    other = OrganizationFactory(name="Roule Ma Poule Arras", slug="rmp")
    funder = OrganizationFactory(name="Département du Nord", slug="cd59", funder=True)
    agreement = FundingAgreementFactory(
        organization=platform,
        funder=funder,
        programme="Mobilité vers l'emploi",
        start_date=d(1, 1),
        end_date=d(12, 31),
    )
    world = World(platform, other, funder, agreement)
    site_1 = SiteFactory(organization=platform, name="Antenne de Fives")
    site_2 = SiteFactory(organization=platform, name="Garage solidaire")
    lille, village = places["lille"], places["village"]
    c = world.cases

    # c1: entered before the period, left inside it (job), exit questionnaire within 4 weeks.
    c["c1"] = _case(
        platform,
        "c1",
        opened=d(11, 10, 2025),
        closed=d(2, 15),
        sex="M",
        birth_date=d(3, 1, 1970),
        commune=lille,
        receives_rsa=True,
    )
    # c2: entered in the period, still open; young, RSA, QPV, rural.
    c["c2"] = _case(
        platform,
        "c2",
        opened=d(1, 5),
        sex="F",
        birth_date=d(2, 1, 2004),
        commune=village,
        receives_rsa=True,
        is_qpv_resident=True,
        education_level="cap_bep",
    )
    # c3: entered and left inside the period (on its last day).
    c["c3"] = _case(
        platform,
        "c3",
        opened=d(3, 1),
        closed=d(6, 30),
        sex="X",
        birth_date=d(7, 1, 1995),
        commune=lille,
        has_rqth=True,
        labour_market_status="long_term_unemployed",
    )
    # c4: entered after the period: never counted.
    c["c4"] = _case(platform, "c4", opened=d(7, 1), sex="F", commune=lille)
    # c5 and c6: one person, a case closed before the period then a new one on its last day.
    c["c5"] = _case(
        platform,
        "c5",
        opened=d(1, 1, 2025),
        closed=d(12, 31, 2025),
        sex="F",
        birth_date=d(5, 5, 1968),
        commune=lille,
    )
    c["c6"] = _case(platform, "c6", opened=d(6, 30), person=c["c5"].beneficiary)
    # c7: a long pathway begun in 2024, still open.
    c["c7"] = _case(
        platform,
        "c7",
        opened=d(5, 1, 2024),
        sex="M",
        commune=None,
        birth_date=None,
        labour_market_status="employed",
    )
    for key, site in (("c1", site_1), ("c2", site_1), ("c3", site_2), ("c7", site_2)):
        Case.objects.filter(pk=c[key].pk).update(site=site)
    for key in ("c1", "c2", "c3"):
        c[key].funding_agreements.add(agreement)

    _exits_and_follow_ups(c)
    _diagnostics(c)
    _sessions(platform, c)
    _loans(platform, c)
    _aids(c)
    _referrals(platform, c)
    if with_other_platform:
        _noise(other)
    for case in c.values():
        case.refresh_from_db()
    return world


def _exits_and_follow_ups(c) -> None:
    ExitQuestionnaire.objects.create(
        case=c["c1"],
        exit_date=d(2, 15),
        situation=Situation.JOB_PERMANENT,
        licence_gained=True,
        mobility_autonomy=True,
        filled_on=d(2, 20),
    )
    ExitQuestionnaire.objects.create(
        case=c["c3"],
        exit_date=d(6, 30),
        situation=Situation.TRAINING,
        qualification_gained=True,
        filled_on=d(8, 1),
    )
    ExitQuestionnaire.objects.create(
        case=c["c5"],
        exit_date=d(12, 31, 2025),
        situation=Situation.JOB_SEARCH,
        filled_on=d(12, 31, 2025),
    )
    FollowUp.objects.create(
        case=c["c5"],
        kind=FollowUp.Kind.MONTH_6,
        due_on=d(6, 30),
        done_on=d(6, 30),
        reached=True,
        situation=Situation.JOB_SHORT,
    )
    FollowUp.objects.create(
        case=c["c1"],
        kind=FollowUp.Kind.MONTH_6,
        due_on=d(8, 15),
        done_on=d(8, 20),
        reached=False,
        situation=Situation.UNKNOWN,
    )


def _diagnostics(c) -> None:
    barriers = list(Barrier.objects.filter(organization=None).order_by("code")[:3])
    b1, b2, b3 = barriers

    def diagnostic(case, kind, day, severities):
        diag = DiagnosticFactory(case=case, kind=kind, done_on=day)
        for barrier, severity in severities:
            DiagnosticItem.objects.create(diagnostic=diag, barrier=barrier, severity=severity)
        return diag

    diagnostic(c["c2"], Diagnostic.Kind.ENTRY, d(1, 10), [(b1, 2), (b2, 0), (b3, 3)])
    diagnostic(c["c3"], Diagnostic.Kind.ENTRY, d(3, 5), [(b1, 1), (b2, 2), (b3, 0)])
    diagnostic(c["c3"], Diagnostic.Kind.INTERMEDIATE, d(4, 5), [(b1, 1)])
    diagnostic(c["c3"], Diagnostic.Kind.EXIT, d(6, 25), [(b1, 0), (b2, 3), (b3, 2)])
    diagnostic(c["c7"], Diagnostic.Kind.ENTRY, d(6, 1, 2024), [(b1, 3)])


def _sessions(platform, c) -> None:
    bike = WorkshopFactory(
        organization=platform,
        kind=Workshop.Kind.BIKE_SCHOOL,
        status=Workshop.Status.DONE,
        starts_at=at(d(2, 10), 9),
        ends_at=at(d(2, 10), 12),
    )
    for key, attendance in (("c2", "present"), ("c3", "absent"), ("c7", "excused")):
        RegistrationFactory(workshop=bike, case=c[key], attendance=attendance)
    RegistrationFactory(
        workshop=bike, case=c["c1"], status=Registration.Status.WAITLISTED, attendance=""
    )
    code = WorkshopFactory(
        organization=platform,
        kind=Workshop.Kind.HIGHWAY_CODE,
        status=Workshop.Status.DONE,
        starts_at=at(d(6, 30), 14),
        ends_at=at(d(6, 30), 15, 30),
    )
    RegistrationFactory(workshop=code, case=c["c3"], attendance="present")
    RegistrationFactory(workshop=code, case=c["c2"], attendance="present")
    WorkshopFactory(  # after the period
        organization=platform,
        kind=Workshop.Kind.HIGHWAY_CODE,
        status=Workshop.Status.DONE,
        starts_at=at(d(7, 1), 9),
        ends_at=at(d(7, 1), 11),
    )
    WorkshopFactory(  # cancelled
        organization=platform,
        kind=Workshop.Kind.BIKE_SCHOOL,
        status=Workshop.Status.CANCELLED,
        starts_at=at(d(3, 3), 9),
        ends_at=at(d(3, 3), 11),
    )
    for key, day, minutes, status, kind in (
        ("c2", d(1, 12), 60, Appointment.Status.DONE, Appointment.Kind.INTAKE),
        ("c3", d(3, 2), 90, Appointment.Status.DONE, Appointment.Kind.DIAGNOSTIC),
        ("c2", d(4, 1), 45, Appointment.Status.PLANNED, Appointment.Kind.FOLLOW_UP),
        ("c7", d(5, 1), 30, Appointment.Status.NO_SHOW, Appointment.Kind.FOLLOW_UP),
        ("c1", d(12, 20, 2025), 60, Appointment.Status.DONE, Appointment.Kind.FOLLOW_UP),
    ):
        AppointmentFactory(
            case=c[key], starts_at=at(day), duration_minutes=minutes, status=status, kind=kind
        )


def _loans(platform, c) -> None:
    bike = VehicleFactory(organization=platform, kind="bike", code="VEL-01")
    car = VehicleFactory(organization=platform, car=True, code="VL-01")
    LoanFactory(
        vehicle=bike,
        case=c["c2"],
        start_date=d(1, 15),
        end_date=d(2, 15),
        status="returned",
        returned_at=at(d(2, 14)),
    )
    LoanFactory(
        vehicle=car,
        case=c["c7"],
        start_date=d(12, 20, 2025),
        end_date=d(1, 10),
        status="returned",
        returned_at=at(d(1, 12)),
    )
    extended = LoanFactory(
        vehicle=car, case=c["c3"], start_date=d(6, 20), end_date=d(7, 20), status="active"
    )
    LoanFactory(
        vehicle=bike, case=c["c3"], start_date=d(3, 1), end_date=d(3, 10), status="cancelled"
    )
    LoanFactory(
        vehicle=bike, case=c["c2"], start_date=d(12, 10), end_date=d(12, 20), status="reserved"
    )
    extended.extensions.create(
        previous_end_date=d(7, 10),
        new_end_date=d(7, 20),
        price_before=Decimal("160"),
        price_after=Decimal("240"),
        at=at(d(6, 28)),
    )


def _aids(c) -> None:
    for key, submitted, decided, status, granted, funder in (
        ("c2", d(1, 20), d(2, 1), AidApplication.Status.GRANTED, "300.00", "Département du Nord"),
        ("c3", d(3, 10), d(4, 1), AidApplication.Status.REFUSED, None, "Région Hauts-de-France"),
        (
            "c7",
            d(12, 1, 2025),
            d(1, 5),
            AidApplication.Status.PARTIALLY_GRANTED,
            "150.50",
            "Département du Nord",
        ),
        ("c1", d(6, 1), None, AidApplication.Status.SUBMITTED, None, "France Travail"),
    ):
        AidApplication.objects.create(
            case=c[key],
            aid_name="Aide au permis",
            funder_name=funder,
            status=status,
            submitted_on=submitted,
            decided_on=decided,
            amount_requested=Decimal("500"),
            amount_granted=Decimal(granted) if granted else None,
        )


def _referrals(platform, c) -> None:
    referrer = OrganizationFactory(name="France Travail Lille", slug="ft-lille", referrer=True)
    other_referrer = OrganizationFactory(
        name="Mission locale de Lille", slug="ml-lille", referrer=True, network="mission-locale"
    )
    K = ReferralTransition.Kind

    def referral(sender_org, steps):
        ref = ReferralFactory(
            organization=platform, sender__organization=sender_org, status=steps[-1][2]
        )
        previous = ""
        for kind, day, to_status in steps:
            ReferralTransition.objects.create(
                referral=ref,
                kind=kind,
                from_status=previous,
                to_status=to_status,
                organization=platform,
                at=at(day),
            )
            previous = to_status
        return ref

    referral(
        referrer,
        [
            (K.SEND, d(1, 3), "sent"),
            (K.START_REVIEW, d(1, 5), "in_review"),
            (K.ACCEPT, d(1, 6), "accepted"),
        ],
    )
    referral(referrer, [(K.SEND, d(2, 1), "sent"), (K.REFUSE, d(2, 11), "refused")])
    referral(other_referrer, [(K.SEND, d(3, 1), "sent")])
    referral(referrer, [(K.SEND, d(12, 15, 2025), "sent"), (K.ACCEPT, d(1, 2), "accepted")])


def _noise(other: Organization) -> None:
    """Platform B: rows of every kind inside the period, never to be counted for A."""
    case = CaseFactory(organization=other, opened_on=d(2, 1), status=Case.Status.IN_PROGRESS)
    DiagnosticFactory(case=case, kind=Diagnostic.Kind.ENTRY, done_on=d(2, 2))
    workshop = WorkshopFactory(
        organization=other,
        status=Workshop.Status.DONE,
        starts_at=at(d(2, 3)),
        ends_at=at(d(2, 3), 12),
    )
    RegistrationFactory(workshop=workshop, case=case, attendance="present")
    vehicle = VehicleFactory(organization=other, code="VEL-B")
    LoanFactory(
        vehicle=vehicle,
        case=case,
        start_date=d(2, 5),
        end_date=d(2, 20),
        status="returned",
        returned_at=at(d(2, 20)),
    )
    AidApplication.objects.create(
        case=case,
        aid_name="Aide B",
        funder_name="Département du Nord",
        status=AidApplication.Status.GRANTED,
        submitted_on=d(2, 4),
        decided_on=d(2, 6),
        amount_granted=Decimal("99"),
    )
