"""Referrals, diagnostics and barriers, sessions and workshops."""

from __future__ import annotations

import pandas as pd

from cases.models import Appointment, Curriculum, Diagnostic, Registration
from organizations.models import network_choices

from .base import Breakdown, Cell, ReportData, Value, counts, indicator, percent, top_counts

OUTCOMES = [
    ("accepted", "Acceptées"),
    ("refused", "Refusées"),
    ("transferred", "Transférées à une autre plateforme"),
    ("expired", "Expirées sans réponse"),
    ("withdrawn", "Retirées par le prescripteur"),
    ("pending", "En attente de décision"),
]
NOT_APPLICABLE = "Sans objet pour ce périmètre (les prescriptions arrivent à la plateforme)."


# --- Referrals -----------------------------------------------------------------------------


@indicator(
    "referrals_received",
    label="Prescriptions reçues",
    definition=(
        "Prescriptions arrivées à la plateforme pendant la période (envoi par un prescripteur "
        "ou transfert depuis une autre plateforme), avec leur suite à ce jour."
    ),
    unit="count",
    section="referrals",
)
def referrals_received(data: ReportData) -> Value:
    episodes = data.referrals
    if episodes is None:
        return Value(None, note=NOT_APPLICABLE)
    outcome = episodes["outcome"].fillna("pending")
    networks = dict(network_choices())
    return Value(
        len(episodes),
        [
            Breakdown(
                "sender",
                "Par prescripteur",
                top_counts(episodes["sender"], limit=15, other="Autres prescripteurs"),
            ),
            Breakdown(
                "network",
                "Par type de prescripteur",
                top_counts(
                    episodes["network"].map(lambda v: networks.get(v, "Autre réseau")),
                    keys=episodes["network"],
                    limit=20,
                    other="Autres réseaux",
                ),
            ),
            Breakdown("outcome", "Par suite donnée", counts(outcome, OUTCOMES)),
        ],
    )


@indicator(
    "referral_acceptance_rate",
    label="Taux d'acceptation des prescriptions",
    definition=(
        "Parmi les prescriptions reçues pendant la période sur lesquelles la plateforme a "
        "décidé (acceptées ou refusées), part des acceptées."
    ),
    unit="percent",
    section="referrals",
    is_count=False,
    count_unit="décisions",
)
def referral_acceptance_rate(data: ReportData) -> Value:
    episodes = data.referrals
    if episodes is None:
        return Value(None, note=NOT_APPLICABLE)
    accepted = int((episodes["outcome"] == "accepted").sum())
    decided = accepted + int((episodes["outcome"] == "refused").sum())
    return Value(percent(accepted, decided), count=decided)


@indicator(
    "referral_first_answer_days",
    label="Délai médian de première réponse",
    definition=(
        "Pour les prescriptions reçues pendant la période et qui ont reçu une réponse (examen, "
        "mise en attente, acceptation, refus ou transfert) : délai médian, en jours, entre "
        "l'arrivée et la première réponse de la plateforme."
    ),
    unit="days_mean",
    section="referrals",
    is_count=False,
    count_unit="prescriptions ayant reçu une réponse",
)
def referral_first_answer_days(data: ReportData) -> Value:
    episodes = data.referrals
    if episodes is None:
        return Value(None, note=NOT_APPLICABLE)
    delays = episodes["delay_days"].dropna()
    if delays.empty:
        return Value(None, count=0)
    return Value(round(float(delays.median()), 1), count=len(delays))


# --- Diagnostics and barriers --------------------------------------------------------------


@indicator(
    "diagnostics_done",
    label="Diagnostics mobilité réalisés",
    definition="Diagnostics (d'entrée, points d'étape, de sortie) réalisés pendant la période.",
    unit="count",
    section="diagnostics",
)
def diagnostics_done(data: ReportData) -> Value:
    diagnostics = data.diagnostics
    return Value(
        len(diagnostics),
        [Breakdown("kind", "Par type", counts(diagnostics["kind"], Diagnostic.Kind.choices))],
    )


