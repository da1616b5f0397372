"""Import the spreadsheets platforms keep today: people and their cases, from CSV or XLSX.

Four steps: upload (the file is read and kept in storage), column mapping (guessed from the
French headers), preview (every row checked, errors in French with their line number, possible
duplicates flagged), then commit: every person is created with ``people.create_beneficiary`` and
their case opened with ``lifecycle.open_case`` in ONE transaction — a single refused row and
nothing at all is written. Files over ``BACKGROUND_THRESHOLD`` rows are committed by a task.

Line numbers are those the spreadsheet shows: the header is line 1, the first person line 2.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from organizations.errors import DomainError
from organizations.models import Membership, Organization, Site, Territory

from .models import Beneficiary, Case, ImportJob, name_key
from .services import lifecycle, people
from .services.lifecycle import check_caseworker

logger = logging.getLogger(__name__)

Role = Membership.Role
MAX_FILE_SIZE = 10 * 1024 * 1024
MAX_ROWS = 20_000
BACKGROUND_THRESHOLD = 500  # rows; above, the commit runs as a background task
MAX_ERRORS = 500  # kept and shown; the count says how many more there were
PROGRESS_EVERY = 100  # rows between two progress saves while checking
SAMPLE_ROWS = 3  # rows kept to show beside the column mapping
CSV_ENCODINGS = ("utf-8-sig", "cp1252")
CSV_DELIMITERS = ";,\t"
XLSX_EXTENSIONS = (".xlsx",)
CSV_EXTENSIONS = (".csv", ".txt")


class ImportFileError(DomainError):
    """The uploaded file cannot be read as a table of people."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file", code="import_file")


# --- Text helpers ------------------------------------------------------------------------------


