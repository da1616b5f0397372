"""The rights of the person: export of everything held (PDF and JSON, page and API), the register
of requests, erasure on request, the anonymisation preview; who may do what."""

import io
import json
import subprocess
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import AccessLog, Beneficiary
from organizations.models import SecurityEvent
from privacy.models import RightsRequest
from privacy.services import ERASURE_DONE, record_rights_request
from vehicles.models import Loan

pytestmark = pytest.mark.django_db


def url(name: str, person) -> str:
    return reverse(f"privacy:{name}", args=[person.beneficiary.pk])


def api_url(person) -> str:
    return reverse("api:beneficiary-export", kwargs={"id": person.beneficiary.pk})


def token_client(membership) -> APIClient:
    token, _ = Token.objects.get_or_create(user=membership.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def with_export_right(membership):
    membership.can_export_data = True
    membership.save(update_fields=["can_export_data"])
    return membership


def pdf_text(pdf: bytes) -> str:
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def everything_of(token: str) -> list[str]:
    """Values planted in every record of the person (see world.person_with_everything)."""
    return [
        f"Prénom{token}", f"Nom{token}", f"5 avenue {token}", f"3 rue {token}", f"FT{token}",
        f"Recueilli {token}", f"Objectif {token}", f"Origine {token}", f"Pause {token}",
        f"Ouvert {token}", f"Synthèse {token}", f"But {token}", f"Détail {token}",
        f"Action {token}", f"Remarque {token}", f"Domicile {token}", f"Compte rendu {token}",
        f"Dossier {token}", f"piece-{token}.pdf", f"Pièce {token}", f"Note {token}",
        f"Sortie {token}", f"Suivi {token}", f"Rayure {token}", f"Remarque prêt {token}",
        f"Prolongé {token}", f"État {token}", f"Amende {token}", f"AVIS{token}",
        f"Attente {token}", f"Freins {token}", f"Projet {token}", f"Horaires {token}",
        f"Accepté {token}", f"Message {token}", f"cv-{token}.pdf", f"CV {token}",
    ]  # fmt: skip


# --- The export ---------------------------------------------------------------------------------


def test_the_json_export_holds_everything_about_the_person_and_nothing_of_anyone_else(
    login, adele, zorglub, quetzal
):
    response = login(adele).get(url("export_json", zorglub))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="donnees-')
    body = response.content.decode()
    missing = [value for value in everything_of("Zorglub") if value not in body]
    assert missing == []
    assert zorglub.phone in body and zorglub.birth_date.isoformat() in body
    for needle in quetzal.needles:
        assert needle not in body.lower()
    data = json.loads(body)
    assert data["export"]["format"] == "mobicase.donnees-personne"
    assert data["person"]["first_name"] == "PrénomZorglub"
    case = data["cases"][0]
    assert [w["workshop"] for w in case["workshops"]] == [
        str(zorglub.case.registrations.get().workshop)
    ]
    assert case["vehicle_loans"][0]["deposit_retained_amount"] == "30.00"
    assert case["referrals"][0]["messages"][0]["body"] == "Message Zorglub"
    assert case["diagnostics"][0]["items"][0]["severity"] == 2
    assert {entry["object"] for entry in data["history"]} >= {"personne accompagnée", "note"}
    assert data["access_log"] and data["consents"]


def test_the_pdf_export_is_readable_and_holds_the_same_data(login, adele, zorglub, quetzal):
    response = login(adele).get(url("export_pdf", zorglub))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Vos données personnelles" in text
    assert f"Détenues par {adele.organization.name}" in text
    for value in ("PrénomZorglub", "Note Zorglub", "Amende Zorglub", "Message Zorglub"):
        assert value in text
    assert "Quetzal" not in text


def test_the_zip_archive_holds_both_renderings_and_every_file_of_the_person_only(
    login, adele, zorglub, quetzal
):
    response = login(adele).get(url("export_archive", zorglub))

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="donnees-')
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = bundle.namelist()
    data = json.loads(bundle.read("donnees-personnelles.json"))
    assert data["person"]["last_name"] == "NomZorglub"
    assert "PrénomZorglub" in pdf_text(bundle.read("donnees-personnelles.pdf"))
    stored = sorted(bundle.read(name) for name in names if name.startswith("fichiers/"))
    assert stored == sorted(default_storage.open(name).read() for name in zorglub.files)
    assert any(name.endswith("piece-zorglub.pdf") for name in names)
    readme = bundle.read("LISEZMOI.txt").decode()
    assert "Fichiers (4)" in readme and "introuvable" not in readme
    assert not any("quetzal" in name.lower() for name in names)
    for name in names:
        assert b"Quetzal" not in bundle.read(name)
    exports = AccessLog.objects.filter(beneficiary=zorglub.beneficiary, kind="export")
    assert exports.count() == 1


def test_a_file_missing_from_storage_is_named_in_the_read_me(login, adele, zorglub):
    default_storage.delete(zorglub.files[0])

    response = login(adele).get(url("export_archive", zorglub))

    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len([n for n in bundle.namelist() if n.startswith("fichiers/")]) == 3
    assert "(fichier introuvable sur le serveur)" in bundle.read("LISEZMOI.txt").decode()


def test_an_export_is_written_to_the_access_log_and_the_security_log(login, adele, zorglub):
    login(adele).get(url("export_json", zorglub))
    token_client(adele).get(api_url(zorglub))

    exports = AccessLog.objects.filter(beneficiary=zorglub.beneficiary, kind="export")
    assert exports.count() == 2 and {e.user for e in exports} == {adele.user}
    events = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT)
    assert events.count() == 2
    # The event names the file (in its address or detail), never the person.
    assert all(str(zorglub.beneficiary.pk) in e.detail + e.path for e in events)
    assert not any("Zorglub" in e.detail + e.path for e in events)


