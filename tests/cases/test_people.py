"""A person's file: creation with duplicate detection, edits, consents, the summary tab, the
access log."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import AccessLog, Beneficiary, Case, ConsentRecord
from cases.services import people as services
from organizations.errors import DomainError
from tests.cases.factories import (
    AccessLogFactory,
    ActionFactory,
    BeneficiaryFactory,
    CaseBarrierFactory,
    CaseFactory,
    ConsentRecordFactory,
    FollowUpFactory,
)
from tests.factories import FundingAgreementFactory, SiteFactory, TerritoryFactory

TODAY = timezone.localdate()


@pytest.fixture
def lille(db):
    return TerritoryFactory(code="59350", name="Lille", postcodes="59000 59800", is_rural=False)


def person(**overrides) -> dict:
    data = {"first_name": "Émilie", "last_name": "Dupont", "birth_date": dt.date(1990, 5, 17)}
    return {**data, **overrides}


# --- Service rules ------------------------------------------------------------------------------


def test_a_new_person_gets_a_name_key_ignoring_accents_and_case(alice, lille):
    beneficiary = services.create_beneficiary(
        organization=alice.organization, by=alice, data=person(commune=lille)
    )
    assert beneficiary.name_key == "dupont emilie"
    assert beneficiary.commune == lille
    assert beneficiary.created_by == alice.user


def test_the_same_name_and_birth_date_is_flagged_as_a_possible_duplicate(alice):
    existing = services.create_beneficiary(organization=alice.organization, by=alice, data=person())
    with pytest.raises(services.PossibleDuplicate) as caught:
        services.create_beneficiary(
            organization=alice.organization,
            by=alice,
            data=person(first_name="emilie", last_name="DUPONT"),
        )
    assert caught.value.duplicates == [existing]
    assert "17/05/1990" in caught.value.message
    assert Beneficiary.objects.count() == 1


def test_a_confirmed_homonym_is_created_and_never_merged(alice):
    services.create_beneficiary(organization=alice.organization, by=alice, data=person())
    services.create_beneficiary(
        organization=alice.organization,
        by=alice,
        data=person(first_name="EMILIE", last_name="dupont"),
        confirm_not_duplicate=True,
    )
    assert Beneficiary.objects.filter(name_key="dupont emilie").count() == 2


def test_a_homonym_born_another_day_or_at_another_platform_is_not_a_duplicate(alice, chloe):
    services.create_beneficiary(organization=alice.organization, by=alice, data=person())
    services.create_beneficiary(
        organization=alice.organization, by=alice, data=person(birth_date=dt.date(1991, 5, 17))
    )
    services.create_beneficiary(organization=chloe.organization, by=chloe, data=person())
    assert Beneficiary.objects.count() == 3


@pytest.mark.parametrize(
    ("birth_date", "message"),
    [
        (TODAY + dt.timedelta(days=1), "ne peut pas être dans le futur"),
        (dt.date(1899, 12, 31), "antérieure à 1900"),
        (TODAY - dt.timedelta(days=365 * 5), "à partir de 14 ans"),
        (dt.date(TODAY.year - 105, 1, 1), "vérifiez la date de naissance"),
    ],
)
def test_an_implausible_birth_date_is_refused_in_french(alice, birth_date, message):
    with pytest.raises(DomainError) as caught:
        services.create_beneficiary(
            organization=alice.organization, by=alice, data=person(birth_date=birth_date)
        )
    assert caught.value.field == "birth_date"
    assert message in caught.value.message
    assert not Beneficiary.objects.exists()


def test_an_unknown_commune_is_refused(alice):
    with pytest.raises(DomainError) as caught:
        services.create_beneficiary(
            organization=alice.organization, by=alice, data=person(commune="99999")
        )
    assert caught.value.field == "commune"
    assert "Commune inconnue" in caught.value.message


def test_a_coach_cannot_create_a_person(bob):
    with pytest.raises(DomainError):
        services.create_beneficiary(organization=bob.organization, by=bob, data=person())


def test_enrolling_a_person_is_all_or_nothing(alice):
    with pytest.raises(DomainError):
        services.enrol_new_person(
            organization=alice.organization,
            by=alice,
            person=person(),
            case={"opened_on": TODAY + dt.timedelta(days=3)},
            consents=[ConsentRecord.Scope.PROCESSING],
        )
    assert not Beneficiary.objects.exists()
    assert not ConsentRecord.objects.exists()


def test_renaming_a_person_into_an_existing_one_is_flagged(alice):
    BeneficiaryFactory(
        organization=alice.organization, first_name="Émilie", last_name="Dupont",
        birth_date=dt.date(1990, 5, 17),
    )  # fmt: skip
    other = BeneficiaryFactory(
        organization=alice.organization, first_name="Emily", last_name="Dupont",
        birth_date=dt.date(1990, 5, 17),
    )  # fmt: skip
    with pytest.raises(services.PossibleDuplicate):
        services.update_beneficiary(other, by=alice, data={"first_name": "Emilie"})
    other.refresh_from_db()
    assert other.first_name == "Emily"


def test_a_consent_can_be_withdrawn_but_not_twice(alice):
    beneficiary = BeneficiaryFactory(organization=alice.organization)
    consent = services.record_consent(
        beneficiary, by=alice, scope=ConsentRecord.Scope.SHARE_WITH_REFERRER
    )
    services.withdraw_consent(consent, by=alice)
    consent.refresh_from_db()
    assert consent.withdrawn_on == TODAY
    with pytest.raises(DomainError, match="pas en vigueur"):
        services.withdraw_consent(consent, by=alice)


def test_a_consent_in_force_is_not_recorded_twice(alice):
    beneficiary = BeneficiaryFactory(organization=alice.organization)
    services.record_consent(beneficiary, by=alice, scope=ConsentRecord.Scope.PROCESSING)
    with pytest.raises(DomainError, match="déjà enregistré"):
        services.record_consent(beneficiary, by=alice, scope=ConsentRecord.Scope.PROCESSING)


# --- New person and case ------------------------------------------------------------------------


def create_form(**overrides) -> dict:
    data = {
        "first_name": "Émilie", "last_name": "Dupont", "birth_date": "1990-05-17", "sex": "F",
        "phone": "06 12 34 56 78", "email": "", "address": "3 rue des Tisserands",
        "postcode": "59000", "commune": "59350", "is_qpv_resident": "true",
        "labour_market_status": "unemployed", "job_seeker_since": "2024-01-15",
        "france_travail_id": "", "receives_rsa": "on", "education_level": "cap_bep",
        "driving_licence": "none", "bike_skill": "unknown",
        "consent_processing": "on", "consent_fse_reporting": "on", "consent_given_on": "",
        "opened_on": TODAY.isoformat(), "origin": "direct", "origin_detail": "",
        "objective": "Trouver un emploi de cariste à Roubaix", "job_start_date": "",
    }  # fmt: skip
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.role_check("cases:case_create")
def test_only_advisors_and_admins_open_a_new_file(login, bob, remi, fanny):
    for member in (bob, remi, fanny):
        assert login(member).get(reverse("cases:case_create")).status_code == 403


@pytest.mark.cross_tenant("cases:case_create")
def test_a_new_file_offers_only_the_platforms_own_advisors_sites_and_agreements(
    login, alice, chloe
):
    other_site = SiteFactory(organization=chloe.organization, name="Site d'Arras")
    other_agreement = FundingAgreementFactory(organization=chloe.organization)
    response = login(alice).get(reverse("cases:case_create"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Site d&#x27;Arras" not in page and "Site d'Arras" not in page
    assert other_agreement.programme not in page
    assert str(chloe.pk) not in page
    response = login(alice).post(
        reverse("cases:case_create"),
        create_form(site=str(other_site.pk), funding_agreements=str(other_agreement.pk)),
    )
    assert response.status_code == 200
    assert not Case.objects.exists()


def test_an_advisor_opens_a_file_with_consents_and_agreements(login, alice, lille):
    site = SiteFactory(organization=alice.organization, name="Lille Centre")
    agreement = FundingAgreementFactory(organization=alice.organization)
    response = login(alice).post(
        reverse("cases:case_create"),
        create_form(advisor=str(alice.pk), site=str(site.pk), funding_agreements=str(agreement.pk)),
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case_detail", args=[case.id])
    assert case.status == Case.Status.INTAKE
    assert case.advisor == alice and case.site == site
    assert list(case.funding_agreements.all()) == [agreement]
    assert case.beneficiary.commune == lille and case.beneficiary.receives_rsa
    scopes = set(case.beneficiary.consents.values_list("scope", flat=True))
    assert scopes == {ConsentRecord.Scope.PROCESSING, ConsentRecord.Scope.FSE_REPORTING}
    assert case.transitions.get().by == alice.user


def test_a_possible_duplicate_is_shown_before_saving_and_nothing_typed_is_lost(login, alice, lille):
    existing = CaseFactory(
        beneficiary=BeneficiaryFactory(
            organization=alice.organization, first_name="emilie", last_name="DUPONT",
            birth_date=dt.date(1990, 5, 17),
        )
    )  # fmt: skip
    client = login(alice)
    response = client.post(reverse("cases:case_create"), create_form())
    page = response.content.decode()
    assert response.status_code == 200
    assert "Une personne portant ce nom et née le 17/05/1990 est déjà suivie" in page
    assert reverse("cases:case_detail", args=[existing.id]) in page
    assert "3 rue des Tisserands" in page and "cariste à Roubaix" in page
    assert Beneficiary.objects.count() == 1

    response = client.post(reverse("cases:case_create"), create_form(confirm_not_duplicate="1"))
    assert response.status_code == 302
    assert Beneficiary.objects.count() == 2


def test_bad_input_shows_french_errors_next_to_the_fields(login, alice, lille):
    future = (TODAY + dt.timedelta(days=2)).isoformat()
    response = login(alice).post(
        reverse("cases:case_create"),
        create_form(birth_date=future, commune="00000", consent_processing=None),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "La date de naissance ne peut pas être dans le futur." in page
    assert "Commune inconnue" in page
    assert "Recueillez l&#x27;accord de la personne" in page
    assert "Trouver un emploi de cariste" in page
    assert not Beneficiary.objects.exists()


# --- The person's file --------------------------------------------------------------------------


@pytest.mark.cross_tenant("cases:beneficiary_edit", "cases:beneficiary_consents")
def test_another_platform_gets_404_on_a_persons_file(login, alice, chloe):
    beneficiary = BeneficiaryFactory(organization=alice.organization)
    client = login(chloe)
    for name in ("cases:beneficiary_edit", "cases:beneficiary_consents"):
        assert client.get(reverse(name, args=[beneficiary.id])).status_code == 404
        assert client.post(reverse(name, args=[beneficiary.id]), {}).status_code == 404


@pytest.mark.role_check("cases:beneficiary_edit", "cases:beneficiary_consents")
def test_coaches_referrers_and_funders_cannot_open_a_persons_file(login, alice, bob, remi, fanny):
    beneficiary = BeneficiaryFactory(organization=alice.organization)
    for member in (bob, remi, fanny):
        client = login(member)
        for name in ("cases:beneficiary_edit", "cases:beneficiary_consents"):
            assert client.get(reverse(name, args=[beneficiary.id])).status_code == 403


def test_an_advisor_edits_a_person_and_the_change_is_logged_with_her_name(login, alice, lille):
    case = CaseFactory(organization=alice.organization)
    data = create_form(first_name="Émilie", last_name="Martin")
    response = login(alice).post(
        reverse("cases:beneficiary_edit", args=[case.beneficiary.id]), data
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case_detail", args=[case.id])
    case.beneficiary.refresh_from_db()
    assert case.beneficiary.name_key == "martin emilie"
    assert case.beneficiary.history.first().history_user == alice.user


def test_an_advisor_records_and_withdraws_a_consent(login, alice):
    beneficiary = BeneficiaryFactory(organization=alice.organization)
    client = login(alice)
    url = reverse("cases:beneficiary_consents", args=[beneficiary.id])
    response = client.post(
        url, {"scope": "share_with_referrer", "given_on": TODAY.isoformat(), "comment": ""}
    )
    assert response.status_code == 302
    consent = beneficiary.consents.get()
    assert consent.in_force
    response = client.post(url, {"withdraw": str(consent.id)})
    consent.refresh_from_db()
    assert consent.withdrawn_on == TODAY
    assert "Retrait enregistré" in client.get(url).content.decode()


def test_a_consent_of_another_person_cannot_be_withdrawn_through_this_one(login, alice):
    beneficiary = BeneficiaryFactory(organization=alice.organization)
    other = ConsentRecordFactory(beneficiary=BeneficiaryFactory(organization=alice.organization))
    url = reverse("cases:beneficiary_consents", args=[beneficiary.id])
    assert login(alice).post(url, {"withdraw": str(other.id)}).status_code == 404


# --- The summary tab and the case edit ----------------------------------------------------------


@pytest.mark.cross_tenant("cases:case_detail", "cases:case_edit")
def test_another_platform_gets_404_on_a_case(login, alice, chloe):
    case = CaseFactory(organization=alice.organization)
    client = login(chloe)
    assert client.get(reverse("cases:case_detail", args=[case.id])).status_code == 404
    assert client.get(reverse("cases:case_edit", args=[case.id])).status_code == 404
    assert client.post(reverse("cases:case_edit", args=[case.id]), {}).status_code == 404


@pytest.mark.role_check("cases:case_detail", "cases:case_edit")
def test_a_coach_referrer_or_funder_cannot_open_a_case(login, alice, bob, remi, fanny):
    case = CaseFactory(organization=alice.organization)
    for member in (bob, remi, fanny):
        client = login(member)
        assert client.get(reverse("cases:case_detail", args=[case.id])).status_code == 403
        assert client.get(reverse("cases:case_edit", args=[case.id])).status_code == 403


def test_the_summary_shows_the_person_flags_barriers_actions_and_alerts(login, alice, lille):
    epci = TerritoryFactory(level="epci", code="200093201", name="Métropole Européenne de Lille")
    lille.epci = epci
    lille.save()
    beneficiary = BeneficiaryFactory(
        organization=alice.organization, first_name="Karim", last_name="Benali",
        birth_date=TODAY.replace(year=TODAY.year - 22) - dt.timedelta(days=1),
        commune=lille, receives_rsa=True, is_qpv_resident=True,
    )  # fmt: skip
    case = CaseFactory(beneficiary=beneficiary, advisor=alice)
    barrier = CaseBarrierFactory(case=case, barrier__label="Pas de permis B")
    ActionFactory(goal__case=case, title="S'inscrire au code")
    response = login(alice).get(reverse("cases:case_detail", args=[case.id]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Karim BENALI" in page
    for text in ("Moins de 26 ans", "Bénéficiaire de minima sociaux", "QPV",
                 "Métropole Européenne de Lille", "Pas de permis B",
                 "S&#x27;inscrire au code", "Aucun consentement au traitement"):  # fmt: skip
        assert text in page, text
    assert barrier.get_status_display() in page
    assert "Commencer le diagnostic" in page


def test_a_follow_up_due_is_an_alert_on_the_summary(login, alice):
    follow_up = FollowUpFactory(case__organization=alice.organization)
    ConsentRecordFactory(beneficiary=follow_up.case.beneficiary)
    page = login(alice).get(reverse("cases:case_detail", args=[follow_up.case.id])).content
    assert "Suivi à 6 mois à faire depuis" in page.decode()
    assert "Aucun consentement au traitement" not in page.decode()


def test_opening_a_case_writes_the_access_log(login, alice):
    case = CaseFactory(organization=alice.organization)
    login(alice).get(reverse("cases:case_detail", args=[case.id]))
    entry = AccessLog.objects.get()
    assert (entry.user, entry.beneficiary, entry.kind) == (alice.user, case.beneficiary, "view")
    assert entry.organization == alice.organization


def test_an_advisor_reassigns_a_case_and_picks_its_agreements(login, alice, adele):
    case = CaseFactory(organization=alice.organization, advisor=alice)
    agreement = FundingAgreementFactory(organization=alice.organization)
    response = login(alice).post(
        reverse("cases:case_edit", args=[case.id]),
        {"advisor": str(adele.pk), "origin": "referral", "origin_detail": "Mission locale",
         "objective": "Permis B", "funding_agreements": [str(agreement.pk)]},
    )  # fmt: skip
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.advisor == adele and case.origin == "referral"
    assert list(case.funding_agreements.all()) == [agreement]


# --- Access log ---------------------------------------------------------------------------------


@pytest.mark.role_check("cases:access_log")
def test_only_platform_admins_read_the_access_log(login, alice, bob, adele, remi):
    for member in (alice, bob, remi):
        assert login(member).get(reverse("cases:access_log")).status_code == 403
    assert login(adele).get(reverse("cases:access_log")).status_code == 200


@pytest.mark.cross_tenant("cases:access_log")
def test_the_access_log_shows_only_the_platforms_own_entries(login, alice, adele, basile, chloe):
    mine = AccessLogFactory(
        beneficiary__organization=alice.organization, beneficiary__last_name="Lefebvre",
        user=alice.user,
    )  # fmt: skip
    AccessLogFactory(
        beneficiary__organization=chloe.organization, beneficiary__last_name="Arrageois",
        user=chloe.user,
    )  # fmt: skip
    page = login(adele).get(reverse("cases:access_log")).content.decode()
    assert "LEFEBVRE" in page and "ARRAGEOIS" not in page
    page = login(basile).get(reverse("cases:access_log"), {"personne": mine.beneficiary_id})
    assert "LEFEBVRE" not in page.content.decode()


def test_the_access_log_filters_by_person_and_by_member(login, alice, adele):
    AccessLogFactory(
        beneficiary__organization=alice.organization, beneficiary__last_name="Lefèbvre",
        beneficiary__name_key="lefebvre anne", user=alice.user,
    )  # fmt: skip
    AccessLogFactory(
        beneficiary__organization=alice.organization, beneficiary__last_name="Durand",
        beneficiary__name_key="durand paul", user=adele.user,
    )  # fmt: skip
    client = login(adele)
    page = client.get(reverse("cases:access_log"), {"q": "lefebvre"}).content.decode()
    assert "LEFÈBVRE" in page and "DURAND" not in page
    page = client.get(reverse("cases:access_log"), {"utilisateur": str(adele.pk)}).content
    assert "DURAND" in page.decode() and "LEFÈBVRE" not in page.decode()
