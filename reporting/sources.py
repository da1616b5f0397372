"""Load the rows the indicators count into pandas, from querysets already scoped by the caller.

Each loader takes a scoped queryset and a period, filters the period in SQL and returns a
DataFrame with typed columns. Rows are read with the queryset's own SQL through a cursor and
typed column by column by pandas: reading a hundred thousand rows costs a fraction of what the
ORM's per-row converters would.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, Min, Q, QuerySet

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
from organizations.models import Site, Territory
from referrals.models import ReferralTransition
from referrals.stats import episodes
from vehicles.models import OUT_STATUSES, Loan, LoanExtension, LoanStatus

from .periods import Period

PARIS = "Europe/Paris"


def frame(
    queryset: QuerySet,
    columns: dict[str, str],
    *,
    dates: tuple[str, ...] = (),
    datetimes: tuple[str, ...] = (),
    bools: tuple[str, ...] = (),
    numbers: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Run ``queryset.values_list(*columns.values())`` and type the named columns."""
    # No ORDER BY: the frames are grouped, not listed, and sorting is the costliest step.
    rows_query = queryset.order_by().values_list(*columns.values()).query
    try:
        sql, params = rows_query.sql_with_params()
    except EmptyResultSet:  # a scope with nothing in it (a funder without agreement)
        rows = []
    else:
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    df = pd.DataFrame.from_records(rows, columns=list(columns))
    for name in dates:
        df[name] = pd.to_datetime(df[name]).dt.normalize()
    for name in datetimes:
        df[name] = pd.to_datetime(df[name], utc=True, format="mixed").dt.tz_convert(PARIS)
    for name in bools:
        df[name] = df[name].astype("boolean")
    for name in numbers:
        df[name] = pd.to_numeric(df[name], errors="coerce").astype("float64")
    return df


def ts(day: date) -> pd.Timestamp:
    return pd.Timestamp(day)


# --- Cases and their participations --------------------------------------------------------

CASE_COLUMNS = {
    "case_id": "id",
    "person_id": "beneficiary_id",
    "platform_id": "organization_id",
    "site_id": "site_id",
    "opened_on": "opened_on",
    "closed_on": "closed_on",
    "origin": "origin",
    "exit_reason": "exit_reason",
    "sex": "participation__sex",
    "age": "participation__age_at_entry",
    "labour_status": "participation__labour_market_status",
    "long_term_unemployed": "participation__long_term_unemployed",
    "isced": "participation__isced_band",
    "rsa": "participation__receives_rsa",
    "rqth": "participation__has_rqth",
    "qpv": "participation__is_qpv_resident",
    "rural": "participation__is_rural",
    "commune_id": "participation__commune_id",
}


def active_cases(cases: QuerySet[Case], period: Period) -> QuerySet[Case]:
    """Cases whose pathway meets the period (entry before its end, no exit before its start)."""
    return cases.active_between(period.start, period.end)


def cases_frame(cases: QuerySet[Case], period: Period) -> pd.DataFrame:
    """One row per case active during the period, with its participation at entry and the
    territories of the person's commune at entry."""
    df = frame(
        active_cases(cases, period),
        CASE_COLUMNS,
        dates=("opened_on", "closed_on"),
        bools=("long_term_unemployed", "rsa", "rqth", "qpv", "rural"),
    )
    df["commune_id"] = pd.to_numeric(df["commune_id"]).astype("Int64")
    df = df.merge(communes_frame(), how="left", on="commune_id")
    sites = frame(
        Site.objects.filter(pk__in=cases.values("site_id")), {"site_id": "id", "site_name": "name"}
    )
    df["site_id"] = df["site_id"].astype("object")
    sites["site_id"] = sites["site_id"].astype("object")
    return df.merge(sites, how="left", on="site_id")


