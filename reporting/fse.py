"""FSE+ common participant indicators (Regulation (EU) 2021/1057, Annex I), per participation.

The rules (``reporting/data/fse-plus/README.md``), as computed here:

- A participation is one person in one operation, the funding agreement. A person who leaves an
  agreement and comes back to it keeps one participation: entry date and situation at entry from
  the first case, exit and results from the last. Without an agreement in the scope (a platform,
  a site, a territory), each case is its own participation.
- Outputs (EECO): participations that entered during the period, with the situation recorded on
  the entry date (``cases.Participation``, frozen after the diagnostic). Each one has exactly one
  labour-market status: the total is unemployed + inactive + employed. Sensitive questions count
  only « oui »; a refusal and a question not asked are reported apart, never as « non ».
- Immediate results (EECR01 to EECR04): participations that left during the period, counted
  only when the exit questionnaire was filled at most 4 weeks (28 days) after the exit date.
- Longer-term results (EECR05 and EECR06): participations whose 6-month follow-up was done
  during the period; EECR06 only for people employed at entry.
- Every row is broken down into women, men, non-binary and sex not stated, so the cells add up
  to the total; readers outside the platform get small-cell suppression across rows and columns.

Which indicators exist, their labels and whether they are confirmed come from the data
(``FsePlusIndicator``, editable in the admin); how each code is computed is ``COMPUTATIONS``.
Everything here is a pure function of the scope's querysets and the period.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta

import pandas as pd

from cases.models import EMPLOYED_SITUATIONS, Answer, Case, FollowUp, IscedBand, Situation
from catalog.models import LabourMarketStatus

from .formats import SECRET, SMALL_CELL, fr_number
from .fse_suppression import Line, protect_table
from .models import FsePlusIndicator
from .periods import Period
from .scopes import Scope
from .sources import frame, ts
from .suppression import COMPLEMENTARY, PRIMARY, WITHHELD

# Results on leaving count when the exit questionnaire was filled at most 4 weeks after the exit.
RESULT_WINDOW = timedelta(days=28)

NOT_COMPUTED = "non calculé"
NOT_APPLICABLE = "sans objet"

SEXES: tuple[tuple[str, str], ...] = (
    ("F", "Femmes"),
    ("M", "Hommes"),
    ("X", "Non binaires"),
    ("U", "Sexe non renseigné"),
)
TOTAL = "total"
COLUMNS: tuple[tuple[str, str], ...] = (*SEXES, (TOTAL, "Total"))

# The FSE+ reads one of three statuses at entry; someone in training is outside the labour force.
FSE_STATUS = {
    LabourMarketStatus.UNEMPLOYED: "unemployed",
    LabourMarketStatus.LONG_TERM_UNEMPLOYED: "unemployed",
    LabourMarketStatus.INACTIVE: "inactive",
    LabourMarketStatus.IN_TRAINING: "inactive",
    LabourMarketStatus.EMPLOYED: "employed",
}

# Populations the indicators count.
ENTRANTS, LEAVERS, FOLLOWED_UP = "entrants", "leavers", "followed_up"


# --- Reading the participations ------------------------------------------------------------

ENTRY_COLUMNS = {
    "entry_date": "participation__entry_date",
    "sex": "participation__sex",
    "age": "participation__age_at_entry",
    "labour_status": "participation__labour_market_status",
    "long_term_unemployed": "participation__long_term_unemployed",
    "isced": "participation__isced_band",
    "receives_rsa": "participation__receives_rsa",
    "receives_ass": "participation__receives_ass",
    "receives_aah": "participation__receives_aah",
    "has_rqth": "participation__has_rqth",
    "qpv": "participation__is_qpv_resident",
    "commune_code": "participation__commune__code",
    "commune_name": "participation__commune__name",
    "rural": "participation__is_rural",
    "disability": "participation__disability",
    "third_country_national": "participation__third_country_national",
    "foreign_background": "participation__foreign_background",
    "minority": "participation__minority",
    "homeless": "participation__homeless",
    "sensitive_asked_on": "participation__sensitive_questions_asked_on",
}
EXIT_COLUMNS = {
    "exit_date": "exit__exit_date",
    "exit_filled_on": "exit__filled_on",
    "exit_situation": "exit__situation",
    "qualification_gained": "exit__qualification_gained",
}
FOLLOW_UP_COLUMNS = ("follow_up_on", "follow_up_reached", "follow_up_situation", "improved")
ENTRY_FIELDS = ("case_id", *ENTRY_COLUMNS)
LAST_FIELDS = ("agreement_id", "person_id", *EXIT_COLUMNS, *FOLLOW_UP_COLUMNS)


def participations_frame(scope: Scope) -> pd.DataFrame:
    """One row per participation of the scope, whatever its dates: the situation at entry of
    its first case, the exit and the 6-month follow-up of its last."""
    columns = {"case_id": "id", "person_id": "beneficiary_id", **ENTRY_COLUMNS, **EXIT_COLUMNS}
    if scope.agreements:
        through = Case.funding_agreements.through
        rows = through.objects.filter(
            scope.case_q("case"),
            fundingagreement_id__in=[a.pk for a in scope.agreements],
            case__participation__isnull=False,
        )
        columns = {
            "agreement_id": "fundingagreement_id",
            **{name: f"case__{path}" for name, path in columns.items()},
        }
    else:
        rows = scope.cases().filter(participation__isnull=False)
    cases = frame(
        rows,
        columns,
        dates=("entry_date", "sensitive_asked_on", "exit_date", "exit_filled_on"),
        bools=(
            "long_term_unemployed",
            "receives_rsa",
            "receives_ass",
            "receives_aah",
            "has_rqth",
            "qpv",
            "rural",
            "qualification_gained",
        ),
        numbers=("age",),
    )
    if "agreement_id" not in cases:
        cases["agreement_id"] = None
    for name in ("case_id", "person_id", "agreement_id"):
        cases[name] = cases[name].map(_uuid_text)
    follow_ups = frame(
        FollowUp.objects.filter(
            scope.case_q("case"), kind=FollowUp.Kind.MONTH_6, done_on__isnull=False
        ),
        {
            "case_id": "case_id",
            "follow_up_on": "done_on",
            "follow_up_reached": "reached",
            "follow_up_situation": "situation",
            "improved": "improved_situation",
        },
        dates=("follow_up_on",),
        bools=("follow_up_reached", "improved"),
    ).drop_duplicates("case_id")
    follow_ups["case_id"] = follow_ups["case_id"].map(_uuid_text)
    return merge_reentries(cases.merge(follow_ups, how="left", on="case_id"))


def _uuid_text(value) -> str | None:
    """The canonical text of a UUID, whether the database gave a UUID or 32 hex digits."""
    return None if value is None else str(uuid.UUID(str(value)))


def merge_reentries(cases: pd.DataFrame) -> pd.DataFrame:
    """One row per person and agreement: entry from the first case, exit from the last."""
    key = cases["person_id"].astype(str) + "/" + cases["agreement_id"].astype(str)
    cases = cases.assign(key=key.where(cases["agreement_id"].notna(), cases["case_id"]))
    cases = cases.sort_values(["entry_date", "case_id"], kind="stable")
    first = cases.drop_duplicates("key", keep="first")[["key", *ENTRY_FIELDS]]
    last = cases.drop_duplicates("key", keep="last")[["key", *LAST_FIELDS]]
    merged = first.merge(last, on="key").rename(columns={"case_id": "participation_id"})
    merged["fse_status"] = merged["labour_status"].map(FSE_STATUS)
    merged["exit_in_window"] = merged["exit_filled_on"].notna() & (
        merged["exit_filled_on"] <= merged["exit_date"] + RESULT_WINDOW
    )
    return merged.drop(columns="key").reset_index(drop=True)


def between(dates: pd.Series, period: Period) -> pd.Series:
    return dates.notna() & (dates >= ts(period.start)) & (dates <= ts(period.end))


def population(participations: pd.DataFrame, name: str, period: Period) -> pd.DataFrame:
    column = {ENTRANTS: "entry_date", LEAVERS: "exit_date", FOLLOWED_UP: "follow_up_on"}[name]
    return participations[between(participations[column], period)]


def concerned_by(participations: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Participations under way at some point of the period, or followed up at 6 months in it."""
    entered = participations["entry_date"] <= ts(period.end)
    exits = participations["exit_date"]
    not_left = exits.isna() | (exits >= ts(period.start))
    return participations[
        (entered & not_left) | between(participations["follow_up_on"], period)
    ].sort_values(["entry_date", "participation_id"], kind="stable")


