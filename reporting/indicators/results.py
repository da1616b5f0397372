"""Vehicle loans, aid applications, outcomes at exit and six months later."""

from __future__ import annotations

import pandas as pd

from cases.models import EMPLOYED_SITUATIONS, AidApplication, Situation
from vehicles.checklists import VehicleKind
from vehicles.models import Vehicle
from vehicles.planning import utilisation

from ..sources import LENT_STATUSES, ts
from ..sources import loan_days as days_in_period
from .base import Breakdown, Cell, ReportData, Value, counts, indicator, percent, top_counts

GRANTED = (
    AidApplication.Status.GRANTED,
    AidApplication.Status.PARTIALLY_GRANTED,
    AidApplication.Status.PAID,
)
POSITIVE_SITUATIONS = (*EMPLOYED_SITUATIONS, Situation.TRAINING)


# --- Loans ---------------------------------------------------------------------------------


@indicator(
    "loans_started",
    label="Prêts de véhicules",
    definition="Prêts dont le véhicule a été remis à la personne pendant la période.",
    unit="count",
    section="loans",
)
def loans_started(data: ReportData) -> Value:
    loans = data.loans
    started = loans[loans["start_date"] >= ts(data.period.start)]
    return Value(
        len(started),
        [Breakdown("kind", "Par type de véhicule", counts(started["kind"], VehicleKind.choices))],
    )


@indicator(
    "people_with_loan",
    label="Personnes ayant eu un véhicule en prêt",
    definition="Personnes qui avaient un véhicule prêté au moins un jour de la période.",
    unit="people",
    section="loans",
)
def people_with_loan(data: ReportData) -> Value:
    return Value(int(data.loans["person_id"].nunique()))


@indicator(
    "loan_days",
    label="Jours de prêt",
    definition=(
        "Somme, sur les prêts, des jours de la période où le véhicule était chez la personne "
        "(du jour de remise au jour de retour exclu ; un prêt en retard compte jusqu'à "
        "aujourd'hui)."
    ),
    unit="days",
    section="loans",
)
def loan_days(data: ReportData) -> Value:
    loans = data.loans.assign(days=days_in_period(data.loans, data.period))
    by_kind = loans.groupby("kind")["days"].sum()
    cells = [
        Cell(key, label, int(by_kind[key])) for key, label in VehicleKind.choices if key in by_kind
    ]
    return Value(int(loans["days"].sum()), [Breakdown("kind", "Par type de véhicule", cells)])


@indicator(
    "fleet_occupancy",
    label="Taux d'occupation du parc",
    definition=(
        "Jours de prêt rapportés aux jours où les véhicules du parc étaient disponibles pendant "
        "la période (de leur acquisition à leur retrait, hors immobilisation au garage)."
    ),
    unit="percent",
    section="loans",
    is_count=False,
    count_unit="jours de disponibilité des véhicules",
)
def fleet_occupancy(data: ReportData) -> Value:
    fleet = data.scope.fleet()
    if fleet is None:
        return Value(None, note="Sans objet : le parc appartient à chaque plateforme.")
    vehicles_qs, loans_qs, records_qs = fleet
    vehicles = list(vehicles_qs)
    loans = list(loans_qs.filter(status__in=LENT_STATUSES, start_date__lte=data.period.end))
    records = list(records_qs.filter(start_date__lte=data.period.end))
    _, by_kind, total = utilisation(
        vehicles, loans, records, start=data.period.start, end=data.period.stop, today=data.today
    )
    cells = [
        Cell(
            kind_key(u.label),
            u.label,
            float(u.rate) if u.rate is not None else None,
            count=u.available_days,
        )
        for u in by_kind
    ]
    return Value(
        float(total.rate) if total.rate is not None else None,
        [Breakdown("kind", "Par type de véhicule", cells, additive=False)],
        count=total.available_days,
    )


def kind_key(label: str) -> str:
    return {label: key for key, label in Vehicle.Kind.choices}.get(label, label)


@indicator(
    "loan_renewals",
    label="Prolongations de prêt",
    definition="Prolongations de prêts (nouvelle date de retour) accordées pendant la période.",
    unit="count",
    section="loans",
)
def loan_renewals(data: ReportData) -> Value:
    extensions = data.extensions
    return Value(
        len(extensions),
        [
            Breakdown(
                "kind", "Par type de véhicule", counts(extensions["kind"], VehicleKind.choices)
            )
        ],
    )


# --- Aids ----------------------------------------------------------------------------------


def funder_labels(aids: pd.DataFrame, *, own: bool) -> pd.Series:
    """Who grants each aid: as the platform typed it on its own figures; elsewhere only the
    public catalogue's provider, the platform's free text being its data."""
    if own:
        return aids["funder_name"].fillna("").replace("", "Non renseigné")
    public = aids["catalog_status"] == "published"
    named = aids["catalog_provider"].where(public & (aids["catalog_provider"].fillna("") != ""))
    return named.fillna(OTHER_FUNDER)


OTHER_FUNDER = "Financeur hors catalogue"


