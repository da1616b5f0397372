"""Count the handovers and returns of lent vehicles in each person's last contact.

The ``cases`` migration dated the last contact from the case records; a vehicle taken or brought
back by the person is a later sign in some files.
"""

from django.db import migrations
from django.db.models import Max
from django.utils import timezone


def backfill(apps, schema_editor):
    Beneficiary = apps.get_model("cases", "Beneficiary")
    Loan = apps.get_model("vehicles", "Loan")
    latest = {}
    for field in ("checked_out_at", "returned_at"):
        rows = (
            Loan.objects.filter(**{f"{field}__isnull": False})
            .values("case__beneficiary_id")
            .annotate(last=Max(field))
        )
        for row in rows:
            day = timezone.localdate(row["last"])
            person_id = row["case__beneficiary_id"]
            if person_id not in latest or latest[person_id] < day:
                latest[person_id] = day
    changed = []
    for person in Beneficiary.objects.filter(pk__in=list(latest)).only("id", "last_contact_on"):
        if person.last_contact_on < latest[person.pk]:
            person.last_contact_on = latest[person.pk]
            changed.append(person)
    Beneficiary.objects.bulk_update(changed, ["last_contact_on"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("vehicles", "0002_no_double_booking"),
        ("cases", "0009_backfill_last_contact"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