def communes_frame() -> pd.DataFrame:
    """Every commune with its EPCI and département (a few thousand rows)."""
    communes = frame(
        Territory.objects.communes(),
        {
            "commune_id": "id",
            "commune_code": "code",
            "commune_name": "name",
            "epci_code": "epci__code",
            "epci_name": "epci__name",
            "departement_code": "departement__code",
            "departement_name": "departement__name",
            "region_code": "region__code",
        },
    )
    communes["commune_id"] = communes["commune_id"].astype("Int64")
    return communes


def people_frame(cases: pd.DataFrame) -> pd.DataFrame:
    """One row per person: the latest of their cases active during the period."""
    latest = cases.sort_values(["opened_on", "case_id"], ascending=[False, False])
    return latest.drop_duplicates("person_id")


# --- Diagnostics ---------------------------------------------------------------------------


def barrier_counts(items: QuerySet[DiagnosticItem], period: Period) -> dict:
    """People with barriers found by the entry diagnostics done during the period: in all, by
    category and by barrier (distinct people, counted by the database)."""
    found = items.filter(
        diagnostic__kind=Diagnostic.Kind.ENTRY,
        diagnostic__done_on__gte=period.start,
        diagnostic__done_on__lte=period.end,
        severity__gt=0,
    ).order_by()
    person = Count("diagnostic__case__beneficiary_id", distinct=True)
    total = found.aggregate(n=person)["n"] or 0
    # ``shared``: the common taxonomy (no platform); a platform's own barriers are its data.
    by_category = pd.DataFrame.from_records(
        list(
            found.values("barrier__category__position", "barrier__category__code")
            .annotate(
                label=Min("barrier__category__label"),
                n=person,
                own=Count("barrier__category__organization", distinct=True),
            )
            .values_list(
                "barrier__category__position", "barrier__category__code", "label", "n", "own"
            )
        ),
        columns=["position", "code", "label", "n", "own"],
    )
    by_barrier = pd.DataFrame.from_records(
        list(
            found.values("barrier__code")
            .annotate(
                label=Min("barrier__label"),
                n=person,
                own=Count("barrier__organization", distinct=True),
            )
            .values_list("barrier__code", "label", "n", "own")
        ),
        columns=["code", "label", "n", "own"],
    )
    by_category["shared"] = by_category["own"] == 0
    by_barrier["shared"] = by_barrier["own"] == 0
    return {"total": total, "by_category": by_category, "by_barrier": by_barrier}


def diagnostics_frame(diagnostics: QuerySet[Diagnostic], period: Period) -> pd.DataFrame:
    """Diagnostics done during the period."""
    return frame(
        diagnostics.filter(done_on__gte=period.start, done_on__lte=period.end),
        {
            "diagnostic_id": "id",
            "case_id": "case_id",
            "kind": "kind",
            "done_on": "done_on",
            "score": "score",
        },
        dates=("done_on",),
    )


def compared_items_frame(items: QuerySet[DiagnosticItem], period: Period) -> pd.DataFrame:
    """Barriers of the cases whose exit diagnostic was done during the period, at entry and at
    exit (the indicator compares each case's first entry with its last exit diagnostic)."""
    exits_in_period = Diagnostic.objects.filter(
        kind=Diagnostic.Kind.EXIT, done_on__gte=period.start, done_on__lte=period.end
    ).values("case_id")
    compared = items.filter(
        diagnostic__case__in=exits_in_period,
        diagnostic__kind__in=(Diagnostic.Kind.ENTRY, Diagnostic.Kind.EXIT),
    )
    return frame(
        compared,
        {
            "case_id": "diagnostic__case_id",
            "diagnostic_id": "diagnostic_id",
            "kind": "diagnostic__kind",
            "done_on": "diagnostic__done_on",
            "created_at": "diagnostic__created_at",
            "barrier_code": "barrier__code",
            "category_label": "barrier__category__label",
            "category_position": "barrier__category__position",
            "severity": "severity",
        },
        dates=("done_on",),
        datetimes=("created_at",),
    )


# --- Sessions ------------------------------------------------------------------------------


