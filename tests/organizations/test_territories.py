"""Territories: the INSEE loader, the commune form field and the commune search endpoint."""

import csv
import json
from io import StringIO

import pytest
from django import forms
from django.core.management import CommandError, call_command
from django.urls import reverse

from organizations.fields import CommuneField
from organizations.models import Territory
from organizations.territories import (
    COG_DIR,
    is_rural_commune,
    load_territories,
    search_communes,
)
from tests.factories import UserFactory

SEARCH_URL = reverse("territories:commune_search")
MEL_SIREN = "200093201"


def current_communes_in_bundled_file() -> int:
    rows = json.loads((COG_DIR / "etalab_communes_hdf.json").read_text(encoding="utf-8"))
    return sum(1 for row in rows if row["type"] == "commune-actuelle")


def snapshot() -> list[tuple]:
    return list(
        Territory.objects.order_by("level", "code").values_list(
            "level", "code", "name", "kind", "parent__code", "region__code",
            "departement__code", "epci__code", "postcodes", "population", "is_rural",
        )
    )  # fmt: skip


@pytest.fixture(scope="module")
def bundled(django_db_setup, django_db_blocker):
    """Load the vendored files once for the module; every test still runs in a transaction."""
    with django_db_blocker.unblock():
        report = load_territories()
    yield report
    with django_db_blocker.unblock():
        Territory.objects.update(parent=None, region=None, departement=None, epci=None)
        Territory.objects.all().delete()


@pytest.fixture
def territories(bundled, db):
    return bundled


def write_json(path, rows) -> str:
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return str(path)


# --- Loading ---------------------------------------------------------------------------------


def test_loading_the_bundled_files_gives_every_region_departement_epci_and_commune(territories):
    assert Territory.objects.regions().count() == 18
    assert Territory.objects.departements().count() == 101
    assert Territory.objects.epcis().count() == 92
    assert Territory.objects.communes().count() == current_communes_in_bundled_file() == 3782
    summary = territories.summary()
    assert summary.startswith("18 régions, 101 départements, 92 EPCI, 3 782 communes chargés")


def test_the_bundled_communes_are_those_of_the_official_geographic_code(territories):
    with open(COG_DIR / "insee_cog2026_communes_hdf.csv", encoding="utf-8") as fh:
        cog = {row["COM"]: row["LIBELLE"] for row in csv.DictReader(fh) if row["TYPECOM"] == "COM"}
    stored = dict(Territory.objects.communes().values_list("code", "name"))
    assert stored == cog


def test_lille_belongs_to_the_metropole_europeenne_de_lille_in_the_nord(territories):
    lille = Territory.objects.commune("59350")
    assert lille.name == "Lille"
    assert lille.epci.code == MEL_SIREN
    assert lille.epci.name == "Métropole Européenne de Lille"
    assert lille.parent == lille.epci
    assert lille.departement.code == "59"
    assert lille.region.code == "32"
    assert "59000" in lille.postcode_list
    assert lille.population > 200_000
    assert lille.is_rural is False


def test_an_epci_hangs_under_the_departement_of_most_of_its_members(territories):
    mel = Territory.objects.epcis().get(code=MEL_SIREN)
    assert mel.kind == "ME"
    assert mel.parent.code == "59"
    assert mel.departement.code == "59"
    assert mel.region.code == "32"
    nord = Territory.objects.departements().get(code="59")
    assert nord.parent.code == "32"
    assert nord.region.code == "32"


def test_an_epci_lists_its_member_communes(territories):
    mel = Territory.objects.epcis().get(code=MEL_SIREN)
    lille = Territory.objects.commune("59350")
    arras = Territory.objects.commune("62041")
    codes = mel.commune_codes()
    assert "59350" in codes
    assert "62041" not in codes
    assert len(codes) == mel.member_communes.count() > 90
    assert mel.contains_commune(lille)
    assert not mel.contains_commune(arras)
    assert Territory.objects.departements().get(code="62").contains_commune(arras)
    assert Territory.objects.regions().get(code="32").contains_commune(arras)


def test_running_the_command_twice_changes_nothing_and_duplicates_nothing(territories):
    before = snapshot()
    out = StringIO()
    call_command("load_territories", stdout=out)
    assert "0 créés, 0 mis à jour, 3 993 inchangés" in out.getvalue()
    assert snapshot() == before
    assert Territory.objects.count() == 18 + 101 + 92 + 3782


