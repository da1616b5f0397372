"""Anonymising a person erases their identity and free text everywhere, history included, and
keeps every field the statistics count."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cases.models import (
    Action,
    AidApplication,
    Appointment,
    Beneficiary,
    Case,
    CaseBarrier,
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
)
from organizations.errors import DomainError
from privacy import services
from privacy.anonymisation import ANONYMISED_TEXT
from referrals.models import Attachment, Message, Referral, ReferralTransition
from tests.cases.factories import BeneficiaryFactory
from vehicles.models import Incident, Inspection, InspectionPhoto, Loan, LoanExtension, Vehicle

from .world import rows_mentioning

pytestmark = pytest.mark.django_db

# Every field an indicator may count, model by model (none of them identifies anyone).
STATISTICS = {
    Beneficiary: ["organization_id", "sex", "commune_id", "labour_market_status", "receives_rsa",
                  "education_level", "driving_licence", "created_at"],
    Participation: ["entry_date", "sex", "age_at_entry", "labour_market_status",
                    "long_term_unemployed", "isced_band", "receives_rsa", "receives_ass",
                    "receives_aah", "has_rqth", "is_qpv_resident", "commune_id", "is_rural",
                    "disability", "third_country_national", "foreign_background", "minority",
                    "homeless", "sensitive_questions_asked_on", "updated_at"],
    Case: ["status", "opened_on", "closed_on", "exit_reason", "site_id", "advisor_id", "origin",
           "job_start_date", "organization_id", "beneficiary_id", "updated_at",
           "funding_agreements"],
    CaseTransition: ["from_status", "to_status", "at", "by_id"],
    Diagnostic: ["kind", "done_on", "done_by_id", "score"],
    DiagnosticItem: ["barrier_id", "severity"],
    CaseBarrier: ["barrier_id", "status", "severity", "identified_on", "lifted_on"],
    Goal: ["status", "target_date", "position"],
    Action: ["status", "due_date", "done_on", "responsible_id"],
    Appointment: ["kind", "starts_at", "duration_minutes", "status", "staff_id", "site_id"],
    Registration: ["workshop_id", "status", "attendance"],
    AidApplication: ["aid_id", "aid_name", "funder_name", "status", "amount_requested",
                     "amount_granted", "submitted_on", "decided_on"],
    ExitQuestionnaire: ["exit_date", "situation", "qualification_gained", "licence_gained",
                        "mobility_autonomy", "filled_on"],
    FollowUp: ["kind", "due_on", "done_on", "reached", "situation", "improved_situation"],
    ConsentRecord: ["scope", "given", "given_on", "withdrawn_on"],
    Loan: ["vehicle_id", "case_id", "start_date", "end_date", "status", "pricing_mode",
           "daily_fee", "monthly_fee", "solidarity_pricing_id", "price_total", "deposit_amount",
           "deposit_status", "deposit_received_on", "deposit_retained_amount",
           "deposit_settled_on", "checked_out_at", "returned_at"],
    LoanExtension: ["previous_end_date", "new_end_date", "price_before", "price_after"],
    Inspection: ["kind", "odometer_km", "energy_level", "damages", "performed_at"],
    Incident: ["vehicle_id", "loan_id", "kind", "occurred_on", "cost", "borne_by", "resolved_on"],
    Vehicle: ["code", "kind", "status", "odometer_km"],
    Referral: ["status", "organization_id", "sender_organization_id", "sex", "commune_id",
               "labour_market_status", "created_at", "sent_at", "received_at",
               "first_answered_at", "decided_at", "closed_at", "refusal_reason", "case_id",
               "barriers"],
    ReferralTransition: ["kind", "from_status", "to_status", "at", "organization_id"],
}  # fmt: skip


def statistics() -> dict:
    snapshot = {}
    for model, fields in STATISTICS.items():
        plain = [f for f in fields if f not in ("funding_agreements", "barriers")]
        rows = list(model.objects.order_by("pk").values("pk", *plain))
        for name in set(fields) - set(plain):
            through = getattr(model, name).through
            keys = [f.attname for f in through._meta.concrete_fields if f.is_relation]
            rows.append(sorted(map(str, through.objects.values_list(*keys))))
        snapshot[model.__name__] = rows
    return snapshot


def anonymise(person, by, capture):
    with capture(execute=True):
        return services.anonymise_person(person.beneficiary, by=by)


def test_anonymisation_erases_every_identity_and_free_text_value_in_every_table(
    zorglub, quetzal, adele, django_capture_on_commit_callbacks
):
    assert len(rows_mentioning(*zorglub.needles)) > 30  # the world holds them everywhere
    quetzal_rows = rows_mentioning(*quetzal.needles)

    anonymise(zorglub, adele, django_capture_on_commit_callbacks)

    assert rows_mentioning(*zorglub.needles) == []
    assert rows_mentioning(*quetzal.needles) == quetzal_rows
    person = Beneficiary.objects.get(pk=zorglub.beneficiary.pk)
    assert person.anonymised_at is not None
    assert person.full_name == "Personne anonymisée"
    assert (person.first_name, person.last_name, person.birth_date, person.email) == (
        "", "", None, ""
    )  # fmt: skip


def test_files_of_the_person_are_deleted_from_storage_and_their_rows_too(
    zorglub, quetzal, adele, django_capture_on_commit_callbacks
):
    assert all(default_storage.exists(name) for name in zorglub.files + quetzal.files)

    anonymise(zorglub, adele, django_capture_on_commit_callbacks)

    assert not any(default_storage.exists(name) for name in zorglub.files)
    assert all(default_storage.exists(name) for name in quetzal.files)
    case = zorglub.case
    assert not Document.objects.filter(case=case).exists()
    assert not Note.objects.filter(case=case).exists()
    assert not InspectionPhoto.objects.filter(inspection__loan__case=case).exists()
    assert not Attachment.objects.filter(referral__case=case).exists()
    assert Loan.objects.get(pk=zorglub.loan.pk).contract.name == ""
    assert Document.objects.filter(case=quetzal.case).count() == 1


def test_anonymisation_keeps_every_statistic_field(
    zorglub, quetzal, adele, django_capture_on_commit_callbacks
):
    before = statistics()

    anonymise(zorglub, adele, django_capture_on_commit_callbacks)

    assert statistics() == before


def test_required_texts_get_the_neutral_marker_and_the_rest_is_emptied(
    zorglub, adele, django_capture_on_commit_callbacks
):
    anonymise(zorglub, adele, django_capture_on_commit_callbacks)

    case = Case.objects.get(pk=zorglub.case.pk)
    assert (case.objective, case.origin_detail, case.on_hold_reason) == ("", "", "")
    assert Goal.objects.get(case=case).title == ANONYMISED_TEXT
    assert Action.objects.get(goal__case=case).title == ANONYMISED_TEXT
    assert Incident.objects.get(loan__case=case).description == ANONYMISED_TEXT
    assert Message.objects.get(referral__case=case).body == ANONYMISED_TEXT
    loan = Loan.objects.get(pk=zorglub.loan.pk)
    assert loan.deposit_retained_reason == ANONYMISED_TEXT and loan.notes == ""
    referral = Referral.objects.get(pk=zorglub.referral.pk)
    assert referral.anonymised_at is not None and referral.full_name == "Personne anonymisée"
    assert Diagnostic.objects.get(case=case).summary == ""
    assert Inspection.objects.get(loan=loan).comments == ""
    assert LoanExtension.objects.get(loan=loan).reason == ""


def test_the_history_keeps_one_row_per_object_saying_who_anonymised_and_when(
    zorglub, adele, django_capture_on_commit_callbacks
):
    assert zorglub.beneficiary.history.count() >= 2

    anonymise(zorglub, adele, django_capture_on_commit_callbacks)

    for obj in (zorglub.beneficiary, zorglub.case, zorglub.loan, zorglub.referral):
        versions = list(type(obj).history.filter(id=obj.pk))
        assert len(versions) == 1, type(obj).__name__
        assert versions[0].history_user == adele.user
        assert versions[0].history_change_reason == services.RETENTION_REASON
    assert not Note.history.filter(case_id=zorglub.case.pk).exists()
    assert not Document.history.filter(case_id=zorglub.case.pk).exists()
    # The snapshots of the funding agreements of the purged versions went with them.
    snapshots = HistoricalRecords.m2m_models[Case._meta.get_field("funding_agreements")]
    kept = set(Case.history.values_list("history_id", flat=True))
    assert set(snapshots.objects.values_list("history_id", flat=True)) <= kept


def test_anonymising_twice_changes_nothing(zorglub, adele, django_capture_on_commit_callbacks):
    anonymise(zorglub, adele, django_capture_on_commit_callbacks)
    before = statistics()
    history = Case.history.count()

    assert anonymise(zorglub, adele, django_capture_on_commit_callbacks) is None
    assert statistics() == before and Case.history.count() == history


def test_only_members_with_the_export_right_anonymise_on_request(zorglub, alice, bob, chloe):
    for member in (alice, bob, chloe):
        with pytest.raises(DomainError) as refused:
            services.anonymise_person(zorglub.beneficiary, by=member)
        assert refused.value.code == "forbidden"
    assert Beneficiary.objects.get(pk=zorglub.beneficiary.pk).anonymised_at is None


def test_an_anonymised_person_leaves_search_and_duplicate_detection(alice):
    kept = BeneficiaryFactory(organization=alice.organization, first_name="Lina", last_name="Roy")
    gone = BeneficiaryFactory(
        organization=alice.organization,
        first_name="Lina",
        last_name="Roy",
        birth_date=kept.birth_date,
        anonymised_at=timezone.now(),
    )
    people = Beneficiary.objects.for_organization(alice.organization)

    assert list(people.search("lina roy")) == [kept]
    duplicates = people.possible_duplicates(
        first_name="Lina", last_name="Roy", birth_date=kept.birth_date
    )
    assert gone not in duplicates and kept in duplicates


def test_the_case_list_shows_personne_anonymisee_and_search_no_longer_finds_the_person(
    login, zorglub, quetzal, adele, alice, django_capture_on_commit_callbacks
):
    anonymise(zorglub, adele, django_capture_on_commit_callbacks)
    client = login(alice)

    html = client.get(reverse("cases:case_list"), {"perimetre": "all"}).content.decode()
    assert "Personne anonymisée" in html and "PrénomQuetzal" in html
    found = client.get(reverse("cases:case_list"), {"q": "Zorglub", "perimetre": "all"})
    assert "Personne anonymisée" not in found.content.decode()
    case_page = client.get(reverse("cases:case_detail", args=[zorglub.case.pk])).content.decode()
    assert "Personne anonymisée le" in case_page and "Zorglub" not in case_page


def test_the_referrer_sees_personne_anonymisee(login, zorglub, quetzal, remi, adele):
    services.anonymise_person(zorglub.beneficiary, by=adele)

    html = login(remi).get(reverse("referrals:sent")).content.decode()

    assert "Personne anonymisée" in html and "Zorglub" not in html and "QUETZAL" in html