# --- What each code counts -----------------------------------------------------------------

Mask = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class Detail:
    """A « non renseigné » line under an indicator (declined, not asked, unknown)."""

    key: str
    label: str
    counted: Mask


@dataclass(frozen=True)
class Computation:
    population: str
    counted: Mask
    method: str
    details: tuple[Detail, ...] = ()


@dataclass(frozen=True)
class NotApplicable:
    method: str


def _status(status: str) -> Mask:
    return lambda p: p["fse_status"] == status


def _answer(column: str) -> Computation:
    return Computation(
        ENTRANTS,
        lambda p: p[column] == Answer.YES,
        "Entrées de la période dont la réponse est « oui ».",
        (
            Detail(
                "declined",
                "dont non renseigné : ne souhaite pas répondre",
                lambda p: p[column] == Answer.DECLINED,
            ),
            Detail(
                "not_asked",
                "dont non renseigné : question non posée",
                lambda p: p[column].fillna("") == Answer.NOT_ASKED,
            ),
        ),
    )


def _age(low: int | None, high: int | None) -> Mask:
    def counted(p: pd.DataFrame) -> pd.Series:
        age = p["age"]
        mask = age.notna()
        if low is not None:
            mask &= age >= low
        if high is not None:
            mask &= age <= high
        return mask

    return counted


