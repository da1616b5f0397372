"""The isolation world: platform A holds one object of every kind, everyone else looks at it.

Platform A (Mobilité Solidaire Lille) has a person with a case carrying everything a case can
carry, a referral received from a France Travail agency, a fleet with a loan, a catalogue entry,
an import and its team. Platform B, a referrer with no referral to A, a funder of A and a funder
of nothing are the outsiders. Files hold a canary too, so a download that leaks shows it.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from cases import imports
from cases.models import (
    AccessLog,
    Case,
    CaseTransition,
    DiagnosticItem,
    ExitQuestionnaire,
    Participation,
    Situation,
    Skill,
    SkillAssessment,
)
from cases.services.participations import record_participation
from catalog.models import Aid
from organizations.models import (
    Invitation,
    Membership,
    Organization,
    SecurityEvent,
    Territory,
    hash_token,
)
from privacy.models import RightsRequest
from referrals.models import (
    Attachment,
    IdempotencyRecord,
    NotificationPreference,
    ReferralSettings,
    ReferralTransition,
)
from reporting.models import ReportJob
from tests import factories
from tests.cases import factories as case_factories
from tests.catalog.factories import AidFactory, ChangeProposalFactory
from tests.referrals.factories import MessageFactory, ReferralFactory
from tests.vehicles import factories as fleet_factories
from vehicles.models import InspectionPhoto, LoanExtension, Vehicle

from .canaries import Registry, plant

Role = Membership.Role
Level = Territory.Level


@dataclass
class World:
    platform_a: Organization
    platform_b: Organization
    members: dict[str, Membership]  # actor key -> membership (plus A's coach and the sender)
    objects: dict[type[models.Model], models.Model]  # the object of each kind URLs point to
    registry: Registry
    planted: dict[str, int] = field(default_factory=dict)

    def object_of(self, model: type[models.Model]) -> models.Model | None:
        return self.objects.get(model)


def _days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def _png_with(text: str) -> bytes:
    info = PngInfo()
    info.add_text("Comment", text)
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def _member(org: Organization, role: str, first_name: str) -> Membership:
    user = factories.UserFactory(
        email=f"{first_name.lower()}@{org.slug}.example.org", first_name=first_name
    )
    return factories.MembershipFactory(user=user, organization=org, role=role)


def _territories() -> dict[str, Territory]:
    region = Territory.objects.create(level=Level.REGION, code="32", name="Hauts-de-France")
    nord = Territory.objects.create(
        level=Level.DEPARTEMENT, code="59", name="Nord", region=region, parent=region
    )
    mel = Territory.objects.create(
        level=Level.EPCI,
        code="200093201",
        name="Métropole Européenne de Lille",
        kind="ME",
        region=region,
        departement=nord,
        parent=nord,
    )
    lille = Territory.objects.create(
        level=Level.COMMUNE,
        code="59350",
        name="Lille",
        postcodes="59000",
        region=region,
        departement=nord,
        epci=mel,
        parent=mel,
        population=236_234,
        is_rural=False,
    )
    return {"mel": mel, "lille": lille}


def build_world() -> World:
    """Create everything, then plant a canary in every text field of A's rows."""
    registry = Registry()
    places = _territories()
    a = factories.OrganizationFactory(name="Mobilité Solidaire Lille", slug="msl")
    a.coverage.add(places["mel"])
    b = factories.OrganizationFactory(name="Roule Ma Poule Arras", slug="rmp")
    sender_org = factories.OrganizationFactory(
        name="France Travail Lille Centre", slug="ft-lille", referrer=True
    )
    other_referrer = factories.OrganizationFactory(
        name="Mission locale de l'Arrageois", slug="ml-arras", referrer=True
    )
    funder_a = factories.OrganizationFactory(name="Département du Nord", slug="cd59", funder=True)
    funder_none = factories.OrganizationFactory(name="Région Bretagne", slug="rb", funder=True)

    members = {
        "admin_a": _member(a, Role.ADMIN, "Adele"),
        "advisor_a": _member(a, Role.ADVISOR, "Alice"),
        "coach_a": _member(a, Role.COACH, "Bob"),
        "advisor_b": _member(b, Role.ADVISOR, "Chloe"),
        "coach_b": _member(b, Role.COACH, "Boris"),
        "referrer": _member(other_referrer, Role.REFERRER, "Lucie"),
        "funder_a": _member(funder_a, Role.FUNDER, "Fanny"),
        "funder_none": _member(funder_none, Role.FUNDER, "Fabien"),
    }
    # Rémi sent A the referral: he is no actor, he only shows that his pages are reachable.
    sender = members["sender"] = _member(sender_org, Role.REFERRER, "Remi")
    admin, advisor, coach = members["admin_a"], members["advisor_a"], members["coach_a"]

    # Organisation: site, invitation, agreement with the funder, security log.
    site = factories.SiteFactory(organization=a, name="Antenne de Fives", commune=places["lille"])
    members["advisor_a"].sites.add(site)
    invitation = Invitation.objects.create(
        organization=a,
        email="nouvelle@msl.example.org",
        first_name="Nina",
        last_name="Neuve",
        role=Role.ADVISOR,
        token_hash=hash_token("jeton-de-test-invitation"),
        invited_by=admin.user,
    )
    agreement = factories.FundingAgreementFactory(
        organization=a,
        funder=funder_a,
        programme="Mobilité vers l'emploi 2026",
        reference="CD59-2026-001",
        start_date=_days(-200),
        end_date=_days(300),
        notes="Bilan intermédiaire en juin.",
    )
    agreement.territories.add(places["mel"])
    SecurityEvent.objects.create(
        kind=SecurityEvent.Kind.PERMISSION_DENIED,
        user=advisor.user,
        organization=a,
        username=advisor.user.email,
        user_agent="Firefox",
        path="/accompagnements/",
        detail="Export refusé",
    )

    # Taxonomies A added to the shared ones.
    barrier = case_factories.BarrierFactory(
        organization=a,
        category=case_factories.BarrierCategoryFactory(organization=a),
        description="Horaires décalés sans transport en commun",
    )
    skill = Skill.objects.create(
        organization=a, curriculum="velo_ecole", code="freiner", label="Freiner en sécurité"
    )

    # The person and the case that carries one object of every kind.
    person = case_factories.BeneficiaryFactory(
        organization=a,
        commune=places["lille"],
        email="helene@example.org",
        phone="06 11 22 33 44",
        address="12 rue des Postes",
        postcode="59000",
        france_travail_id="1234567A",
        created_by=advisor.user,
    )
    case_factories.ConsentRecordFactory(beneficiary=person, comment="Accord écrit")
    case = case_factories.CaseFactory(
        beneficiary=person,
        advisor=advisor,
        site=site,
        status=Case.Status.FOLLOW_UP,
        opened_on=_days(-120),
        closed_on=_days(-10),
        exit_reason=Case.ExitReason.GOALS_MET,
        origin_detail="Orientation France Travail",
        objective="Trouver un moyen d'aller au travail",
        on_hold_reason="Hospitalisation",
    )
    case.funding_agreements.add(agreement)
    if not Participation.objects.filter(case=case).exists():  # a factory may have recorded it
        record_participation(case)
    CaseTransition.objects.create(
        case=case,
        from_status=Case.Status.CLOSED,
        to_status=Case.Status.FOLLOW_UP,
        by=advisor.user,
        comment="Suivi à programmer",
    )
    diagnostic = case_factories.DiagnosticFactory(
        case=case, done_on=_days(-110), done_by=advisor.user, summary="Pas de permis"
    )
    DiagnosticItem.objects.create(diagnostic=diagnostic, barrier=barrier, severity=3)
    case_barrier = case_factories.CaseBarrierFactory(
        case=case, barrier=barrier, identified_on=_days(-110)
    )
    goal = case_factories.GoalFactory(case=case, description="Obtenir le code")
    action = case_factories.ActionFactory(goal=goal, responsible=advisor, comment="Inscription")
    appointment = case_factories.AppointmentFactory(
        case=case, staff=advisor, site=site, location="Bureau 2", notes="Compte rendu"
    )
    workshop = case_factories.WorkshopFactory(
        organization=a, coach=coach, site=site, description="Équilibre et freinage"
    )
    registration = case_factories.RegistrationFactory(workshop=workshop, case=case)
    SkillAssessment.objects.create(
        case=case,
        skill=skill,
        workshop=workshop,
        value=2,
        assessed_on=_days(-20),
        assessed_by=coach.user,
    )
    # Catalogue: a published aid is public by design (no canary); A's draft is A's alone.
    published_aid = AidFactory(owner=a, provider=a, nationwide=True)
    draft_aid = AidFactory(
        owner=a,
        status=Aid.Status.DRAFT,
        nationwide=True,
        created_by=advisor.user,
        url="https://example.org/aide",
        contact_email="aide@example.org",
        source_url="https://example.org/source",
    )
    proposal = ChangeProposalFactory(
        aid=published_aid, organization=a, proposed_by=advisor.user, comment="Montant à jour"
    )
    application = case_factories.AidApplicationFactory(
        case=case, aid=draft_aid, comment="Dossier complet"
    )
    document_canary = registry.new("cases.Document.file", "fichier")
    document = case_factories.DocumentFactory(
        case=case,
        file=ContentFile(f"%PDF-1.4\n% {document_canary}\n".encode(), name="piece.pdf"),
        size=30,
        description="Recto verso",
        uploaded_by=advisor.user,
    )
    note = case_factories.NoteFactory(case=case, author=advisor.user)
    ExitQuestionnaire.objects.create(
        case=case,
        exit_date=_days(-10),
        situation=Situation.JOB_SHORT,
        comment="CDD de 3 mois",
        filled_on=_days(-10),
        filled_by=advisor.user,
    )
    follow_up = case_factories.FollowUpFactory(
        case=case, kind="m3", due_on=_days(80), comment="À rappeler"
    )
    AccessLog.objects.create(
        organization=a,
        beneficiary=person,
        user=advisor.user,
        kind=AccessLog.Kind.VIEW,
        path=f"/accompagnements/{case.pk}/",
    )

    # The referral France Travail sent to A, accepted into the case, with its thread.
    referral = ReferralFactory(
        sender=sender,
        organization=a,
        commune=places["lille"],
        status="accepted",
        case=case,
        address="12 rue des Postes",
        france_travail_id="1234567A",
        barriers_comment="Pas de voiture",
        working_hours="5 h - 13 h",
        coverage_override_reason="",
        on_hold_reason="Attente",
        refusal_comment="",
    )
    ReferralTransition.objects.create(
        referral=referral,
        kind=ReferralTransition.Kind.ACCEPT,
        from_status="in_review",
        to_status="accepted",
        organization=a,
        by=advisor.user,
        by_organization=a,
        comment="Bienvenue",
    )
    attachment_canary = registry.new("referrals.Attachment.file", "fichier")
    attachment = Attachment.objects.create(
        referral=referral,
        file=ContentFile(f"%PDF-1.4\n% {attachment_canary}\n".encode(), name="cv.pdf"),
        original_name="cv.pdf",
        content_type="application/pdf",
        size=30,
        description="CV",
        uploaded_by=sender.user,
    )
    MessageFactory(referral=referral)  # from the referrer
    MessageFactory(referral=referral, author=advisor, body="Rendez-vous fixé au 3 mars.")
    IdempotencyRecord.objects.create(
        sender_organization=sender_org,
        key="cle-unique",
        request_hash="0" * 64,
        referral=referral,
        response_body={"id": str(referral.pk)},
    )
    ReferralSettings.objects.create(organization=a)
    NotificationPreference.objects.create(membership=advisor)

    # Fleet: a car out on loan with its inspection, photo, extension and incident.
    vehicle = fleet_factories.VehicleFactory(
        organization=a,
        site=site,
        code="VL-01",
        car=True,
        frame_number="VF1234567890",
        notes="Rayure portière",
    )
    vehicle.photo.save(
        "photo.png", ContentFile(_png_with(registry.new("vehicles.Vehicle.photo", "fichier")))
    )
    accessory = fleet_factories.AccessoryFactory(
        organization=a, vehicle=vehicle, serial_number="SN-1", notes="Rayé"
    )
    pricing = fleet_factories.SolidarityPricingFactory(organization=a, agreement=agreement)
    plan = fleet_factories.MaintenancePlanFactory(vehicle=vehicle)
    record = fleet_factories.MaintenanceRecordFactory(
        vehicle=vehicle, plan=plan, notes="Plaquettes", recorded_by=advisor.user
    )
    loan = fleet_factories.LoanFactory(
        vehicle=vehicle,
        case=case,
        status="active",
        start_date=_days(-5),
        end_date=_days(9),
        solidarity_pricing=pricing,
        deposit_amount=Decimal("300.00"),
        notes="Clés remises",
        checked_out_at=timezone.now(),
        checked_out_by=advisor.user,
        created_by=advisor.user,
    )
    loan.accessories.add(accessory)
    inspection = fleet_factories.InspectionFactory(
        loan=loan, comments="Rétroviseur fendu", performed_by=advisor.user
    )
    photo = InspectionPhoto(organization=a, inspection=inspection)
    photo.image.save(
        "etat.png",
        ContentFile(_png_with(registry.new("vehicles.InspectionPhoto.image", "fichier"))),
    )
    LoanExtension.objects.create(
        loan=loan,
        previous_end_date=_days(5),
        new_end_date=_days(9),
        reason="Période d'essai",
        price_before=Decimal("80.00"),
        price_after=Decimal("112.00"),
        by=advisor.user,
    )
    incident = fleet_factories.IncidentFactory(
        vehicle=vehicle, loan=loan, reference="PV-1", recorded_by=advisor.user
    )
    entry = fleet_factories.WaitingListEntryFactory(
        case=case,
        site=site,
        kind=Vehicle.Kind.E_BIKE,
        notes="Plutôt le matin",
        created_by=advisor.user,
    )

    # An import of a spreadsheet, its file holding a person's name.
    import_canary = registry.new("cases.ImportJob.file", "fichier")
    job = imports.create_import_job(
        organization=a,
        by=advisor,
        uploaded_file=SimpleUploadedFile(
            "personnes.csv",
            f"Nom;Prénom;Date de naissance\n{import_canary};Jeanne;02/03/1990\n".encode(),
            content_type="text/csv",
        ),
    )

    # A's activity report, made for A, its PDF holding A's figures.
    report_canary = registry.new("reporting.ReportJob.file", "fichier")
    report = ReportJob(
        organization=a,
        requested_by=advisor.user,
        scope_code="platform",
        scope_label="Mobilité Solidaire Lille",
        start=_days(-200),
        end=_days(0),
        suppressed=False,
        status=ReportJob.Status.DONE,
        progress=100,
        step="Prêt",
    )
    report.file.save(
        "bilan.pdf", ContentFile(f"%PDF-1.4\n% {report_canary}\n".encode()), save=False
    )
    report.size = report.file.size
    report.save()
    # A's request under the rights of the person.
    rights_request = RightsRequest.objects.create(
        organization=a,
        beneficiary=person,
        kind=RightsRequest.Kind.ACCESS,
        received_on=_days(-3),
        recorded_by=advisor.user,
        comment="Demande par courrier",
    )

    planted = plant(a, registry)
    objects = {
        type(obj): obj
        for obj in (
            members["advisor_a"],
            invitation,
            site,
            agreement,
            person,
            case,
            diagnostic,
            case_barrier,
            goal,
            action,
            appointment,
            workshop,
            registration,
            draft_aid,
            proposal,
            application,
            document,
            note,
            follow_up,
            referral,
            attachment,
            vehicle,
            accessory,
            pricing,
            plan,
            record,
            loan,
            photo,
            incident,
            entry,
            job,
            report,
            rights_request,
        )
    }
    for obj in objects.values():
        obj.refresh_from_db()
    return World(
        platform_a=a,
        platform_b=b,
        members=members,
        objects=objects,
        registry=registry,
        planted=planted,
    )
