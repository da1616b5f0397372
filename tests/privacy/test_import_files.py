"""Uploaded import spreadsheets hold whole lists of people: the retention run deletes them, and
the rows copied from them, a set time after the import ended; the counts of the import stay."""

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases import imports
from cases.models import ImportJob
from organizations.errors import DomainError
from privacy import services

pytestmark = pytest.mark.django_db

Status = ImportJob.Status
ROW = "Lefèvre;Hélène;14/03/1988;F"


def new_job(membership, *, status: str, ended_days_ago: int | None, created_days_ago: int = 60):
    content = f"Nom;Prénom;Date de naissance;Sexe\r\n{ROW}\r\n".encode()
    job = imports.create_import_job(
        organization=membership.organization,
        by=membership,
        uploaded_file=SimpleUploadedFile("suivi.csv", content),
    )
    now = timezone.now()
    finished_at = None if ended_days_ago is None else now - dt.timedelta(days=ended_days_ago)
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        created_at=now - dt.timedelta(days=created_days_ago),
        finished_at=finished_at,
        errors=["Ligne 2 : la date de naissance « 31/02/1988 » n'existe pas."]
        if status == Status.FAILED
        else [],
        beneficiaries_created=1 if status == Status.DONE else 0,
    )
    return ImportJob.objects.get(pk=job.pk)


def test_files_of_imports_ended_30_days_ago_are_deleted_with_their_rows(
    alice, django_capture_on_commit_callbacks
):
    done = new_job(alice, status=Status.DONE, ended_days_ago=30)
    failed = new_job(alice, status=Status.FAILED, ended_days_ago=45)
    abandoned = new_job(alice, status=Status.MAPPED, ended_days_ago=None, created_days_ago=31)
    recent = new_job(alice, status=Status.DONE, ended_days_ago=29)
    started = new_job(alice, status=Status.UPLOADED, ended_days_ago=None, created_days_ago=2)
    running = new_job(alice, status=Status.RUNNING, ended_days_ago=None, created_days_ago=40)
    assert ROW.split(";")[0] in str(done.sample)

    with django_capture_on_commit_callbacks(execute=True):
        report = services.apply_retention()

    assert report.imports == 3
    for job in (done, failed, abandoned):
        name = job.file.name
        job.refresh_from_db()
        assert job.is_purged and not job.file and job.sample == [] and job.errors == []
        assert not default_storage.exists(name)
    assert ImportJob.objects.get(pk=done.pk).beneficiaries_created == 1  # the counts stay
    for job in (recent, started, running):
        kept = ImportJob.objects.get(pk=job.pk)
        assert not kept.is_purged and default_storage.exists(kept.file.name)
        assert kept.sample == job.sample
    with django_capture_on_commit_callbacks(execute=True):
        assert services.apply_retention().imports == 0


def test_the_delay_is_a_setting_and_the_dry_run_only_counts(alice, settings):
    settings.IMPORT_FILE_RETENTION_DAYS = 90
    job = new_job(alice, status=Status.DONE, ended_days_ago=60)
    assert services.apply_retention(dry_run=True).imports == 0

    settings.IMPORT_FILE_RETENTION_DAYS = 60
    report = services.apply_retention(dry_run=True)

    assert report.imports == 1 and "Fichiers d'import de tableaux à supprimer : 1" in report.lines()
    assert not ImportJob.objects.get(pk=job.pk).is_purged


def test_a_purged_import_cannot_be_resumed_and_its_page_says_why(alice, login):
    job = new_job(alice, status=Status.FAILED, ended_days_ago=40)
    services.apply_retention()
    job.refresh_from_db()
    client = login(alice)

    mapping = client.get(reverse("cases:import_mapping", kwargs={"job_id": job.pk}))
    page = client.get(reverse("cases:import_status", kwargs={"job_id": job.pk}))

    assert mapping.url == reverse("cases:import_status", kwargs={"job_id": job.pk})
    html = page.content.decode()
    assert "Le fichier déposé et ses lignes ont été supprimés le" in html
    assert "Lefèvre" not in html and "31/02/1988" not in html
    with pytest.raises(DomainError) as refused:
        imports.set_mapping(job, by=alice, mapping={"last_name": 0})
    assert refused.value.code == "import_purged"
    with pytest.raises(DomainError):
        imports.start_import(job, by=alice, duplicate_policy="skip")
