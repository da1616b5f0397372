"""The platform's FSE+ page, its definitions, and the participant export (CSV and API)."""

import csv
import datetime as dt
import io
from html import unescape

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import AccessLog
from organizations.models import SecurityEvent
from reporting.api_fse import FseParticipantsPagination
from tests.cases.factories import BeneficiaryFactory
from tests.factories import FundingAgreementFactory, TerritoryFactory
from tests.reporting.fse_world import fse_agreement, participant

D = dt.date
INDICATORS = reverse("fse:indicators")
EXPORT = reverse("fse:export")
DEFINITIONS = reverse("fse:definitions")
API = reverse("api:fse-plus-participants")


@pytest.fixture
def agreement(platform_a, departement):
    return fse_agreement(
        platform_a, departement, programme="Mobilité vers l'emploi FSE+", reference="FSE-59-017"
    )


@pytest.fixture
def exporter(alice):
    """Alice, granted the export right by her admin."""
    alice.can_export_data = True
    alice.save(update_fields=["can_export_data"])
    return alice


def token_client(membership) -> APIClient:
    token, _ = Token.objects.get_or_create(user=membership.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def text(response) -> str:
    return unescape(response.content.decode())


def read_csv(response) -> list[dict]:
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(content[1:]), delimiter=";"))


# --- The indicators page --------------------------------------------------------------------


def test_an_advisor_reads_the_indicators_of_the_agreement_over_its_period(login, alice, agreement):
    participant(agreement, sex="M", status="employed")
    participant(agreement, sex="F", status="inactive")

    response = login(alice).get(INDICATORS)

    page = text(response)
    assert response.status_code == 200
    assert "Mobilité vers l'emploi FSE+" in page
    assert "du 01/01/2026 au 31/12/2026" in page  # the agreement's own period
    assert response.context["period"].start == D(2026, 1, 1)
    rows = {(r.code, r.detail): r for r in response.context["rows"]}
    assert rows[("EECO01", "")].total.display == "2"
    assert "à confirmer" in page and "sans objet" in page
    assert reverse("fse:definitions") in page
    # Alice has no export right: no export button.
    assert EXPORT not in page
    assert "export" not in response.context


def test_a_chosen_period_narrows_the_counts(login, alice, agreement):
    participant(agreement, entry=D(2026, 2, 2))
    participant(agreement, entry=D(2026, 9, 1))

    response = login(alice).get(
        INDICATORS, {"convention": agreement.pk, "debut": "2026-01-01", "fin": "2026-06-30"}
    )

    rows = {(r.code, r.detail): r for r in response.context["rows"]}
    assert rows[("EECO01", "")].total.value == 1


def test_a_period_ending_before_it_starts_is_refused_in_french(login, alice, agreement):
    response = login(alice).get(
        INDICATORS, {"convention": agreement.pk, "debut": "2026-06-01", "fin": "2026-01-01"}
    )

    assert response.status_code == 200
    assert response.context["rows"] is None
    assert "La fin de la période précède son début." in text(response)


def test_a_platform_without_fse_agreement_is_told_how_to_flag_one(login, alice, platform_a):
    FundingAgreementFactory(organization=platform_a, is_fse_plus=False)

    response = login(alice).get(INDICATORS)

    assert response.status_code == 200
    assert "Aucune convention de la plateforme n'est cofinancée par le FSE+." in (text(response))


def test_an_agreement_not_flagged_fse_plus_is_not_found(login, alice, platform_a, agreement):
    other = FundingAgreementFactory(organization=platform_a, is_fse_plus=False)

    response = login(alice).get(INDICATORS, {"convention": other.pk})

    assert response.status_code == 404


@pytest.mark.cross_tenant("fse:indicators")
def test_another_platform_gets_a_404_on_an_agreement_it_does_not_hold(login, chloe, agreement):
    fse_agreement(chloe.organization, programme="Arras FSE+")
    client = login(chloe)

    assert client.get(INDICATORS, {"convention": agreement.pk}).status_code == 404
    own = client.get(INDICATORS)
    assert own.status_code == 200
    assert "Mobilité vers l'emploi FSE+" not in text(own)
    assert "Arras FSE+" in text(own)