def workshops_frame(workshops: QuerySet[Workshop], period: Period) -> pd.DataFrame:
    """Collective sessions held (attendance taken) that started during the period."""
    first, after = period.aware_bounds()
    held = workshops.filter(status=Workshop.Status.DONE, starts_at__gte=first, starts_at__lt=after)
    return frame(
        held,
        {"workshop_id": "id", "kind": "kind", "starts_at": "starts_at", "ends_at": "ends_at"},
        datetimes=("starts_at", "ends_at"),
    )


def registrations_frame(registrations: QuerySet[Registration], period: Period) -> pd.DataFrame:
    """Confirmed seats in the sessions held during the period, with the attendance noted."""
    first, after = period.aware_bounds()
    seats = registrations.filter(
        status=Registration.Status.CONFIRMED,
        workshop__status=Workshop.Status.DONE,
        workshop__starts_at__gte=first,
        workshop__starts_at__lt=after,
    )
    return frame(
        seats,
        {
            "workshop_id": "workshop_id",
            "kind": "workshop__kind",
            "case_id": "case_id",
            "person_id": "case__beneficiary_id",
            "attendance": "attendance",
        },
    )


def appointments_frame(appointments: QuerySet[Appointment], period: Period) -> pd.DataFrame:
    """Individual appointments honoured during the period."""
    first, after = period.aware_bounds()
    done = appointments.filter(
        status=Appointment.Status.DONE, starts_at__gte=first, starts_at__lt=after
    )
    return frame(
        done,
        {
            "appointment_id": "id",
            "kind": "kind",
            "person_id": "case__beneficiary_id",
            "minutes": "duration_minutes",
        },
    )


# --- Loans ---------------------------------------------------------------------------------

LENT_STATUSES = (*OUT_STATUSES, LoanStatus.RETURNED)


def loans_frame(loans: QuerySet[Loan], period: Period, today: date) -> pd.DataFrame:
    """Loans handed over whose occupation meets the period, with the day the vehicle came back
    (or will: an overdue loan counts as out until tomorrow, as ``Loan.occupied_until`` says)."""
    lent = loans.filter(status__in=LENT_STATUSES, start_date__lte=period.end).filter(
        Q(status__in=OUT_STATUSES) | Q(returned_at__isnull=False)
    )
    df = frame(
        lent,
        {
            "loan_id": "id",
            "vehicle_id": "vehicle_id",
            "kind": "vehicle__kind",
            "person_id": "case__beneficiary_id",
            "start_date": "start_date",
            "end_date": "end_date",
            "status": "status",
            "returned_at": "returned_at",
        },
        dates=("start_date", "end_date"),
        datetimes=("returned_at",),
    )
    returned = df["returned_at"].dt.tz_localize(None).dt.normalize()
    until = df["end_date"].copy()
    is_returned = df["status"] == LoanStatus.RETURNED
    until[is_returned] = pd.concat(
        [returned[is_returned], df.loc[is_returned, "start_date"] + pd.Timedelta(days=1)], axis=1
    ).max(axis=1)
    is_overdue = df["status"] == LoanStatus.OVERDUE
    until[is_overdue] = df.loc[is_overdue, "end_date"].clip(lower=ts(today) + pd.Timedelta(days=1))
    df["until"] = until
    # The occupation is [start_date, until): keep the loans that occupy a day of the period.
    return df[df["until"] > ts(period.start)].reset_index(drop=True)


def loan_days(loans: pd.DataFrame, period: Period) -> pd.Series:
    """Days of each loan inside the period."""
    first = loans["start_date"].clip(lower=ts(period.start))
    last = loans["until"].clip(upper=ts(period.stop))
    return (last - first).dt.days.clip(lower=0)


def extensions_frame(extensions: QuerySet[LoanExtension], period: Period) -> pd.DataFrame:
    """Loan extensions granted during the period."""
    first, after = period.aware_bounds()
    return frame(
        extensions.filter(at__gte=first, at__lt=after),
        {"extension_id": "id", "kind": "loan__vehicle__kind"},
    )