def _exit_result(condition: Mask) -> Mask:
    return lambda p: p["exit_in_window"] & condition(p)


def _reached_and(condition: Mask) -> Mask:
    return lambda p: p["follow_up_reached"].fillna(False).astype(bool) & condition(p)


ON_ENTRY = "Entrées de la période (date d'entrée comprise dans la période)"
ON_EXIT = (
    "Sorties de la période dont le questionnaire de sortie a été rempli au plus tard 28 jours "
    "après la date de sortie"
)
AFTER_SIX_MONTHS = "Suivis à 6 mois réalisés pendant la période, personne jointe"

COMPUTATIONS: dict[str, Computation | NotApplicable] = {
    "EECO01": Computation(
        ENTRANTS,
        lambda p: p["fse_status"].isin(("unemployed", "inactive", "employed")),
        f"{ON_ENTRY} ; somme de EECO02, EECO04 et EECO05 (une seule situation par personne).",
    ),
    "EECO02": Computation(
        ENTRANTS,
        _status("unemployed"),
        f"{ON_ENTRY}, demandeur·ses d'emploi à l'entrée (y compris de longue durée).",
    ),
    "EECO03": Computation(
        ENTRANTS,
        lambda p: (
            (p["fse_status"] == "unemployed")
            & (
                p["long_term_unemployed"].fillna(False).astype(bool)
                | (p["labour_status"] == LabourMarketStatus.LONG_TERM_UNEMPLOYED)
            )
        ),
        f"{ON_ENTRY}, demandeur·ses d'emploi de longue durée (inscrit·es depuis 12 mois ou plus, "
        "ou déclaré·es de longue durée à l'entrée).",
    ),
    "EECO04": Computation(
        ENTRANTS,
        _status("inactive"),
        f"{ON_ENTRY}, inactif·ves ou en formation à l'entrée.",
    ),
    "EECO05": Computation(
        ENTRANTS,
        _status("employed"),
        f"{ON_ENTRY}, en emploi à l'entrée (y compris indépendant·es).",
    ),
    "EECO06": Computation(ENTRANTS, _age(None, 17), f"{ON_ENTRY}, âge à l'entrée < 18 ans."),
    "EECO07": Computation(ENTRANTS, _age(18, 29), f"{ON_ENTRY}, âge à l'entrée de 18 à 29 ans."),
    "EECO08": Computation(
        ENTRANTS,
        _age(55, None),
        f"{ON_ENTRY}, âge à l'entrée de 55 ans ou plus.",
        (
            Detail(
                "unknown",
                "Âge à l'entrée non renseigné (EECO06 à EECO08)",
                lambda p: p["age"].isna(),
            ),
        ),
    ),
    "EECO09": Computation(
        ENTRANTS, lambda p: p["isced"] == IscedBand.ISCED_0_2, f"{ON_ENTRY}, CITE 0-2."
    ),
    "EECO10": Computation(
        ENTRANTS, lambda p: p["isced"] == IscedBand.ISCED_3_4, f"{ON_ENTRY}, CITE 3-4."
    ),
    "EECO11": Computation(
        ENTRANTS,
        lambda p: p["isced"] == IscedBand.ISCED_5_8,
        f"{ON_ENTRY}, CITE 5-8.",
        (
            Detail(
                "unknown",
                "Niveau d'éducation non renseigné (EECO09 à EECO11)",
                lambda p: p["isced"].fillna("") == IscedBand.UNKNOWN,
            ),
        ),
    ),
    "EECO12": _answer("disability"),
    "EECO13": _answer("third_country_national"),
    "EECO14": _answer("foreign_background"),
    "EECO15": _answer("minority"),
    "EECO16": _answer("homeless"),
    "EECO17": Computation(
        ENTRANTS,
        lambda p: p["rural"].fillna(False).astype(bool),
        f"{ON_ENTRY}, commune de résidence à l'entrée classée rurale.",
        (
            Detail(
                "unknown",
                "dont non renseigné : commune de résidence inconnue",
                lambda p: p["rural"].isna(),
            ),
        ),
    ),
    "EECO18": NotApplicable("Indicateur d'entités : sans objet pour des participants."),
    "EECO19": NotApplicable("Indicateur d'entreprises : sans objet pour des participants."),
    "EECR01": Computation(
        LEAVERS,
        _exit_result(lambda p: p["exit_situation"] == Situation.JOB_SEARCH),
        f"{ON_EXIT}, en recherche d'emploi.",
    ),
    "EECR02": Computation(
        LEAVERS,
        _exit_result(lambda p: p["exit_situation"] == Situation.TRAINING),
        f"{ON_EXIT}, en formation qualifiante ou certifiante.",
    ),
    "EECR03": Computation(
        LEAVERS,
        _exit_result(lambda p: p["qualification_gained"].fillna(False).astype(bool)),
        f"{ON_EXIT}, « qualification obtenue » coché (le permis de conduire n'est pas une "
        "qualification).",
    ),
    "EECR04": Computation(
        LEAVERS,
        _exit_result(lambda p: p["exit_situation"].isin(EMPLOYED_SITUATIONS)),
        f"{ON_EXIT}, en emploi (durable, court, aidé ou indépendant).",
    ),
    "EECR05": Computation(
        FOLLOWED_UP,
        _reached_and(lambda p: p["follow_up_situation"].isin(EMPLOYED_SITUATIONS)),
        f"{AFTER_SIX_MONTHS}, en emploi.",
    ),
    "EECR06": Computation(
        FOLLOWED_UP,
        _reached_and(
            lambda p: (p["fse_status"] == "employed") & p["improved"].fillna(False).astype(bool)
        ),
        f"{AFTER_SIX_MONTHS}, en emploi à l'entrée, « situation professionnelle améliorée ».",
    ),
}

