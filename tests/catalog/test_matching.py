"""Matching, criterion by criterion, including territory inheritance."""

import datetime as dt
from decimal import Decimal

import pytest

from catalog.matching import Profile, check_territory, evaluate, match_aids
from catalog.models import Aid, Benefit, LabourMarketStatus, LicenceStatus

from .factories import AidFactory

TODAY = dt.date(2026, 3, 2)


def outcome(aid, profile, on=TODAY):
    """Return "met", "unmet" or "unknown" for an aid whose only criterion is under test."""
    evaluation = evaluate(aid, profile, on=on)
    territory = check_territory(aid, profile, on).label
    rest = [c for c in evaluation.met if c != territory]
    if evaluation.unmet:
        return "unmet"
    if evaluation.unknown:
        return "unknown"
    return "met" if rest else "none"


def nationwide(**criteria) -> Aid:
    return AidFactory(nationwide=True, **criteria)


# --- Territory and inheritance -----------------------------------------------------------------


def test_a_regional_aid_covers_every_commune_of_the_region(places):
    aid = AidFactory(coverage=[places.hdf])
    for commune in (places.lille, places.roubaix, places.arras, places.village):
        evaluation = evaluate(aid, Profile(commune=commune), on=TODAY)
        assert evaluation.is_eligible, commune
        assert evaluation.met == [f"Habite {commune.name} (Hauts-de-France)"]
    assert not evaluate(aid, Profile(commune=places.rennes), on=TODAY).is_eligible


def test_a_departemental_aid_covers_the_communes_of_its_departement_only(places):
    aid = AidFactory(coverage=[places.pas_de_calais])
    assert evaluate(aid, Profile(commune=places.arras), on=TODAY).is_eligible
    assert evaluate(aid, Profile(commune=places.village), on=TODAY).is_eligible
    assert not evaluate(aid, Profile(commune=places.lille), on=TODAY).is_eligible


def test_an_epci_aid_covers_only_the_communes_of_the_epci(places):
    aid = AidFactory(coverage=[places.mel])
    assert evaluate(aid, Profile(commune=places.roubaix), on=TODAY).met == [
        "Habite Roubaix (Métropole Européenne de Lille)"
    ]
    # Arras is in the same region but another EPCI; the village belongs to no EPCI.
    assert evaluate(aid, Profile(commune=places.arras), on=TODAY).unmet == [
        "Arras n'est pas dans le territoire de l'aide"
    ]
    assert not evaluate(aid, Profile(commune=places.village), on=TODAY).is_eligible


def test_a_commune_aid_covers_that_commune_only_and_names_the_finest_level(places):
    aid = AidFactory(coverage=[places.lille, places.hdf])
    assert evaluate(aid, Profile(commune=places.lille), on=TODAY).met == ["Habite Lille"]
    assert evaluate(aid, Profile(commune=places.arras), on=TODAY).is_eligible


def test_a_nationwide_aid_covers_any_commune(places):
    aid = nationwide()
    assert evaluate(aid, Profile(commune=places.rennes), on=TODAY).met == [
        "Aide ouverte dans toute la France"
    ]


def test_without_a_commune_the_territory_cannot_be_checked(places):
    aid = AidFactory(coverage=[places.mel])
    evaluation = evaluate(aid, Profile(), on=TODAY)
    assert evaluation.is_eligible
    assert evaluation.unknown == ["Commune de résidence couverte par l'aide"]


def test_the_covering_query_follows_the_same_inheritance(places):
    regional = AidFactory(name="Régionale", coverage=[places.hdf])
    departemental = AidFactory(name="Nord", coverage=[places.nord])
    metropolitan = AidFactory(name="MEL", coverage=[places.mel])
    in_lille = AidFactory(name="Lille", coverage=[places.lille])
    in_arras = AidFactory(name="Arras", coverage=[places.arras])
    national = AidFactory(name="Nationale", nationwide=True)
    breton = AidFactory(name="Bretonne", coverage=[places.bretagne])

    found = set(Aid.objects.covering(places.roubaix))
    assert found == {regional, departemental, metropolitan, national}
    assert set(Aid.objects.covering(places.lille)) >= {in_lille}
    assert in_arras not in Aid.objects.covering(places.lille)
    assert breton not in Aid.objects.covering(places.lille)