# --- Aids, exits, follow-ups ---------------------------------------------------------------


def aid_applications_frame(applications: QuerySet[AidApplication], period: Period):
    """Applications submitted or decided during the period."""
    in_period = applications.filter(
        Q(submitted_on__gte=period.start, submitted_on__lte=period.end)
        | Q(decided_on__gte=period.start, decided_on__lte=period.end)
    )
    return frame(
        in_period,
        {
            "application_id": "id",
            "status": "status",
            "funder_name": "funder_name",
            "catalog_provider": "aid__provider_name",
            "catalog_status": "aid__status",
            "aid_name": "aid_name",
            "amount_requested": "amount_requested",
            "amount_granted": "amount_granted",
            "submitted_on": "submitted_on",
            "decided_on": "decided_on",
        },
        dates=("submitted_on", "decided_on"),
        numbers=("amount_requested", "amount_granted"),
    )


def exits_frame(questionnaires: QuerySet[ExitQuestionnaire], period: Period) -> pd.DataFrame:
    """Exit questionnaires of the cases closed during the period."""
    return frame(
        questionnaires.filter(case__closed_on__gte=period.start, case__closed_on__lte=period.end),
        {
            "case_id": "case_id",
            "exit_date": "exit_date",
            "filled_on": "filled_on",
            "situation": "situation",
            "qualification_gained": "qualification_gained",
            "licence_gained": "licence_gained",
            "mobility_autonomy": "mobility_autonomy",
        },
        dates=("exit_date", "filled_on"),
        bools=("qualification_gained", "licence_gained", "mobility_autonomy"),
    )


def follow_ups_frame(follow_ups: QuerySet[FollowUp], period: Period) -> pd.DataFrame:
    """Six-month follow-ups done during the period."""
    done = follow_ups.filter(
        kind=FollowUp.Kind.MONTH_6,
        done_on__gte=period.start,
        done_on__lte=period.end,
    )
    return frame(
        done,
        {
            "case_id": "case_id",
            "done_on": "done_on",
            "reached": "reached",
            "situation": "situation",
            "improved_situation": "improved_situation",
            "labour_status": "case__participation__labour_market_status",
        },
        dates=("done_on",),
        bools=("reached", "improved_situation"),
    )


# --- Referrals -----------------------------------------------------------------------------


def referral_episodes_frame(
    transitions: QuerySet[ReferralTransition], platform_ids: set, period: Period
) -> pd.DataFrame:
    """Arrivals of referrals at the platforms during the period, with answer and outcome.

    ``transitions`` are already limited to the referrals of the scope; an arrival is a sending
    to the platform or a transfer to it (see ``referrals.stats``).
    """
    first, after = period.aware_bounds()
    arrivals = transitions.filter(
        Q(kind=ReferralTransition.Kind.SEND, organization__in=platform_ids)
        | Q(kind=ReferralTransition.Kind.TRANSFER, to_organization__in=platform_ids),
        at__gte=first,
        at__lt=after,
    )
    rows = list(
        ReferralTransition.objects.filter(referral__in=arrivals.values("referral"))
        .order_by("referral_id", "at", "id")
        .values(
            "referral_id",
            "kind",
            "organization_id",
            "to_organization_id",
            "at",
            "referral__sender_organization__name",
        )
    )
    found = [e for e in episodes(rows, set(platform_ids)) if first <= e["arrived_at"] < after]
    networks = dict(
        transitions.model.objects.filter(referral__in=arrivals.values("referral"))
        .values_list("referral_id", "referral__sender_organization__network")
        .distinct()
    )
    columns = ["referral_id", "platform_id", "arrived_at", "answered_at", "outcome", "sender"]
    df = pd.DataFrame.from_records(found, columns=columns)
    df["network"] = df["referral_id"].map(networks).fillna("")
    df["delay_days"] = (
        pd.to_datetime(df["answered_at"], utc=True) - pd.to_datetime(df["arrived_at"], utc=True)
    ).dt.total_seconds() / 86400
    return df
