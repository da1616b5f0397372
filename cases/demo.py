"""Demo cases for ``seed_demo``: people in every state of the pathway on each demo platform.

Dates are relative to the day of seeding (so that « Ma journée » shows today's sessions); the
same seed gives the same people, barriers, plans and outcomes. Rows are bulk-inserted: the size
``large`` (2,000 people on each of 50 platforms) is for benchmarks.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils import timezone

from organizations.demo import DemoLogin, demo_pdf, demo_platforms
from organizations.models import FundingAgreement, Membership, Organization, Territory

from .models import (
    Action,
    AidApplication,
    Answer,
    Appointment,
    Barrier,
    Beneficiary,
    Case,
    CaseBarrier,
    CaseStatus,
    CaseTransition,
    ConsentRecord,
    Diagnostic,
    DiagnosticItem,
    Document,
    ExitQuestionnaire,
    FollowUp,
    Goal,
    Note,
    Participation,
    Registration,
    Situation,
    Skill,
    SkillAssessment,
    Workshop,
    name_key,
)
from .services.participations import entry_values

CASES_PER_PLATFORM = {"small": 40, "large": 2000}
BATCH = 2000
# The first open cases of each platform get the documents an advisor collects (real PDF files).
DOCUMENTS_PER_PLATFORM = 10
DOCUMENT_SAMPLES = [
    (Document.Kind.IDENTITY, "carte-identite.pdf", "Carte nationale d'identité (recto verso)"),
    (Document.Kind.ADDRESS, "quittance-loyer.pdf", "Quittance de loyer du mois dernier"),
    (Document.Kind.LICENCE, "attestation-code.pdf", "Attestation de réussite à l'examen du code"),
    (Document.Kind.EMPLOYMENT, "promesse-embauche.pdf", "Promesse d'embauche"),
    (Document.Kind.INCOME, "attestation-caf.pdf", "Attestation de paiement du RSA (CAF)"),
    (Document.Kind.AID, "dossier-aide-permis.pdf", "Dossier de demande d'aide au permis"),
]

FIRST_NAMES_F = [
    "Amina",
    "Chloé",
    "Fatima",
    "Inès",
    "Jade",
    "Julie",
    "Laëtitia",
    "Léa",
    "Manon",
    "Maëlys",
    "Nadia",
    "Océane",
    "Sabrina",
    "Sarah",
    "Sophie",
    "Yasmine",
    "Émilie",
    "Aurélie",
    "Cindy",
    "Mélissa",
    "Naïma",
    "Samia",
    "Jessica",
    "Élodie",
]
FIRST_NAMES_M = [
    "Adrien",
    "Ahmed",
    "Bilal",
    "Dylan",
    "Enzo",
    "Florian",
    "Hugo",
    "Jérôme",
    "Karim",
    "Kévin",
    "Lucas",
    "Mathis",
    "Mehdi",
    "Nicolas",
    "Rayan",
    "Romain",
    "Sébastien",
    "Théo",
    "Yanis",
    "Loïc",
    "Mickaël",
    "Steven",
    "Anthony",
    "Grégory",
]
LAST_NAMES = [
    "Bernard",
    "Boucher",
    "Caron",
    "Delattre",
    "Delcourt",
    "Deprez",
    "Dubois",
    "Duhamel",
    "Dupont",
    "Fontaine",
    "Gérard",
    "Hamdi",
    "Lefebvre",
    "Lefèvre",
    "Lemaire",
    "Leroy",
    "Martin",
    "Mercier",
    "Moreau",
    "Petit",
    "Roussel",
    "Vandenberghe",
    "Vasseur",
    "Wauquier",
    "Benali",
    "Carpentier",
    "Dhainaut",
    "Flament",
    "Lecomte",
    "Masson",
    "Nowak",
    "Ziane",
]
STREETS = [
    "rue de la Gare",
    "rue Jean Jaurès",
    "avenue de la République",
    "rue Victor Hugo",
    "place du Marché",
    "rue Pasteur",
    "rue des Écoles",
    "chemin du Moulin",
    "rue Émile Zola",
]
OBJECTIVES = [
    "Se rendre à son nouveau poste d'agent·e de propreté, horaires décalés.",
    "Passer le permis B pour accéder aux offres d'emploi en zone industrielle.",
    "Apprendre à faire du vélo pour rejoindre la formation à 6 km.",
    "Gagner en autonomie dans les transports en commun avant l'entrée en formation.",
    "Trouver une solution de garde et de transport compatible avec un CDD en logistique.",
    "Obtenir le code puis financer la conduite accompagnée.",
]
STATUS_WEIGHTS = [
    (CaseStatus.INTAKE, 7),
    (CaseStatus.DIAGNOSTIC, 7),
    (CaseStatus.PLAN, 8),
    (CaseStatus.IN_PROGRESS, 30),
    (CaseStatus.ON_HOLD, 5),
    (CaseStatus.CLOSING, 4),
    (CaseStatus.CLOSED, 12),
    (CaseStatus.FOLLOW_UP, 17),
    (CaseStatus.ARCHIVED, 10),
]
PATH = [
    CaseStatus.INTAKE,
    CaseStatus.DIAGNOSTIC,
    CaseStatus.PLAN,
    CaseStatus.IN_PROGRESS,
    CaseStatus.CLOSING,
    CaseStatus.CLOSED,
    CaseStatus.FOLLOW_UP,
    CaseStatus.ARCHIVED,
]
CLOSED_STATES = (CaseStatus.CLOSED, CaseStatus.FOLLOW_UP, CaseStatus.ARCHIVED)
WORKSHOP_TITLES = {
    "velo_ecole": "Vélo-école — remise en selle",
    "code_route": "Code de la route — séance d'entraînement",
    "bus_train": "Prendre le bus et le train",
    "budget": "Budget mobilité",
    "mobility": "Atelier mobilité : préparer ses trajets",
}
AIDS = [
    ("Aide au permis B", "Département", 800, 600),
    ("Aide à la mobilité France Travail", "France Travail", 300, 300),
    ("Chèque mobilité régional", "Région Hauts-de-France", 200, 200),
    ("Réparation de véhicule", "Fonds d'aide aux jeunes", 450, 350),
    ("Abonnement de transport à tarif solidaire", "Autorité organisatrice", 120, 120),
]


def _demo_email(first: str, last: str, number: int) -> str:
    local = f"{name_key(first, '')}.{name_key(last, '')}{number}".replace(" ", "-")
    return f"{local}@exemple.fr"


def _aware(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def seed_cases(*, rng: random.Random, size: str) -> list[DemoLogin]:
    """Fill each demo platform with people and cases in every state of the pathway."""
    today = timezone.localdate()
    barriers = list(Barrier.objects.filter(organization=None).order_by("code"))
    skills = list(Skill.objects.filter(organization=None).order_by("code"))
    for platform in demo_platforms().order_by("slug"):
        _PlatformSeeder(platform, rng, today, barriers, skills).run(CASES_PER_PLATFORM[size])
    return []


class _PlatformSeeder:
    def __init__(self, platform: Organization, rng, today, barriers, skills) -> None:
        self.platform = platform
        self.rng = rng
        self.today = today
        self.barriers = barriers
        self.skills_by_curriculum: dict[str, list[Skill]] = defaultdict(list)
        for skill in skills:
            self.skills_by_curriculum[skill.curriculum].append(skill)
        memberships = list(
            Membership.objects.filter(organization=platform, is_active=True)
            .select_related("user")
            .order_by("user__email")
        )
        self.advisors = [m for m in memberships if m.role == Membership.Role.ADVISOR]
        self.coaches = [m for m in memberships if m.role == Membership.Role.COACH]
        self.caseworkers = self.advisors or memberships
        self.sites = list(platform.sites.order_by("name"))
        self.agreements = list(
            FundingAgreement.objects.filter(organization=platform).order_by(
                "start_date", "programme"
            )
        )
        coverage = list(platform.coverage.values_list("pk", flat=True))
        self.commune_rows = Territory.objects.communes().in_bulk(
            Territory.objects.communes()
            .filter(Q(epci__in=coverage) | Q(pk__in=coverage))
            .values_list("pk", flat=True)
        )
        self.communes = list(
            Territory.objects.communes()
            .filter(Q(epci__in=coverage) | Q(pk__in=coverage))
            .order_by("code")
            .values_list("pk", "postcodes")
        ) or [(None, "")]
        self.rows: dict[type, list] = defaultdict(list)
        # Its own generator: adding documents leaves every other draw of the seed as it was.
        self.files_rng = random.Random(f"documents-{platform.slug}")
        self.documents_left = DOCUMENTS_PER_PLATFORM

    # --- people and cases -----------------------------------------------------------------

    def run(self, count: int) -> None:
        statuses = [s for s, _ in STATUS_WEIGHTS]
        weights = [w for _, w in STATUS_WEIGHTS]
        for index in range(count):
            status = (
                self.rng.choices(statuses, weights)[0]
                if index >= len(statuses)
                else (statuses[index])
            )
            self._person_and_case(status)
        self._workshops()
        self._flush()

    def _person_and_case(self, status: str) -> None:
        rng = self.rng
        sex = rng.choices(["F", "M", "X", "U"], [52, 45, 1, 2])[0]
        first = rng.choice(FIRST_NAMES_F if sex == "F" else FIRST_NAMES_M)
        last = rng.choice(LAST_NAMES)
        age = rng.choices(
            [rng.randint(17, 25), rng.randint(26, 54), rng.randint(55, 64)], [35, 55, 10]
        )[0]
        birth = self.today - timedelta(days=age * 365 + rng.randint(0, 364))
        commune_id, postcodes = rng.choice(self.communes)
        status_at_entry = rng.choices(
            list(Beneficiary.LabourMarketStatus.values), [45, 25, 12, 10, 8]
        )[0]
        beneficiary = Beneficiary(
            organization=self.platform,
            first_name=first,
            last_name=last,
            name_key=name_key(first, last),
            sex=sex,
            birth_date=birth,
            email=_demo_email(first, last, rng.randint(1, 99)),
            phone=f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
            f"{rng.randint(10, 99)}",
            address=f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
            postcode=(postcodes.split() or [""])[0],
            commune_id=commune_id,
            is_qpv_resident=rng.random() < 0.3,
            labour_market_status=status_at_entry,
            job_seeker_since=(
                self.today - timedelta(days=rng.randint(30, 900))
                if status_at_entry == "unemployed"
                else None
            ),
            receives_rsa=rng.random() < 0.35,
            receives_ass=rng.random() < 0.05,
            receives_aah=rng.random() < 0.05,
            has_rqth=rng.random() < 0.08,
            education_level=rng.choices(
                list(Beneficiary.EducationLevel.values), [30, 30, 20, 8, 5, 2, 5]
            )[0],
            driving_licence=rng.choices(
                list(Beneficiary.DrivingLicence.values), [45, 20, 8, 17, 5, 5]
            )[0],
            has_car_access=rng.random() < 0.15,
            has_bike_access=rng.random() < 0.3,
            bike_skill=rng.choice(list(Beneficiary.BikeSkill.values)),
        )
        if commune_id is not None:
            beneficiary.commune = self.commune_rows[commune_id]
        self.rows[Beneficiary].append(beneficiary)
        self.rows[ConsentRecord].append(
            ConsentRecord(
                organization=self.platform,
                beneficiary=beneficiary,
                scope=ConsentRecord.Scope.PROCESSING,
                given_on=self.today,
            )
        )
        self._case(beneficiary, status)

    def _case(self, beneficiary: Beneficiary, status: str) -> None:
        rng = self.rng
        closed = status in CLOSED_STATES
        if closed:
            # Closed long enough ago for the follow-ups of its state to be due.
            min_back = {
                CaseStatus.CLOSED: 240,
                CaseStatus.FOLLOW_UP: 300,
                CaseStatus.ARCHIVED: 450,
            }[status]
            opened = self.today - timedelta(days=rng.randint(min_back, min_back + 240))
        else:
            opened = self.today - timedelta(days=rng.randint(3, 300))
        advisor = rng.choice(self.caseworkers) if self.caseworkers else None
        case = Case(
            organization=self.platform,
            beneficiary=beneficiary,
            status=status,
            advisor=advisor,
            site=rng.choice(self.sites) if self.sites else None,
            origin=rng.choices(list(Case.Origin.values), [40, 60])[0],
            objective=rng.choice(OBJECTIVES),
            opened_on=opened,
            job_start_date=opened + timedelta(days=rng.randint(10, 90))
            if rng.random() < 0.4
            else None,
            created_at=_aware(opened, 9),
        )
        if status == CaseStatus.ON_HOLD:
            case.on_hold_reason = "Hospitalisation d'un proche : reprise prévue le mois prochain."
        exit_date = None
        if closed:
            exit_date = min(
                opened + timedelta(days=rng.randint(45, 200)),
                self.today - timedelta(days=190 if status != CaseStatus.CLOSED else 20),
            )
            exit_date = max(exit_date, opened)
            case.closed_on = exit_date
            case.exit_reason = rng.choices(list(Case.ExitReason.values), [30, 35, 12, 6, 7, 5, 5])[
                0
            ]
        self.rows[Case].append(case)
        self.rows[Participation].append(
            Participation(
                organization=self.platform,
                case=case,
                disability=(
                    Answer.YES
                    if beneficiary.has_rqth or beneficiary.receives_aah
                    else Answer.NOT_ASKED
                ),
                **entry_values(beneficiary, opened),
            )
        )
        if self.agreements and rng.random() < 0.8:
            self.rows["agreements"].append((case, rng.choice(self.agreements)))
        self._transitions(case, status, advisor, exit_date)
        stage = PATH.index(status) if status in PATH else PATH.index(CaseStatus.IN_PROGRESS)
        if stage >= 1:
            self._diagnostics(case, advisor, status, exit_date)
        if stage >= 2:
            self._plan(case, advisor, status)
        if not closed:
            self._appointments(case, advisor)
        if closed:
            self._exit(case, advisor, status, exit_date)
        if rng.random() < 0.35:
            self._aid(case, closed)
        if rng.random() < 0.5:
            self.rows[Note].append(
                Note(
                    case=case,
                    author=advisor.user if advisor else None,
                    body=rng.choice(
                        [
                            "Entretien téléphonique : la personne confirme sa motivation.",
                            "Documents reçus pour le dossier d'aide au permis.",
                            "Échange avec l'employeur sur les horaires de prise de poste.",
                            "Rappel du prochain atelier envoyé par SMS.",
                        ]
                    ),
                    created_at=_aware(opened + timedelta(days=rng.randint(0, 20)), 11),
                )
            )
        if not closed and self.documents_left > 0:
            self._documents(case, advisor, opened)

    def _documents(self, case: Case, advisor, opened: date) -> None:
        self.documents_left -= 1
        rng = self.files_rng
        for kind, name, description in rng.sample(DOCUMENT_SAMPLES, rng.randint(1, 3)):
            pdf = demo_pdf(str(Document.Kind(kind).label), description)
            document = Document(
                case=case,
                kind=kind,
                original_name=name,
                content_type="application/pdf",
                size=len(pdf),
                description=description,
                uploaded_by=advisor.user if advisor else None,
                uploaded_at=_aware(
                    opened + timedelta(days=rng.randint(0, (self.today - opened).days)), 15
                ),
            )
            document.file.save(name, ContentFile(pdf), save=False)
            self.rows[Document].append(document)

    def _transitions(self, case: Case, status: str, advisor, exit_date) -> None:
        user = advisor.user if advisor else None
        path = PATH[: PATH.index(status) + 1] if status in PATH else [*PATH[:4], status]
        day = case.opened_on
        previous = ""
        for step in path:
            if step in (CaseStatus.CLOSED,) and exit_date:
                day = exit_date
            elif step == CaseStatus.FOLLOW_UP and exit_date:
                day = exit_date + relativedelta(months=3)
            elif step == CaseStatus.ARCHIVED and exit_date:
                day = exit_date + relativedelta(months=6, days=2)
            elif previous:
                day = min(day + timedelta(days=self.rng.randint(1, 15)), self.today)
            self.rows[CaseTransition].append(
                CaseTransition(
                    case=case,
                    from_status=previous,
                    to_status=step,
                    by=user,
                    at=_aware(min(day, self.today), 10),
                )
            )
            previous = step

    def _diagnostics(self, case: Case, advisor, status: str, exit_date) -> None:
        rng = self.rng
        chosen = rng.sample(self.barriers, k=rng.randint(3, 6))
        severities = {b.pk: rng.randint(1, 3) for b in chosen}
        entry = Diagnostic(
            case=case,
            kind=Diagnostic.Kind.ENTRY,
            done_on=case.opened_on + timedelta(days=2),
            done_by=advisor.user if advisor else None,
            score=sum(severities.values()),
            summary="Diagnostic réalisé en entretien individuel.",
        )
        self.rows[Diagnostic].append(entry)
        closed = status in CLOSED_STATES
        for barrier in chosen:
            self.rows[DiagnosticItem].append(
                DiagnosticItem(diagnostic=entry, barrier=barrier, severity=severities[barrier.pk])
            )
            lifted = closed and rng.random() < 0.7
            working = (
                not lifted
                and status in (CaseStatus.IN_PROGRESS, CaseStatus.ON_HOLD, CaseStatus.CLOSING)
                and rng.random() < 0.6
            )
            self.rows[CaseBarrier].append(
                CaseBarrier(
                    case=case,
                    barrier=barrier,
                    severity=severities[barrier.pk],
                    identified_on=entry.done_on,
                    status=CaseBarrier.Status.LIFTED
                    if lifted
                    else (CaseBarrier.Status.BEING_WORKED if working else CaseBarrier.Status.OPEN),
                    lifted_on=exit_date if lifted else None,
                )
            )
        if closed and exit_date:
            after = {pk: max(0, s - rng.randint(0, 3)) for pk, s in severities.items()}
            exit_diag = Diagnostic(
                case=case,
                kind=Diagnostic.Kind.EXIT,
                done_on=exit_date,
                done_by=advisor.user if advisor else None,
                score=sum(after.values()),
            )
            self.rows[Diagnostic].append(exit_diag)
            for barrier in chosen:
                self.rows[DiagnosticItem].append(
                    DiagnosticItem(
                        diagnostic=exit_diag, barrier=barrier, severity=after[barrier.pk]
                    )
                )

    def _plan(self, case: Case, advisor, status: str) -> None:
        rng = self.rng
        closed = status in CLOSED_STATES
        goal = Goal(
            case=case,
            title=rng.choice(
                [
                    "Lever les freins financiers au permis B",
                    "Gagner en autonomie pour se rendre au travail",
                    "Sécuriser le trajet domicile-travail pendant la période d'essai",
                ]
            ),
            status=Goal.Status.ACHIEVED if closed else Goal.Status.OPEN,
            created_at=_aware(case.opened_on + timedelta(days=5), 14),
        )
        self.rows[Goal].append(goal)
        for offset, title in enumerate(
            rng.sample(
                [
                    "Constituer le dossier d'aide au permis",
                    "S'inscrire à la vélo-école",
                    "Faire le trajet en bus avec la conseillère",
                    "Réserver un véhicule de prêt",
                    "Préparer le budget mobilité",
                    "S'inscrire au code en ligne",
                ],
                k=rng.randint(2, 3),
            )
        ):
            due = case.opened_on + timedelta(days=15 + 20 * offset)
            if closed:
                action_status = rng.choice(
                    [Action.Status.DONE, Action.Status.DONE, Action.Status.ABANDONED]
                )
            elif due < self.today:
                action_status = rng.choice(
                    [Action.Status.DONE, Action.Status.IN_PROGRESS, Action.Status.PLANNED]
                )
            else:
                action_status = rng.choice([Action.Status.PLANNED, Action.Status.IN_PROGRESS])
            self.rows[Action].append(
                Action(
                    goal=goal,
                    title=title,
                    status=action_status,
                    due_date=due,
                    done_on=min(due, self.today) if action_status == Action.Status.DONE else None,
                    responsible=advisor,
                    created_at=goal.created_at,
                )
            )

    def _appointments(self, case: Case, advisor) -> None:
        rng = self.rng
        past_day = max(case.opened_on, self.today - timedelta(days=rng.randint(1, 30)))
        self.rows[Appointment].append(
            Appointment(
                organization=self.platform,
                case=case,
                staff=advisor,
                site=case.site,
                kind=Appointment.Kind.DIAGNOSTIC,
                starts_at=_aware(past_day, 10),
                status=Appointment.Status.DONE,
                notes="Point sur le diagnostic et les démarches.",
            )
        )
        upcoming = self.today + timedelta(days=rng.choice([0, 0, 1, 2, 5, 8, 14]))
        self.rows[Appointment].append(
            Appointment(
                organization=self.platform,
                case=case,
                staff=advisor,
                site=case.site,
                kind=Appointment.Kind.FOLLOW_UP,
                starts_at=_aware(
                    upcoming, rng.choice([9, 10, 11, 14, 15, 16]), rng.choice([0, 30])
                ),
            )
        )

    def _exit(self, case: Case, advisor, status: str, exit_date: date) -> None:
        rng = self.rng
        user = advisor.user if advisor else None
        situation = rng.choices(list(Situation.values), [22, 18, 10, 3, 12, 25, 4, 4, 2])[0]
        self.rows[ExitQuestionnaire].append(
            ExitQuestionnaire(
                case=case,
                exit_date=exit_date,
                situation=situation,
                qualification_gained=rng.random() < 0.15,
                licence_gained=rng.random() < 0.25,
                mobility_autonomy=rng.random() < 0.6,
                filled_on=exit_date,
                filled_by=user,
            )
        )
        for kind, months in ((FollowUp.Kind.MONTH_3, 3), (FollowUp.Kind.MONTH_6, 6)):
            due = exit_date + relativedelta(months=months)
            done = (
                status != CaseStatus.CLOSED
                and due <= self.today
                and (status == CaseStatus.ARCHIVED or months == 3 or rng.random() < 0.5)
            )
            reached = rng.random() < 0.8
            self.rows[FollowUp].append(
                FollowUp(
                    case=case,
                    kind=kind,
                    due_on=due,
                    done_on=min(due + timedelta(days=rng.randint(0, 10)), self.today)
                    if done
                    else None,
                    reached=reached if done else None,
                    situation=(rng.choice(list(Situation.values)) if reached else Situation.UNKNOWN)
                    if done
                    else "",
                    done_by=user if done else None,
                )
            )

    def _aid(self, case: Case, closed: bool) -> None:
        name, funder, requested, granted = self.rng.choice(AIDS)
        submitted = case.opened_on + timedelta(days=self.rng.randint(5, 30))
        status = (
            self.rng.choice(
                [
                    AidApplication.Status.GRANTED,
                    AidApplication.Status.PAID,
                    AidApplication.Status.REFUSED,
                ]
            )
            if closed
            else self.rng.choice(
                [
                    AidApplication.Status.DRAFT,
                    AidApplication.Status.SUBMITTED,
                    AidApplication.Status.GRANTED,
                ]
            )
        )
        decided = status in AidApplication.DECIDED
        self.rows[AidApplication].append(
            AidApplication(
                case=case,
                aid_name=name,
                funder_name=funder,
                status=status,
                amount_requested=requested,
                amount_granted=(0 if status == AidApplication.Status.REFUSED else granted)
                if decided
                else None,
                submitted_on=None if status == AidApplication.Status.DRAFT else submitted,
                decided_on=min(submitted + timedelta(days=21), self.today) if decided else None,
                created_at=_aware(submitted, 15),
            )
        )

    # --- workshops ------------------------------------------------------------------------

    def _workshops(self) -> None:
        rng = self.rng
        coach = self.coaches[0] if self.coaches else None
        active = [
            c
            for c in self.rows[Case]
            if c.status in (CaseStatus.PLAN, CaseStatus.IN_PROGRESS, CaseStatus.CLOSING)
        ]
        kinds = list(WORKSHOP_TITLES)
        for offset in (-21, -14, -7, -2, 0, 0, 3, 7, 14):
            day = self.today + timedelta(days=offset)
            kind = kinds[(offset + 21) % len(kinds)] if offset else rng.choice(kinds)
            start = _aware(day, rng.choice([9, 14]))
            workshop = Workshop(
                organization=self.platform,
                site=rng.choice(self.sites) if self.sites else None,
                coach=coach,
                kind=kind,
                title=WORKSHOP_TITLES[kind],
                starts_at=start,
                ends_at=start + timedelta(hours=2, minutes=30),
                capacity=8,
                status=Workshop.Status.DONE if offset < 0 else Workshop.Status.SCHEDULED,
                created_at=start - timedelta(days=20),
            )
            self.rows[Workshop].append(workshop)
            attendees = rng.sample(active, k=min(len(active), rng.randint(4, 10)))
            for position, case in enumerate(attendees):
                confirmed = position < workshop.capacity
                attended = offset < 0 and confirmed
                self.rows[Registration].append(
                    Registration(
                        workshop=workshop,
                        case=case,
                        status=Registration.Status.CONFIRMED
                        if confirmed
                        else Registration.Status.WAITLISTED,
                        attendance=rng.choices(
                            list(Registration.Attendance.values), [75, 8, 10, 7]
                        )[0]
                        if attended
                        else "",
                        registered_at=workshop.created_at + timedelta(hours=position),
                        attendance_taken_by=coach.user if attended and coach else None,
                    )
                )
                skills = self.skills_by_curriculum.get(kind, [])
                if attended and skills:
                    skill = rng.choice(skills)
                    self.rows[SkillAssessment].append(
                        SkillAssessment(
                            case=case,
                            skill=skill,
                            workshop=workshop,
                            value=rng.randint(max(0, skill.scale_max // 3), skill.scale_max),
                            assessed_on=day,
                            assessed_by=coach.user if coach else None,
                        )
                    )

    # --- writing --------------------------------------------------------------------------

    def _flush(self) -> None:
        for model in (
            Beneficiary,
            ConsentRecord,
            Case,
            Participation,
            CaseTransition,
            Diagnostic,
            DiagnosticItem,
            CaseBarrier,
            Goal,
            Action,
            Appointment,
            ExitQuestionnaire,
            FollowUp,
            AidApplication,
            Note,
            Document,
            Workshop,
            Registration,
            SkillAssessment,
        ):
            model.objects.bulk_create(self.rows[model], batch_size=BATCH)
        through = Case.funding_agreements.through
        through.objects.bulk_create(
            [
                through(case_id=case.pk, fundingagreement_id=agreement.pk)
                for case, agreement in self.rows["agreements"]
            ],
            batch_size=BATCH,
        )