# --- Each criterion ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("min_age", "max_age", "age", "expected"),
    [
        (18, 25, 18, "met"),
        (18, 25, 25, "met"),
        (18, 25, 17, "unmet"),
        (18, 25, 26, "unmet"),
        (26, None, 40, "met"),
        (None, 30, 31, "unmet"),
        (18, 25, None, "unknown"),
    ],
)
def test_age_range_bounds_are_inclusive(db, min_age, max_age, age, expected):
    aid = nationwide(min_age=min_age, max_age=max_age)
    assert outcome(aid, Profile(age=age)) == expected


def test_the_age_label_shows_the_age_and_the_range(db):
    aid = nationwide(min_age=18, max_age=25)
    assert evaluate(aid, Profile(age=22), on=TODAY).met[-1] == "Âge : 22 ans (de 18 à 25 ans)"
    assert evaluate(aid, Profile(), on=TODAY).unknown == ["Âge : de 18 à 25 ans"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (LabourMarketStatus.UNEMPLOYED, "met"),
        (LabourMarketStatus.LONG_TERM_UNEMPLOYED, "met"),
        (LabourMarketStatus.IN_TRAINING, "met"),
        (LabourMarketStatus.EMPLOYED, "unmet"),
        (None, "unknown"),
    ],
)
def test_labour_market_status_must_be_one_of_those_allowed(db, status, expected):
    aid = nationwide(
        labour_market_statuses=[LabourMarketStatus.UNEMPLOYED, LabourMarketStatus.IN_TRAINING]
    )
    assert outcome(aid, Profile(labour_market_status=status)) == expected


def test_an_aid_for_long_term_job_seekers_refuses_other_job_seekers(db):
    aid = nationwide(labour_market_statuses=[LabourMarketStatus.LONG_TERM_UNEMPLOYED])
    assert outcome(aid, Profile(labour_market_status=LabourMarketStatus.UNEMPLOYED)) == "unmet"


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"receives_rsa": True}, "met"),
        ({"receives_rsa": False, "receives_ass": False, "receives_aah": True}, "met"),
        ({"receives_rsa": False, "receives_ass": False, "receives_aah": False}, "unmet"),
        ({"receives_rsa": False}, "unknown"),
        ({}, "unknown"),
    ],
)
def test_any_minimum_income_is_met_by_one_of_rsa_ass_aah(db, flags, expected):
    aid = nationwide(required_benefits=[Benefit.RSA, Benefit.ASS, Benefit.AAH])
    assert outcome(aid, Profile(**flags)) == expected


def test_an_rsa_only_aid_is_not_met_by_the_aah(db):
    aid = nationwide(required_benefits=[Benefit.RSA])
    assert outcome(aid, Profile(receives_rsa=False, receives_aah=True)) == "unmet"
    evaluation = evaluate(aid, Profile(receives_rsa=False), on=TODAY)
    assert evaluation.unmet == ["Ne perçoit pas RSA"]
    assert evaluate(aid, Profile(receives_rsa=True), on=TODAY).met[-1] == "Perçoit RSA"


@pytest.mark.parametrize(("qpv", "expected"), [(True, "met"), (False, "unmet"), (None, "unknown")])
def test_a_qpv_aid_needs_a_qpv_resident(db, qpv, expected):
    assert outcome(nationwide(qpv_only=True), Profile(is_qpv_resident=qpv)) == expected


def test_a_rural_aid_reads_the_flag_then_the_commune(places):
    aid = nationwide(rural_only=True)
    assert outcome(aid, Profile(commune=places.village)) == "met"
    assert outcome(aid, Profile(commune=places.lille)) == "unmet"
    assert outcome(aid, Profile(commune=places.lille, is_rural=True)) == "met"
    assert outcome(aid, Profile()) == "unknown"
    places.village.is_rural = None
    assert outcome(aid, Profile(commune=places.village)) == "unknown"


@pytest.mark.parametrize(
    ("licence", "expected"),
    [
        (LicenceStatus.NONE, "met"),
        (LicenceStatus.CODE_OBTAINED, "met"),
        (LicenceStatus.LICENCE_B, "unmet"),
        (None, "unknown"),
    ],
)
def test_a_licence_grant_is_for_people_without_a_licence(db, licence, expected):
    aid = nationwide(licence_statuses=[LicenceStatus.NONE, LicenceStatus.CODE_OBTAINED])
    assert outcome(aid, Profile(driving_licence=licence)) == expected


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (TODAY + dt.timedelta(days=15), "met"),
        (TODAY + dt.timedelta(days=16), "unmet"),
        (TODAY, "met"),
        (TODAY - dt.timedelta(days=30), "met"),
        (TODAY - dt.timedelta(days=31), "unmet"),
        (None, "unknown"),
    ],
)
def test_a_job_start_must_fall_within_the_application_window(db, start, expected):
    aid = nationwide(
        requires_job_or_training_start=True, max_days_before_start=15, max_days_after_start=30
    )
    assert outcome(aid, Profile(job_or_training_start=start)) == expected


