"""The FSE+ indicator list: loaded from the vendored file, editable by Mobicase staff, with
history; a reload never overwrites an edit."""

import pytest
from django.apps import apps
from django.urls import reverse

from reporting.fse_reference import indicator_rows, load_indicators
from reporting.models import FsePlusIndicator
from tests.factories import UserFactory


@pytest.mark.django_db
def test_the_migration_loads_the_25_indicators_in_their_order():
    indicators = list(FsePlusIndicator.objects.order_by("position"))

    assert [i.code for i in indicators][:3] == ["EECO01", "EECO02", "EECO03"]
    assert len(indicators) == 25
    assert indicators[-1].code == "EECR06"
    assert {i.kind for i in indicators} == {"output", "immediate_result", "longer_term_result"}
    assert {i.code for i in indicators if i.unit != "participants"} == {"EECO18", "EECO19"}


@pytest.mark.django_db
def test_only_codes_checked_against_an_official_text_are_confirmed():
    confirmed = set(
        FsePlusIndicator.objects.filter(is_confirmed=True).values_list("code", flat=True)
    )
    official = set(
        FsePlusIndicator.objects.filter(label_fr_is_official=True).values_list("code", flat=True)
    )

    # EECO19's code is confirmed, but its English wording was seen only in a FAQ's quotation.
    assert confirmed == {"EECO02", "EECO05", "EECO12"}
    assert official == {"EECO05", "EECO19"}
    employed = FsePlusIndicator.objects.get(code="EECO05")
    assert employed.label_fr == "Personnes exerçant un emploi, y compris les indépendants"
    assert FsePlusIndicator.objects.get(code="EECO13").label_fr == (
        "Participants ressortissants de pays tiers"
    )
    assert all(row["definition"] for row in indicator_rows())


@pytest.mark.django_db
def test_a_reload_adds_missing_codes_and_keeps_the_edits():
    FsePlusIndicator.objects.filter(code="EECO01").update(label_fr="Total (libellé de la DGEFP)")
    FsePlusIndicator.objects.filter(code="EECR06").delete()

    created = load_indicators(apps)

    assert created == 1
    assert FsePlusIndicator.objects.get(code="EECO01").label_fr == "Total (libellé de la DGEFP)"
    restored = FsePlusIndicator.objects.get(code="EECR06")
    assert restored.history.latest().history_type == "+"
    assert load_indicators(apps) == 0


@pytest.mark.django_db
def test_mobicase_staff_edit_an_indicator_and_the_change_is_kept_in_its_history(client):
    staff = UserFactory(email="equipe@mobicase.fr", is_staff=True, is_superuser=True)
    client.force_login(staff)
    indicator = FsePlusIndicator.objects.get(code="EECO13")
    url = reverse("admin:reporting_fseplusindicator_change", args=[indicator.pk])

    page = client.get(url)
    response = client.post(
        url,
        {
            "code": "EECO13",
            "kind": "output",
            "unit": "participants",
            "position": indicator.position,
            "is_active": "on",
            "label_fr": "Ressortissants de pays tiers",
            "label_fr_is_official": "on",
            "label_en": indicator.label_en,
            "definition": indicator.definition,
            "is_confirmed": "on",
            "source": "Règlement (UE) 2021/1057, annexe I, version française",
        },
    )

    assert page.status_code == 200
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.label_fr == "Ressortissants de pays tiers" and indicator.is_confirmed
    latest = indicator.history.latest()
    assert latest.history_user == staff and latest.history_type == "~"
    assert client.get(reverse("admin:reporting_fseplusindicator_changelist")).status_code == 200