@indicator(
    "people_with_barriers",
    label="Personnes ayant au moins un frein identifié",
    definition=(
        "Personnes dont un diagnostic d'entrée réalisé pendant la période relève au moins un "
        "frein (intensité légère à bloquante). Une personne compte dans chaque catégorie et "
        "chaque frein relevés : les répartitions ne s'additionnent pas."
    ),
    unit="people",
    section="diagnostics",
)
def people_with_barriers(data: ReportData) -> Value:
    found = data.barrier_counts
    by_category = found["by_category"].sort_values(["position", "label"])
    by_barrier = found["by_barrier"].sort_values(["n", "label"], ascending=[False, True])
    note = ""
    if not data.scope.is_own_platform:
        # A platform's own barriers are its data: named only on its own figures.
        if not (by_category["shared"].all() and by_barrier["shared"].all()):
            note = "Les freins propres à une plateforme sont comptés mais pas détaillés."
        by_category = by_category[by_category["shared"]]
        by_barrier = by_barrier[by_barrier["shared"]]
    return Value(
        int(found["total"]),
        [
            Breakdown(
                "category",
                "Par catégorie de freins",
                [Cell(r.code, r.label, int(r.n)) for r in by_category.itertuples()],
                additive=False,
            ),
            Breakdown(
                "barrier",
                "Freins les plus fréquents",
                [Cell(r.code, r.label, int(r.n)) for r in by_barrier.head(10).itertuples()],
                additive=False,
            ),
        ],
        note=note,
    )


CHANGES = [
    ("lifted", "Levés (absents à la sortie)"),
    ("reduced", "Atténués"),
    ("unchanged", "Inchangés"),
    ("worsened", "Aggravés"),
    ("new", "Apparus depuis l'entrée"),
]


def barrier_changes(items: pd.DataFrame) -> pd.DataFrame:
    """For each case, its first entry diagnostic against its last exit diagnostic, by barrier."""
    ordered = items.sort_values(["done_on", "created_at", "diagnostic_id"])
    entry = ordered[ordered["kind"] == Diagnostic.Kind.ENTRY]
    first_entry = entry.groupby("case_id")["diagnostic_id"].first()
    exit_ = ordered[ordered["kind"] == Diagnostic.Kind.EXIT]
    last_exit = exit_.groupby("case_id")["diagnostic_id"].last()
    compared = first_entry.index.intersection(last_exit.index)
    before = entry[entry["diagnostic_id"].isin(first_entry[compared])]
    after = exit_[exit_["diagnostic_id"].isin(last_exit[compared])]
    merged = before[
        ["case_id", "barrier_code", "category_label", "category_position", "severity"]
    ].merge(
        after[["case_id", "barrier_code", "severity"]],
        on=["case_id", "barrier_code"],
        how="outer",
        suffixes=("_entry", "_exit"),
    )
    merged["severity_entry"] = merged["severity_entry"].fillna(0)
    merged["severity_exit"] = merged["severity_exit"].fillna(0)
    change = pd.Series("", index=merged.index, dtype="object")
    was, now = merged["severity_entry"], merged["severity_exit"]
    change[(was > 0) & (now == 0)] = "lifted"
    change[(was > 0) & (now > 0) & (now < was)] = "reduced"
    change[(was > 0) & (now == was)] = "unchanged"
    change[(was > 0) & (now > was)] = "worsened"
    change[(was == 0) & (now > 0)] = "new"
    merged["change"] = change
    merged.attrs["cases"] = len(compared)
    return merged[merged["change"] != ""]


@indicator(
    "barrier_change",
    label="Freins levés entre l'entrée et la sortie",
    definition=(
        "Pour les personnes dont le diagnostic de sortie a été fait pendant la période et qui "
        "ont un diagnostic d'entrée : part des freins relevés à l'entrée qui ne le sont plus à "
        "la sortie. La répartition compte les freins (un même frein par personne) selon leur "
        "évolution."
    ),
    unit="percent",
    section="diagnostics",
    is_count=False,
    count_unit="personnes",
)
def barrier_change(data: ReportData) -> Value:
    changes = barrier_changes(data.compared_items)
    at_entry = changes[changes["change"] != "new"]
    lifted = int((changes["change"] == "lifted").sum())
    return Value(
        percent(lifted, len(at_entry)),
        [
            Breakdown(
                "change",
                "Évolution des freins",
                counts(changes["change"], CHANGES),
                additive=False,
                unit="count",
            )
        ],
        count=changes.attrs.get("cases", 0),
    )


# --- Sessions ------------------------------------------------------------------------------


@indicator(
    "workshops_held",
    label="Ateliers collectifs réalisés",
    definition=(
        "Séances collectives (vélo-école, code de la route, bus et train…) commencées pendant "
        "la période dont la présence a été relevée."
    ),
    unit="count",
    section="sessions",
)
def workshops_held(data: ReportData) -> Value:
    workshops = data.workshops
    return Value(
        len(workshops),
        [Breakdown("kind", "Par type d'atelier", counts(workshops["kind"], Curriculum.choices))],
    )


