"""The FSE+ participant file for the managing authority: one row per participation of an
agreement, identity included, only for people whose « Collecte des données FSE+ » consent is in
force.

The same rows feed the CSV download and the JSON API. The CSV is written for the tools French
managing authorities and platforms open it with (Excel set to French, LibreOffice, « Ma Démarche
FSE+ » imports): UTF-8 with a byte-order mark (without it Excel reads accents as Windows-1252),
``;`` as separator (the French list separator: the comma is the decimal mark), one header line,
ISO dates (YYYY-MM-DD), INSEE codes as text (02691 keeps its zero), CRLF line ends.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TextIO

import pandas as pd
from django.http import HttpRequest
from django.utils.text import slugify

from cases.models import AccessLog, Answer, Beneficiary, ConsentRecord
from cases.views.common import log_beneficiaries_access
from organizations.models import FundingAgreement, SecurityEvent
from organizations.security import record_security_event

from .fse import COMPUTATIONS, FOLLOWED_UP, concerned_by, participations_frame
from .periods import Period
from .scopes import Scope, agreement_scope

BOM = "\ufeff"
DELIMITER = ";"


@dataclass(frozen=True)
class Column:
    name: str  # CSV header
    key: str  # JSON key
    kind: str  # text, date, int, bool, answer, sex, status
    description: str


COLUMNS: tuple[Column, ...] = (
    Column("identifiant_participation", "participation_id", "text",
           "Identifiant stable de la participation (celui de son premier accompagnement)."),
    Column("convention", "agreement", "text", "Programme de la convention."),
    Column("reference_convention", "agreement_reference", "text",
           "Référence de la convention (vide si non renseignée)."),
    Column("nom", "last_name", "text", "Nom de naissance ou d'usage, tel que saisi."),
    Column("prenom", "first_name", "text", "Prénom."),
    Column("date_naissance", "birth_date", "date", "Date de naissance (vide si inconnue)."),
    Column("sexe", "sex", "sex",
           "Sexe à l'entrée : F (femme), H (homme), NB (non binaire), NR (non renseigné) ; "
           "API : F, M, X, U."),
    Column("date_entree", "entry_date", "date", "Date d'entrée dans l'opération."),
    Column("age_entree", "age_at_entry", "int", "Âge à la date d'entrée."),
    Column("statut_entree", "labour_market_status", "status",
           "Situation à l'entrée : chomeur, inactif (y compris en formation), emploi ; "
           "API : unemployed, inactive, employed."),
    Column("chomeur_longue_duree", "long_term_unemployed", "bool",
           "Chômeur de longue durée à l'entrée (EECO03)."),
    Column("niveau_cite", "isced_band", "text", "Tranche CITE à l'entrée : 0-2, 3-4, 5-8 ou vide."),
    Column("handicap", "disability", "answer",
           "Handicap (EECO12) : oui, non, refus (ne souhaite pas répondre), non_posee ; API : "
           "yes, no, declined, not_asked."),
    Column("ressortissant_pays_tiers", "third_country_national", "answer",
           "Ressortissant·e d'un pays tiers (EECO13), mêmes valeurs."),
    Column("origine_etrangere", "foreign_background", "answer",
           "Origine étrangère (EECO14), mêmes valeurs."),
    Column("minorite", "minority", "answer", "Minorité (EECO15), mêmes valeurs."),
    Column("sans_domicile", "homeless", "answer",
           "Sans domicile ou exclu·e du logement (EECO16), mêmes valeurs."),
    Column("questions_sensibles_posees_le", "sensitive_questions_asked_on", "date",
           "Date à laquelle les questions sensibles ont été posées."),
    Column("code_commune", "commune_code", "text",
           "Code INSEE de la commune de résidence à l'entrée (5 caractères, texte)."),
    Column("commune", "commune_name", "text", "Nom de la commune de résidence à l'entrée."),
    Column("zone_rurale", "rural", "bool", "Commune rurale (EECO17) ; vide si inconnue."),
    Column("qpv", "qpv_resident", "bool", "Habite un quartier prioritaire ; vide si inconnu."),
    Column("rsa", "receives_rsa", "bool", "Bénéficiaire du RSA à l'entrée."),
    Column("ass", "receives_ass", "bool", "Bénéficiaire de l'ASS à l'entrée."),
    Column("aah", "receives_aah", "bool", "Bénéficiaire de l'AAH à l'entrée."),
    Column("rqth", "has_rqth", "bool", "RQTH à l'entrée."),
    Column("date_sortie", "exit_date", "date", "Date de sortie (vide si pas sorti·e)."),
    Column("situation_sortie", "exit_situation", "text",
           "Situation à la sortie (code du questionnaire de sortie, voir le README)."),
    Column("questionnaire_sortie_le", "exit_questionnaire_filled_on", "date",
           "Date où le questionnaire de sortie a été rempli."),
    Column("sortie_dans_les_4_semaines", "exit_within_4_weeks", "bool",
           "Questionnaire rempli au plus tard 28 jours après la sortie (sinon les résultats "
           "EECR01 à EECR04 ne comptent pas)."),
    Column("eecr01_recherche_emploi", "eecr01_job_searching", "bool",
           "En recherche d'emploi à la sortie ; vide si pas de résultat dans les 4 semaines."),
    Column("eecr02_formation", "eecr02_education_or_training", "bool",
           "En formation à la sortie ; vide si pas de résultat dans les 4 semaines."),
    Column("eecr03_qualification", "eecr03_qualification", "bool",
           "Qualification obtenue à la sortie ; vide si pas de résultat dans les 4 semaines."),
    Column("eecr04_emploi", "eecr04_employed", "bool",
           "En emploi à la sortie ; vide si pas de résultat dans les 4 semaines."),
    Column("suivi_6_mois_le", "follow_up_6_months_on", "date", "Date du suivi à 6 mois."),
    Column("personne_jointe_6_mois", "follow_up_6_months_reached", "bool",
           "Personne jointe lors du suivi à 6 mois."),
    Column("situation_6_mois", "situation_6_months", "text",
           "Situation six mois après la sortie (mêmes codes que la sortie)."),
    Column("eecr05_emploi_6_mois", "eecr05_employed_6_months", "bool",
           "En emploi six mois après la sortie ; vide si le suivi n'est pas fait ou la personne "
           "pas jointe."),
    Column("eecr06_situation_amelioree", "eecr06_improved_situation", "bool",
           "Situation professionnelle améliorée (personnes en emploi à l'entrée seulement) ; "
           "vide sinon."),
)  # fmt: skip

RESULTS = {
    "eecr01_job_searching": "EECR01",
    "eecr02_education_or_training": "EECR02",
    "eecr03_qualification": "EECR03",
    "eecr04_employed": "EECR04",
    "eecr05_employed_6_months": "EECR05",
    "eecr06_improved_situation": "EECR06",
}


def result_column(participations: pd.DataFrame, code: str) -> pd.Series:
    """Whether each participation counts in result ``code``: True, False, or None when it
    cannot be known (no exit result within 4 weeks, no 6-month follow-up reaching the person,
    not employed at entry for EECR06)."""
    computation = COMPUTATIONS[code]
    counted = computation.counted(participations).fillna(False).astype(bool)
    if computation.population == FOLLOWED_UP:
        known = participations["follow_up_on"].notna() & participations["follow_up_reached"].fillna(
            False
        ).astype(bool)
        if code == "EECR06":
            known &= participations["fse_status"] == "employed"
    else:
        known = participations["exit_date"].notna() & participations["exit_in_window"]
    return counted.astype(object).where(known, None)


@dataclass
class ParticipantExport:
    """The rows that may leave the platform, and how many were left out and why."""

    agreement: FundingAgreement
    period: Period
    rows: list[dict[str, Any]]  # JSON keys, Python values
    without_consent: int
    anonymised: int

    @property
    def left_out(self) -> int:
        return self.without_consent + self.anonymised

    @property
    def filename(self) -> str:
        name = slugify(self.agreement.reference or self.agreement.programme)[:60]
        period = f"{self.period.start:%Y-%m-%d}-{self.period.end:%Y-%m-%d}"
        return f"fse-plus-participants-{name}-{period}.csv"


def participant_export(
    agreement: FundingAgreement,
    period: Period,
    *,
    scope: Scope | None = None,
    participations: pd.DataFrame | None = None,
) -> ParticipantExport:
    """The participations of ``agreement`` concerned by ``period`` (under way during it, or
    followed up at 6 months in it), keeping only people with the FSE+ consent in force."""
    scope = scope or agreement_scope(agreement)
    if participations is None:
        participations = participations_frame(scope)
    concerned = concerned_by(participations, period)
    concerned = concerned.assign(
        eeco03=COMPUTATIONS["EECO03"].counted(concerned),
        **{key: result_column(concerned, code) for key, code in RESULTS.items()},
    )
    people_of_scope = scope.cases().values("beneficiary_id")
    people = {
        str(person["id"]): person
        for person in Beneficiary.objects.filter(
            organization__in=scope.platform_ids, pk__in=people_of_scope
        ).values("id", "last_name", "first_name", "birth_date", "anonymised_at")
    }
    consenting = {
        str(pk)
        for pk in ConsentRecord.objects.filter(
            organization__in=scope.platform_ids,
            scope=ConsentRecord.Scope.FSE_REPORTING,
            beneficiary_id__in=people_of_scope,
        )
        .in_force()
        .values_list("beneficiary_id", flat=True)
    }
    rows, without_consent, anonymised = [], 0, 0
    for participation in concerned.to_dict("records"):
        person = people[participation["person_id"]]
        if person["anonymised_at"] is not None:
            anonymised += 1
        elif participation["person_id"] not in consenting:
            without_consent += 1
        else:
            rows.append(_row(_plain(participation), person, agreement))
    return ParticipantExport(agreement, period, rows, without_consent, anonymised)


def _plain(row: dict) -> dict:
    """pandas' missing values and timestamps as Python's None and dates."""
    plain = {}
    for key, value in row.items():
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            plain[key] = None
        elif isinstance(value, pd.Timestamp):
            plain[key] = value.date()
        else:
            plain[key] = value
    return plain


def _row(p: dict, person: dict, agreement: FundingAgreement) -> dict[str, Any]:
    row = {
        "person_id": p["person_id"],
        "participation_id": p["participation_id"],
        "agreement": agreement.programme,
        "agreement_reference": agreement.reference,
        "last_name": person["last_name"],
        "first_name": person["first_name"],
        "birth_date": person["birth_date"],
        "sex": p["sex"] or Beneficiary.Sex.NOT_STATED,
        "entry_date": p["entry_date"],
        "age_at_entry": None if p["age"] is None else int(p["age"]),
        "labour_market_status": p["fse_status"],
        "long_term_unemployed": bool(p["eeco03"]),
        "isced_band": p["isced"] or "",
        "disability": p["disability"] or "",
        "third_country_national": p["third_country_national"] or "",
        "foreign_background": p["foreign_background"] or "",
        "minority": p["minority"] or "",
        "homeless": p["homeless"] or "",
        "sensitive_questions_asked_on": p["sensitive_asked_on"],
        "commune_code": p["commune_code"] or "",
        "commune_name": p["commune_name"] or "",
        "rural": p["rural"],
        "qpv_resident": p["qpv"],
        "receives_rsa": bool(p["receives_rsa"]),
        "receives_ass": bool(p["receives_ass"]),
        "receives_aah": bool(p["receives_aah"]),
        "has_rqth": bool(p["has_rqth"]),
        "exit_date": p["exit_date"],
        "exit_situation": p["exit_situation"] or "",
        "exit_questionnaire_filled_on": p["exit_filled_on"],
        "exit_within_4_weeks": bool(p["exit_in_window"]) if p["exit_date"] else None,
        "follow_up_6_months_on": p["follow_up_on"],
        "follow_up_6_months_reached": p["follow_up_reached"] if p["follow_up_on"] else None,
        "situation_6_months": (p["follow_up_situation"] or "") if p["follow_up_on"] else "",
    }
    for key in RESULTS:
        row[key] = p[key]
    return row


# --- CSV -----------------------------------------------------------------------------------

SEX_CODES = {"F": "F", "M": "H", "X": "NB", "U": "NR"}
ANSWER_CODES = {
    Answer.YES: "oui",
    Answer.NO: "non",
    Answer.DECLINED: "refus",
    Answer.NOT_ASKED: "non_posee",
}
STATUS_CODES = {"unemployed": "chomeur", "inactive": "inactif", "employed": "emploi"}
API_ANSWERS = {
    Answer.YES: "yes",
    Answer.NO: "no",
    Answer.DECLINED: "declined",
    Answer.NOT_ASKED: "not_asked",
}
API_ANSWER_CHOICES = [
    ("yes", "Oui"),
    ("no", "Non"),
    ("declined", "Ne souhaite pas répondre"),
    ("not_asked", "Question non posée"),
]
API_STATUS_CHOICES = [
    ("unemployed", "Chômeur·se (y compris de longue durée)"),
    ("inactive", "Inactif·ve (y compris en formation)"),
    ("employed", "En emploi (y compris indépendant)"),
]
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_value(value: Any, kind: str) -> str:
    if kind == "answer":
        return ANSWER_CODES[value or ""]
    if value is None:
        return ""
    if kind == "date":
        return value.isoformat()
    if kind == "bool":
        return "oui" if value else "non"
    if kind == "sex":
        return SEX_CODES.get(value, "NR")
    if kind == "status":
        return STATUS_CODES.get(value, "")
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def api_value(value: Any, kind: str) -> Any:
    if kind == "answer":
        return API_ANSWERS[value or ""]
    return value


def write_csv(export: ParticipantExport, stream: TextIO) -> None:
    """Write the participant file: BOM, header, one line per participation."""
    stream.write(BOM)
    writer = csv.writer(stream, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow([column.name for column in COLUMNS])
    for row in export.rows:
        writer.writerow([csv_value(row[column.key], column.kind) for column in COLUMNS])


def api_rows(rows: Iterable[dict]) -> list[dict]:
    return [
        {column.key: api_value(row[column.key], column.kind) for column in COLUMNS} for row in rows
    ]


def log_export(
    request: HttpRequest,
    export: ParticipantExport,
    rows: list[dict],
    *,
    channel: str,
    security_log: bool = True,
) -> None:
    """Record the export in the security log and, person by person, in the access log.

    A page wrapped in ``export_right_required`` passes ``security_log=False``: the decorator
    writes the one security event, with this detail.
    """
    agreement = export.agreement
    detail = (
        f"Participants FSE+ ({channel}) : convention « {agreement.programme} » "
        f"[agreement:{agreement.pk}], {export.period}, {len(rows)} ligne(s) ; "
        f"écartées : {export.without_consent} sans consentement, "
        f"{export.anonymised} anonymisée(s)."
    )
    if security_log:
        record_security_event(SecurityEvent.Kind.EXPORT, request=request, detail=detail)
    else:
        request.export_detail = detail
    log_beneficiaries_access(
        request,
        dict.fromkeys(row["person_id"] for row in rows),
        kind=AccessLog.Kind.EXPORT,
    )