@indicator(
    "aid_applications",
    label="Demandes d'aide déposées",
    definition="Demandes d'aide à la mobilité déposées auprès d'un financeur pendant la période.",
    unit="count",
    section="aids",
)
def aid_applications(data: ReportData) -> Value:
    aids = data.aid_applications
    aids = aids.assign(funder=funder_labels(aids, own=data.scope.is_own_platform))
    submitted = aids[aids["submitted_on"].between(ts(data.period.start), ts(data.period.end))]
    return Value(
        len(submitted),
        [
            Breakdown(
                "funder",
                "Par financeur de l'aide",
                top_counts(submitted["funder"], limit=10, other="Autres financeurs"),
            ),
            Breakdown(
                "status",
                "Par décision à ce jour",
                counts(submitted["status"], AidApplication.Status.choices),
            ),
        ],
    )


@indicator(
    "aid_amount_granted",
    label="Montant des aides accordées",
    definition=(
        "Somme des montants accordés aux demandes d'aide décidées favorablement (en tout ou "
        "partie) pendant la période."
    ),
    unit="euros",
    section="aids",
    is_count=False,
    count_unit="demandes accordées",
)
def aid_amount_granted(data: ReportData) -> Value:
    aids = data.aid_applications
    decided = aids[
        aids["decided_on"].between(ts(data.period.start), ts(data.period.end))
        & aids["status"].isin(GRANTED)
    ]
    amounts = decided["amount_granted"].fillna(0.0)
    names = funder_labels(decided, own=data.scope.is_own_platform)
    tally = (
        pd.DataFrame({"name": names, "amount": amounts})
        .groupby("name")["amount"]
        .agg(["sum", "size"])
        .reset_index()
        .sort_values(["sum", "name"], ascending=[False, True])
    )
    cells = [
        Cell(r.name, r.name, round(float(r.sum), 2), count=int(r.size)) for r in tally.itertuples()
    ]
    return Value(
        round(float(amounts.sum()), 2),
        [Breakdown("funder", "Par financeur de l'aide", cells)],
        count=len(decided),
    )


# --- Outcomes ------------------------------------------------------------------------------


@indicator(
    "exit_situation",
    label="Situation à la sortie",
    definition=(
        "Accompagnements clôturés pendant la période dont le questionnaire de sortie est "
        "rempli, par situation de la personne dans les quatre semaines suivant la sortie."
    ),
    unit="cases",
    section="outcomes",
)
def exit_situation(data: ReportData) -> Value:
    exits = data.exits
    return Value(
        len(exits),
        [Breakdown("situation", "Par situation", counts(exits["situation"], Situation.choices))],
    )


@indicator(
    "positive_exit_rate",
    label="Taux de sorties vers l'emploi ou la formation",
    definition=(
        "Parmi les sorties de la période au questionnaire rempli, part des personnes en emploi "
        "(y compris indépendant ou aidé) ou en formation qualifiante."
    ),
    unit="percent",
    section="outcomes",
    is_count=False,
    count_unit="sorties",
)
def positive_exit_rate(data: ReportData) -> Value:
    exits = data.exits
    positive = int(exits["situation"].isin(POSITIVE_SITUATIONS).sum())
    return Value(percent(positive, len(exits)), count=len(exits))


@indicator(
    "licence_gained",
    label="Permis ou code obtenu",
    definition="Sorties de la période où la personne a obtenu le permis ou le code.",
    unit="people",
    section="outcomes",
)
def licence_gained(data: ReportData) -> Value:
    return Value(int(data.exits["licence_gained"].fillna(False).sum()))


@indicator(
    "mobility_autonomy",
    label="Autonomie dans les déplacements à la sortie",
    definition=(
        "Sorties de la période où la personne se déplace de façon autonome pour son projet."
    ),
    unit="people",
    section="outcomes",
)
def mobility_autonomy(data: ReportData) -> Value:
    return Value(int(data.exits["mobility_autonomy"].fillna(False).sum()))


FOLLOW_UP_CHOICES = [*Situation.choices, ("not_reached", "Personne non jointe")]


@indicator(
    "follow_up_6_months",
    label="Situation six mois après la sortie",
    definition=(
        "Suivis à six mois réalisés pendant la période, par situation de la personne (ou "
        "« non jointe »)."
    ),
    unit="cases",
    section="outcomes",
)
def follow_up_6_months(data: ReportData) -> Value:
    follow_ups = data.follow_ups
    situation = follow_ups["situation"].where(follow_ups["reached"].fillna(False), "not_reached")
    return Value(
        len(follow_ups),
        [Breakdown("situation", "Par situation", counts(situation, FOLLOW_UP_CHOICES))],
    )


@indicator(
    "employed_6_months",
    label="En emploi six mois après la sortie",
    definition="Suivis à six mois de la période où la personne jointe était en emploi.",
    unit="people",
    section="outcomes",
)
def employed_6_months(data: ReportData) -> Value:
    follow_ups = data.follow_ups
    employed = follow_ups["reached"].fillna(False) & follow_ups["situation"].isin(
        EMPLOYED_SITUATIONS
    )
    return Value(int(employed.sum()))
