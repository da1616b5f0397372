"""Export and import in the data·inclusion service format, checked by the national schema."""

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command

from catalog.datainclusion import export_services, import_services, schema_errors
from catalog.demo import seed_catalog
from catalog.models import Aid

from .factories import AidFactory


@pytest.fixture
def catalogue(places, adele):
    """Entries of every shape: regional, EPCI and commune, nationwide, with all the criteria."""
    return [
        AidFactory(
            name="Permis des jeunes", kind=Aid.Kind.LICENCE, coverage=[places.hdf], min_age=18,
            max_age=25, licence_statuses=["none"], url="https://example.org/permis",
            contact_email="permis@example.org", amount_max="1000.00",
        ),
        AidFactory(
            name="Garage", kind=Aid.Kind.REPAIR, coverage=[places.mel, places.arras],
            required_benefits=["rsa", "ass"], other_conditions="Sur orientation.",
            contact_phone="03 21 00 00 00", source_url="https://example.org/source",
            thematiques=["mobilite--entretenir-reparer-son-vehicule"],
            publics=["beneficiaires-des-minimas-sociaux"],
        ),
        AidFactory(
            name="Aide nationale", nationwide=True, requires_job_or_training_start=True,
            max_days_after_start=30, min_distance_km=30, last_verified_on=None,
        ),
    ]  # fmt: skip


def test_every_exported_service_validates_against_the_national_schema(catalogue):
    services = export_services()
    assert len(services) == 3
    for service in services:
        assert schema_errors(service) == [], service["nom"]


def test_the_demo_catalogue_exports_valid_services(places, adele, basile, alice):
    # The demo seeds from the two demo platforms; here, stand-ins with their slugs.
    adele.organization.slug = "mobilite-solidaire-metropole"
    adele.organization.save()
    basile.organization.slug = "roule-solidaire-artois"
    basile.organization.save()
    seed_catalog(rng=None, size="small")
    services = export_services()
    assert len(services) >= 10
    assert all(schema_errors(service) == [] for service in services)


def test_an_export_maps_coverage_and_criteria_to_the_national_fields(catalogue, places):
    by_name = {service["nom"]: service for service in export_services()}
    # A region is listed as its départements, as the schema asks.
    assert by_name["Permis des jeunes"]["zone_eligibilite"] == ["59", "62"]
    assert by_name["Garage"]["zone_eligibilite"] == ["200093201", "62041"]
    assert by_name["Aide nationale"]["zone_eligibilite"] == ["france"]
    assert by_name["Permis des jeunes"]["conditions_acces"] == (
        "Âge : de 18 à 25 ans ; Permis : aucun permis"
    )
    assert by_name["Garage"]["conditions_acces"] == "Percevoir RSA ou ASS ; Sur orientation."
    assert by_name["Permis des jeunes"]["type"] == "aide-financiere"
    assert by_name["Permis des jeunes"]["frais_precisions"] == "Jusqu'à 1\u202f000 €"
    assert by_name["Permis des jeunes"]["modes_mobilisation"] == [
        "utiliser-lien-mobilisation",
        "envoyer-un-courriel",
    ]


def test_a_schema_violation_is_caught(catalogue):
    service = export_services()[0]
    service["thematiques"] = ["mobilite--voler"]
    assert schema_errors(service) == [
        "thematiques : ['mobilite--voler'] is not valid under any of the given schemas"
    ]


def test_the_export_command_writes_the_whole_published_catalogue(catalogue, places, tmp_path):
    AidFactory(name="Brouillon", coverage=[places.hdf], status=Aid.Status.DRAFT)
    output = tmp_path / "catalogue.json"
    call_command("export_catalog", "--format", "data-inclusion", "--output", str(output))
    services = json.loads(output.read_text(encoding="utf-8"))
    assert sorted(s["nom"] for s in services) == ["Aide nationale", "Garage", "Permis des jeunes"]


