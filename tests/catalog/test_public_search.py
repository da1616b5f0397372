"""The public catalogue: no login, suggestions instead of errors, nothing stored."""

import datetime as dt

from django.contrib.sessions.models import Session
from django.urls import reverse

from catalog.models import Aid

from .factories import AidFactory

SEARCH = reverse("catalog:search")


def test_anyone_finds_the_aids_of_their_commune_without_logging_in(client, places):
    AidFactory(name="Permis régional", coverage=[places.hdf], min_age=18, max_age=25)
    AidFactory(name="Transports de la métropole", coverage=[places.mel])
    AidFactory(name="Garage de l'Artois", coverage=[places.arras_cu])

    response = client.get(SEARCH, {"commune": "Roubaix", "age": "22"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "2 aides et services à Roubaix" in html
    assert "Permis régional" in html and "Transports de la métropole" in html
    assert "Garage de l&#x27;Artois" not in html
    assert "Âge : 22 ans (de 18 à 25 ans)" in html


def test_a_postcode_or_an_insee_code_finds_the_commune(client, places):
    AidFactory(name="Aide métropolitaine", coverage=[places.mel])
    for text in ("59000", "59350", "Lille (59350)", "lille"):
        html = client.get(SEARCH, {"commune": text}).content.decode()
        assert "1 aide et service à Lille" in html, text


def test_unticked_situations_are_shown_to_check_and_ticked_ones_as_met(client, places):
    AidFactory(name="Aide RSA", coverage=[places.hdf], required_benefits=["rsa"])

    unticked = client.get(SEARCH, {"commune": "59350"}).content.decode()
    ticked = client.get(SEARCH, {"commune": "59350", "rsa": "on"}).content.decode()

    assert "Critères à vérifier" in unticked and "Perçoit RSA" in unticked
    assert "Critères à vérifier" not in ticked and "Perçoit RSA" in ticked


def test_an_unknown_commune_answers_with_suggestions_never_an_error_page(client, places):
    response = client.get(SEARCH, {"commune": "Lil", "age": "30"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Quelle commune ?" in html
    # The suggestion keeps the rest of the search.
    assert 'href="/aides/?commune=59350&amp;age=30"' in html


def test_a_commune_nobody_knows_says_so_and_how_to_search(client, places):
    response = client.get(SEARCH, {"commune": "Xyzzyville"})
    assert response.status_code == 200
    assert "Aucune commune ne correspond à « Xyzzyville »" in response.content.decode()


def test_a_shared_postcode_lists_its_communes(client, places):
    places.roubaix.postcodes = "59100 59000"
    places.roubaix.save()
    html = client.get(SEARCH, {"commune": "59000"}).content.decode()
    assert "Quelle commune ?" in html
    assert "Lille" in html and "Roubaix" in html


def test_invalid_profile_values_are_explained_next_to_the_field(client, places):
    response = client.get(SEARCH, {"commune": "Lille", "age": "vingt", "job_start": "demain"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Saisissez un âge en années, par exemple 24." in html
    assert "Saisissez une date valide, par exemple 25/11/2026." in html
    assert 'value="vingt"' in html  # nothing typed is lost


def test_the_search_stores_nothing(client, places):
    AidFactory(coverage=[places.hdf])
    response = client.get(SEARCH, {"commune": "Lille", "age": "22", "rsa": "on"})
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert Session.objects.count() == 0


def test_drafts_archived_and_closed_aids_are_not_public(client, places):
    AidFactory(name="Brouillon", coverage=[places.hdf], status=Aid.Status.DRAFT)
    AidFactory(name="Archivée", coverage=[places.hdf], status=Aid.Status.ARCHIVED)
    AidFactory(name="Close", coverage=[places.hdf], valid_until=dt.date(2020, 1, 1))
    html = client.get(SEARCH, {"commune": "Lille"}).content.decode()
    assert "Aucune aide ni service à Lille" in html


def test_a_thematique_narrows_the_search(client, places):
    AidFactory(name="Permis", coverage=[places.hdf], thematiques=["mobilite--preparer-un-permis"])
    AidFactory(name="Réparer", coverage=[places.hdf],
               thematiques=["mobilite--entretenir-reparer-son-vehicule"])  # fmt: skip
    html = client.get(
        SEARCH, {"commune": "Lille", "thematique": "mobilite--preparer-un-permis"}
    ).content.decode()
    assert "Permis" in html and "Réparer" not in html


def test_htmx_gets_only_the_results(client, places):
    AidFactory(coverage=[places.hdf])
    response = client.get(SEARCH, {"commune": "Lille"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="resultats"')
    assert "HX-Request" in response["Vary"]


def test_the_search_query_count_does_not_grow_with_the_aids(
    client, places, django_assert_num_queries
):
    AidFactory(coverage=[places.hdf])
    params = {"commune": "59350"}
    client.get(SEARCH, params)  # warm-up
    with django_assert_num_queries(3):  # commune, aids, coverage
        client.get(SEARCH, params)
    for _ in range(5):
        AidFactory(coverage=[places.mel, places.nord])
    with django_assert_num_queries(3):
        response = client.get(SEARCH, params)
    assert "6 aides et services à Lille" in response.content.decode()


def test_an_aid_page_is_public_and_leads_back_to_the_search(client, places):
    aid = AidFactory(
        name="Vélo-école", coverage=[places.mel], min_age=16, how_to_apply="Appelez-nous."
    )
    response = client.get(reverse("catalog:aid_public", args=[aid.id]), {"retour": "commune=59350"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Âge : 16 ans ou plus" in html and "Appelez-nous." in html
    assert 'href="/aides/?commune=59350"' in html


def test_a_draft_aid_page_is_not_found(client, places):
    aid = AidFactory(coverage=[places.mel], status=Aid.Status.DRAFT)
    assert client.get(reverse("catalog:aid_public", args=[aid.id])).status_code == 404


def test_commune_suggestions_are_public(client, places):
    response = client.get(reverse("catalog:communes"), {"champ": "commune", "commune": "Rou"})
    assert response.status_code == 200
    assert 'value="Roubaix (59512)"' in response.content.decode()
