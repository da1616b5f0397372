"""Which aids a person may claim: a plain profile checked against each aid's criteria.

The catalogue knows no beneficiary: ``cases`` and ``referrals`` build a ``Profile``. A value left
``None`` is unknown; a criterion that needs it is listed as "could not check", never as failed.
Every criterion is a pure function of (aid, profile, day) and is tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum

from organizations.models import Territory

from .models import Aid, AidQuerySet, Benefit, LabourMarketStatus, LicenceStatus


@dataclass(frozen=True)
class Profile:
    """What matching needs to know of a person; ``None`` means unknown."""

    commune: Territory | None = None
    age: int | None = None
    labour_market_status: str | None = None
    receives_rsa: bool | None = None
    receives_ass: bool | None = None
    receives_aah: bool | None = None
    is_qpv_resident: bool | None = None
    is_rural: bool | None = None
    driving_licence: str | None = None
    job_or_training_start: date | None = None
    distance_to_work_km: Decimal | float | int | None = None

    @property
    def rural(self) -> bool | None:
        """The explicit flag, else the commune's own (None when neither is known)."""
        if self.is_rural is not None:
            return self.is_rural
        return self.commune.is_rural if self.commune is not None else None

    def benefit(self, code: str) -> bool | None:
        return {
            Benefit.RSA: self.receives_rsa,
            Benefit.ASS: self.receives_ass,
            Benefit.AAH: self.receives_aah,
        }[code]


class Outcome(Enum):
    MET = "met"
    UNMET = "unmet"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Check:
    outcome: Outcome
    label: str


@dataclass
class Evaluation:
    """Every criterion of one aid, sorted by outcome."""

    aid: Aid
    met: list[str] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def is_eligible(self) -> bool:
        return not self.unmet


@dataclass(frozen=True)
class Match:
    """An aid the person may claim, with the criteria it met and those it could not check."""

    aid: Aid
    met: tuple[str, ...]
    unknown: tuple[str, ...]

    @property
    def is_certain(self) -> bool:
        return not self.unknown


# --- Criteria --------------------------------------------------------------------------------


def _or_list(labels: Iterable[str], word: str = "ou") -> str:
    items = list(labels)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def _lower_first(label: str) -> str:
    """« Permis B » becomes « permis B », inside a sentence."""
    return label[:1].lower() + label[1:]


def _age_range(aid: Aid) -> str:
    if aid.min_age is not None and aid.max_age is not None:
        return f"de {aid.min_age} à {aid.max_age} ans"
    if aid.min_age is not None:
        return f"{aid.min_age} ans ou plus"
    return f"{aid.max_age} ans au plus"


def check_territory(aid: Aid, profile: Profile, on: date) -> Check | None:
    """The commune lies in a covered territory: itself, its EPCI, département or region."""
    if aid.nationwide:
        return Check(Outcome.MET, "Aide ouverte dans toute la France")
    territories = list(aid.coverage.all())
    if profile.commune is None:
        return Check(Outcome.UNKNOWN, "Commune de résidence couverte par l'aide")
    commune = profile.commune
    covering = [t for t in territories if t.contains_commune(commune)]
    if not covering:
        return Check(Outcome.UNMET, f"{commune.name} n'est pas dans le territoire de l'aide")
    best = max(covering, key=lambda t: _LEVEL_DEPTH[t.level])
    if best.level == Territory.Level.COMMUNE:
        return Check(Outcome.MET, f"Habite {commune.name}")
    return Check(Outcome.MET, f"Habite {commune.name} ({best.name})")


_LEVEL_DEPTH = {
    Territory.Level.REGION: 0,
    Territory.Level.DEPARTEMENT: 1,
    Territory.Level.EPCI: 2,
    Territory.Level.COMMUNE: 3,
}


def check_validity(aid: Aid, profile: Profile, on: date) -> Check | None:
    """The aid is open on the day of the match."""
    if aid.valid_from is None and aid.valid_until is None:
        return None
    if not aid.is_active_on(on):
        if aid.valid_from and on < aid.valid_from:
            return Check(Outcome.UNMET, f"Aide ouverte à partir du {aid.valid_from:%d/%m/%Y}")
        return Check(Outcome.UNMET, f"Aide close depuis le {aid.valid_until:%d/%m/%Y}")
    if aid.valid_until:
        return Check(Outcome.MET, f"Aide ouverte jusqu'au {aid.valid_until:%d/%m/%Y}")
    return Check(Outcome.MET, f"Aide ouverte depuis le {aid.valid_from:%d/%m/%Y}")


