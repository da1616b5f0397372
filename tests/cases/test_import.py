"""Spreadsheet import: upload, column mapping, preview with French errors, atomic commit."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from cases import imports
from cases.models import Beneficiary, Case, ImportJob
from cases.services import lifecycle
from organizations.errors import DomainError
from organizations.models import Membership
from tests import factories
from tests.cases.factories import BeneficiaryFactory

Role = Membership.Role
UPLOAD = reverse("cases:import_upload")

HEADERS = [
    "Nom", "Prénom", "Date de naissance", "Sexe", "Code INSEE", "RSA", "Date d'entrée",
    "Conseiller",
]  # fmt: skip


def job_url(name: str, job: ImportJob) -> str:
    return reverse(f"cases:{name}", kwargs={"job_id": job.pk})


def csv_bytes(rows, *, headers=HEADERS, delimiter=";", encoding="utf-8") -> bytes:
    lines = [delimiter.join(headers), *(delimiter.join(row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows, *, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, name: str = "suivi.csv"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content)})


def run_all_steps(client, content: bytes, name: str = "suivi.csv", policy: str = "skip"):
    """Upload, keep the guessed mapping, preview and commit; return the job."""
    response = upload(client, content, name)
    assert response.status_code == 302, response.context["form"].errors
    job = ImportJob.objects.latest("created_at")
    mapping = {key: str(index) for key, index in job.mapping.items()}
    assert client.post(job_url("import_mapping", job), mapping).status_code == 302
    assert client.get(job_url("import_preview", job)).status_code == 200
    committed = client.post(job_url("import_commit", job), {"duplicate_policy": policy})
    assert committed.url == job_url("import_status", job)
    job.refresh_from_db()
    return job


@pytest.fixture
def lille(db):
    return factories.TerritoryFactory(code="59350", name="Lille", postcodes="59000 59800")


@pytest.fixture
def roubaix(db):
    return factories.TerritoryFactory(code="59512", name="Roubaix", postcodes="59100")


@pytest.fixture
def alice_named(alice):
    alice.user.last_name = "Martin"
    alice.user.save()
    return alice


def today_minus(days: int) -> str:
    return f"{timezone.localdate() - dt.timedelta(days=days):%d/%m/%Y}"


# --- Reading files and guessing the mapping -------------------------------------------------


def test_the_mapping_is_guessed_from_french_headers():
    columns = [
        "N° dossier", "NOM", "Prénom", "Date de naissance", "Commune", "Code INSEE", "Sexe",
        "Bénéficiaire RSA", "Date d'entrée", "Conseiller référent", "Tél.", "Adresse mail",
        "Nom de naissance",
    ]  # fmt: skip

    mapping = imports.guess_mapping(columns)

    assert mapping == {
        "last_name": 1,
        "first_name": 2,
        "birth_date": 3,
        "sex": 6,
        "email": 11,
        "phone": 10,
        "commune": 5,  # the INSEE code wins over the commune name
        "receives_rsa": 7,
        "opened_on": 8,
        "advisor": 9,
    }


def test_a_windows_1252_csv_separated_by_semicolons_is_read():
    content = csv_bytes([["Lefèvre", "Hélène", "14/03/1988", "F", "59350", "oui", "", ""]],
                        encoding="cp1252")  # fmt: skip

    table = imports.read_csv(content)

    assert (table.encoding, table.delimiter) == ("cp1252", ";")
    assert table.columns[:2] == ["Nom", "Prénom"]
    assert table.rows == [(2, ["Lefèvre", "Hélène", "14/03/1988", "F", "59350", "oui", "", ""])]


def test_a_utf8_csv_separated_by_commas_is_read():
    content = csv_bytes([["Dupont", "Léo", "1990-01-02", "M", "59350", "non", "", ""]],
                        delimiter=",")  # fmt: skip

    table = imports.read_csv(content)

    assert (table.encoding, table.delimiter) == ("utf-8-sig", ",")
    assert table.rows[0][1][1] == "Léo"


# --- The whole journey ------------------------------------------------------------------------


def test_an_advisor_imports_a_windows_1252_csv_of_people_and_their_cases(
    login, alice_named, lille, roubaix
):
    client = login(alice_named)
    content = csv_bytes(
        [
            ["Lefèvre", "Hélène", "14/03/1988", "Femme", "59350", "oui", today_minus(40),
             "Alice Martin"],
            ["Benali", "Samir", "02/06/1995", "H", "59512", "non", "", ""],
        ],
        encoding="cp1252",
    )  # fmt: skip

    job = run_all_steps(client, content)

    assert job.status == ImportJob.Status.DONE
    assert (job.beneficiaries_created, job.cases_created) == (2, 2)
    assert not job.file  # the spreadsheet, personal data, is not kept once imported
    helene = Beneficiary.objects.get(last_name="Lefèvre")
    assert (helene.first_name, helene.birth_date, helene.sex) == (
        "Hélène",
        dt.date(1988, 3, 14),
        "F",
    )
    assert (helene.commune, helene.receives_rsa, helene.organization) == (
        lille,
        True,
        alice_named.organization,
    )
    case = helene.cases.get()
    assert (case.status, case.advisor, case.opened_on) == (
        Case.Status.INTAKE,
        alice_named,
        timezone.localdate() - dt.timedelta(days=40),
    )
    assert case.transitions.get().by == alice_named.user
    samir_case = Case.objects.get(beneficiary__last_name="Benali")
    assert (samir_case.opened_on, samir_case.advisor) == (timezone.localdate(), None)
    page = client.get(job_url("import_status", job)).content.decode()
    assert "2 personnes importées" in page


def test_an_xlsx_with_date_cells_and_numeric_codes_is_imported(login, alice, lille):
    client = login(alice)
    content = xlsx_bytes(
        [
            ["Lefèvre", "Hélène", dt.datetime(1988, 3, 14), "F", 59350, "X", None, None],
            ["Dupont", "Léa", "02/01/1990", None, None, None, None, None],
        ]
    )

    job = run_all_steps(client, content, name="Suivi 2026.xlsx")

    assert (job.status, job.file_format) == (ImportJob.Status.DONE, "xlsx")
    helene = Beneficiary.objects.get(last_name="Lefèvre")
    assert (helene.birth_date, helene.commune, helene.receives_rsa) == (
        dt.date(1988, 3, 14),
        lille,
        True,
    )
    assert Beneficiary.objects.get(last_name="Dupont").sex == Beneficiary.Sex.NOT_STATED


def test_the_mapping_page_shows_the_guess_and_the_first_rows(login, alice):
    client = login(alice)
    upload(client, csv_bytes([["Lefèvre", "Hélène", "14/03/1988", "F", "", "", "", ""]]))
    job = ImportJob.objects.get()

    response = client.get(job_url("import_mapping", job))

    assert response.status_code == 200
    assert response.context["form"]["birth_date"].value() == "2"
    assert "Date de naissance (ex. : 14/03/1988)" in response.content.decode()


def test_a_column_cannot_fill_two_fields_and_the_name_is_required(login, alice):
    client = login(alice)
    upload(client, csv_bytes([["Lefèvre", "Hélène", "14/03/1988", "F", "", "", "", ""]]))
    job = ImportJob.objects.get()

    twice = client.post(job_url("import_mapping", job), {"last_name": "0", "first_name": "0"})
    no_name = client.post(job_url("import_mapping", job), {"first_name": "1"})

    assert twice.status_code == 200
    assert "La colonne « Nom » est associée à deux champs" in twice.content.decode()
    assert no_name.context["form"].errors["last_name"] == [
        "Choisissez la colonne qui donne « Nom »."
    ]
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED


# --- Errors: shown in French, and nothing written -------------------------------------------


def test_the_preview_lists_row_errors_in_french_and_offers_no_import(login, alice, lille):
    client = login(alice)
    content = csv_bytes(
        [
            ["Lefèvre", "Hélène", "14/03/1988", "F", "59350", "oui", "", ""],
            ["Benali", "Samir", "31/02/1990", "M", "59350", "non", "", ""],
            ["", "Léa", "01/01/2090", "Z", "99999", "peut-être", "", "Jean Inconnu"],
        ]
    )
    upload(client, content)
    job = ImportJob.objects.get()
    client.post(job_url("import_mapping", job), {k: str(v) for k, v in job.mapping.items()})

    response = client.get(job_url("import_preview", job))

    errors = response.context["preview"].errors
    assert (
        errors[0] == "Ligne 3 : date de naissance « 31/02/1990 » invalide (attendu : JJ/MM/AAAA)."
    )
    assert "Ligne 4 : le nom est vide." in errors
    assert (
        "Ligne 4 : la date de naissance ne peut pas être dans le futur (« 01/01/2090 »)." in errors
    )
    assert "Ligne 4 : sexe « Z » non reconnu·e." in errors
    assert any(e.startswith("Ligne 4 : code commune « 99999 » inconnu") for e in errors)
    assert (
        "Ligne 4 : bénéficiaire du RSA « peut-être » non reconnu : indiquez oui ou non." in errors
    )
    assert any(e.startswith("Ligne 4 : conseiller·e « Jean Inconnu » inconnu·e") for e in errors)
    page = response.content.decode()
    assert "Lignes à corriger" in page
    assert job_url("import_commit", job) not in page


def test_a_bad_row_means_nothing_is_written_at_all(login, alice, lille):
    client = login(alice)
    content = csv_bytes(
        [
            ["Lefèvre", "Hélène", "14/03/1988", "F", "59350", "oui", "", ""],
            ["Benali", "Samir", "31/02/1990", "M", "59350", "non", "", ""],
        ]
    )

    job = run_all_steps(client, content)  # commit posted despite the preview

    assert job.status == ImportJob.Status.FAILED
    assert job.errors == [
        "Ligne 3 : date de naissance « 31/02/1990 » invalide (attendu : JJ/MM/AAAA)."
    ]
    assert not Beneficiary.objects.exists()
    assert not Case.objects.exists()
    assert job.file.storage.exists(job.file.name)  # kept to fix the mapping and try again
    page = client.get(job_url("import_status", job)).content.decode()
    assert "<strong>Rien n'a été enregistré.</strong>" in page
    assert "Ligne 3 : date de naissance « 31/02/1990 » invalide" in page


def test_a_row_refused_while_writing_rolls_back_the_rows_already_written(login, alice, monkeypatch):
    real_open_case = lifecycle.open_case
    calls = []

    def open_case_refusing_the_second(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise DomainError("Refus simulé à l'enregistrement.")
        return real_open_case(**kwargs)

    monkeypatch.setattr(lifecycle, "open_case", open_case_refusing_the_second)
    content = csv_bytes(
        [
            ["Lefèvre", "Hélène", "14/03/1988", "F", "", "", "", ""],
            ["Benali", "Samir", "02/06/1995", "M", "", "", "", ""],
            ["Dupont", "Léa", "02/01/1990", "F", "", "", "", ""],
        ]
    )

    job = run_all_steps(login(alice), content)

    assert len(calls) == 3  # every row is tried, to report every refusal at once
    assert job.status == ImportJob.Status.FAILED
    assert job.errors == ["Ligne 3 : refus simulé à l'enregistrement."]
    assert not Beneficiary.objects.exists()
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("suivi.xlsx", b"Nom;Prenom\nA;B\n", "n'est pas un classeur Excel (XLSX) valide"),
        ("suivi.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old", "Excel 97-2003 (.xls)"),
        ("photo.png", b"\x89PNG\r\n\x1a\n", "« .png » ne sont pas acceptés"),
        ("vide.csv", b"Nom;Prenom\n", "ne contient que des en-têtes"),
    ],
)
def test_a_file_that_is_not_a_readable_table_is_refused(login, alice, name, content, message):
    response = upload(login(alice), content, name)

    assert response.status_code == 200
    assert message in response.context["form"].errors["file"][0]
    assert not ImportJob.objects.exists()


# --- Duplicates ---------------------------------------------------------------------------------


def test_duplicates_in_the_file_and_in_the_platform_are_flagged_then_skipped(login, alice):
    BeneficiaryFactory(
        organization=alice.organization,
        first_name="Hélène",
        last_name="Lefèvre",
        birth_date=dt.date(1988, 3, 14),
    )
    client = login(alice)
    content = csv_bytes(
        [
            ["LEFEVRE", "helene", "14/03/1988", "F", "", "", "", ""],
            ["Benali", "Samir", "02/06/1995", "M", "", "", "", ""],
            ["Bénali", "Samir", "02/06/1995", "M", "", "", "", ""],
        ]
    )
    upload(client, content)
    job = ImportJob.objects.get()
    client.post(job_url("import_mapping", job), {k: str(v) for k, v in job.mapping.items()})

    preview = client.get(job_url("import_preview", job)).context["preview"]
    client.post(job_url("import_commit", job), {"duplicate_policy": "skip"})

    assert [row.duplicate for row in preview.duplicates] == [
        "Ligne 2 : helene LEFEVRE, né·e le 14/03/1988, est peut-être déjà suivi·e par la "
        "plateforme.",
        "Ligne 4 : même nom et même date de naissance que la ligne 3.",
    ]
    job.refresh_from_db()
    assert (job.status, job.beneficiaries_created, job.rows_skipped) == ("done", 1, 2)
    assert Beneficiary.objects.filter(name_key="lefevre helene").count() == 1


def test_flagged_duplicates_are_imported_when_the_advisor_says_they_are_other_people(login, alice):
    BeneficiaryFactory(
        organization=alice.organization, first_name="Hélène", last_name="Lefèvre",
        birth_date=dt.date(1988, 3, 14),
    )  # fmt: skip
    content = csv_bytes([["LEFEVRE", "helene", "14/03/1988", "F", "", "", "", ""]])

    job = run_all_steps(login(alice), content, policy="create")

    assert (job.status, job.beneficiaries_created) == ("done", 1)
    assert Beneficiary.objects.filter(name_key="lefevre helene").count() == 2


# --- Large files: the background task and its progress page ------------------------------------


def test_a_file_over_500_rows_is_imported_by_a_background_task(
    login, alice, django_capture_on_commit_callbacks
):
    rows = [
        [f"Nom{n}", f"Prénom{n}", f"{1 + n % 28:02d}/0{1 + n % 9}/19{60 + n % 40}", "F", "",
         "", "", ""]
        for n in range(501)
    ]  # fmt: skip
    client = login(alice)
    upload(client, csv_bytes(rows))
    job = ImportJob.objects.get()
    client.post(job_url("import_mapping", job), {k: str(v) for k, v in job.mapping.items()})

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(job_url("import_commit", job), {"duplicate_policy": "skip"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED  # not run in the request
    assert not Case.objects.exists()
    for callback in callbacks:  # the task is enqueued on commit; ImmediateBackend runs it
        callback()

    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.cases_created) == ("done", 501, 501)
    assert Case.objects.filter(organization=alice.organization).count() == 501


def test_the_progress_page_polls_while_the_import_runs_and_stops_when_done(login, alice):
    job = ImportJob.objects.create(
        organization=alice.organization, created_by=alice, original_name="gros.csv",
        file_format="csv", status=ImportJob.Status.RUNNING, total_rows=800, processed_rows=300,
    )  # fmt: skip
    client = login(alice)

    running = client.get(job_url("import_status", job), headers={"HX-Request": "true"})
    job.status, job.beneficiaries_created, job.cases_created = "done", 800, 800
    job.save()
    done = client.get(job_url("import_status", job), headers={"HX-Request": "true"})

    assert running.status_code == 200
    running_html = running.content.decode()
    assert "<html" not in running_html  # only the partial
    assert 'hx-trigger="every 2s"' in running_html
    assert 'value="300"' in running_html
    assert "Vérification des lignes : 300 sur 800" in running_html
    assert "hx-trigger" not in done.content.decode()
    assert "800 personnes importées" in done.content.decode()


# --- Tenancy and roles -------------------------------------------------------------------------


@pytest.fixture
def alice_job(alice):
    return imports.create_import_job(
        organization=alice.organization,
        by=alice,
        uploaded_file=SimpleUploadedFile(
            "suivi.csv", csv_bytes([["Lefèvre", "Hélène", "14/03/1988", "F", "", "", "", ""]])
        ),
    )


@pytest.mark.cross_tenant(
    "cases:import_mapping", "cases:import_preview", "cases:import_commit", "cases:import_status"
)
def test_another_platform_gets_404_on_an_import(login, chloe, alice_job):
    client = login(chloe)

    responses = [
        client.get(job_url("import_mapping", alice_job)),
        client.post(job_url("import_mapping", alice_job), {"last_name": "0", "first_name": "1"}),
        client.get(job_url("import_preview", alice_job)),
        client.post(job_url("import_commit", alice_job), {"duplicate_policy": "create"}),
        client.get(job_url("import_status", alice_job)),
    ]

    assert [r.status_code for r in responses] == [404] * 5
    alice_job.refresh_from_db()
    assert alice_job.status == ImportJob.Status.UPLOADED
    assert not Beneficiary.objects.exists()


@pytest.mark.cross_tenant("cases:import_upload")
def test_the_recent_imports_list_shows_only_the_platform_imports(login, chloe, alice_job):
    response = login(chloe).get(UPLOAD)

    assert response.status_code == 200
    assert list(response.context["jobs"]) == []
    assert "suivi.csv" not in response.content.decode()


def test_the_recent_imports_list_query_count_does_not_grow_with_rows(
    login, alice, alice_job, django_assert_num_queries
):
    client = login(alice)
    # Session, user, memberships (middleware); the jobs with who launched them.
    with django_assert_num_queries(4):
        client.get(UPLOAD)
    for _ in range(3):
        ImportJob.objects.create(
            organization=alice.organization,
            created_by=factories.MembershipFactory(organization=alice.organization),
            original_name="autre.csv",
            file_format="csv",
        )

    with django_assert_num_queries(4):
        response = client.get(UPLOAD)

    assert len(response.context["jobs"]) == 4


@pytest.mark.role_check(
    "cases:import_upload",
    "cases:import_mapping",
    "cases:import_preview",
    "cases:import_commit",
    "cases:import_status",
)
def test_coaches_referrers_and_funders_cannot_import(login, bob, remi, fanny, alice_job):
    for member in (bob, remi, fanny):
        client = login(member)
        responses = [
            client.get(UPLOAD),
            upload(client, csv_bytes([["A", "B", "", "", "", "", "", ""]])),
            client.get(job_url("import_mapping", alice_job)),
            client.get(job_url("import_preview", alice_job)),
            client.post(job_url("import_commit", alice_job), {"duplicate_policy": "skip"}),
            client.get(job_url("import_status", alice_job)),
        ]
        assert [r.status_code for r in responses] == [403] * 6, member
    assert ImportJob.objects.count() == 1
    assert not Beneficiary.objects.exists()


def test_an_admin_may_import_too(login, adele):
    content = csv_bytes([["Lefèvre", "Hélène", "14/03/1988", "F", "", "", "", ""]])

    job = run_all_steps(login(adele), content)

    assert job.status == ImportJob.Status.DONE