# Lines along which the table's counts add up (for suppression across rows).
ADDITIVE_ROWS: tuple[tuple[tuple[str, str], tuple[tuple[str, str], ...]], ...] = (
    (("EECO01", ""), (("EECO02", ""), ("EECO04", ""), ("EECO05", ""))),
    (("EECO01", ""), (("EECO09", ""), ("EECO10", ""), ("EECO11", ""), ("EECO11", "unknown"))),
)


# --- The table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FseCell:
    key: str  # F, M, X, U or total
    label: str
    value: int | None  # None when hidden
    display: str  # French text: « 12 », « < 5 », « s » or « — »
    suppressed: bool = False


@dataclass(frozen=True)
class FseRow:
    """One line of the FSE+ table: an indicator, or one of its « non renseigné » details."""

    code: str
    detail: str  # "" for the indicator itself; declined, not_asked or unknown for a detail
    kind: str
    kind_label: str
    label_fr: str
    label_en: str
    label_fr_is_official: bool
    is_confirmed: bool
    unit: str
    definition: str
    cells: tuple[FseCell, ...] = ()
    note: str = ""  # « non calculé » or « sans objet », instead of cells

    @property
    def is_detail(self) -> bool:
        return bool(self.detail)

    def cell(self, key: str) -> FseCell | None:
        return next((c for c in self.cells if c.key == key), None)

    @property
    def total(self) -> FseCell | None:
        return self.cell(TOTAL)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Counts:
    indicator: FsePlusIndicator
    detail: str
    label_fr: str
    values: dict[str, int] = field(default_factory=dict)