@pytest.mark.role_check("fse:indicators")
def test_only_the_platform_admins_and_advisors_open_the_fse_page(
    login, client, bob, remi, fanny, adele, agreement
):
    for member in (bob, remi, fanny):
        assert login(member).get(INDICATORS).status_code == 403
    assert login(adele).get(INDICATORS).status_code == 200
    assert client.get(INDICATORS).status_code == 302


def test_the_admin_sees_the_export_with_who_is_left_out_and_why(login, adele, agreement):
    participant(agreement)
    participant(agreement, consent=None)
    participant(agreement, consent="withdrawn")

    response = login(adele).get(INDICATORS)

    page = text(response)
    assert EXPORT in page
    assert "1 participation concernée par la période" in page
    assert "2 participations écartées de l'export" in page
    assert "2 sans consentement « Collecte des données FSE+ » en vigueur" in page


@pytest.mark.parametrize("count", [2, 12])
def test_the_page_query_count_does_not_grow_with_the_participations(
    login, adele, agreement, count, django_assert_num_queries
):
    for index in range(count):
        participant(
            agreement,
            sex="FM"[index % 2],
            exit_on=D(2026, 6, 1) if index % 3 else None,
            follow_up_on=D(2026, 12, 1) if index % 3 else None,
        )
    client = login(adele)
    client.get(INDICATORS)  # warm the session and the caches

    with django_assert_num_queries(10):
        response = client.get(INDICATORS)
    assert response.status_code == 200


def test_the_navigation_offers_the_fse_page_to_admins_and_advisors_only(login, alice, bob):
    advisor = [e["label"] for e in login(alice).get(reverse("home")).context["main_nav"]]
    coach = [e["label"] for e in login(bob).get(reverse("home")).context["main_nav"]]

    assert "FSE+" in advisor
    assert "FSE+" not in coach


# --- The definitions ------------------------------------------------------------------------


@pytest.mark.cross_tenant("fse:definitions")
def test_the_definitions_hold_no_data_of_any_platform(login, chloe, fanny, agreement):
    participant(agreement)

    for member in (chloe, fanny):
        response = login(member).get(DEFINITIONS)
        page = text(response)
        assert response.status_code == 200
        assert "EECR06" in page and "28 jours" in page
        assert "Mobilité vers l'emploi FSE+" not in page


@pytest.mark.role_check("fse:definitions")
def test_coaches_and_referrers_do_not_open_the_definitions(login, client, bob, remi, alice):
    assert login(bob).get(DEFINITIONS).status_code == 403
    assert login(remi).get(DEFINITIONS).status_code == 403
    assert login(alice).get(DEFINITIONS).status_code == 200
    assert client.get(DEFINITIONS).status_code == 302


def test_the_definitions_show_the_unofficial_labels_and_the_method(login, alice):
    page = text(login(alice).get(DEFINITIONS))

    assert "non officiel (traduction Mobicase" in page
    assert "Personnes exerçant un emploi, y compris les indépendants" in page
    assert "au plus tard 28 jours après la date de sortie" in page


# --- The participant export (CSV) -----------------------------------------------------------


def export_params(agreement, **extra):
    return {"convention": agreement.pk, **extra}


