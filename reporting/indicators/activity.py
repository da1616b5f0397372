"""Activity and public profile: people accompanied, entries, exits, cases in progress."""

from __future__ import annotations

from functools import partial

import pandas as pd

from cases.models import Beneficiary, Case, IscedBand
from catalog.models import LabourMarketStatus

from ..sources import ts
from .base import Breakdown, Cell, ReportData, Value, by_month, counts, indicator, top_counts

AGE_BANDS = [("-26", "Moins de 26 ans"), ("26-54", "26 à 54 ans"), ("55+", "55 ans et plus")]
ISCED_CHOICES = [(v, label) for v, label in IscedBand.choices if v]


def age_band(ages: pd.Series) -> pd.Series:
    bands = pd.Series("", index=ages.index, dtype="object")
    known = ages.notna()
    bands[known & (ages < 26)] = "-26"
    bands[known & (ages >= 26) & (ages < 55)] = "26-54"
    bands[known & (ages >= 55)] = "55+"
    return bands


def territory_cells(people: pd.DataFrame, level: str, *, limit: int | None = None) -> list[Cell]:
    keys, labels = people[f"{level}_code"], people[f"{level}_name"]
    if limit is None:
        limit = len(people)
    return top_counts(labels, keys=keys, limit=limit, other="Autres territoires")


@indicator(
    "people_accompanied",
    label="Personnes accompagnées",
    definition=(
        "Personnes dont un accompagnement était en cours à un moment de la période : entrée "
        "au plus tard le dernier jour, pas de sortie avant le premier. Une personne est comptée "
        "une fois, avec sa situation à l'entrée de son dernier accompagnement de la période."
    ),
    unit="people",
    section="activity",
)
def people_accompanied(data: ReportData) -> Value:
    people = data.people
    breakdowns = [
        Breakdown("sex", "Par sexe", counts(people["sex"], Beneficiary.Sex.choices)),
        Breakdown("age_band", "Par âge à l'entrée", counts(age_band(people["age"]), AGE_BANDS)),
        Breakdown(
            "labour_status",
            "Par situation sur le marché du travail à l'entrée",
            counts(people["labour_status"], LabourMarketStatus.choices),
        ),
        Breakdown("isced", "Par niveau d'éducation (CITE)", counts(people["isced"], ISCED_CHOICES)),
        Breakdown("departement", "Par département", territory_cells(people, "departement")),
        Breakdown("epci", "Par intercommunalité (EPCI)", territory_cells(people, "epci")),
        Breakdown("commune", "Par commune", territory_cells(people, "commune", limit=20)),
    ]
    if data.scope.kind == "platform":
        breakdowns.append(
            Breakdown(
                "site",
                "Par site",
                top_counts(people["site_name"], keys=people["site_id"], limit=50, other=""),
            )
        )
    return Value(len(people), breakdowns)


def _count_flag(column: str, data: ReportData) -> Value:
    return Value(int(data.people[column].fillna(False).sum()))


def _flag(code: str, column: str, label: str, definition: str) -> None:
    """Register the count of people whose participation has ``column`` true."""
    register = indicator(code, label=label, definition=definition, unit="people", section="profile")
    register(partial(_count_flag, column))


_flag(
    "people_rsa",
    "rsa",
    "Allocataires du RSA",
    "Personnes accompagnées qui percevaient le RSA à leur entrée.",
)
_flag(
    "people_long_term_unemployed",
    "long_term_unemployed",
    "Demandeur·ses d'emploi de longue durée",
    "Personnes accompagnées au chômage depuis un an ou plus à leur entrée (déclaré, ou inscrites "
    "à France Travail depuis au moins 365 jours).",
)
_flag(
    "people_rqth",
    "rqth",
    "Travailleur·ses handicapé·es (RQTH)",
    "Personnes accompagnées ayant une reconnaissance de la qualité de travailleur handicapé "
    "à leur entrée.",
)
_flag(
    "people_qpv",
    "qpv",
    "Habitant·es d'un quartier prioritaire (QPV)",
    "Personnes accompagnées qui habitaient un quartier prioritaire de la politique de la ville "
    "à leur entrée.",
)
_flag(
    "people_rural",
    "rural",
    "Habitant·es d'une commune rurale",
    "Personnes accompagnées dont la commune de résidence à l'entrée est rurale (moins de "
    "2 000 habitants, en attendant la grille communale de densité).",
)


@indicator(
    "people_under_26",
    label="Jeunes de moins de 26 ans",
    definition="Personnes accompagnées âgées de moins de 26 ans à leur entrée.",
    unit="people",
    section="profile",
)
def people_under_26(data: ReportData) -> Value:
    return Value(int((age_band(data.people["age"]) == "-26").sum()))


@indicator(
    "new_entries",
    label="Entrées",
    definition="Accompagnements ouverts pendant la période (date d'entrée dans la période).",
    unit="cases",
    section="activity",
)
def new_entries(data: ReportData) -> Value:
    cases = data.cases
    entries = cases[cases["opened_on"] >= ts(data.period.start)]
    return Value(
        len(entries),
        [
            Breakdown("origin", "Par origine", counts(entries["origin"], Case.Origin.choices)),
            Breakdown("month", "Par mois", by_month(entries["opened_on"], data.period)),
        ],
    )


@indicator(
    "exits",
    label="Sorties",
    definition="Accompagnements clôturés pendant la période (date de sortie dans la période).",
    unit="cases",
    section="activity",
)
def exits(data: ReportData) -> Value:
    cases = data.cases
    closed = cases[cases["closed_on"].notna() & (cases["closed_on"] <= ts(data.period.end))]
    return Value(
        len(closed),
        [
            Breakdown(
                "exit_reason",
                "Par motif de sortie",
                counts(closed["exit_reason"], Case.ExitReason.choices),
            ),
            Breakdown("month", "Par mois", by_month(closed["closed_on"], data.period)),
        ],
    )


@indicator(
    "active_cases",
    label="Accompagnements en cours en fin de période",
    definition=(
        "Accompagnements ouverts au plus tard le dernier jour de la période et non clôturés "
        "ce jour-là."
    ),
    unit="cases",
    section="activity",
)
def active_cases(data: ReportData) -> Value:
    cases = data.cases
    end = ts(data.period.end)
    running = cases[cases["closed_on"].isna() | (cases["closed_on"] > end)]
    return Value(len(running))


@indicator(
    "mean_duration",
    label="Durée moyenne des parcours",
    definition=(
        "Pour les accompagnements clôturés pendant la période : nombre moyen de jours entre "
        "l'entrée et la sortie."
    ),
    unit="days_mean",
    section="activity",
    is_count=False,
    count_unit="sorties",
)
def mean_duration(data: ReportData) -> Value:
    cases = data.cases
    closed = cases[cases["closed_on"].notna() & (cases["closed_on"] <= ts(data.period.end))]
    if closed.empty:
        return Value(None, count=0)
    days = (closed["closed_on"] - closed["opened_on"]).dt.days
    return Value(round(float(days.mean()), 1), count=len(closed))
