"""The activity report PDF: the figures it prints are the API's, for the same scope and period."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from organizations.models import Membership
from reporting.models import ReportJob
from tests.conftest import _member, client_for
from tests.reporting import world as w
from tests.reporting.pdfcheck import is_pdf_a_3b, text_of


@pytest.fixture
def world(db):
    return w.build()


def normalise(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def compact(text: str) -> str:
    return "".join(normalise(text).split())


def printed_values(text: str, labels: list[str]) -> dict[str, str]:
    """The value printed after each indicator's label in the « Tous les indicateurs » table."""
    table = text.split("Tous les indicateurs", 1)[1]
    found = {}
    for line in table.splitlines():
        line = normalise(line)
        for label in labels:
            if line.startswith(label + " ") and label not in found:
                rest = line[len(label) :].strip()
                # A longer label that starts like this one would leave words, not a value.
                if (rest and not rest[0].isalpha()) or compact(rest) in ("<5", "s", "—"):
                    found[label] = rest
    return found


def test_the_funders_pdf_prints_the_figures_of_the_api(
    world, django_capture_on_commit_callbacks, tmp_path
):
    funder = _member("fanny@cd59.example.org", "Fanny", world.funder, Membership.Role.FUNDER)
    client = client_for(funder)
    agreement = world.agreement
    period = {"start": agreement.start_date.isoformat(), "end": agreement.end_date.isoformat()}
    scope = f"agreement:{agreement.pk}"
    api = client.get("/api/v1/stats/", {"scope": scope, **period}).json()
    assert api["suppressed"] is True
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("reporting:report_create"),
            {"scope": scope, "period": f"{period['start']}_{period['end']}"},
        )
    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.DONE, job.error
    pdf = b"".join(
        client.get(reverse("reporting:report_download", args=[job.pk])).streaming_content
    )
    assert is_pdf_a_3b(pdf)
    text = text_of(pdf, tmp_path)
    labels = [item["label"] for item in api["indicators"]]
    # pdftotext keeps or drops the (non-breaking) spaces inside « 1 234 » and « < 5 »: compare
    # the values without their spaces.
    printed = {k: compact(v) for k, v in printed_values(text, labels).items()}
    expected = {item["label"]: compact(item["display"]) for item in api["indicators"]}
    assert printed == expected
    # Small counts hidden in both: the agreement's three people read « < 5 » everywhere.
    assert expected["Personnes accompagnées"] == "<5"
    for case in world.cases.values():
        assert case.beneficiary.last_name.upper() not in text.upper()


def test_the_command_writes_the_platforms_report(world, tmp_path):
    output = tmp_path / "bilan.pdf"
    call_command(
        "activity_report",
        organization="msl",
        start="2026-01-01",
        end="2026-06-30",
        output=str(output),
    )
    pdf = output.read_bytes()
    assert is_pdf_a_3b(pdf)
    text = normalise(text_of(pdf, tmp_path))
    assert "Bilan d'activité" in text and "Du 1 janvier 2026 au 30 juin 2026" in text
    assert "Personnes accompagnées 5" in text


def test_the_command_reports_an_agreement_with_small_counts_hidden(world, tmp_path):
    output = tmp_path / "convention.pdf"
    call_command(
        "activity_report",
        organization="msl",
        start="2026-01-01",
        end="2026-12-31",
        agreement=str(world.agreement.pk),
        output=str(output),
        suppress=True,
    )
    text = normalise(text_of(output.read_bytes(), tmp_path))
    assert "Mobilité vers l'emploi" in text
    assert "Personnes accompagnées <5" in text.replace("< 5", "<5")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"organization": "nope"}, "Aucune plateforme « nope »."),
        ({"start": "01/01/2026"}, "Date invalide « 01/01/2026 » : utilisez AAAA-MM-JJ."),
        ({"end": "2025-01-01"}, "La fin de la période précède son début."),
        ({"agreement": "12"}, "Aucune convention « 12 » pour cette plateforme."),
    ],
)
def test_the_command_explains_bad_input_in_french(world, tmp_path, options, message):
    arguments = {
        "organization": "msl",
        "start": "2026-01-01",
        "end": "2026-06-30",
        "output": str(tmp_path / "x.pdf"),
        **options,
    }
    with pytest.raises(CommandError, match=message):
        call_command("activity_report", **arguments)
    assert not (tmp_path / "x.pdf").exists()


def test_an_fse_plus_agreements_page_and_report_carry_the_fse_table(
    world, django_capture_on_commit_callbacks, tmp_path
):
    world.agreement.is_fse_plus = True
    world.agreement.save(update_fields=["is_fse_plus"])
    funder = _member("fanny@cd59.example.org", "Fanny", world.funder, Membership.Role.FUNDER)
    client = client_for(funder)
    scope = f"agreement:{world.agreement.pk}"
    page = client.get(reverse("reporting:dashboard"), {"scope": scope})
    assert page.status_code == 200
    rows = {row.code: row for row in page.context["fse_rows"] if not row.is_detail}
    # Three participants: every count is hidden for the funder.
    assert rows["EECO01"].cell("total").display == "< 5"
    assert "FSE+ — indicateurs communs de participants" in page.content.decode()
    period = f"{world.agreement.start_date}_{world.agreement.end_date}"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reporting:report_create"), {"scope": scope, "period": period})
    job = ReportJob.objects.get()
    pdf = b"".join(
        client.get(reverse("reporting:report_download", args=[job.pk])).streaming_content
    )
    text = normalise(text_of(pdf, tmp_path))
    assert "FSE+ : indicateurs communs de participants" in text and "EECO01" in text