def test_the_api_export_answers_the_same_json(adele, zorglub, quetzal):
    response = token_client(adele).get(api_url(zorglub))

    assert response.status_code == 200
    data = response.json()
    assert data["person"]["last_name"] == "NomZorglub"
    assert "quetzal" not in json.dumps(data, ensure_ascii=False).lower()


def test_the_export_of_an_anonymised_person_holds_no_identity(login, adele, zorglub):
    from privacy.services import anonymise_person

    anonymise_person(zorglub.beneficiary, by=adele)

    body = login(adele).get(url("export_json", zorglub)).content.decode().lower()
    assert "zorglub" not in body and '"anonymised_at": "' in body


# --- The register -------------------------------------------------------------------------------


def test_an_admin_enters_a_request_and_its_answer_in_the_register(login, adele, zorglub):
    client = login(adele)
    page = client.get(url("person", zorglub)).content.decode()
    assert "Télécharger (PDF, pour la lire)" in page
    assert reverse("cases:beneficiary_edit", args=[zorglub.beneficiary.pk]) in page

    response = client.post(
        url("person", zorglub),
        {"kind": "access", "received_on": "2026-01-05", "comment": "Par courrier."},
    )
    assert response.status_code == 302
    rights_request = RightsRequest.objects.get()
    assert rights_request.is_pending and rights_request.recorded_by == adele.user
    assert "en retard" in client.get(url("person", zorglub)).content.decode()

    answer = client.post(
        reverse("privacy:answer", args=[rights_request.pk]),
        {"outcome": "granted", "handled_on": "2026-01-20", "comment": "Copie remise."},
    )
    assert answer.status_code == 302
    rights_request.refresh_from_db()
    assert rights_request.outcome == "granted" and rights_request.handled_by == adele.user
    assert rights_request.comment == "Copie remise."
    again = client.post(
        reverse("privacy:answer", args=[rights_request.pk]),
        {"outcome": "refused", "handled_on": "2026-01-21"},
    )
    assert "a déjà reçu une réponse" in again.content.decode()


