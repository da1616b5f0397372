"""The demo seed: deterministic, re-runnable, and every demo user can log in."""

import json
import random
from html import unescape
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client
from django.urls import reverse

from organizations import demo
from organizations.management.commands import seed_demo
from organizations.models import FundingAgreement, Membership, Organization, Site, Territory, User
from organizations.validators import validate_siret

Role = Membership.Role
Kind = Organization.Kind
Level = Territory.Level

HEADING_BY_KIND_AND_ROLE = {
    (Kind.PLATFORM, Role.ADMIN): "Tableau de bord de la plateforme",
    (Kind.PLATFORM, Role.ADVISOR): "Mon espace conseiller·e",
    (Kind.PLATFORM, Role.COACH): "Mon espace formateur·rice",
    (Kind.REFERRER, Role.REFERRER): "Orienter vers une plateforme de mobilité",
    (Kind.FUNDER, Role.FUNDER): "Mes conventions de financement",
}


@pytest.fixture
def demo_territories(db) -> None:
    """The few territories the foundation needs, linked as the COG links them."""
    region = Territory.objects.create(level=Level.REGION, code="32", name="Hauts-de-France")
    departements = {
        code: Territory.objects.create(
            level=Level.DEPARTEMENT, code=code, name=name, region=region, parent=region
        )
        for code, name in [("59", "Nord"), ("62", "Pas-de-Calais")]
    }
    epcis = {
        code: Territory.objects.create(
            level=Level.EPCI,
            code=code,
            name=name,
            kind=kind,
            region=region,
            departement=departements[dep],
        )
        for code, name, kind, dep in [
            ("200093201", "Métropole Européenne de Lille", "ME", "59"),
            ("200033579", "CU d'Arras", "CU", "62"),
            ("200069482", "CC des Campagnes de l'Artois", "CC", "62"),
        ]
    }
    for code, name, postcodes, epci, population in [
        ("59350", "Lille", "59000 59800", "200093201", 238_246),
        ("59512", "Roubaix", "59100", "200093201", 98_286),
        ("62041", "Arras", "62000", "200033579", 42_875),
        ("62063", "Avesnes-le-Comte", "62810", "200069482", 1_840),
    ]:
        Territory.objects.create(
            level=Level.COMMUNE,
            code=code,
            name=name,
            postcodes=postcodes,
            population=population,
            epci=epcis[epci],
            departement=epcis[epci].departement,
            region=region,
            parent=epcis[epci].departement,
        )


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def people() -> list[tuple[str, str, str]]:
    return list(User.objects.order_by("email").values_list("email", "first_name", "last_name"))


def test_the_seed_loads_the_territories_then_creates_the_demo_world(db):
    assert not Territory.objects.exists()

    output = seed()

    assert Territory.objects.communes().filter(code="59350").exists()
    assert "Données de démonstration créées" in output
    platforms = Organization.objects.platforms()
    assert set(platforms.values_list("name", flat=True)) == {
        "Mobilité Solidaire Métropole",
        "Roule Solidaire Artois",
    }
    for platform in platforms:
        roles = sorted(Membership.objects.for_organization(platform).values_list("role", flat=True))
        assert roles == sorted([Role.ADMIN, Role.ADVISOR, Role.ADVISOR, Role.COACH])
        assert Site.objects.for_organization(platform).filter(commune__isnull=False).count() == 2
        assert FundingAgreement.objects.for_organization(platform).exists()
    assert set(
        Organization.objects.get(name="Mobilité Solidaire Métropole").coverage.values_list(
            "code", flat=True
        )
    ) == {"200093201"}
    assert "200033579" in Organization.objects.get(
        name="Roule Solidaire Artois"
    ).coverage.values_list("code", flat=True)
    assert set(Organization.objects.referrers().values_list("network", flat=True)) == {
        "france-travail",
        "mission-locale",
    }
    funder = Organization.objects.funders().get()
    assert funder.network == "departements"
    assert FundingAgreement.objects.filter(funder=funder, is_fse_plus=True).exists()
    for organization in Organization.objects.all():
        validate_siret(organization.siret)


def test_the_same_seed_gives_the_same_people_and_another_seed_other_people(demo_territories):
    def draw(seed_value: int) -> tuple[list, list]:
        with transaction.atomic():
            demo.seed_foundation(rng=random.Random(seed_value), size="small")
            drawn = (people(), sorted(Organization.objects.values_list("name", "siret")))
            transaction.set_rollback(True)
        return drawn

    first, again, other = draw(7), draw(7), draw(8)

    assert first == again
    assert len(first[0]) == 13
    assert first[0] != other[0]
    assert first[1] != other[1]  # SIRETs are drawn from the seed too


def test_the_logins_file_lists_every_demo_user_with_the_shared_password(demo_territories, tmp_path):
    path = tmp_path / "logins.json"

    seed(logins_json=path)

    logins = json.loads(path.read_text(encoding="utf-8"))
    assert {login["email"] for login in logins} == set(User.objects.values_list("email", flat=True))
    assert {login["password"] for login in logins} == {"mobicase-demo-2026"}
    assert {(login["organization_kind"], login["role"]) for login in logins} == set(
        HEADING_BY_KIND_AND_ROLE
    )
    assert set(logins[0]) == {
        "email", "password", "role", "organization", "organization_kind", "two_factor",
    }  # fmt: skip