def test_running_the_command_again_restores_a_changed_commune(territories):
    Territory.objects.communes().filter(code="59350").update(name="Lile", epci=None, postcodes="")
    out = StringIO()
    call_command("load_territories", stdout=out)
    assert "0 créés, 1 mis à jour" in out.getvalue()
    lille = Territory.objects.commune("59350")
    assert (lille.name, lille.epci.code, lille.parent_id) == ("Lille", MEL_SIREN, lille.epci_id)
    assert "59000" in lille.postcode_list


def test_rurality_is_an_approximation_by_population_and_empty_when_unknown(territories):
    assert is_rural_commune(None) is None
    assert is_rural_commune(1_999) is True
    assert is_rural_commune(2_000) is False
    assert Territory.objects.commune("02024").is_rural is True  # Arrancy, 45 inhabitants
    assert Territory.objects.epcis().get(code=MEL_SIREN).is_rural is None


def test_national_etalab_files_are_recognised_by_their_content(territories, tmp_path):
    """Files laid out like the npm package's; outre-mer collectivities and old communes skipped."""
    regions = write_json(
        tmp_path / "a.json",
        [
            {"code": "11", "chefLieu": "75056", "nom": "Île-de-France", "zone": "metro"},
            {"code": "975", "chefLieu": "97502", "nom": "Saint-Pierre-et-Miquelon", "zone": "com"},
        ],
    )
    departements = write_json(
        tmp_path / "b.json",
        [{"code": "75", "region": "11", "chefLieu": "75056", "nom": "Paris", "zone": "metro"}],
    )
    communes = write_json(
        tmp_path / "c.json",
        [
            {"code": "75056", "nom": "Paris", "departement": "75", "region": "11",
             "type": "commune-actuelle", "zone": "metro", "codesPostaux": ["75002", "75001"],
             "population": 2_100_000},
            {"code": "92012", "nom": "Boulogne-Billancourt", "departement": "92", "region": "11",
             "type": "commune-actuelle", "zone": "metro", "codesPostaux": ["92100"]},
            {"code": "75101", "nom": "Paris 1er Arrondissement", "departement": "75",
             "region": "11", "type": "arrondissement-municipal", "zone": "metro"},
        ],
    )  # fmt: skip
    epcis = write_json(
        tmp_path / "d.json",
        [{"code": "200054781", "nom": "Métropole du Grand Paris", "type": "METRO",
          "populationMunicipale": 7_000_000,
          "membres": [{"code": "75056"}, {"code": "92012"}, {"code": "92040"}]}],
    )  # fmt: skip
    out = StringIO()
    call_command("load_territories", epcis, communes, departements, regions, stdout=out)

    assert out.getvalue().startswith("1 région, 1 département, 1 EPCI, 2 communes chargés")
    assert not Territory.objects.regions().filter(code="975").exists()
    assert not Territory.objects.communes().filter(code="75101").exists()
    paris = Territory.objects.commune("75056")
    assert paris.postcodes == "75001 75002"
    assert (paris.epci.name, paris.departement.code, paris.region.code) == (
        "Métropole du Grand Paris", "75", "11",
    )  # fmt: skip
    assert paris.epci.parent.code == "92"  # two members in 92 against one in 75
    boulogne = Territory.objects.commune("92012")
    assert (boulogne.population, boulogne.is_rural) == (None, None)


def test_a_commune_of_an_unknown_departement_is_refused_in_french(territories, tmp_path):
    path = write_json(
        tmp_path / "communes.json",
        [{"code": "99001", "nom": "Nulle-Part", "departement": "99", "type": "commune-actuelle"}],
    )
    with pytest.raises(CommandError, match=r"Département\(s\) inconnu\(s\) : 99"):
        call_command("load_territories", path)
    assert not Territory.objects.communes().filter(code="99001").exists()


def test_a_missing_file_gives_a_french_error(tmp_path):
    with pytest.raises(CommandError, match="Fichier introuvable"):
        call_command("load_territories", str(tmp_path / "absent.json"))


def test_a_file_that_is_not_json_gives_a_french_error(tmp_path):
    path = tmp_path / "communes.json"
    path.write_text('[{"code": "59350",', encoding="utf-8")
    with pytest.raises(CommandError, match="n'est pas un JSON valide"):
        call_command("load_territories", str(path))


def test_a_json_file_of_another_kind_gives_a_french_error(tmp_path):
    path = write_json(tmp_path / "arrondissements.json", [{"code": "591", "nom": "Avesnes"}])
    with pytest.raises(CommandError, match="Format non reconnu"):
        call_command("load_territories", path)


def test_a_commune_without_a_name_gives_a_french_error(tmp_path):
    path = write_json(
        tmp_path / "communes.json",
        [{"code": "59350", "nom": "", "departement": "59", "type": "commune-actuelle"}],
    )
    with pytest.raises(CommandError, match="élément n° 1 : donnée manquante ou invalide"):
        call_command("load_territories", path)