def check_age(aid: Aid, profile: Profile, on: date) -> Check | None:
    if aid.min_age is None and aid.max_age is None:
        return None
    wanted = _age_range(aid)
    if profile.age is None:
        return Check(Outcome.UNKNOWN, f"Âge : {wanted}")
    too_young = aid.min_age is not None and profile.age < aid.min_age
    too_old = aid.max_age is not None and profile.age > aid.max_age
    outcome = Outcome.UNMET if too_young or too_old else Outcome.MET
    return Check(outcome, f"Âge : {profile.age} ans ({wanted})")


def check_labour_market_status(aid: Aid, profile: Profile, on: date) -> Check | None:
    if not aid.labour_market_statuses:
        return None
    labels = dict(LabourMarketStatus.choices)
    wanted = _or_list(_lower_first(labels[s]) for s in aid.labour_market_statuses)
    status = profile.labour_market_status
    if not status:
        return Check(Outcome.UNKNOWN, f"Situation : {wanted}")
    allowed = set(aid.labour_market_statuses)
    # A long-term job seeker is a job seeker: an aid for job seekers is open to them.
    if LabourMarketStatus.UNEMPLOYED in allowed:
        allowed.add(LabourMarketStatus.LONG_TERM_UNEMPLOYED)
    outcome = Outcome.MET if status in allowed else Outcome.UNMET
    return Check(outcome, f"Situation : {_lower_first(labels.get(status, status))}")


def check_benefits(aid: Aid, profile: Profile, on: date) -> Check | None:
    if not aid.required_benefits:
        return None
    labels = dict(Benefit.choices)
    answers = {code: profile.benefit(code) for code in aid.required_benefits}
    received = [labels[code] for code, answer in answers.items() if answer]
    if received:
        return Check(Outcome.MET, f"Perçoit {_or_list(received, 'et')}")
    wanted = f"Perçoit {_or_list(labels[code] for code in aid.required_benefits)}"
    if any(answer is None for answer in answers.values()):
        return Check(Outcome.UNKNOWN, wanted)
    if len(answers) == 1:
        return Check(Outcome.UNMET, f"Ne perçoit pas {labels[next(iter(answers))]}")
    return Check(Outcome.UNMET, f"Ne perçoit ni {' ni '.join(labels[c] for c in answers)}")


def check_qpv(aid: Aid, profile: Profile, on: date) -> Check | None:
    if not aid.qpv_only:
        return None
    label = "Habite un quartier prioritaire de la ville (QPV)"
    if profile.is_qpv_resident is None:
        return Check(Outcome.UNKNOWN, label)
    if profile.is_qpv_resident:
        return Check(Outcome.MET, label)
    return Check(Outcome.UNMET, "N'habite pas un quartier prioritaire de la ville (QPV)")


def check_rural(aid: Aid, profile: Profile, on: date) -> Check | None:
    if not aid.rural_only:
        return None
    rural = profile.rural
    if rural is None:
        return Check(Outcome.UNKNOWN, "Habite une commune rurale")
    if rural:
        return Check(Outcome.MET, "Habite une commune rurale")
    return Check(Outcome.UNMET, "N'habite pas une commune rurale")


def check_licence(aid: Aid, profile: Profile, on: date) -> Check | None:
    if not aid.licence_statuses:
        return None
    labels = dict(LicenceStatus.choices)
    if not profile.driving_licence:
        wanted = _or_list(_lower_first(labels[s]) for s in aid.licence_statuses)
        return Check(Outcome.UNKNOWN, f"Permis : {wanted}")
    outcome = Outcome.MET if profile.driving_licence in aid.licence_statuses else Outcome.UNMET
    return Check(outcome, f"Permis : {_lower_first(labels.get(profile.driving_licence, '?'))}")


