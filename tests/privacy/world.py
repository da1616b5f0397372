"""People with everything a platform may hold about them, each value carrying a marker.

``person_with_everything`` fills a file, its consents, a closed case with every record hanging
from it, a vehicle loan with its inspection, photo, extension and incident, a waiting-list entry
and an accepted referral with its message, attachment and API answer, and leaves history rows
behind (an edit of the address). Every identity field and free text holds the person's ``token``
(or its phone number, birth date), so that a test can look for them anywhere in the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from cases.models import (
    AccessLog,
    Action,
    AidApplication,
    Appointment,
    Barrier,
    Beneficiary,
    Case,
    CaseBarrier,
    CaseTransition,
    ConsentRecord,
    Diagnostic,
    DiagnosticItem,
    ExitQuestionnaire,
    FollowUp,
    Goal,
    Note,
    Registration,
    Situation,
    Workshop,
)
from cases.services.participations import record_participation
from cases.services.people import update_beneficiary
from organizations.models import Membership
from referrals.models import (
    Attachment,
    IdempotencyRecord,
    Message,
    Referral,
    ReferralTransition,
)
from tests.cases.factories import BeneficiaryFactory, DocumentFactory
from tests.factories import FundingAgreementFactory
from tests.referrals.factories import ReferralFactory
from tests.vehicles.factories import LoanFactory
from vehicles.models import (
    Incident,
    Inspection,
    InspectionPhoto,
    LoanExtension,
    Vehicle,
    WaitingListEntry,
)


def png() -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def today() -> dt.date:
    return timezone.localdate()


def at(days_ago: int, hour: int = 10) -> dt.datetime:
    day = today() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@dataclass
class Person:
    """A person of the test world and the values that identify them."""

    beneficiary: Beneficiary
    case: Case
    referral: Referral
    loan: object
    token: str
    phone: str
    birth_date: dt.date
    files: list[str] = field(default_factory=list)

    @property
    def needles(self) -> list[str]:
        """Strings found only in this person's data (compare lower-cased)."""
        return [
            self.token.lower(),
            self.phone,
            self.birth_date.isoformat(),
            f"{self.birth_date:%d/%m/%Y}",
        ]