def test_a_request_received_in_the_future_is_refused_in_french(login, adele, zorglub):
    response = login(adele).post(
        url("person", zorglub), {"kind": "erasure", "received_on": "2999-01-01"}
    )

    assert "ne peut pas être dans le futur" in response.content.decode()
    assert not RightsRequest.objects.exists()


def test_the_register_lists_pending_requests_at_a_constant_number_of_queries(
    login, adele, zorglub, quetzal, django_assert_num_queries
):
    record_rights_request(
        beneficiary=zorglub.beneficiary, by=adele, kind="access", received_on=zorglub.case.opened_on
    )
    client = login(adele)
    client.get(reverse("privacy:register"))

    with django_assert_num_queries(5):
        client.get(reverse("privacy:register"))
    for kind in ("portability", "rectification", "objection"):
        record_rights_request(
            beneficiary=quetzal.beneficiary, by=adele, kind=kind, received_on=quetzal.case.opened_on
        )
    with django_assert_num_queries(5):
        response = client.get(reverse("privacy:register"))

    html = response.content.decode()
    assert html.count(reverse("privacy:person", args=[quetzal.beneficiary.pk])) == 3
    assert "Portabilité" in html


# --- Erasure on request -------------------------------------------------------------------------


def test_erasure_on_request_anonymises_now_and_keeps_the_loan_accounting(
    login, adele, zorglub, django_capture_on_commit_callbacks
):
    loan_fields = [
        "vehicle_id", "start_date", "end_date", "status", "price_total", "daily_fee",
        "deposit_amount", "deposit_status", "deposit_retained_amount", "case_id",
    ]  # fmt: skip
    before = Loan.objects.filter(pk=zorglub.loan.pk).values(*loan_fields).get()
    client = login(adele)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("erase", zorglub), {"received_on": "2026-01-05", "confirm": "on"}
        )

    assert response.status_code == 302 and response["Location"] == url("person", zorglub)
    assert Beneficiary.objects.get(pk=zorglub.beneficiary.pk).anonymised_at is not None
    assert Loan.objects.filter(pk=zorglub.loan.pk).values(*loan_fields).get() == before
    rights_request = RightsRequest.objects.get()
    assert (rights_request.kind, rights_request.outcome) == ("erasure", "granted")
    assert ERASURE_DONE in rights_request.comment
    page = client.get(response["Location"]).content.decode()
    assert "Dossier anonymisé le" in page and "Zorglub" not in page


def test_erasure_needs_the_confirmation(login, adele, zorglub):
    response = login(adele).post(url("erase", zorglub), {"received_on": "2026-01-05"})

    assert response.status_code == 302 and response["Location"] == url("preview", zorglub)
    assert Beneficiary.objects.get(pk=zorglub.beneficiary.pk).anonymised_at is None


def test_erasure_closes_the_pending_erasure_request(login, adele, zorglub):
    pending = record_rights_request(
        beneficiary=zorglub.beneficiary,
        by=adele,
        kind="erasure",
        received_on=zorglub.case.opened_on,
    )

    login(adele).post(url("erase", zorglub), {"received_on": "2026-01-05", "confirm": "on"})

    pending.refresh_from_db()
    assert pending.outcome == "granted" and RightsRequest.objects.count() == 1


# --- The preview --------------------------------------------------------------------------------


def test_the_preview_shows_each_value_that_will_be_erased_and_changes_nothing(
    login, alice, zorglub
):
    html = login(alice).get(url("preview", zorglub)).content.decode()

    for value in ("5 avenue Zorglub", "Synthèse Zorglub", "Message Zorglub", "Note Zorglub"):
        assert value in html, value
    assert "remplacé par « Contenu anonymisé »" in html and "fichier supprimé" in html
    assert "version" in html  # the history rows that go
    assert "Anonymiser maintenant" not in html  # Alice has no export right
    assert Beneficiary.objects.get(pk=zorglub.beneficiary.pk).anonymised_at is None