def check_job_or_training_start(aid: Aid, profile: Profile, on: date) -> Check | None:
    if not aid.requires_job_or_training_start:
        return None
    window = _start_window(aid)
    start = profile.job_or_training_start
    if start is None:
        return Check(Outcome.UNKNOWN, f"Prise de poste ou entrée en formation{window}")
    days_ahead = (start - on).days
    too_early = aid.max_days_before_start is not None and days_ahead > aid.max_days_before_start
    too_late = aid.max_days_after_start is not None and -days_ahead > aid.max_days_after_start
    outcome = Outcome.UNMET if too_early or too_late else Outcome.MET
    return Check(outcome, f"Prise de poste ou entrée en formation le {start:%d/%m/%Y}{window}")


def _start_window(aid: Aid) -> str:
    before, after = aid.max_days_before_start, aid.max_days_after_start
    if before is not None and after is not None:
        return f" (demande de {before} jours avant à {after} jours après)"
    if before is not None:
        return f" (demande au plus tôt {before} jours avant)"
    if after is not None:
        return f" (demande au plus tard {after} jours après)"
    return ""


def check_distance(aid: Aid, profile: Profile, on: date) -> Check | None:
    if aid.min_distance_km is None:
        return None
    wanted = f"au moins {aid.min_distance_km} km"
    distance = profile.distance_to_work_km
    if distance is None:
        return Check(Outcome.UNKNOWN, f"Trajet domicile-travail ou formation d'{wanted}")
    outcome = Outcome.MET if distance >= aid.min_distance_km else Outcome.UNMET
    shown = f"{distance:g}" if isinstance(distance, float) else str(distance)
    return Check(outcome, f"Trajet domicile-travail ou formation de {shown} km ({wanted})")


Criterion = Callable[[Aid, Profile, date], Check | None]
CRITERIA: tuple[Criterion, ...] = (
    check_territory,
    check_validity,
    check_age,
    check_labour_market_status,
    check_benefits,
    check_qpv,
    check_rural,
    check_licence,
    check_job_or_training_start,
    check_distance,
)


def evaluate(aid: Aid, profile: Profile, *, on: date) -> Evaluation:
    """Check every criterion of ``aid`` (its coverage prefetched) against ``profile``."""
    evaluation = Evaluation(aid=aid)
    for criterion in CRITERIA:
        check = criterion(aid, profile, on)
        if check is None:
            continue
        {
            Outcome.MET: evaluation.met,
            Outcome.UNMET: evaluation.unmet,
            Outcome.UNKNOWN: evaluation.unknown,
        }[check.outcome].append(check.label)
    return evaluation


def match_aids(profile: Profile, *, on: date, queryset: AidQuerySet) -> list[Match]:
    """Return the aids of ``queryset`` the person may claim on ``on``, surest first."""
    aids = queryset.active_on(on)
    if profile.commune is not None:
        aids = aids.covering(profile.commune)
    aids = aids.select_related("provider").prefetch_related("coverage").order_by("name", "id")
    matches = []
    for aid in aids:
        evaluation = evaluate(aid, profile, on=on)
        if evaluation.is_eligible:
            matches.append(Match(aid, tuple(evaluation.met), tuple(evaluation.unknown)))
    return sorted(matches, key=lambda m: len(m.unknown))


# --- Describing criteria (detail pages, data·inclusion export) -------------------------------


def describe_criteria(aid: Aid) -> list[str]:
    """Return the aid's conditions in French, as a person reads them."""
    rows: list[str] = []
    if aid.min_age is not None or aid.max_age is not None:
        rows.append(f"Âge : {_age_range(aid)}")
    if aid.labour_market_statuses:
        labels = dict(LabourMarketStatus.choices)
        rows.append(
            f"Situation : {_or_list(_lower_first(labels[s]) for s in aid.labour_market_statuses)}"
        )
    if aid.required_benefits:
        labels = dict(Benefit.choices)
        rows.append(f"Percevoir {_or_list(labels[c] for c in aid.required_benefits)}")
    if aid.qpv_only:
        rows.append("Habiter un quartier prioritaire de la ville (QPV)")
    if aid.rural_only:
        rows.append("Habiter une commune rurale")
    if aid.licence_statuses:
        labels = dict(LicenceStatus.choices)
        rows.append(f"Permis : {_or_list(_lower_first(labels[s]) for s in aid.licence_statuses)}")
    if aid.requires_job_or_training_start:
        rows.append(f"Reprendre un emploi ou entrer en formation{_start_window(aid)}")
    if aid.min_distance_km is not None:
        rows.append(f"Trajet domicile-travail ou formation d'au moins {aid.min_distance_km} km")
    return rows