@indicator(
    "workshop_hours",
    label="Heures d'ateliers collectifs",
    definition="Durée cumulée, en heures, des ateliers collectifs réalisés pendant la période.",
    unit="hours",
    section="sessions",
    is_count=False,
    count_unit="ateliers",
)
def workshop_hours(data: ReportData) -> Value:
    workshops = data.workshops.copy()
    workshops["hours"] = (workshops["ends_at"] - workshops["starts_at"]).dt.total_seconds() / 3600
    by_kind = workshops.groupby("kind")["hours"].agg(["sum", "size"])
    cells = [
        Cell(
            key,
            label,
            round(float(by_kind.loc[key, "sum"]), 1),
            count=int(by_kind.loc[key, "size"]),
        )
        for key, label in Curriculum.choices
        if key in by_kind.index
    ]
    return Value(
        round(float(workshops["hours"].sum()), 1),
        [Breakdown("kind", "Par type d'atelier", cells)],
        count=len(workshops),
    )


@indicator(
    "workshop_participants",
    label="Participant·es aux ateliers",
    definition=(
        "Personnes présentes à au moins un atelier collectif réalisé pendant la période ; "
        "une personne compte dans chaque type d'atelier suivi."
    ),
    unit="people",
    section="sessions",
)
def workshop_participants(data: ReportData) -> Value:
    seats = data.registrations
    present = seats[seats["attendance"] == Registration.Attendance.PRESENT]
    by_kind = present.groupby("kind")["person_id"].nunique()
    cells = [
        Cell(key, label, int(by_kind[key])) for key, label in Curriculum.choices if key in by_kind
    ]
    return Value(
        int(present["person_id"].nunique()),
        [Breakdown("kind", "Par type d'atelier", cells, additive=False)],
    )


@indicator(
    "attendance_rate",
    label="Taux de présence aux ateliers",
    definition=(
        "Parmi les inscriptions confirmées aux ateliers réalisés pendant la période dont la "
        "présence a été notée : part des personnes présentes (les absences excusées comptent "
        "comme absences)."
    ),
    unit="percent",
    section="sessions",
    is_count=False,
    count_unit="présences notées",
)
def attendance_rate(data: ReportData) -> Value:
    seats = data.registrations
    noted = seats[seats["attendance"].fillna("") != ""]
    present = noted["attendance"] == Registration.Attendance.PRESENT
    cells = []
    for key, label in Curriculum.choices:
        kind = noted["kind"] == key
        if kind.any():
            cells.append(
                Cell(
                    key,
                    label,
                    percent(int((present & kind).sum()), int(kind.sum())),
                    count=int(kind.sum()),
                )
            )
    return Value(
        percent(int(present.sum()), len(noted)),
        [Breakdown("kind", "Par type d'atelier", cells, additive=False)],
        count=len(noted),
    )


@indicator(
    "appointments_held",
    label="Rendez-vous individuels honorés",
    definition="Rendez-vous individuels (accueil, diagnostic, suivi, trajet accompagné, leçon) "
    "de la période marqués « honoré ».",
    unit="count",
    section="sessions",
)
def appointments_held(data: ReportData) -> Value:
    appointments = data.appointments
    return Value(
        len(appointments),
        [Breakdown("kind", "Par objet", counts(appointments["kind"], Appointment.Kind.choices))],
    )


@indicator(
    "appointment_hours",
    label="Heures d'accompagnement individuel",
    definition="Durée cumulée, en heures, des rendez-vous individuels honorés pendant la période.",
    unit="hours",
    section="sessions",
    is_count=False,
    count_unit="rendez-vous",
)
def appointment_hours(data: ReportData) -> Value:
    appointments = data.appointments
    by_kind = appointments.groupby("kind")["minutes"].agg(["sum", "size"])
    cells = [
        Cell(
            key,
            label,
            round(float(by_kind.loc[key, "sum"]) / 60, 1),
            count=int(by_kind.loc[key, "size"]),
        )
        for key, label in Appointment.Kind.choices
        if key in by_kind.index
    ]
    return Value(
        round(float(appointments["minutes"].sum()) / 60, 1),
        [Breakdown("kind", "Par objet", cells)],
        count=len(appointments),
    )