def test_an_admin_sees_the_erasure_form_under_the_preview(login, adele, zorglub):
    html = login(adele).get(url("preview", zorglub)).content.decode()

    assert "Anonymiser maintenant" in html and url("erase", zorglub) in html


# --- Who may -----------------------------------------------------------------------------------


@pytest.mark.cross_tenant(
    "privacy:person",
    "privacy:export_pdf",
    "privacy:export_json",
    "privacy:export_archive",
    "privacy:preview",
    "privacy:erase",
    "api:beneficiary-export",
)
def test_another_platform_gets_404_on_a_persons_data(login, chloe, zorglub):
    client = login(with_export_right(chloe))

    for name in ("person", "export_pdf", "export_json", "export_archive", "preview"):
        assert client.get(url(name, zorglub)).status_code == 404, name
    assert (
        client.post(
            url("erase", zorglub), {"received_on": "2026-01-05", "confirm": "on"}
        ).status_code
        == 404
    )
    assert token_client(chloe).get(api_url(zorglub)).status_code == 404
    assert Beneficiary.objects.get(pk=zorglub.beneficiary.pk).anonymised_at is None
    assert not AccessLog.objects.filter(beneficiary=zorglub.beneficiary, kind="export").exists()


@pytest.mark.cross_tenant("privacy:register", "privacy:answer")
def test_another_platform_sees_nothing_of_the_register(login, adele, chloe, zorglub):
    rights_request = record_rights_request(
        beneficiary=zorglub.beneficiary, by=adele, kind="access", received_on=zorglub.case.opened_on
    )
    client = login(with_export_right(chloe))

    register = client.get(reverse("privacy:register"), {"etat": "all"})
    assert register.status_code == 200 and "Zorglub" not in register.content.decode()
    assert "<strong>0</strong> demande" in register.content.decode()
    answer = reverse("privacy:answer", args=[rights_request.pk])
    assert client.get(answer).status_code == 404
    assert (
        client.post(answer, {"outcome": "refused", "handled_on": "2026-01-05"}).status_code == 404
    )


@pytest.mark.role_check(
    "privacy:person",
    "privacy:export_pdf",
    "privacy:export_json",
    "privacy:export_archive",
    "privacy:erase",
    "privacy:register",
    "privacy:answer",
    "api:beneficiary-export",
)
def test_without_the_export_right_an_advisor_or_a_coach_gets_403(login, adele, alice, bob, zorglub):
    rights_request = record_rights_request(
        beneficiary=zorglub.beneficiary, by=adele, kind="access", received_on=zorglub.case.opened_on
    )
    for member in (alice, bob):
        client = login(member)
        for name in ("person", "export_pdf", "export_json", "export_archive"):
            assert client.get(url(name, zorglub)).status_code == 403, (member, name)
        assert client.post(url("erase", zorglub), {"confirm": "on"}).status_code == 403
        assert client.get(reverse("privacy:register")).status_code == 403
        assert client.get(reverse("privacy:answer", args=[rights_request.pk])).status_code == 403
        assert token_client(member).get(api_url(zorglub)).status_code == 403
    assert Beneficiary.objects.get(pk=zorglub.beneficiary.pk).anonymised_at is None


@pytest.mark.role_check("privacy:preview")
def test_a_coach_referrer_or_funder_cannot_see_the_preview(login, bob, remi, fanny, zorglub):
    for member in (bob, remi, fanny):
        assert login(member).get(url("preview", zorglub)).status_code == 403


def test_an_advisor_granted_the_export_right_exports(login, alice, zorglub):
    response = login(with_export_right(alice)).get(url("export_json", zorglub))

    assert response.status_code == 200


def test_the_case_page_links_to_the_rights_page_only_with_the_export_right(
    login, alice, adele, zorglub
):
    case_url = reverse("cases:case_detail", args=[zorglub.case.pk])

    assert url("person", zorglub) not in login(alice).get(case_url).content.decode()
    assert url("person", zorglub) in login(adele).get(case_url).content.decode()