# --- CommuneField ----------------------------------------------------------------------------


class AddressForm(forms.Form):
    commune = CommuneField()


@pytest.mark.parametrize("typed", ["62041", " 62041 ", "Arras (62041)", "arras"])
def test_the_commune_field_accepts_a_code_a_suggestion_or_a_unique_name(territories, typed):
    form = AddressForm(data={"commune": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["commune"] == Territory.objects.commune("62041")
    assert form.cleaned_data["commune"].level == Territory.Level.COMMUNE


def test_the_commune_field_rejects_an_unknown_code_in_french(territories):
    form = AddressForm(data={"commune": "99999"})
    assert not form.is_valid()
    assert form.errors["commune"] == [
        "Commune inconnue : « 99999 ». Saisissez le code INSEE à 5 chiffres ou choisissez une "
        "commune dans la liste."
    ]


def test_the_commune_field_rejects_an_epci_code(territories):
    form = AddressForm(data={"commune": MEL_SIREN})
    assert not form.is_valid()
    assert form.errors["commune"][0].startswith(f"Commune inconnue : « {MEL_SIREN} »")


def test_the_commune_field_asks_to_choose_between_homonyms(territories):
    form = AddressForm(data={"commune": "Crépy"})
    assert not form.is_valid()
    assert form.errors["commune"][0].startswith("Plusieurs communes s'appellent « Crépy »")


def test_the_commune_field_shows_a_stored_commune_by_name_and_code(territories):
    arras = Territory.objects.commune("62041")
    html = str(AddressForm(initial={"commune": arras.pk})["commune"])
    assert 'value="Arras (62041)"' in html
    assert f'hx-get="{SEARCH_URL}?champ=commune"' in html
    assert 'list="id_commune-communes"' in html
    assert '<datalist id="id_commune-communes"></datalist>' in html
    assert not AddressForm(initial={"commune": arras.pk}, data={"commune": "62041"}).has_changed()
    assert AddressForm(initial={"commune": arras.pk}, data={"commune": "59350"}).has_changed()


# --- Search ----------------------------------------------------------------------------------


def test_the_search_finds_communes_whatever_their_accents_and_dashes(territories):
    assert [c.name for c in search_communes("ecaill")] == ["Écaillon"]
    assert "Marcq-en-Barœul" in [c.name for c in search_communes("marcq en baroeul")]
    assert search_communes("SAINT-OMER")[0].name == "Saint-Omer"
    assert {c.name for c in search_communes("noeux")} == {"Nœux-les-Mines", "Nœux-lès-Auxi"}
    assert {c.name for c in search_communes("boes")} == {"Boeschepe", "Boëseghem"}


def test_the_search_runs_one_query_whatever_the_number_of_matches(
    territories, django_assert_num_queries
):
    with django_assert_num_queries(1):
        communes = search_communes("saint")
    assert len(communes) == 20


@pytest.mark.parametrize("typed", ["arr", "62000", "6204", "Arras (62041)"])
def test_a_member_finds_arras_by_name_or_postcode(territories, alice, login, typed):
    response = login(alice).get(SEARCH_URL, {"q": typed})
    assert response.status_code == 200
    assert '<option value="Arras (62041)">62000</option>' in response.content.decode()


def test_the_search_reads_the_field_named_by_the_commune_input(territories, chloe, login):
    response = login(chloe).get(SEARCH_URL, {"champ": "adresse-commune", "adresse-commune": "ecai"})
    assert '<option value="Écaillon (59185)">59176 · Ecaillon</option>' in response.content.decode()


def test_a_search_of_one_letter_suggests_nothing(territories, alice, login):
    response = login(alice).get(SEARCH_URL, {"q": "a"})
    assert response.status_code == 200
    assert "<option" not in response.content.decode()


@pytest.mark.role_check("territories:commune_search")
def test_an_anonymous_visitor_is_sent_to_the_login_page_to_search_communes(client, db):
    response = client.get(SEARCH_URL, {"q": "arr"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_user_of_no_organisation_cannot_search_communes(territories, client):
    client.force_login(UserFactory())
    assert client.get(SEARCH_URL, {"q": "arr"}).status_code == 403


def test_commune_suggestions_never_replace_the_address_of_a_search_page():
    # Inside a form that pushes its URL (the public aid search), htmx would otherwise push the
    # suggestion endpoint's URL, and a shared link would open the bare suggestion list.
    from organizations.fields import CommuneField

    html = CommuneField().widget.render("commune", "")

    assert 'hx-push-url="false"' in html