def test_the_export_has_one_utf8_row_per_participation_with_iso_dates(login, adele, agreement):
    aisne = TerritoryFactory(code="02691", name="Saint-Quentin", is_rural=False)
    helene = BeneficiaryFactory(
        organization=agreement.organization,
        first_name="Hélène",
        last_name="Lefèvre",
        birth_date=D(1988, 3, 14),
        sex="F",
    )
    participant(
        agreement,
        person=helene,
        entry=D(2026, 2, 2),
        commune=aisne,
        rural=False,
        answers={"disability": "declined", "homeless": "no"},
        asked_on=D(2026, 2, 2),
        exit_on=D(2026, 5, 4),
        filled_on=D(2026, 5, 20),
        situation="job_permanent",
    )
    bernard = BeneficiaryFactory(organization=agreement.organization, last_name="Martin", sex="M")
    participant(agreement, person=bernard, sex="M", status="employed")

    response = login(adele).get(EXPORT, export_params(agreement))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        'filename="fse-plus-participants-fse-59-017-2026-01-01-2026-12-31.csv"'
        in (response["Content-Disposition"])
    )
    assert b"\r\n" in response.content
    rows = read_csv(response)
    assert len(rows) == 2
    row = next(r for r in rows if r["nom"] == "Lefèvre")
    assert row["prenom"] == "Hélène"
    assert row["date_naissance"] == "1988-03-14"
    assert row["date_entree"] == "2026-02-02"
    assert row["date_sortie"] == "2026-05-04"
    assert row["code_commune"] == "02691"
    assert row["sexe"] == "F"
    assert row["statut_entree"] == "chomeur"
    assert row["handicap"] == "refus"
    assert row["sans_domicile"] == "non"
    assert row["minorite"] == "non_posee"
    assert row["sortie_dans_les_4_semaines"] == "oui"
    assert row["eecr04_emploi"] == "oui"
    assert row["eecr01_recherche_emploi"] == "non"
    assert row["suivi_6_mois_le"] == "" and row["eecr05_emploi_6_mois"] == ""
    other = next(r for r in rows if r["nom"] == "Martin")
    assert other["sexe"] == "H" and other["statut_entree"] == "emploi"
    assert other["date_sortie"] == "" and other["eecr04_emploi"] == ""


def test_only_people_with_the_fse_consent_in_force_are_exported_and_logged(login, adele, agreement):
    kept = participant(agreement, sex="F")
    never = participant(agreement, consent=None)
    withdrawn = participant(agreement, consent="withdrawn")
    refused = participant(agreement, consent="refused")

    response = login(adele).get(EXPORT, export_params(agreement))

    rows = read_csv(response)
    assert [r["nom"] for r in rows] == [kept.beneficiary.last_name]
    exported = set(
        AccessLog.objects.filter(kind=AccessLog.Kind.EXPORT).values_list(
            "beneficiary_id", flat=True
        )
    )
    assert exported == {kept.beneficiary_id}
    assert not {never.beneficiary_id, withdrawn.beneficiary_id, refused.beneficiary_id} & exported
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.EXPORT)
    assert event.user == adele.user and event.organization == agreement.organization
    assert f"agreement:{agreement.pk}" in event.detail
    assert "1 ligne(s)" in event.detail and "3 sans consentement" in event.detail


def test_a_person_who_left_before_the_period_is_not_exported(login, adele, agreement):
    participant(agreement, entry=D(2025, 3, 1), exit_on=D(2025, 9, 1))
    followed = participant(
        agreement, entry=D(2025, 3, 1), exit_on=D(2025, 7, 1), follow_up_on=D(2026, 1, 5)
    )

    rows = read_csv(login(adele).get(EXPORT, export_params(agreement)))

    assert [r["nom"] for r in rows] == [followed.beneficiary.last_name]
    assert rows[0]["suivi_6_mois_le"] == "2026-01-05"


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_neutralised(login, adele, agreement):
    person = BeneficiaryFactory(organization=agreement.organization, last_name="=HYPERLINK(1)")
    participant(agreement, person=person)

    rows = read_csv(login(adele).get(EXPORT, export_params(agreement)))

    assert rows[0]["nom"] == "'=HYPERLINK(1)"


@pytest.mark.role_check("fse:export")
def test_the_export_needs_the_export_right(login, alice, bob, remi, fanny, adele, agreement):
    participant(agreement)

    # Alice is an advisor without the export right.
    for member in (alice, bob, remi, fanny):
        assert login(member).get(EXPORT, export_params(agreement)).status_code == 403
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).exists()
    assert login(adele).get(EXPORT, export_params(agreement)).status_code == 200


def test_an_advisor_granted_the_export_right_exports(login, exporter, agreement):
    participant(agreement)

    response = login(exporter).get(EXPORT, export_params(agreement))

    assert response.status_code == 200
    assert len(read_csv(response)) == 1


