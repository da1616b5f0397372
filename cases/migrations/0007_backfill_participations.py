"""Give every existing case its participation, from the person's file as it stands."""

from django.db import migrations

ISCED_BANDS = {
    "none": "0-2",
    "cap_bep": "3-4",
    "bac": "3-4",
    "bac_2": "5-8",
    "bac_3": "5-8",
    "bac_5": "5-8",
}


def _age(birth, day):
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def backfill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Participation = apps.get_model("cases", "Participation")
    rows = []
    cases = (
        Case.objects.filter(participation__isnull=True)
        .select_related("beneficiary__commune")
        .order_by("pk")
    )
    for case in cases.iterator(chunk_size=2000):
        person = case.beneficiary
        day = case.opened_on
        long_term = person.labour_market_status == "long_term_unemployed" or (
            person.labour_market_status == "unemployed"
            and person.job_seeker_since is not None
            and (day - person.job_seeker_since).days >= 365
        )
        rows.append(
            Participation(
                organization_id=case.organization_id,
                case_id=case.pk,
                entry_date=day,
                sex=person.sex,
                age_at_entry=_age(person.birth_date, day),
                labour_market_status=person.labour_market_status,
                long_term_unemployed=long_term,
                isced_band=ISCED_BANDS.get(person.education_level, ""),
                receives_rsa=person.receives_rsa,
                receives_ass=person.receives_ass,
                receives_aah=person.receives_aah,
                has_rqth=person.has_rqth,
                is_qpv_resident=person.is_qpv_resident,
                commune_id=person.commune_id,
                is_rural=person.commune.is_rural if person.commune_id else None,
                disability="yes" if person.has_rqth or person.receives_aah else "",
            )
        )
        if len(rows) >= 2000:
            Participation.objects.bulk_create(rows)
            rows = []
    Participation.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_participation")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