def test_every_demo_user_can_log_in_and_lands_on_the_home_of_their_role(demo_territories, tmp_path):
    path = tmp_path / "logins.json"
    seed(logins_json=path)

    for login in json.loads(path.read_text(encoding="utf-8")):
        client = Client()
        response = client.post(
            reverse("accounts:login"),
            {"username": login["email"], "password": login["password"]},
            follow=True,
        )
        if login["two_factor"]:
            assert response.redirect_chain[-1][0].startswith(reverse("accounts:two_factor_verify"))
            out = StringIO()
            call_command("demo_otp", login["email"], stdout=out)
            code = out.getvalue().strip().splitlines()[-1]
            response = client.post(
                response.redirect_chain[-1][0], {"code": code, "next": "/"}, follow=True
            )

        html = unescape(response.content.decode())
        heading = HEADING_BY_KIND_AND_ROLE[(login["organization_kind"], login["role"])]
        assert response.redirect_chain[-1][0] == reverse("home"), login["email"]
        assert f"<h1>{heading}</h1>" in html, login["email"]
        assert login["organization"] in html


def test_running_the_seed_again_adds_nothing_and_still_writes_the_logins(
    demo_territories, tmp_path
):
    first_path, second_path = tmp_path / "first.json", tmp_path / "second.json"
    seed(logins_json=first_path, seed=3)
    counts = (User.objects.count(), Organization.objects.count(), Site.objects.count())

    output = seed(logins_json=second_path, seed=4)

    assert "existent déjà" in output
    assert (User.objects.count(), Organization.objects.count(), Site.objects.count()) == counts
    assert json.loads(second_path.read_text()) == json.loads(first_path.read_text())


def test_the_referrers_find_the_platform_covering_their_commune(demo_territories):
    seed()

    for referrer in Organization.objects.referrers().select_related("commune"):
        covering = Organization.objects.covering_commune(referrer.commune)
        assert covering.count() == 1, referrer.name


def test_the_seed_says_in_french_which_territories_are_missing(db):
    Territory.objects.create(level=Level.REGION, code="32", name="Hauts-de-France")

    with pytest.raises(CommandError, match=r"Territoires introuvables.*59350"):
        seed()
    assert not User.objects.exists()


def test_without_territories_nor_load_territories_the_seed_says_what_to_do(db, monkeypatch):
    monkeypatch.setattr(seed_demo, "get_commands", lambda: {})

    with pytest.raises(CommandError, match="« load_territories » n'est pas disponible"):
        seed()


def test_the_large_size_creates_fifty_platforms_with_their_staff(demo_territories):
    # The foundation step only: the other apps' large steps fill these platforms for benchmarks.
    demo.seed_foundation(rng=random.Random(1), size="large")

    platforms = Organization.objects.platforms()
    assert platforms.count() == 50
    assert Membership.objects.filter(organization__in=platforms).count() == 200
    assert Site.objects.filter(organization__in=platforms).count() == 100
    assert not platforms.filter(coverage__isnull=True).exists()


def test_demo_logins_prints_a_table_of_the_logins(demo_territories, tmp_path):
    path = tmp_path / "logins.json"
    seed(logins_json=path)
    out = StringIO()

    call_command("demo_logins", str(path), stdout=out)

    table = out.getvalue()
    assert "Comptes de démonstration (13)" in table
    assert "Mot de passe commun : mobicase-demo-2026" in table
    assert "Conseiller·e mobilité" in table and "Financeur" in table
    for email in User.objects.values_list("email", flat=True):
        assert email in table


def test_demo_logins_explains_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Fichier introuvable"):
        call_command("demo_logins", str(tmp_path / "absent.json"))


# --- Two-factor authentication in the demo ------------------------------------------------------


def test_platform_admins_and_one_advisor_per_platform_use_two_factor(demo_territories, tmp_path):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    path = tmp_path / "logins.json"
    seed(logins_json=path)

    with_device = set(
        TOTPDevice.objects.filter(confirmed=True).values_list("user__email", flat=True)
    )
    exporters = Membership.objects.filter(can_export_data=True).select_related("organization")
    assert sorted(m.organization.slug for m in exporters) == [
        "mobilite-solidaire-metropole",
        "roule-solidaire-artois",
    ]
    assert all(m.role == Role.ADVISOR for m in exporters)
    required = {
        m.user.email
        for m in Membership.objects.select_related("user", "organization")
        if m.requires_two_factor
    }
    assert with_device == required
    assert len(required) == 4
    logins = json.loads(path.read_text(encoding="utf-8"))
    assert {login["email"] for login in logins if login["two_factor"]} == required


def test_the_demo_totp_secrets_come_from_the_addresses_so_the_same_seed_gives_the_same(
    demo_territories,
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    seed(seed=5)

    devices = TOTPDevice.objects.select_related("user")
    assert devices.exists()
    assert all(device.key == demo.demo_totp_key(device.user.email) for device in devices)


def test_demo_logins_explains_how_to_get_the_code(demo_territories, tmp_path):
    path = tmp_path / "logins.json"
    seed(logins_json=path)
    out = StringIO()

    call_command("demo_logins", str(path), stdout=out)

    assert "code demandé" in out.getvalue()
    assert "manage.py demo_otp E-MAIL" in out.getvalue()


def test_demo_otp_prints_the_current_code_of_a_demo_account(demo_territories):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    seed()
    device = TOTPDevice.objects.select_related("user").first()
    out = StringIO()

    call_command("demo_otp", device.user.email.upper(), stdout=out)

    code = out.getvalue().strip().splitlines()[-1]
    assert len(code) == 6 and code.isdigit()
    assert device.verify_token(code)


def test_demo_otp_refuses_any_account_that_is_not_a_demo_account(db):
    from tests.factories import UserFactory
    from tests.otp import confirmed_device

    real = UserFactory(email="directrice@plateforme.fr")
    confirmed_device(real)

    with pytest.raises(CommandError, match="n'est pas un compte de démonstration"):
        call_command("demo_otp", real.email)
    with pytest.raises(CommandError, match="n'existe pas"):
        call_command("demo_otp", "personne@msm.mobicase.test")