def _by_sex(rows: pd.DataFrame, mask: pd.Series) -> dict[str, int]:
    sexes = rows.loc[mask.fillna(False).astype(bool), "sex"].fillna("U")
    sexes = sexes.where(sexes.isin([key for key, _ in SEXES]), "U")
    tally = sexes.value_counts()
    values = {key: int(tally.get(key, 0)) for key, _ in SEXES}
    values[TOTAL] = sum(values.values())
    return values


def indicators() -> list[FsePlusIndicator]:
    """The indicators shown, in their order."""
    return list(FsePlusIndicator.objects.active().order_by("position", "code"))


def fse_table(
    scope: Scope,
    period: Period,
    *,
    suppress: bool,
    participations: pd.DataFrame | None = None,
) -> list[FseRow]:
    """The FSE+ indicators of ``scope`` over ``period``, by sex, with small cells hidden when
    ``suppress`` (a reader outside the platform)."""
    if participations is None:
        participations = participations_frame(scope)
    populations = {
        name: population(participations, name, period) for name in (ENTRANTS, LEAVERS, FOLLOWED_UP)
    }
    lines: list[_Counts | FsePlusIndicator] = []
    for indicator in indicators():
        computation = COMPUTATIONS.get(indicator.code)
        if not isinstance(computation, Computation):
            lines.append(indicator)
            continue
        rows = populations[computation.population]
        lines.append(
            _Counts(indicator, "", indicator.label_fr, _by_sex(rows, computation.counted(rows)))
        )
        for detail in computation.details:
            lines.append(
                _Counts(indicator, detail.key, detail.label, _by_sex(rows, detail.counted(rows)))
            )
    counts = [line for line in lines if isinstance(line, _Counts)]
    hidden = _suppression(counts) if suppress else {}
    return [_row(line, hidden) for line in lines]


def _suppression(counts: list[_Counts]) -> dict[tuple[str, str, str], str]:
    values = {
        (c.indicator.code, c.detail, key): c.values[key] for c in counts for key, _ in COLUMNS
    }
    present = {(c.indicator.code, c.detail) for c in counts}
    lines = [
        Line(tuple((code, detail, key) for key, _ in SEXES), (code, detail, TOTAL))
        for code, detail in present
    ]
    for total, parts in ADDITIVE_ROWS:
        if total in present and all(part in present for part in parts):
            lines += [
                Line(tuple((*part, key) for part in parts), (*total, key)) for key, _ in COLUMNS
            ]
    return protect_table(values, lines)


DISPLAY = {PRIMARY: SMALL_CELL, COMPLEMENTARY: SECRET, WITHHELD: "—"}


def _row(line: _Counts | FsePlusIndicator, hidden: dict) -> FseRow:
    indicator = line.indicator if isinstance(line, _Counts) else line
    common = {
        "code": indicator.code,
        "kind": indicator.kind,
        "kind_label": indicator.get_kind_display(),
        "label_en": indicator.label_en,
        "label_fr_is_official": indicator.label_fr_is_official,
        "is_confirmed": indicator.is_confirmed,
        "unit": indicator.unit,
        "definition": indicator.definition,
    }
    if not isinstance(line, _Counts):
        computation = COMPUTATIONS.get(indicator.code)
        note = NOT_APPLICABLE if isinstance(computation, NotApplicable) else NOT_COMPUTED
        return FseRow(detail="", label_fr=indicator.label_fr, note=note, **common)
    cells = []
    for key, label in COLUMNS:
        flag = hidden.get((indicator.code, line.detail, key), "")
        value = line.values[key]
        cells.append(
            FseCell(
                key,
                label,
                None if flag else value,
                DISPLAY[flag] if flag else fr_number(value),
                bool(flag),
            )
        )
    if line.detail:
        common["label_en"] = ""
    return FseRow(detail=line.detail, label_fr=line.label_fr, cells=tuple(cells), **common)


# --- Definitions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Definition:
    indicator: FsePlusIndicator
    method: str
    note: str  # « non calculé » or « sans objet » when Mobicase gives no figure


def definitions() -> list[Definition]:
    """Each indicator shown, with how Mobicase computes it."""
    found = []
    for indicator in indicators():
        computation = COMPUTATIONS.get(indicator.code)
        if isinstance(computation, Computation):
            found.append(Definition(indicator, computation.method, ""))
        elif isinstance(computation, NotApplicable):
            found.append(Definition(indicator, computation.method, NOT_APPLICABLE))
        else:
            found.append(
                Definition(indicator, "Mobicase ne calcule pas cet indicateur.", NOT_COMPUTED)
            )
    return found