def test_a_job_start_without_window_only_needs_a_date(db):
    aid = nationwide(requires_job_or_training_start=True)
    far = TODAY + dt.timedelta(days=400)
    assert outcome(aid, Profile(job_or_training_start=far)) == "met"
    label = evaluate(aid, Profile(job_or_training_start=far), on=TODAY).met[-1]
    assert label == f"Prise de poste ou entrée en formation le {far:%d/%m/%Y}"


@pytest.mark.parametrize(
    ("distance", "expected"),
    [(30, "met"), (Decimal("45.5"), "met"), (29, "unmet"), (None, "unknown")],
)
def test_a_distance_criterion_needs_a_long_enough_trip(db, distance, expected):
    aid = nationwide(min_distance_km=30)
    assert outcome(aid, Profile(distance_to_work_km=distance)) == expected
    if distance is None:
        assert evaluate(aid, Profile(), on=TODAY).unknown == [
            "Trajet domicile-travail ou formation d'au moins 30 km"
        ]


def test_validity_dates_open_and_close_an_aid(db):
    aid = nationwide(valid_from=dt.date(2026, 1, 1), valid_until=dt.date(2026, 6, 30))
    assert outcome(aid, Profile(), on=dt.date(2026, 1, 1)) == "met"
    assert outcome(aid, Profile(), on=dt.date(2026, 6, 30)) == "met"
    assert outcome(aid, Profile(), on=dt.date(2025, 12, 31)) == "unmet"
    assert evaluate(aid, Profile(), on=dt.date(2026, 7, 1)).unmet == [
        "Aide close depuis le 30/06/2026"
    ]


def test_an_aid_without_criteria_only_checks_the_territory(places):
    aid = AidFactory(coverage=[places.mel])
    evaluation = evaluate(aid, Profile(commune=places.lille), on=TODAY)
    assert evaluation.met == ["Habite Lille (Métropole Européenne de Lille)"]
    assert evaluation.unknown == evaluation.unmet == []


# --- match_aids --------------------------------------------------------------------------------


def test_match_aids_keeps_the_eligible_aids_surest_first(places):
    certain = AidFactory(name="B certaine", coverage=[places.hdf], min_age=18)
    unsure = AidFactory(name="A incertaine", coverage=[places.mel], required_benefits=["rsa"])
    AidFactory(name="Trop jeune", coverage=[places.hdf], max_age=25)
    AidFactory(name="Ailleurs", coverage=[places.arras_cu])
    AidFactory(name="Brouillon", coverage=[places.hdf], status=Aid.Status.DRAFT)
    AidFactory(name="Close", coverage=[places.hdf], valid_until=dt.date(2026, 1, 1))

    profile = Profile(commune=places.lille, age=40)
    matches = match_aids(profile, on=TODAY, queryset=Aid.objects.published())

    assert [m.aid for m in matches] == [certain, unsure]
    assert matches[0].met == ("Habite Lille (Hauts-de-France)", "Âge : 40 ans (18 ans ou plus)")
    assert matches[0].unknown == ()
    assert matches[1].unknown == ("Perçoit RSA",)


def test_match_aids_queries_do_not_grow_with_the_catalogue(places, django_assert_num_queries):
    profile = Profile(commune=places.lille, age=30)
    AidFactory(coverage=[places.hdf])
    with django_assert_num_queries(2):  # aids, then their coverage
        assert len(match_aids(profile, on=TODAY, queryset=Aid.objects.published())) == 1
    for _ in range(5):
        AidFactory(coverage=[places.mel, places.lille])
    with django_assert_num_queries(2):
        assert len(match_aids(profile, on=TODAY, queryset=Aid.objects.published())) == 6


def test_the_catalogue_vocabularies_are_those_of_the_beneficiary_file():
    from cases.models import Beneficiary

    assert LabourMarketStatus.choices == Beneficiary.LabourMarketStatus.choices
    assert LicenceStatus.choices == Beneficiary.DrivingLicence.choices
