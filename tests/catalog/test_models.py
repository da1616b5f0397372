"""Bad input on a catalogue entry: clear French messages, nothing saved."""

import datetime as dt

import pytest

from catalog import services
from catalog.forms import AidForm
from catalog.models import Aid
from organizations.errors import DomainError

from .factories import AidFactory


def form_data(places, **overrides) -> dict:
    data = {
        "name": "Aide au permis des jeunes",
        "description": "Une aide pour passer le permis B.",
        "kind": Aid.Kind.LICENCE,
        "provider_name": "Région Hauts-de-France",
        "thematiques": ["mobilite--preparer-un-permis"],
        "publics": ["jeunes"],
        "regions": [places.hdf.pk],
        "communes": "",
    }
    data.update(overrides)
    return data


def values(places, **overrides) -> dict:
    base = {
        "name": "Aide au permis des jeunes",
        "description": "Une aide pour passer le permis B.",
        "kind": Aid.Kind.LICENCE,
        "provider_name": "Région Hauts-de-France",
        "thematiques": ["mobilite--preparer-un-permis"],
        "publics": ["jeunes"],
        "coverage": [places.hdf],
    }
    base.update(overrides)
    return base


def test_a_valid_form_gives_the_values_the_services_take(places):
    form = AidForm(form_data(places, communes="59350, 62041", epcis=[places.mel.pk]))
    assert form.is_valid(), form.errors
    assert form.values()["coverage"] == [places.hdf, places.mel, places.lille, places.arras]


def test_a_validity_ending_before_it_starts_is_refused_next_to_the_field(places):
    form = AidForm(form_data(places, valid_from="2026-06-01", valid_until="2026-05-31"))
    assert not form.is_valid()
    assert form.errors["valid_until"] == [
        "La fin de validité (31/05/2026) précède son début (01/06/2026) : corrigez l'une des "
        "deux dates."
    ]


def test_a_minimum_age_above_the_maximum_is_refused_as_contradictory(places):
    form = AidForm(form_data(places, min_age=30, max_age=25))
    assert not form.is_valid()
    assert form.errors["min_age"] == [
        "L'âge minimum (30 ans) dépasse l'âge maximum (25 ans) : aucune personne ne pourrait en "
        "bénéficier."
    ]


def test_the_services_refuse_the_same_contradictions_without_a_form(places, alice):
    with pytest.raises(DomainError) as error:
        services.create_aid(by=alice, values=values(places, min_age=30, max_age=25))
    assert error.value.field == "min_age"
    with pytest.raises(DomainError) as error:
        services.create_aid(
            by=alice,
            values=values(places, valid_from=dt.date(2026, 6, 1), valid_until=dt.date(2026, 1, 1)),
        )
    assert error.value.field == "valid_until"
    assert Aid.objects.count() == 0


def test_a_commune_code_outside_any_known_territory_is_named(places):
    form = AidForm(form_data(places, regions=[], communes="59350\n99999"))
    assert not form.is_valid()
    assert form.errors["communes"] == [
        "Commune inconnue : 99999. Vérifiez le code INSEE (ce n'est pas le code postal) ou "
        "demandez le chargement du référentiel des territoires."
    ]


def test_something_that_is_not_a_commune_code_is_explained(places):
    form = AidForm(form_data(places, regions=[], communes="Lille"))
    assert not form.is_valid()
    assert "n'est pas un code INSEE de commune" in form.errors["communes"][0]


def test_an_unknown_territory_id_is_refused(places):
    form = AidForm(form_data(places, regions=[999_999]))
    assert not form.is_valid()
    assert "regions" in form.errors


def test_an_entry_must_cover_some_territory_or_all_of_france(places, alice):
    form = AidForm(form_data(places, regions=[]))
    assert not form.is_valid()
    assert form.errors["communes"][0].startswith("Indiquez au moins un territoire couvert")
    assert AidForm(form_data(places, regions=[], nationwide="on")).is_valid()
    with pytest.raises(DomainError) as error:
        services.create_aid(by=alice, values=values(places, coverage=[]))
    assert error.value.field == "coverage"


@pytest.mark.parametrize("level", ["hdf", "pas_de_calais", "mel", "lille"])
def test_coverage_may_be_of_any_level_and_is_kept_as_text_for_the_history(places, alice, level):
    territory = getattr(places, level)
    aid = services.create_aid(by=alice, values=values(places, coverage=[territory]))
    assert list(aid.coverage.all()) == [territory]
    assert territory.code in aid.history.latest().coverage_label


def test_a_delay_around_a_job_start_needs_the_job_start_criterion(places):
    form = AidForm(form_data(places, max_days_after_start=30))
    assert not form.is_valid()
    assert form.errors["requires_job_or_training_start"][0].startswith(
        "Un délai autour de la prise de poste suppose ce critère"
    )
    assert AidForm(
        form_data(places, max_days_after_start=30, requires_job_or_training_start="on")
    ).is_valid()


def test_all_publics_cannot_be_combined_with_another_public(places):
    form = AidForm(form_data(places, publics=["tous-publics", "jeunes"]))
    assert not form.is_valid()
    assert form.errors["publics"] == [
        "« Tous publics » ne se combine pas avec d'autres publics : décochez l'un ou l'autre."
    ]


def test_a_thematique_outside_the_national_taxonomy_is_refused(places, alice):
    form = AidForm(form_data(places, thematiques=["mobilite--teleportation"]))
    assert not form.is_valid()
    with pytest.raises(DomainError) as error:
        services.create_aid(by=alice, values=values(places, thematiques=["mobilite--x"]))
    assert error.value.message == "Valeur inconnue pour les thématiques : mobilite--x."


def test_an_entry_names_who_grants_it(places):
    form = AidForm(form_data(places, provider_name=""))
    assert not form.is_valid()
    assert form.errors["provider_name"] == [
        "Indiquez l'organisme qui accorde l'aide ou rend le service."
    ]


def test_editing_keeps_thematiques_outside_mobility(places, alice):
    aid = AidFactory(
        owner=alice.organization,
        status=Aid.Status.DRAFT,
        coverage=[places.hdf],
        thematiques=["mobilite--financer-ma-mobilite", "se-former--trouver-sa-formation"],
    )
    form = AidForm(form_data(places, thematiques=["mobilite--preparer-un-permis"]), instance=aid)
    assert form.is_valid(), form.errors
    assert form.values()["thematiques"] == [
        "mobilite--preparer-un-permis",
        "se-former--trouver-sa-formation",
    ]


def test_an_aid_not_verified_for_the_configured_time_is_stale(places, settings):
    settings.CATALOG_STALE_AFTER_DAYS = 30
    today = dt.date(2026, 3, 1)
    fresh = AidFactory(coverage=[places.hdf], last_verified_on=today - dt.timedelta(days=30))
    old = AidFactory(coverage=[places.hdf], last_verified_on=today - dt.timedelta(days=31))
    never = AidFactory(coverage=[places.hdf], last_verified_on=None)
    AidFactory(coverage=[places.hdf], last_verified_on=None, status=Aid.Status.DRAFT)

    assert set(Aid.objects.stale(today)) == {old, never}
    assert not fresh.is_stale_on(today)
    assert old.is_stale_on(today)