def test_import_creates_entries_to_review_then_updates_them(places, tmp_path):
    service = {
        "source": "dora",
        "structure_id": "dora--42",
        "id": "dora--service-7",
        "nom": "Atelier vélo solidaire",
        "description": "Réparer son vélo avec l'aide de bénévoles.",
        "type": "atelier",
        "thematiques": ["mobilite--entretenir-reparer-son-vehicule"],
        "publics": ["tous-publics"],
        "zone_eligibilite": ["59350", "62"],
        "date_maj": "2026-02-14",
    }
    path = tmp_path / "services.json"
    path.write_text(json.dumps([service]), encoding="utf-8")

    call_command("import_catalog", str(path))
    aid = Aid.objects.get(external_id="dora--service-7")
    assert aid.status == Aid.Status.PROPOSED
    assert aid.kind == Aid.Kind.REPAIR
    assert set(aid.coverage.all()) == {places.lille, places.pas_de_calais}
    assert aid.last_verified_on == dt.date(2026, 2, 14)
    assert aid.history.latest().history_change_reason == "Import data·inclusion"

    service["nom"] = "Atelier vélo solidaire et participatif"
    path.write_text(json.dumps([service]), encoding="utf-8")
    call_command("import_catalog", str(path))
    assert Aid.objects.get().name == "Atelier vélo solidaire et participatif"


def test_a_reimported_export_updates_the_same_entries(catalogue):
    services = export_services()
    permis = next(s for s in services if s["nom"] == "Permis des jeunes")
    permis["description"] = "Une nouvelle présentation."
    report = import_services(services)
    assert len(report.updated) == 3 and report.created == []
    aid = Aid.objects.get(name="Permis des jeunes")
    assert aid.description == "Une nouvelle présentation."
    assert aid.min_age == 18  # what the national format cannot carry is kept


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"zone_eligibilite": ["75056"]}, "territoire inconnu dans « zone_eligibilite » : 75056"),
        ({"nom": "A"}, "non conforme au schéma data·inclusion"),
        ({"thematiques": ["mobilite--voler"]}, "non conforme au schéma data·inclusion"),
        ({"zone_eligibilite": None}, "« zone_eligibilite » est vide"),
    ],
)
def test_a_bad_service_aborts_the_whole_import_in_french(places, tmp_path, change, message):
    good = {
        "source": "dora", "structure_id": "dora--1", "id": "dora--1", "nom": "Bonne aide",
        "description": "Une aide correcte.", "zone_eligibilite": ["59350"],
        "date_maj": "2026-01-01",
    }  # fmt: skip
    bad = {**good, "id": "dora--2", "nom": "Mauvaise aide", **change}
    path = tmp_path / "services.json"
    path.write_text(json.dumps([good, bad]), encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("import_catalog", str(path))
    assert "Service n° 2" in str(error.value)
    assert message in str(error.value)
    assert str(error.value).endswith("Rien n'a été importé.")
    assert Aid.objects.count() == 0


def test_an_unreadable_file_is_explained(db, tmp_path):
    path = tmp_path / "services.json"
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(CommandError, match="n'est pas un JSON valide"):
        call_command("import_catalog", str(path))
    path.write_text('{"nom": "x"}', encoding="utf-8")
    with pytest.raises(CommandError, match="liste JSON de services"):
        call_command("import_catalog", str(path))


def test_import_can_give_the_new_entries_to_an_organisation(places, adele, tmp_path):
    service = {
        "source": "dora", "structure_id": "dora--1", "id": "dora--1", "nom": "Aide importée",
        "description": "Une aide importée.", "zone_eligibilite": ["france"],
        "date_maj": "2026-01-01",
    }  # fmt: skip
    path = tmp_path / "services.json"
    path.write_text(json.dumps([service]), encoding="utf-8")
    call_command("import_catalog", str(path), "--owner", adele.organization.slug)
    aid = Aid.objects.get()
    assert aid.owner == adele.organization and aid.nationwide
    assert aid.history.latest().history_user == adele.user
