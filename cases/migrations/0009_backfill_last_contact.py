"""Date every file's last contact coming from the person, from the records already kept.

The sources are those the services count from now on (see ``cases/services/contacts.py``):
the case's entry, honoured appointments, workshop attendance, follow-ups where the person was
reached, and the documents the person provided. A file with none of these keeps its creation
day. Vehicle loans add their handovers in a migration of the ``vehicles`` app.
"""

from django.db import migrations
from django.db.models import Max
from django.utils import timezone

PERSON_DOCUMENT_KINDS = ("identity", "address", "licence", "employment", "income")


def _bump(latest, person_id, day):
    if person_id is not None and day is not None and (
        person_id not in latest or latest[person_id] < day
    ):
        latest[person_id] = day


def backfill(apps, schema_editor):
    Beneficiary = apps.get_model("cases", "Beneficiary")
    Case = apps.get_model("cases", "Case")
    Appointment = apps.get_model("cases", "Appointment")
    Registration = apps.get_model("cases", "Registration")
    FollowUp = apps.get_model("cases", "FollowUp")
    Document = apps.get_model("cases", "Document")
    latest = {}
    for row in Case.objects.values("beneficiary_id").annotate(last=Max("opened_on")):
        _bump(latest, row["beneficiary_id"], row["last"])
    for row in FollowUp.objects.filter(reached=True).values("case__beneficiary_id").annotate(
        last=Max("done_on")
    ):
        _bump(latest, row["case__beneficiary_id"], row["last"])
    timed = (
        (Appointment.objects.filter(status="done"), "starts_at"),
        (Registration.objects.filter(attendance="present"), "workshop__starts_at"),
        (Document.objects.filter(kind__in=PERSON_DOCUMENT_KINDS), "uploaded_at"),
    )
    for rows, field in timed:
        for row in rows.values("case__beneficiary_id").annotate(last=Max(field)):
            if row["last"] is not None:
                _bump(latest, row["case__beneficiary_id"], timezone.localdate(row["last"]))
    changed = []
    people = Beneficiary.objects.only("id", "created_at", "last_contact_on").order_by("pk")
    for person in people.iterator(chunk_size=2000):
        person.last_contact_on = latest.get(person.pk) or timezone.localdate(person.created_at)
        changed.append(person)
        if len(changed) >= 2000:
            Beneficiary.objects.bulk_update(changed, ["last_contact_on"])
            changed = []
    if changed:
        Beneficiary.objects.bulk_update(changed, ["last_contact_on"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_beneficiary_last_contact_on")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