def normalise(text: Any) -> str:
    """Lower-case, accent-free, punctuation as single spaces: « Date d'entrée » → date d entree."""
    text = unicodedata.normalize("NFKD", str(text or ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def _as_text(value: Any) -> str:
    """A cell as text: whole numbers without ``.0``, dates as JJ/MM/AAAA."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return " ".join(str(value).split())


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# --- Reading files -----------------------------------------------------------------------------


@dataclass
class Table:
    """A spreadsheet read as a header and rows of cells, with each row's line number."""

    columns: list[str]
    rows: list[tuple[int, list[Any]]]
    encoding: str = ""
    delimiter: str = ""


def _column_names(header: Sequence[Any]) -> list[str]:
    names: list[str] = []
    for index, cell in enumerate(header):
        name = _as_text(cell) or f"Colonne {_column_letter(index)}"
        if name in names:
            name = f"{name} ({_column_letter(index)})"
        names.append(name)
    return names


def _table(raw_rows: Iterable[Sequence[Any]], **extra: str) -> Table:
    rows = iter(raw_rows)
    header: Sequence[Any] = []
    line = 0
    for line, candidate in enumerate(rows, start=1):  # noqa: B007 - the header's line is kept
        if any(_as_text(cell) for cell in candidate):
            header = candidate
            break
    if not header:
        raise ImportFileError("Le fichier est vide : il doit commencer par une ligne d'en-têtes.")
    while header and not _as_text(header[-1]):
        header = header[:-1]
    columns = _column_names(header)
    data: list[tuple[int, list[Any]]] = []
    for number, cells in enumerate(rows, start=line + 1):
        cells = list(cells)[: len(columns)]
        if not any(_as_text(cell) for cell in cells):
            continue
        data.append((number, cells + [None] * (len(columns) - len(cells))))
        if len(data) > MAX_ROWS:
            raise ImportFileError(
                f"Le fichier compte plus de {MAX_ROWS:_} lignes : découpez-le en plusieurs "
                "fichiers.".replace("_", "\u202f")
            )
    if not data:
        raise ImportFileError(
            "Le fichier ne contient que des en-têtes : aucune personne à importer."
        )
    return Table(columns=columns, rows=data, **extra)


def _decode(content: bytes) -> tuple[str, str]:
    for encoding in CSV_ENCODINGS:
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ImportFileError(  # cp1252 decodes almost anything; this is a last resort
        "Le fichier n'est pas un texte lisible : enregistrez-le au format CSV (UTF-8)."
    )


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        first_line = text.splitlines()[0] if text else ""
        return max(CSV_DELIMITERS, key=first_line.count)


def read_csv(content: bytes) -> Table:
    """Read a CSV in UTF-8 or Windows-1252, separated by ; , or tabs (sniffed)."""
    if b"\x00" in content[:4096]:
        raise ImportFileError(
            "Ce fichier n'est pas un CSV : enregistrez votre tableau au format CSV ou XLSX."
        )
    text, encoding = _decode(content)
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _table(reader, encoding=encoding, delimiter=delimiter)
    except csv.Error as error:
        raise ImportFileError(f"Le fichier CSV est mal formé ({error}).") from None


def read_xlsx(content: bytes) -> Table:
    """Read the first sheet of an Excel workbook (XLSX)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportFileError(
            "Ce classeur Excel est illisible : enregistrez-le de nouveau au format XLSX."
        ) from error
    try:
        sheet = workbook.worksheets[0]
        return _table(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()


def file_format_of(name: str, content: bytes) -> str:
    """Return the import format the content really is, refusing one that lies about it."""
    extension = os.path.splitext(name or "")[1].lower()
    is_zip = content[:4] == b"PK\x03\x04"
    if extension == ".xls" or content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFileError(
            "Les classeurs Excel 97-2003 (.xls) ne sont pas lus : enregistrez le fichier au "
            "format XLSX ou CSV."
        )
    if extension in XLSX_EXTENSIONS or is_zip:
        if not is_zip or not _is_xlsx(content):
            raise ImportFileError(
                "Ce fichier n'est pas un classeur Excel (XLSX) valide : enregistrez-le de "
                "nouveau au format XLSX, ou au format CSV."
            )
        return ImportJob.Format.XLSX
    if extension in CSV_EXTENSIONS or not extension:
        return ImportJob.Format.CSV
    raise ImportFileError(
        f"Les fichiers « {extension} » ne sont pas acceptés : déposez un fichier CSV ou XLSX."
    )


def _is_xlsx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def read_table(content: bytes, file_format: str) -> Table:
    if file_format == ImportJob.Format.XLSX:
        return read_xlsx(content)
    return read_csv(content)


def read_job_table(job: ImportJob) -> Table:
    _check_not_purged(job)
    with job.file.open("rb") as stored:
        content = stored.read()
    return read_table(content, job.file_format)


# --- The fields a file can fill, and guessing them from the headers ------------------------------


@dataclass(frozen=True)
class ImportField:
    key: str
    label: str
    # Headers that name this field exactly (normalised), the most specific first.
    aliases: tuple[str, ...]
    # Words that, found in a header, point to this field (weaker than an alias).
    keywords: tuple[str, ...] = ()
    required: bool = False
    help_text: str = ""


def _words(text: str) -> tuple[str, ...]:
    """Split a « | »-separated list of normalised words (keeps the tables below compact)."""
    return tuple(text.split("|"))


IMPORT_FIELDS: tuple[ImportField, ...] = (
    ImportField(
        "last_name",
        "Nom",
        required=True,
        aliases=_words(
            "nom|nom de famille|nom d usage|nom usage|nom de naissance|nom beneficiaire"
        ),
    ),
    ImportField(
        "first_name",
        "Prénom",
        required=True,
        aliases=_words("prenom|prenom usuel"),
        keywords=_words("prenom"),
    ),
    ImportField(
        "birth_date",
        "Date de naissance",
        help_text="JJ/MM/AAAA ou AAAA-MM-JJ.",
        aliases=_words("date de naissance|date naissance|ddn|ne e le|nee le|ne le"),
        keywords=_words("naissance"),
    ),
    ImportField(
        "sex",
        "Sexe",
        aliases=_words("sexe|genre|civilite"),
        keywords=_words("sexe|genre"),
    ),
    ImportField(
        "email",
        "E-mail",
        aliases=_words("email|e mail|mail|courriel|adresse mail|adresse e mail|adresse email"),
        keywords=_words("mail|courriel"),
    ),
    ImportField(
        "phone",
        "Téléphone",
        aliases=_words("telephone|tel|portable|mobile|numero de telephone"),
        keywords=_words("telephone|tel"),
    ),
    ImportField(
        "address",
        "Adresse",
        aliases=_words("adresse|adresse postale|rue"),
        keywords=_words("adresse"),
    ),
    ImportField(
        "postcode",
        "Code postal",
        aliases=_words("code postal|cp"),
        keywords=_words("postal"),
    ),
    ImportField(
        "commune",
        "Commune (code INSEE ou nom)",
        help_text="Le code INSEE (59350), ou le nom exact de la commune.",
        aliases=_words("code insee|insee|code commune|commune|ville|commune de residence"),
        keywords=_words("insee|commune|ville"),
    ),
    ImportField(
        "labour_market_status",
        "Situation à l'entrée",
        aliases=_words("situation|situation a l entree|statut|situation professionnelle"),
        keywords=_words("situation"),
    ),
    ImportField(
        "france_travail_id",
        "Identifiant France Travail",
        aliases=_words(
            "identifiant france travail|id france travail|identifiant pole emploi"
            "|numero france travail|n france travail|id ft|identifiant ft"
        ),
        keywords=_words("france travail|pole emploi"),
    ),
    ImportField(
        "receives_rsa",
        "Bénéficiaire du RSA",
        aliases=_words("rsa|brsa|beneficiaire rsa|beneficiaire du rsa"),
        keywords=_words("rsa"),
    ),
    ImportField(
        "receives_ass",
        "Bénéficiaire de l'ASS",
        aliases=_words("ass|beneficiaire ass|beneficiaire de l ass"),
    ),
    ImportField(
        "receives_aah",
        "Bénéficiaire de l'AAH",
        aliases=_words("aah|beneficiaire aah|beneficiaire de l aah"),
        keywords=_words("aah"),
    ),
    ImportField(
        "has_rqth",
        "RQTH",
        aliases=_words("rqth|th|travailleur handicape"),
        keywords=_words("rqth"),
    ),
    ImportField(
        "education_level",
        "Niveau de diplôme",
        aliases=_words("niveau de diplome|diplome|niveau|niveau d etudes|niveau scolaire"),
        keywords=_words("diplome|etudes"),
    ),
    ImportField(
        "driving_licence",
        "Permis de conduire",
        aliases=_words("permis|permis de conduire|permis b"),
        keywords=_words("permis"),
    ),
    ImportField(
        "opened_on",
        "Date d'entrée",
        help_text="Vide : la date du jour.",
        aliases=_words(
            "date d entree|date entree|entree|date d accueil|date de debut|date debut"
            "|date d inscription|date ouverture"
        ),
        keywords=_words("entree|accueil"),
    ),
    ImportField(
        "advisor",
        "Conseiller·e",
        help_text="Prénom et nom (« Alice Martin ») ou e-mail d'un membre de l'équipe.",
        aliases=_words(
            "conseiller|conseillere|conseiller e|referent|referente|conseiller referent"
            "|conseiller mobilite|nom du conseiller|suivi par"
        ),
        keywords=_words("conseiller|conseillere|referent|referente"),
    ),
    ImportField(
        "site",
        "Site",
        aliases=_words("site|antenne|lieu d accueil"),
        keywords=_words("antenne"),
    ),
    ImportField(
        "origin",
        "Origine ou prescripteur",
        help_text="Vide ou « venue directe » : venue directe ; sinon, la structure qui oriente.",
        aliases=_words("origine|prescripteur|orienteur|oriente par|orientation"),
        keywords=_words("prescripteur|orient"),
    ),
    ImportField(
        "objective",
        "Objectif",
        aliases=_words("objectif|projet|projet professionnel"),
        keywords=_words("objectif|projet"),
    ),
)
FIELDS_BY_KEY = {f.key: f for f in IMPORT_FIELDS}
CASE_FIELDS = ("opened_on", "advisor", "site", "origin", "objective")
REQUIRED_FIELDS = tuple(f.key for f in IMPORT_FIELDS if f.required)


def guess_mapping(columns: Sequence[str]) -> dict[str, int]:
    """Guess which column fills each field from the headers; each column serves once."""
    candidates: list[tuple[int, int, str]] = []
    for index, column in enumerate(columns):
        header = normalise(column)
        words = set(header.split())
        for position, import_field in enumerate(IMPORT_FIELDS):
            score = 0
            if header in import_field.aliases:
                score = 1000 - import_field.aliases.index(header)
            else:
                for keyword in import_field.keywords:
                    if set(keyword.split()) <= words or (
                        " " not in keyword and any(w.startswith(keyword) for w in words)
                    ):
                        score = max(score, 100 - len(words))
            if score:
                candidates.append((score, -position, f"{import_field.key}:{index}"))
    mapping: dict[str, int] = {}
    used: set[int] = set()
    for _score, _position, pair in sorted(candidates, reverse=True):
        key, index = pair.split(":")
        if key not in mapping and int(index) not in used:
            mapping[key] = int(index)
            used.add(int(index))
    return {f.key: mapping[f.key] for f in IMPORT_FIELDS if f.key in mapping}


def clean_mapping(mapping: dict[str, Any], columns: Sequence[str]) -> dict[str, int]:
    """Return a valid mapping {field: column index} or raise DomainError in French."""
    result: dict[str, int] = {}
    for key, value in mapping.items():
        if value in (None, ""):
            continue
        if key not in FIELDS_BY_KEY:
            raise DomainError(f"Champ inconnu : {key}.")
        try:
            index = int(value)
        except (TypeError, ValueError):
            index = -1
        if not 0 <= index < len(columns):
            raise DomainError("Cette colonne n'existe pas dans le fichier.", field=key)
        result[key] = index
    for key in REQUIRED_FIELDS:
        if key not in result:
            raise DomainError(
                f"Choisissez la colonne du fichier qui donne « {FIELDS_BY_KEY[key].label} ».",
                field=key,
            )
    seen: dict[int, str] = {}
    for key, index in result.items():
        if index in seen:
            raise DomainError(
                f"La colonne « {columns[index]} » est associée à deux champs "
                f"(« {FIELDS_BY_KEY[seen[index]].label} » et « {FIELDS_BY_KEY[key].label} ») : "
                "une colonne ne remplit qu'un champ.",
                field=key,
            )
        seen[index] = key
    return result


# --- Reading values ----------------------------------------------------------------------------


class CellError(ValueError):
    """A cell that cannot be read; the message completes « Ligne N : … »."""


DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d")


def parse_date(value: Any, label: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _as_text(value)
    text = re.sub(r"[ T]00:00(:00)?$", "", text)  # dates exported with a midnight time
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(f"{label} « {text} » invalide (attendu : JJ/MM/AAAA)")


TRUE_WORDS = {"oui", "o", "x", "1", "vrai", "yes", "y", "true", "ok"}
FALSE_WORDS = {"non", "n", "0", "faux", "no", "false", ""}


def parse_bool(value: Any, label: str) -> bool:
    word = normalise(_as_text(value))
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f"{label} « {_as_text(value)} » non reconnu : indiquez oui ou non")


SEX_WORDS = {
    Beneficiary.Sex.FEMALE: _words("f|femme|feminin|mme|madame|mlle|mademoiselle"),
    Beneficiary.Sex.MALE: _words("m|h|homme|masculin|monsieur|mr"),
    Beneficiary.Sex.NON_BINARY: _words("x|non binaire|nb|autre"),
    Beneficiary.Sex.NOT_STATED: _words("|u|nr|non renseigne|inconnu|ne se prononce pas"),
}
LABOUR_MARKET_WORDS = {
    Beneficiary.LabourMarketStatus.UNEMPLOYED: _words(
        "de|demandeur d emploi|demandeuse d emploi|demandeur se d emploi|chomeur|chomeuse"
        "|chomage|sans emploi|inscrit france travail|inscrit pole emploi"
    ),
    Beneficiary.LabourMarketStatus.LONG_TERM_UNEMPLOYED: _words(
        "deld|demandeur d emploi de longue duree|chomeur de longue duree|longue duree"
        "|de longue duree"
    ),
    Beneficiary.LabourMarketStatus.INACTIVE: _words("inactif|inactive|au foyer"),
    Beneficiary.LabourMarketStatus.EMPLOYED: _words(
        "salarie|salariee|en emploi|emploi|cdi|cdd|interim|interimaire|independant"
        "|independante|auto entrepreneur"
    ),
    Beneficiary.LabourMarketStatus.IN_TRAINING: _words(
        "formation|en formation|stagiaire|stagiaire de la formation professionnelle"
    ),
}
EDUCATION_WORDS = {
    Beneficiary.EducationLevel.NONE: _words(
        "aucun|aucun diplome|sans diplome|brevet|brevet des colleges|dnb|cfg|niveau 1|niveau 2"
    ),
    Beneficiary.EducationLevel.CAP_BEP: _words("cap|bep|cap bep|niveau 3|niveau v"),
    Beneficiary.EducationLevel.BAC: _words(
        "bac|baccalaureat|bac pro|bac general|bac techno|niveau 4|niveau iv"
    ),
    Beneficiary.EducationLevel.BAC_2: _words("bac 2|bts|dut|deug|niveau 5|niveau iii"),
    Beneficiary.EducationLevel.BAC_3: _words("bac 3|licence|licence pro|bachelor|niveau 6"),
    Beneficiary.EducationLevel.BAC_5: _words(
        "bac 4|bac 5|master|maitrise|doctorat|ingenieur|niveau 7|niveau 8"
    ),
    Beneficiary.EducationLevel.UNKNOWN: _words("|inconnu|non renseigne|nr"),
}
LICENCE_WORDS = {
    Beneficiary.DrivingLicence.NONE: _words("|aucun|aucun permis|non|sans permis|pas de permis"),
    Beneficiary.DrivingLicence.LEARNING_CODE: _words(
        "code en cours|apprentissage du code|en cours|inscrit au code|preparation du code"
    ),
    Beneficiary.DrivingLicence.CODE_OBTAINED: _words("code|code obtenu|code ok|etg"),
    Beneficiary.DrivingLicence.LICENCE_B: _words("b|permis b|oui|permis|titulaire"),
    Beneficiary.DrivingLicence.SUSPENDED: _words(
        "suspendu|annule|retrait|permis suspendu|permis annule"
    ),
    Beneficiary.DrivingLicence.OTHER: _words("am|a|a1|a2|bsr|autre|c|d"),
}
DIRECT_ORIGIN_WORDS = set(
    _words("|direct|directe|venue directe|spontane|spontanee|bouche a oreille")
)


def _choice_parser(words: dict[str, set[str]], choices) -> Callable[[Any, str], str]:
    lookup: dict[str, str] = {}
    for value, label in choices:
        lookup[normalise(value)] = value
        lookup[normalise(label)] = value
    for value, synonyms in words.items():
        for synonym in synonyms:
            lookup[synonym] = value

    def parse(cell: Any, label: str) -> str:
        text = _as_text(cell)
        found = lookup.get(normalise(text))
        if found is None:
            raise CellError(f"{label} « {text} » non reconnu·e")
        return found

    return parse


parse_sex = _choice_parser(SEX_WORDS, Beneficiary.Sex.choices)
parse_labour_market = _choice_parser(LABOUR_MARKET_WORDS, Beneficiary.LabourMarketStatus.choices)
parse_education = _choice_parser(EDUCATION_WORDS, Beneficiary.EducationLevel.choices)
parse_licence = _choice_parser(LICENCE_WORDS, Beneficiary.DrivingLicence.choices)


def parse_origin(value: Any) -> tuple[str, str]:
    text = _as_text(value)
    if normalise(text) in DIRECT_ORIGIN_WORDS or normalise(text) == normalise(
        Case.Origin.DIRECT.label
    ):
        return Case.Origin.DIRECT, ""
    return Case.Origin.REFERRAL, text[:200]


def _digits_code(value: Any, length: int) -> str:
    text = _as_text(value).replace(" ", "")
    if text.isdigit() and len(text) < length:
        text = text.zfill(length)  # a spreadsheet drops the leading zero of 01053
    return text.upper()


# --- Lookups shared by every row (one query each) ----------------------------------------------


@dataclass
class Lookups:
    """What the rows refer to, loaded once: communes, the team, the sites."""

    communes_by_code: dict[str, Territory]
    communes_by_name: dict[str, list[Territory]]
    advisors: dict[str, Membership]
    sites: dict[str, Site]

    @classmethod
    def load(cls, organization: Organization, table: Table, mapping: dict[str, int]) -> Lookups:
        by_code: dict[str, Territory] = {}
        by_name: dict[str, list[Territory]] = {}
        if "commune" in mapping:
            values = {_as_text(cells[mapping["commune"]]) for _line, cells in table.rows}
            codes = {_digits_code(v, 5) for v in values if v}
            names = {v for v in values if v and not v.replace(" ", "").isdigit()}
            communes = Territory.objects.communes().order_by("code")
            if names:
                # Names differ in accents, case and hyphens from the COG: compare them
                # normalised, over every commune (one query, a few thousand short rows).
                found = list(communes.only("id", "level", "code", "name", "postcodes"))
            else:
                found = list(communes.filter(code__in=codes))
            for commune in found:
                by_code[commune.code] = commune
                by_name.setdefault(normalise(commune.name), []).append(commune)
        advisors: dict[str, Membership] = {}
        if "advisor" in mapping:
            team = (
                Membership.objects.for_organization(organization)
                .active()
                .filter(role__in=lifecycle.CASEWORKER_ROLES)
                .select_related("user")
            )
            for member in team:
                user = member.user
                for key in (
                    user.email,
                    f"{user.first_name} {user.last_name}",
                    f"{user.last_name} {user.first_name}",
                ):
                    advisors.setdefault(normalise(key), member)
        sites: dict[str, Site] = {}
        if "site" in mapping:
            sites = {normalise(s.name): s for s in Site.objects.for_organization(organization)}
        return cls(by_code, by_name, advisors, sites)

    def commune(self, value: Any, postcode: str) -> Territory | None:
        text = _as_text(value)
        if not text:
            return None
        if text.replace(" ", "").isdigit() or text[:2].upper() in {"2A", "2B"}:
            found = self.communes_by_code.get(_digits_code(text, 5))
            if found is None:
                raise CellError(
                    f"code commune « {text} » inconnu : indiquez le code INSEE à 5 caractères "
                    "(59350 pour Lille), pas le code postal"
                )
            return found
        homonyms = self.communes_by_name.get(normalise(text), [])
        if postcode and len(homonyms) > 1:
            homonyms = [c for c in homonyms if postcode in c.postcode_list] or homonyms
        if len(homonyms) == 1:
            return homonyms[0]
        if homonyms:
            raise CellError(
                f"plusieurs communes s'appellent « {text} » : indiquez plutôt le code INSEE"
            )
        raise CellError(f"commune « {text} » inconnue : indiquez le code INSEE ou le nom exact")

    def advisor(self, value: Any) -> Membership | None:
        text = _as_text(value)
        if not text:
            return None
        found = self.advisors.get(normalise(text))
        if found is None:
            raise CellError(
                f"conseiller·e « {text} » inconnu·e dans l'équipe de la plateforme (indiquez "
                "son prénom et son nom, ou son e-mail)"
            )
        return found

    def site(self, value: Any) -> Site | None:
        text = _as_text(value)
        if not text:
            return None
        found = self.sites.get(normalise(text))
        if found is None:
            raise CellError(f"site « {text} » inconnu de la plateforme")
        return found


# --- Checking rows -----------------------------------------------------------------------------


@dataclass
class ImportRow:
    line: int
    person: dict[str, Any] = field(default_factory=dict)
    case: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    duplicate: str = ""  # why the row may be a person already known

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def full_name(self) -> str:
        first, last = self.person.get("first_name", ""), self.person.get("last_name", "")
        return f"{first} {last.upper()}".strip()

    @property
    def birth_date(self) -> date | None:
        return self.person.get("birth_date")

    @property
    def commune(self) -> Territory | None:
        return self.person.get("commune")

    @property
    def opened_on(self) -> date | None:
        return self.case.get("opened_on")

    @property
    def advisor(self) -> Membership | None:
        return self.case.get("advisor")

    def add_error(self, message: str) -> None:
        self.errors.append(line_message(self.line, message))


def line_message(line: int, message: str) -> str:
    message = message.rstrip(".")
    if message[:1].isupper() and not message[1:2].isupper():
        message = message[0].lower() + message[1:]
    return f"Ligne {line} : {message}."


BOOLEAN_FIELDS = ("receives_rsa", "receives_ass", "receives_aah", "has_rqth")
CHOICE_PARSERS = {
    "sex": parse_sex,
    "labour_market_status": parse_labour_market,
    "education_level": parse_education,
    "driving_licence": parse_licence,
}
TEXT_FIELDS = {"address": 250, "france_travail_id": 20, "phone": 30}


def _check_row(line: int, cells: list[Any], mapping: dict[str, int], lookups: Lookups) -> ImportRow:
    row = ImportRow(line=line)

    def cell(key: str) -> Any:
        return cells[mapping[key]] if key in mapping else None

    def read(key: str, parse: Callable[[], Any]) -> Any:
        try:
            return parse()
        except CellError as error:
            row.add_error(str(error))
            return None

    for key, label in (("last_name", "le nom"), ("first_name", "le prénom")):
        value = _as_text(cell(key))[:150]
        if not value:
            row.add_error(f"{label} est vide")
        row.person[key] = value
    row.case["opened_on"] = (
        read("opened_on", lambda: parse_date(cell("opened_on"), "date d'entrée"))
        or timezone.localdate()
    )
    if row.case["opened_on"] > timezone.localdate():
        row.add_error(f"date d'entrée « {row.case['opened_on']:%d/%m/%Y} » dans le futur")
    if "birth_date" in mapping:
        birth_date = read("birth_date", lambda: parse_date(cell("birth_date"), "date de naissance"))
        # The rule is the people service's: one wording everywhere.
        problem = people.birth_date_error(birth_date, on=row.case["opened_on"])
        if problem:
            row.add_error(f"{problem.rstrip('.')} (« {birth_date:%d/%m/%Y} »)")
        row.person["birth_date"] = birth_date
    for key in BOOLEAN_FIELDS:
        if key in mapping:
            label = FIELDS_BY_KEY[key].label
            row.person[key] = bool(read(key, lambda k=key, lb=label: parse_bool(cell(k), lb)))
    for key, parse in CHOICE_PARSERS.items():
        if key in mapping:
            label = FIELDS_BY_KEY[key].label.lower()
            value = read(key, lambda k=key, p=parse, lb=label: p(cell(k), lb))
            if value is not None:
                row.person[key] = value
    for key, max_length in TEXT_FIELDS.items():
        if key in mapping:
            row.person[key] = _as_text(cell(key))[:max_length]
    if "phone" in row.person and re.fullmatch(r"[1-9]\d{8}", row.person["phone"]):
        row.person["phone"] = "0" + row.person["phone"]  # the spreadsheet dropped the 0
    if "email" in mapping:
        email = _as_text(cell("email"))
        try:
            if email:
                validate_email(email)
            row.person["email"] = email
        except ValidationError:
            row.add_error(f"e-mail « {email} » invalide")
    postcode = ""
    if "postcode" in mapping:
        postcode = _digits_code(cell("postcode"), 5) if _as_text(cell("postcode")) else ""
        if postcode and not re.fullmatch(r"\d{5}", postcode):
            row.add_error(f"code postal « {_as_text(cell('postcode'))} » invalide (5 chiffres)")
        row.person["postcode"] = postcode
    if "commune" in mapping:
        row.person["commune"] = read("commune", lambda: lookups.commune(cell("commune"), postcode))
    if "advisor" in mapping:
        row.case["advisor"] = read("advisor", lambda: lookups.advisor(cell("advisor")))
    if "site" in mapping:
        row.case["site"] = read("site", lambda: lookups.site(cell("site")))
    if "origin" in mapping:
        row.case["origin"], row.case["origin_detail"] = parse_origin(cell("origin"))
    if "objective" in mapping:
        row.case["objective"] = _as_text(cell("objective"))
    return row


def _flag_duplicates(rows: list[ImportRow], organization: Organization) -> None:
    """Flag rows whose person is already followed, or appears earlier in the file."""
    keys = {
        name_key(r.person["first_name"], r.person["last_name"])
        for r in rows
        if r.person.get("birth_date")
    }
    known: dict[tuple[str, date], int] = {}
    existing = (
        Beneficiary.objects.for_organization(organization)
        .filter(name_key__in=keys)
        .values_list("name_key", "birth_date")
    )
    for key, birth_date in existing:
        known[(key, birth_date)] = known.get((key, birth_date), 0) + 1
    first_line: dict[tuple[str, date], int] = {}
    for row in rows:
        birth_date = row.person.get("birth_date")
        if not birth_date or not row.person["first_name"] or not row.person["last_name"]:
            continue
        key = (name_key(row.person["first_name"], row.person["last_name"]), birth_date)
        if key in known:
            row.duplicate = (
                f"Ligne {row.line} : {row.full_name}, né·e le {birth_date:%d/%m/%Y}, est "
                "peut-être déjà suivi·e par la plateforme."
            )
        elif key in first_line:
            row.duplicate = (
                f"Ligne {row.line} : même nom et même date de naissance que la ligne "
                f"{first_line[key]}."
            )
        first_line.setdefault(key, row.line)


@dataclass
class Preview:
    rows: list[ImportRow]
    errors: list[str]
    error_count: int
    duplicates: list[ImportRow]

    @property
    def is_valid(self) -> bool:
        return self.error_count == 0

    @property
    def valid_rows(self) -> list[ImportRow]:
        return [r for r in self.rows if r.is_valid]


def check_table(
    table: Table,
    mapping: dict[str, int],
    *,
    organization: Organization,
    progress: Callable[[int], None] | None = None,
) -> Preview:
    """Read and check every row against the mapping; nothing is written."""
    lookups = Lookups.load(organization, table, mapping)
    rows: list[ImportRow] = []
    for count, (line, cells) in enumerate(table.rows, start=1):
        rows.append(_check_row(line, cells, mapping, lookups))
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
    _flag_duplicates(rows, organization)
    errors = [error for row in rows for error in row.errors]
    return Preview(
        rows=rows,
        errors=errors[:MAX_ERRORS],
        error_count=len(errors),
        duplicates=[r for r in rows if r.duplicate],
    )


def preview_job(job: ImportJob) -> Preview:
    return check_table(read_job_table(job), job.mapping, organization=job.organization)


# --- The steps, as services ----------------------------------------------------------------------


def _check_can_import(by: Membership, organization: Organization) -> None:
    if organization.kind != Organization.Kind.PLATFORM:
        raise DomainError("Seule une plateforme de mobilité importe des accompagnements.")
    check_caseworker(by, organization.pk)


@transaction.atomic
def create_import_job(
    *, organization: Organization, by: Membership, uploaded_file: UploadedFile
) -> ImportJob:
    """Keep an uploaded spreadsheet once it reads as a table of people; guess the mapping."""
    _check_can_import(by, organization)
    if uploaded_file.size > MAX_FILE_SIZE:
        raise ImportFileError(
            f"Ce fichier fait {uploaded_file.size / 1024 / 1024:.1f} Mo : la taille maximale est "
            "de 10 Mo. Découpez-le en plusieurs fichiers.".replace(".", ",", 1)
        )
    if not uploaded_file.size:
        raise ImportFileError("Ce fichier est vide : choisissez un autre fichier.")
    uploaded_file.seek(0)
    content = uploaded_file.read()
    file_format = file_format_of(uploaded_file.name or "", content)
    table = read_table(content, file_format)
    job = ImportJob(
        organization=organization,
        created_by=by,
        original_name=os.path.basename(uploaded_file.name or "import")[:250],
        file_format=file_format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        columns=table.columns,
        sample=[[_as_text(cell) for cell in cells] for _line, cells in table.rows[:SAMPLE_ROWS]],
        mapping=guess_mapping(table.columns),
        total_rows=len(table.rows),
    )
    uploaded_file.seek(0)
    job.file.save("import", uploaded_file, save=False)
    job.save()
    return job


PURGED_MESSAGE = (
    "Le fichier de cet import a été supprimé (durée de conservation écoulée) : "
    "déposez-le de nouveau pour l'importer."
)


def _check_not_purged(job: ImportJob) -> None:
    if job.is_purged:
        raise DomainError(PURGED_MESSAGE, code="import_purged")


def _check_editable(job: ImportJob) -> None:
    _check_not_purged(job)
    if job.status not in (
        ImportJob.Status.UPLOADED,
        ImportJob.Status.MAPPED,
        ImportJob.Status.FAILED,
    ):
        raise DomainError(
            f"Cet import est « {job.get_status_display().lower()} » : "
            "il ne peut plus être modifié.",
            code="import_locked",
        )


@transaction.atomic
def set_mapping(job: ImportJob, *, by: Membership, mapping: dict[str, Any]) -> ImportJob:
    """Record which column fills which field."""
    _check_can_import(by, job.organization)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    _check_editable(job)
    job.mapping = clean_mapping(mapping, job.columns)
    job.status = ImportJob.Status.MAPPED
    job.errors = []
    job.save(update_fields=["mapping", "status", "errors"])
    return job


@transaction.atomic
def _claim(job: ImportJob, *, by: Membership, duplicate_policy: str) -> ImportJob:
    _check_can_import(by, job.organization)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    _check_not_purged(job)
    if job.status not in (ImportJob.Status.MAPPED, ImportJob.Status.FAILED):
        raise DomainError(
            "Associez d'abord les colonnes du fichier."
            if job.status == ImportJob.Status.UPLOADED
            else f"Cet import est déjà « {job.get_status_display().lower()} ».",
            code="import_locked",
        )
    if duplicate_policy not in ImportJob.DuplicatePolicy.values:
        raise DomainError("Dites que faire des doublons possibles.", field="duplicate_policy")
    job.status = ImportJob.Status.QUEUED
    job.duplicate_policy = duplicate_policy
    job.created_by = by
    job.processed_rows = 0
    job.errors = []
    job.save(update_fields=["status", "duplicate_policy", "created_by", "processed_rows", "errors"])
    return job


def start_import(job: ImportJob, *, by: Membership, duplicate_policy: str) -> ImportJob:
    """Commit the import: now for a small file, as a background task above the threshold."""
    job = _claim(job, by=by, duplicate_policy=duplicate_policy)
    if job.total_rows > BACKGROUND_THRESHOLD:
        from .tasks import run_import_job

        job_id = str(job.pk)
        transaction.on_commit(lambda: run_import_job.enqueue(job_id))
        return job
    return run_import(job)


def _save_progress(job: ImportJob, **values: Any) -> None:
    for name, value in values.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**values)


class _Rollback(Exception):
    """Raised to undo every write of an import that met a refused row."""


def run_import(job: ImportJob) -> ImportJob:
    """Check every row again, then create people and cases in one transaction, or nothing."""
    if job.status != ImportJob.Status.QUEUED:
        return job  # already run (a task delivered twice)
    _save_progress(
        job, status=ImportJob.Status.RUNNING, started_at=timezone.now(), processed_rows=0, errors=[]
    )
    try:
        return _run(job)
    except Exception:
        logger.exception("Import %s failed unexpectedly", job.pk)
        _fail(
            job,
            [
                "L'import a échoué sur une erreur inattendue : rien n'a été enregistré. "
                "Réessayez, et si l'erreur revient, contactez le support."
            ],
        )
        return job


def _fail(job: ImportJob, errors: list[str], error_count: int | None = None) -> None:
    count = len(errors) if error_count is None else error_count
    if count > len(errors):
        errors = [*errors, f"… et {count - len(errors)} autre(s) erreur(s)."]
    _save_progress(
        job,
        status=ImportJob.Status.FAILED,
        errors=errors,
        finished_at=timezone.now(),
        beneficiaries_created=0,
        cases_created=0,
        rows_skipped=0,
    )


def _run(job: ImportJob) -> ImportJob:
    by = job.created_by
    try:
        if by is None:
            raise DomainError("Le compte qui a lancé l'import n'existe plus.")
        _check_can_import(by, job.organization)
        table = read_job_table(job)
    except DomainError as error:
        _fail(job, [error.message])
        return job
    preview = check_table(
        table,
        job.mapping,
        organization=job.organization,
        progress=lambda done: _save_progress(job, processed_rows=done),
    )
    _save_progress(job, processed_rows=len(preview.rows))
    if not preview.is_valid:
        _fail(job, preview.errors, preview.error_count)
        return job
    skip = job.duplicate_policy == ImportJob.DuplicatePolicy.SKIP
    errors: list[str] = []
    created = skipped = 0
    try:
        with transaction.atomic():
            for row in preview.rows:
                if row.duplicate and skip:
                    skipped += 1
                    continue
                try:
                    person = people.create_beneficiary(
                        organization=job.organization,
                        by=by,
                        data=row.person,
                        confirm_not_duplicate=True,  # flagged in the preview, decided by policy
                        on=row.case["opened_on"],
                    )
                    lifecycle.open_case(beneficiary=person, by=by, **row.case)
                except DomainError as error:
                    errors.append(line_message(row.line, error.message))
                    if len(errors) >= MAX_ERRORS:
                        break
                else:
                    created += 1
            if errors:
                raise _Rollback
    except _Rollback:
        _fail(job, errors)
        return job
    _save_progress(
        job,
        status=ImportJob.Status.DONE,
        finished_at=timezone.now(),
        beneficiaries_created=created,
        cases_created=created,
        rows_skipped=skipped,
    )
    # The spreadsheet holds personal data and is no longer needed once imported.
    job.file.delete(save=False)
    _save_progress(job, file="")
    return job