def person_with_everything(
    *,
    advisor: Membership,
    referrer: Membership,
    workshop: Workshop,
    vehicle: Vehicle,
    token: str,
    phone: str,
    birth_date: dt.date,
) -> Person:
    platform = advisor.organization
    user = advisor.user
    person = BeneficiaryFactory(
        organization=platform,
        first_name=f"Prénom{token}",
        last_name=f"Nom{token}",
        birth_date=birth_date,
        email=f"{token.lower()}@exemple.test",
        phone=phone,
        address=f"3 rue {token}",
        postcode="59000",
        france_travail_id=f"FT{token}"[:20],
        job_seeker_since=dt.date(2019, 3, 7),
        receives_rsa=True,
    )
    # An edit leaves the old address in the history table.
    update_beneficiary(person, by=advisor, data={"address": f"5 avenue {token}"})
    for scope in (ConsentRecord.Scope.PROCESSING, ConsentRecord.Scope.SHARE_WITH_REFERRER):
        ConsentRecord.objects.create(
            organization=platform,
            beneficiary=person,
            scope=scope,
            given_on=today() - dt.timedelta(days=200),
            comment=f"Recueilli {token}",
        )
    case = Case.objects.create(
        organization=platform,
        beneficiary=person,
        advisor=advisor,
        status=Case.Status.CLOSED,
        origin=Case.Origin.REFERRAL,
        origin_detail=f"Origine {token}",
        objective=f"Objectif {token}",
        on_hold_reason=f"Pause {token}",
        opened_on=today() - dt.timedelta(days=200),
        closed_on=today() - dt.timedelta(days=20),
        exit_reason=Case.ExitReason.JOB_OR_TRAINING,
    )
    case.funding_agreements.add(FundingAgreementFactory(organization=platform))
    record_participation(case)
    CaseTransition.objects.create(
        case=case, from_status="", to_status=Case.Status.INTAKE, by=user, comment=f"Ouvert {token}"
    )
    barrier = Barrier.objects.filter(organization=None).order_by("code").first()
    diagnostic = Diagnostic.objects.create(
        case=case,
        done_on=today() - dt.timedelta(days=190),
        done_by=user,
        score=2,
        summary=f"Synthèse {token}",
    )
    DiagnosticItem.objects.create(diagnostic=diagnostic, barrier=barrier, severity=2)
    CaseBarrier.objects.create(
        case=case, barrier=barrier, severity=2, identified_on=diagnostic.done_on
    )
    goal = Goal.objects.create(case=case, title=f"But {token}", description=f"Détail {token}")
    Action.objects.create(
        goal=goal,
        title=f"Action {token}",
        comment=f"Remarque {token}",
        status="done",
        done_on=today() - dt.timedelta(days=100),
    )
    Appointment.objects.create(
        organization=platform,
        case=case,
        staff=advisor,
        kind=Appointment.Kind.FOLLOW_UP,
        starts_at=at(150),
        status=Appointment.Status.DONE,
        location=f"Domicile {token}",
        notes=f"Compte rendu {token}",
    )
    Registration.objects.create(
        workshop=workshop, case=case, attendance=Registration.Attendance.PRESENT
    )
    AidApplication.objects.create(
        case=case,
        aid_name="Aide au permis de conduire",
        funder_name="Département du Nord",
        status=AidApplication.Status.GRANTED,
        amount_requested=Decimal("600.00"),
        amount_granted=Decimal("500.00"),
        submitted_on=today() - dt.timedelta(days=120),
        decided_on=today() - dt.timedelta(days=90),
        comment=f"Dossier {token}",
    )
    document = DocumentFactory(
        case=case, original_name=f"piece-{token}.pdf", description=f"Pièce {token}"
    )
    Note.objects.create(case=case, author=user, body=f"Note {token}")
    ExitQuestionnaire.objects.create(
        case=case,
        exit_date=case.closed_on,
        situation=Situation.TRAINING,
        licence_gained=True,
        filled_on=case.closed_on,
        filled_by=user,
        comment=f"Sortie {token}",
    )
    FollowUp.objects.create(
        case=case,
        kind=FollowUp.Kind.MONTH_3,
        due_on=today() - dt.timedelta(days=5),
        done_on=today() - dt.timedelta(days=4),
        reached=True,
        situation=Situation.TRAINING,
        comment=f"Suivi {token}",
        done_by=user,
    )
    loan = LoanFactory(
        vehicle=vehicle,
        case=case,
        start_date=today() - dt.timedelta(days=170),
        end_date=today() - dt.timedelta(days=140),
        status="returned",
        deposit_amount=Decimal("150.00"),
        deposit_status="retained",
        deposit_retained_amount=Decimal("30.00"),
        deposit_retained_reason=f"Rayure {token}",
        notes=f"Remarque prêt {token}",
    )
    loan.contract.save("contrat.pdf", ContentFile(b"%PDF-1.4 " + token.encode()), save=True)
    LoanExtension.objects.create(
        loan=loan,
        previous_end_date=today() - dt.timedelta(days=150),
        new_end_date=loan.end_date,
        reason=f"Prolongé {token}",
        price_before=Decimal("40.00"),
        price_after=Decimal("60.00"),
    )
    inspection = Inspection.objects.create(
        organization=platform,
        loan=loan,
        kind=Inspection.Kind.CHECK_OUT,
        odometer_km=1200,
        energy_level=80,
        damages=["frame"],
        comments=f"État {token}",
    )
    photo = InspectionPhoto(organization=platform, inspection=inspection)
    photo.image.save("depart.png", png(), save=True)
    Incident.objects.create(
        organization=platform,
        vehicle=vehicle,
        loan=loan,
        kind=Incident.Kind.FINE,
        occurred_on=today() - dt.timedelta(days=160),
        description=f"Amende {token}",
        reference=f"AVIS{token}"[:80],
        cost=Decimal("35.00"),
        borne_by=Incident.BorneBy.BENEFICIARY,
    )
    WaitingListEntry.objects.create(
        organization=platform,
        case=case,
        kind=vehicle.kind,
        wanted_from=today() - dt.timedelta(days=180),
        wanted_until=today() - dt.timedelta(days=170),
        notes=f"Attente {token}",
    )
    referral = ReferralFactory(
        sender=referrer,
        organization=platform,
        status=Referral.Status.ACCEPTED,
        case=case,
        first_name=f"Prénom{token}",
        last_name=f"Nom{token}",
        birth_date=birth_date,
        email=f"{token.lower()}@exemple.test",
        phone=phone,
        address=f"3 rue {token}",
        france_travail_id=f"FT{token}"[:20],
        barriers_comment=f"Freins {token}",
        objective=f"Projet {token}",
        working_hours=f"Horaires {token}",
        share_follow_up_with_referrer=True,
        decided_at=at(200),
    )
    referral.barriers.add(barrier)
    ReferralTransition.objects.create(
        referral=referral,
        kind=ReferralTransition.Kind.ACCEPT,
        from_status=Referral.Status.IN_REVIEW,
        to_status=Referral.Status.ACCEPTED,
        organization=platform,
        by=user,
        comment=f"Accepté {token}",
    )
    Message.objects.create(
        referral=referral,
        author=referrer,
        author_organization=referrer.organization,
        body=f"Message {token}",
    )
    attachment = Attachment(
        referral=referral,
        original_name=f"cv-{token}.pdf",
        content_type="application/pdf",
        size=12,
        description=f"CV {token}",
    )
    attachment.file.save("cv.pdf", ContentFile(b"%PDF-1.4 cv"), save=True)
    IdempotencyRecord.objects.create(
        sender_organization=referrer.organization,
        key=f"cle-{token}",
        request_hash="0" * 64,
        referral=referral,
        response_body={"first_name": f"Prénom{token}", "last_name": f"Nom{token}"},
    )
    AccessLog.objects.create(organization=platform, beneficiary=person, user=user, path="/")
    person.refresh_from_db()
    return Person(
        beneficiary=person,
        case=case,
        referral=referral,
        loan=loan,
        token=token,
        phone=phone,
        birth_date=birth_date,
        files=[document.file.name, loan.contract.name, photo.image.name, attachment.file.name],
    )


def rows_mentioning(*needles: str) -> list[tuple[str, str]]:
    """Every (model, needle) pair where a row of any table holds one of ``needles``."""
    found = []
    lowered = [needle.lower() for needle in needles]
    for model in apps.get_models():
        for row in model._default_manager.all().values():
            text = " ".join(str(value) for value in row.values()).lower()
            found += [(model.__name__, needle) for needle in lowered if needle in text]
    return found