@pytest.mark.cross_tenant("fse:export")
def test_another_platform_cannot_export_an_agreement_it_does_not_hold(login, chloe, agreement):
    participant(agreement)
    # Without the export right the answer is 403 for any agreement, A's or none at all: it
    # tells nothing; with it, A's agreement is not found.
    unknown = {"convention": "00000000-0000-4000-8000-000000000000"}
    assert login(chloe).get(EXPORT, export_params(agreement)).status_code == 403
    assert login(chloe).get(EXPORT, unknown).status_code == 403
    chloe.can_export_data = True
    chloe.save(update_fields=["can_export_data"])
    assert login(chloe).get(EXPORT, export_params(agreement)).status_code == 404
    assert not AccessLog.objects.exists()


# --- The participant export (API) -----------------------------------------------------------


def test_the_api_pages_the_participants_and_says_who_is_left_out(exporter, agreement, monkeypatch):
    monkeypatch.setattr(FseParticipantsPagination, "page_size", 2)
    for _ in range(3):
        participant(agreement)
    participant(agreement, consent=None)

    response = token_client(exporter).get(API, {"agreement": agreement.pk})

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 3 and body["next"] and len(body["results"]) == 2
    assert body["left_out"] == {"without_consent": 1, "anonymised": 0}
    first = body["results"][0]
    assert first["entry_date"] == "2026-03-02"
    assert first["labour_market_status"] == "unemployed"
    assert first["disability"] == "not_asked"
    # Each page read is logged, person by person.
    assert AccessLog.objects.filter(kind=AccessLog.Kind.EXPORT).count() == 2
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).count() == 1


def test_the_api_takes_a_period_and_refuses_a_reversed_one(exporter, agreement):
    participant(agreement, entry=D(2026, 2, 2))
    participant(agreement, entry=D(2026, 10, 1))
    client = token_client(exporter)

    narrowed = client.get(
        API, {"agreement": agreement.pk, "start": "2026-01-01", "end": "2026-03-31"}
    )
    reversed_ = client.get(
        API, {"agreement": agreement.pk, "start": "2026-06-01", "end": "2026-01-01"}
    )
    missing = client.get(API)

    assert narrowed.json()["count"] == 1
    assert reversed_.status_code == 400
    assert reversed_.json()["detail"] == "La fin de la période précède son début."
    assert missing.status_code == 400 and "agreement" in missing.json()


@pytest.mark.cross_tenant("api:fse-plus-participants")
def test_the_api_answers_404_for_another_platforms_agreement(chloe, agreement):
    chloe.can_export_data = True
    chloe.save(update_fields=["can_export_data"])
    participant(agreement)

    response = token_client(chloe).get(API, {"agreement": agreement.pk})

    assert response.status_code == 404
    assert not AccessLog.objects.exists()


@pytest.mark.role_check("api:fse-plus-participants")
def test_the_api_needs_the_export_right(alice, bob, remi, fanny, adele, agreement):
    participant(agreement)
    for member in (alice, bob, remi, fanny):
        response = token_client(member).get(API, {"agreement": agreement.pk})
        assert response.status_code == 403, member
    assert APIClient().get(API, {"agreement": agreement.pk}).status_code in (401, 403)
    assert token_client(adele).get(API, {"agreement": agreement.pk}).status_code == 200


@pytest.mark.parametrize("count", [2, 12])
def test_the_api_query_count_does_not_grow_with_the_participations(
    exporter, agreement, count, django_assert_num_queries
):
    for _ in range(count):
        participant(agreement, exit_on=D(2026, 6, 1))
    client = token_client(exporter)

    with django_assert_num_queries(10):
        response = client.get(API, {"agreement": agreement.pk})
    assert response.status_code == 200


def test_an_export_over_an_invalid_period_goes_back_to_the_page(login, adele, agreement):
    participant(agreement)

    response = login(adele).get(
        EXPORT, export_params(agreement, debut="2026-06-01", fin="2026-01-01")
    )

    assert response.status_code == 302
    assert response["Location"].startswith(INDICATORS + "?")
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).exists()
