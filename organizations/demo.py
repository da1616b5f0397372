"""Deterministic demo data: the organisations, sites and people of ``manage.py seed_demo``.

How apps add their own demo data
--------------------------------
``DEMO_STEPS`` is an ordered list of seed steps. A step is a function
``step(*, rng: random.Random, size: str) -> list[DemoLogin]`` that creates rows and returns the
logins of the users it created (usually none after the foundation). This module registers
``seed_foundation`` first; another app registers its step from its ``AppConfig.ready()``::

    def ready(self) -> None:
        from organizations.demo import register_demo_step

        from .demo import seed_cases

        register_demo_step(seed_cases)

``ready()`` runs in ``INSTALLED_APPS`` order (organizations, catalog, cases, referrals, vehicles,
reporting), which is the dependency order, so a step finds the rows of the steps it builds on
(query them: ``Organization.objects.filter(slug__in=...)``, ``demo_platforms()``). Each step gets
its own ``random.Random`` derived from the seed and the step's name: adding a step never changes
what the others create.

Determinism and re-runs
-----------------------
The same seed gives the same names, e-mail addresses, SIRETs and amounts; dates are fixed
relative to ``REFERENCE_DATE``, never ``now()`` (except invitation expiry, which must lie ahead).
Primary keys are random UUIDs. Running the seed on a database that already holds demo data is a
no-op: ``demo_data_exists()`` tells, and ``existing_demo_logins()`` lists the demo users so that
``make demo`` can run again on the same database.
"""

from __future__ import annotations

import functools
import hashlib
import random
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.html import escape
from django.utils.text import slugify
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.utils import bulk_create_with_history

from .errors import DomainError
from .models import (
    FundingAgreement,
    Invitation,
    Membership,
    Organization,
    Site,
    Territory,
    User,
    hash_token,
)
from .validators import LA_POSTE_SIREN, luhn_is_valid

DEMO_PASSWORD = "mobicase-demo-2026"
# Reserved top-level domain (RFC 2606): no demo mail can reach a real mailbox.
DEMO_EMAIL_SUFFIX = ".mobicase.test"
REFERENCE_DATE = date(2026, 1, 1)
SIZES = ("small", "large")
LARGE_PLATFORM_COUNT = 50

Role = Membership.Role
Kind = Organization.Kind


@dataclass(frozen=True)
class DemoLogin:
    """A demo user's credentials, as ``--logins-json`` writes them."""

    email: str
    password: str
    role: str
    organization: str
    organization_kind: str
    # The account has a confirmed TOTP device: `manage.py demo_otp EMAIL` prints its code.
    two_factor: bool = False

    def as_dict(self) -> dict[str, str | bool]:
        return asdict(self)


DemoStep = Callable[..., list[DemoLogin]]
DEMO_STEPS: list[DemoStep] = []


def register_demo_step(step: DemoStep) -> DemoStep:
    """Append a seed step to ``DEMO_STEPS`` (once, whatever the number of calls)."""
    if step not in DEMO_STEPS:
        DEMO_STEPS.append(step)
    return step


def run_demo_steps(*, seed: int, size: str) -> list[DemoLogin]:
    """Run every registered step in one transaction and return all the demo logins."""
    if size not in SIZES:
        raise DomainError(f"Taille inconnue « {size} » : choisissez parmi {', '.join(SIZES)}.")
    logins: list[DemoLogin] = []
    with transaction.atomic():
        for step in DEMO_STEPS:
            rng = random.Random(f"{seed}:{step.__module__}.{step.__qualname__}")
            logins.extend(step(rng=rng, size=size))
    return sorted_logins(logins)


def sorted_logins(logins: Iterable[DemoLogin]) -> list[DemoLogin]:
    """Order logins by organisation kind, organisation, role, then e-mail."""
    kinds, roles = list(Kind.values), list(Role.values)
    return sorted(
        logins,
        key=lambda login: (
            kinds.index(login.organization_kind),
            login.organization,
            roles.index(login.role),
            login.email,
        ),
    )


def demo_data_exists() -> bool:
    return User.objects.filter(email__endswith=DEMO_EMAIL_SUFFIX).exists()


def existing_demo_logins() -> list[DemoLogin]:
    """Return the logins of the demo users already in the database."""
    memberships = (
        Membership.objects.active()
        .filter(user__email__endswith=DEMO_EMAIL_SUFFIX)
        .select_related("user", "organization")
    )
    with_device = set(
        TOTPDevice.objects.filter(
            confirmed=True, user__email__endswith=DEMO_EMAIL_SUFFIX
        ).values_list("user_id", flat=True)
    )
    return sorted_logins(
        _login(m.user, m.organization, m.role, two_factor=m.user_id in with_device)
        for m in memberships
    )


def demo_totp_key(email: str) -> str:
    """The TOTP secret of a demo account: derived from its address, so the same every seed.

    Demo accounts only (their password is public anyway); ``manage.py demo_otp`` shows the code.
    """
    return hashlib.sha256(f"mobicase-demo-totp:{email}".encode()).hexdigest()[:40]


@functools.cache
def demo_pdf(title: str, *lines: str) -> bytes:
    """A one-page PDF standing for a scanned or received document of the demo.

    Rendered once per title (WeasyPrint), then reused: the demo's documents, contracts and
    attachments are real PDFs that open, without slowing the seed.
    """
    from weasyprint import HTML  # heavy import, only when the demo needs a file

    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    html = (
        '<html lang="fr"><head><meta charset="utf-8"><style>'
        "body { font-family: 'DejaVu Sans', sans-serif; margin: 2cm; }"
        "</style></head><body>"
        f"<h1>{escape(title)}</h1>{body}"
        "<p><em>Document de démonstration Mobicase : il ne concerne personne de réel.</em></p>"
        "</body></html>"
    )
    return HTML(string=html).write_pdf()


def demo_platforms():
    """Return the demo platforms (the organisations whose staff has demo e-mail addresses)."""
    return (
        Organization.objects.platforms()
        .filter(memberships__user__email__endswith=DEMO_EMAIL_SUFFIX)
        .distinct()
    )


# --- Reference data of the foundation ------------------------------------------------------

REGION_HDF = "32"
DEPARTEMENT_NORD = "59"
DEPARTEMENT_PAS_DE_CALAIS = "62"
EPCI_MEL = "200093201"  # Métropole Européenne de Lille
EPCI_CU_ARRAS = "200033579"  # Communauté urbaine d'Arras
EPCI_CAMPAGNES_ARTOIS = "200069482"  # CC des Campagnes de l'Artois
COMMUNE_LILLE = "59350"
COMMUNE_ROUBAIX = "59512"
COMMUNE_ARRAS = "62041"
COMMUNE_AVESNES_LE_COMTE = "62063"

# Each platform: its staff is drawn from the seed; sites and coverage are real places.
# fmt: off
FOUNDATION_PLATFORMS = [
    {
        "code": "msm", "name": "Mobilité Solidaire Métropole",
        "slug": "mobilite-solidaire-metropole",
        "address": "12 rue des Stations", "postcode": "59000", "commune": COMMUNE_LILLE,
        "phone_prefix": "03 20", "website": "https://mobilite-solidaire-metropole.example.org",
        "description": (
            "Plateforme de mobilité de la métropole lilloise : diagnostic mobilité, "
            "vélo-école, location solidaire de vélos et de voitures, aide au permis."
        ),
        "coverage": [EPCI_MEL],
        "sites": [
            ("Lille — siège", "12 rue des Stations", "59000", COMMUNE_LILLE,
             "Du lundi au vendredi, de 9 h à 12 h 30 et de 13 h 30 à 17 h"),
            ("Antenne de Roubaix", "45 boulevard Gambetta", "59100", COMMUNE_ROUBAIX,
             "Mardi et jeudi de 9 h à 12 h, mercredi de 14 h à 17 h"),
        ],
    },
    {
        "code": "rsa", "name": "Roule Solidaire Artois", "slug": "roule-solidaire-artois",
        "address": "14 rue Gambetta", "postcode": "62000", "commune": COMMUNE_ARRAS,
        "phone_prefix": "03 21", "website": "https://roule-solidaire-artois.example.org",
        "description": (
            "Garage solidaire et plateforme de mobilité de l'Arrageois et des campagnes de "
            "l'Artois : location de voitures et de scooters, conseil en mobilité, code de la route."
        ),
        "coverage": [EPCI_CU_ARRAS, EPCI_CAMPAGNES_ARTOIS],
        "sites": [
            ("Arras — garage solidaire", "14 rue Gambetta", "62000", COMMUNE_ARRAS,
             "Du lundi au vendredi, de 8 h 30 à 12 h et de 13 h 30 à 17 h 30"),
            ("Antenne d'Avesnes-le-Comte", "3 place du Général de Gaulle", "62810",
             COMMUNE_AVESNES_LE_COMTE, "Lundi et mercredi, de 9 h à 12 h"),
        ],
    },
]

FOUNDATION_REFERRERS = [
    {
        "code": "ft-lille", "name": "France Travail Lille Centre",
        "slug": "france-travail-lille-centre", "network": "france-travail",
        "address": "15 rue du Molinel", "postcode": "59000", "commune": COMMUNE_LILLE,
        "phone_prefix": "03 20",
        "description": "Agence France Travail : accompagnement des demandeurs d'emploi.",
    },
    {
        "code": "ml-arrageois", "name": "Mission locale de l'Arrageois",
        "slug": "mission-locale-arrageois", "network": "mission-locale",
        "address": "1 rue Émile Legrelle", "postcode": "62000", "commune": COMMUNE_ARRAS,
        "phone_prefix": "03 21",
        "description": "Accompagnement des jeunes de 16 à 25 ans vers l'emploi et l'autonomie.",
    },
]

FOUNDATION_FUNDER = {
    "code": "cd59", "name": "Département du Nord", "slug": "departement-du-nord",
    "network": "departements",
    "address": "51 rue Gustave Delory", "postcode": "59000", "commune": COMMUNE_LILLE,
    "phone_prefix": "03 59",
    "description": "Direction de l'insertion : financement des actions mobilité vers l'emploi.",
}

REQUIRED_TERRITORY_CODES = {
    Territory.Level.REGION: {REGION_HDF},
    Territory.Level.DEPARTEMENT: {DEPARTEMENT_NORD, DEPARTEMENT_PAS_DE_CALAIS},
    Territory.Level.EPCI: {EPCI_MEL, EPCI_CU_ARRAS, EPCI_CAMPAGNES_ARTOIS},
    Territory.Level.COMMUNE: {
        COMMUNE_LILLE, COMMUNE_ROUBAIX, COMMUNE_ARRAS, COMMUNE_AVESNES_LE_COMTE,
    },
}

FIRST_NAMES = [
    "Camille", "Julie", "Sophie", "Élodie", "Nadia", "Amandine", "Céline", "Aurélie", "Fatima",
    "Inès", "Léa", "Manon", "Sarah", "Laetitia", "Mélanie", "Aïcha", "Justine", "Pauline",
    "Karima", "Émilie", "Thomas", "Nicolas", "Julien", "Mehdi", "Kévin", "Antoine", "Maxime",
    "Sébastien", "Romain", "Jérôme", "Karim", "Yassine", "Mathieu", "Grégory", "Olivier",
    "Franck", "David", "Bruno", "Hugo", "Théo",
]
LAST_NAMES = [
    "Lefebvre", "Dubois", "Martin", "Leroy", "Lemaire", "Duhamel", "Delattre", "Dupont",
    "Lecomte", "Vasseur", "Caron", "Fontaine", "Lemoine", "Carpentier", "Delcourt", "Roussel",
    "Mercier", "Leclercq", "Lambert", "Mahieu", "Delannoy", "Deprez", "Devos", "Vandamme",
    "Wallet", "Lagache", "Hochart", "Cuvelier", "Delplace", "Flament", "Lecocq", "Benali",
    "Diallo", "Haddad", "Nguyen", "Kaya", "Mendes", "Rossi", "Bouchez", "Dhainaut",
]
PLATFORM_NAME_PATTERNS = [
    "Mobilité Solidaire {place}", "Cap Mobilité {place}", "Roule Solidaire {place}",
    "Bouge vers l'emploi {place}", "Plateforme mobilité {place}", "En route {place}",
]
STAFF_ROLES = [Role.ADMIN, Role.ADVISOR, Role.ADVISOR, Role.COACH]
# fmt: on


# --- The foundation step -------------------------------------------------------------------


def seed_foundation(*, rng: random.Random, size: str) -> list[DemoLogin]:
    """Create the platforms with their staff and sites, the referrers and the funder."""
    territories = _required_territories()
    builder = _Builder(rng=rng, territories=territories)

    for spec in FOUNDATION_PLATFORMS:
        builder.add_platform(spec)
    for spec in FOUNDATION_REFERRERS:
        organization = builder.add_organization(spec, kind=Kind.REFERRER)
        builder.add_staff(organization, spec["code"], [Role.REFERRER, Role.REFERRER])
    funder = builder.add_organization(FOUNDATION_FUNDER, kind=Kind.FUNDER)
    builder.add_staff(funder, FOUNDATION_FUNDER["code"], [Role.FUNDER])

    msm, rsa = builder.platforms[0], builder.platforms[1]
    year = REFERENCE_DATE.year
    builder.add_agreement(
        [builder.epci(EPCI_MEL)],
        organization=msm,
        funder=funder,
        programme="Mobilité vers l'emploi des allocataires du RSA",
        reference=f"CD59-FSE-{year - 2}-017",
        start_date=date(year - 2, 1, 1),
        end_date=date(year + 1, 12, 31),
        amount=Decimal("180000.00"),
        is_fse_plus=True,
        target_participants=240,
    )
    builder.add_agreement(
        [builder.epci(EPCI_MEL)],
        organization=msm,
        funder=funder,
        programme="Permis solidaire",
        reference=f"CD59-{year - 3}-104",
        start_date=date(year - 3, 1, 1),
        end_date=date(year - 1, 12, 31),
        amount=Decimal("45000.00"),
        target_participants=60,
    )
    builder.add_agreement(
        [builder.epci(EPCI_CU_ARRAS), builder.epci(EPCI_CAMPAGNES_ARTOIS)],
        organization=rsa,
        funder=funder,
        programme="Location solidaire de véhicules (coopération avec le Pas-de-Calais)",
        reference=f"CD59-{year}-031",
        start_date=REFERENCE_DATE,
        end_date=date(year, 12, 31),
        amount=Decimal("65000.00"),
        target_participants=80,
    )
    if size == "large":
        builder.add_generated_platforms(LARGE_PLATFORM_COUNT - len(FOUNDATION_PLATFORMS), funder)
    return builder.save()


register_demo_step(seed_foundation)


def _required_territories() -> dict[tuple[str, str], Territory]:
    wanted = [(level, code) for level, codes in REQUIRED_TERRITORY_CODES.items() for code in codes]
    found = {
        (t.level, t.code): t
        for t in Territory.objects.filter(
            code__in=[code for _, code in wanted], level__in=list(REQUIRED_TERRITORY_CODES)
        )
    }
    missing = sorted(code for level, code in wanted if (level, code) not in found)
    if missing:
        raise DomainError(
            "Territoires introuvables pour les données de démonstration : "
            f"{', '.join(missing)}. Chargez le référentiel avec « manage.py load_territories »."
        )
    return found


def siret_from(rng: random.Random) -> str:
    """Return a random SIRET that passes the Luhn checksum (never La Poste's SIREN)."""
    while True:
        body = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(12))
        if body.startswith(LA_POSTE_SIREN):
            continue
        for check in "0123456789":
            if luhn_is_valid(body + check):
                return body + check


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def _login(
    user: User, organization: Organization, role: str, *, two_factor: bool = False
) -> DemoLogin:
    return DemoLogin(
        email=user.email,
        password=DEMO_PASSWORD,
        role=role,
        organization=organization.name,
        organization_kind=organization.kind,
        two_factor=two_factor,
    )


class _Builder:
    """Collect unsaved rows, then write them with a few bulk inserts."""

    def __init__(self, *, rng: random.Random, territories: dict) -> None:
        self.rng = rng
        self.territories = territories
        self.password_hash = make_password(DEMO_PASSWORD)  # hashed once: fast and identical
        self.organizations: list[Organization] = []
        self.platforms: list[Organization] = []
        self.coverage: list[tuple[Organization, Territory]] = []
        self.sites: list[Site] = []
        self.users: list[User] = []
        self.memberships: list[Membership] = []
        self.membership_sites: list[tuple[Membership, Site]] = []
        self.agreements: list[FundingAgreement] = []
        self.agreement_territories: list[tuple[FundingAgreement, Territory]] = []
        self.invitations: list[Invitation] = []
        self.totp_devices: list[TOTPDevice] = []
        self.logins: list[DemoLogin] = []
        self.used_names: dict[str, set[str]] = {}

    def commune(self, code: str) -> Territory:
        return self.territories[(Territory.Level.COMMUNE, code)]

    def epci(self, code: str) -> Territory:
        return self.territories[(Territory.Level.EPCI, code)]

    def phone(self, prefix: str) -> str:
        return prefix + "".join(f" {self.rng.randint(0, 99):02d}" for _ in range(3))

    def add_organization(self, spec: dict, *, kind: str, commune: Territory | None = None):
        organization = Organization(
            name=spec["name"],
            slug=spec["slug"],
            kind=kind,
            network=spec.get("network", ""),
            siret=siret_from(self.rng),
            address=spec["address"],
            postcode=spec["postcode"],
            commune=commune or self.commune(spec["commune"]),
            email=f"contact@{spec['code']}{DEMO_EMAIL_SUFFIX}",
            phone=self.phone(spec["phone_prefix"]),
            website=spec.get("website", ""),
            description=spec.get("description", ""),
        )
        self.organizations.append(organization)
        return organization

    def add_platform(self, spec: dict) -> Organization:
        platform = self.add_organization({**spec, "network": "mobin"}, kind=Kind.PLATFORM)
        self.platforms.append(platform)
        for code in spec["coverage"]:
            self.coverage.append((platform, self.epci(code)))
        sites = [
            self.add_site(platform, name, address, postcode, self.commune(code), hours)
            for name, address, postcode, code, hours in spec["sites"]
        ]
        members = self.add_staff(platform, spec["code"], STAFF_ROLES)
        self.assign_sites(members, sites)
        self.add_invitation(platform, spec["code"], invited_by=members[0].user)
        return platform

    def add_site(self, platform, name, address, postcode, commune, hours) -> Site:
        site = Site(
            organization=platform,
            name=name,
            address=address,
            postcode=postcode,
            commune=commune,
            phone=self.phone(platform.phone[:5]),
            email=f"{_ascii(name)[:30]}@{platform.email.split('@', 1)[1]}",
            opening_hours=hours,
        )
        self.sites.append(site)
        return site

    def assign_sites(self, members: list[Membership], sites: list[Site]) -> None:
        # Advisors each hold one site; the coach runs sessions on every site; the admin none.
        advisors = [m for m in members if m.role == Role.ADVISOR]
        for membership, site in zip(advisors, sites, strict=False):
            self.membership_sites.append((membership, site))
        for membership in members:
            if membership.role == Role.COACH:
                self.membership_sites.extend((membership, site) for site in sites)

    def person(self, org_code: str) -> tuple[str, str, str]:
        """Draw a name not yet used in this organisation (first or last), and its e-mail."""
        used = self.used_names.setdefault(org_code, set())
        while True:
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            if first not in used and last not in used:
                used.update((first, last))
                return first, last, f"{_ascii(first)}.{_ascii(last)}@{org_code}{DEMO_EMAIL_SUFFIX}"

    def add_staff(self, organization, org_code: str, roles: Iterable[str]) -> list[Membership]:
        members = []
        exporter_chosen = False
        for role in roles:
            first, last, email = self.person(org_code)
            user = User(
                email=email,
                first_name=first,
                last_name=last,
                password=self.password_hash,
                phone=self.phone(organization.phone[:5]),
            )
            membership = Membership(user=user, organization=organization, role=role)
            # One advisor per platform holds the export right, to show it; like the admin,
            # they must then use two-factor authentication.
            if organization.kind == Kind.PLATFORM and role == Role.ADVISOR and not exporter_chosen:
                membership.can_export_data = exporter_chosen = True
            two_factor = membership.requires_two_factor
            if two_factor:
                self.totp_devices.append(
                    TOTPDevice(
                        user=user,
                        name="Application de démonstration",
                        key=demo_totp_key(email),
                        confirmed=True,
                    )
                )
            self.users.append(user)
            self.memberships.append(membership)
            self.logins.append(_login(user, organization, role, two_factor=two_factor))
            members.append(membership)
        return members

    def add_invitation(self, platform, org_code: str, *, invited_by: User) -> None:
        first, last, email = self.person(org_code)
        self.invitations.append(
            Invitation(
                organization=platform,
                email=email,
                first_name=first,
                last_name=last,
                role=Role.ADVISOR,
                invited_by=invited_by,
                token_hash=hash_token(secrets.token_urlsafe(32)),
            )
        )

    def add_agreement(self, territories: list[Territory], **fields) -> FundingAgreement:
        agreement = FundingAgreement(**fields)
        self.agreements.append(agreement)
        self.agreement_territories.extend((agreement, territory) for territory in territories)
        return agreement

    def add_generated_platforms(self, count: int, funder: Organization) -> None:
        """Add ``count`` platforms, one per EPCI of the reference (cycling if fewer)."""
        epcis = list(Territory.objects.epcis().order_by("code"))
        communes_by_epci: dict[int, list[Territory]] = {}
        for commune in (
            Territory.objects.communes()
            .filter(epci__in=epcis)
            .order_by("epci_id", "-population", "code")
        ):
            communes_by_epci.setdefault(commune.epci_id, []).append(commune)
        epcis = [e for e in epcis if communes_by_epci.get(e.pk)]
        # Prefer territories that no foundation platform covers; cycle when there are too few.
        covered = {territory.pk for _, territory in self.coverage}
        epcis = [e for e in epcis if e.pk not in covered] or epcis
        if not epcis:
            raise DomainError(
                "Aucun EPCI avec des communes : chargez le référentiel des territoires."
            )
        for index in range(count):
            epci = epcis[index % len(epcis)]
            communes = communes_by_epci[epci.pk]
            number = index + 1
            code = f"pm{number:02d}"
            place = communes[0].name
            name = self.rng.choice(PLATFORM_NAME_PATTERNS).format(place=place)
            spec = {
                "code": code,
                "name": name,
                "slug": f"{slugify(name)[:60]}-{number:02d}",
                "address": f"{self.rng.randint(1, 120)} rue de la République",
                "postcode": communes[0].postcode_list[0] if communes[0].postcodes else "",
                "phone_prefix": "03 2" + str(self.rng.randint(0, 8)),
                "network": "mobin",
            }
            platform = self.add_organization(spec, kind=Kind.PLATFORM, commune=communes[0])
            self.platforms.append(platform)
            self.coverage.append((platform, epci))
            # Two sites: the two largest communes, or two places in a single-commune EPCI.
            sites = [
                self.add_site(
                    platform,
                    f"{label} {commune.name}",
                    spec["address"],
                    commune.postcode_list[0] if commune.postcodes else "",
                    commune,
                    "Du lundi au vendredi, de 9 h à 17 h",
                )
                for label, commune in zip(
                    ("Site de", "Antenne de"), (communes * 2)[:2], strict=True
                )
            ]
            members = self.add_staff(platform, code, STAFF_ROLES)
            self.assign_sites(members, sites)
            self.add_agreement(
                [epci],
                organization=platform,
                funder=funder,
                programme="Mobilité vers l'emploi",
                reference=f"CD59-{REFERENCE_DATE.year}-{200 + number}",
                start_date=REFERENCE_DATE,
                end_date=date(REFERENCE_DATE.year + 1, 12, 31),
                amount=Decimal(self.rng.randrange(30_000, 150_000, 500)),
                is_fse_plus=self.rng.random() < 0.4,
                target_participants=self.rng.randint(40, 300),
            )

    def save(self) -> list[DemoLogin]:
        bulk_create_with_history(self.organizations, Organization)
        Organization.coverage.through.objects.bulk_create(
            Organization.coverage.through(organization=org, territory=territory)
            for org, territory in self.coverage
        )
        bulk_create_with_history(self.sites, Site)
        User.objects.bulk_create(self.users)
        TOTPDevice.objects.bulk_create(self.totp_devices)
        bulk_create_with_history(self.memberships, Membership)
        Membership.sites.through.objects.bulk_create(
            Membership.sites.through(membership=membership, site=site)
            for membership, site in self.membership_sites
        )
        bulk_create_with_history(self.agreements, FundingAgreement)
        FundingAgreement.territories.through.objects.bulk_create(
            FundingAgreement.territories.through(fundingagreement=agreement, territory=territory)
            for agreement, territory in self.agreement_territories
        )
        Invitation.objects.bulk_create(self.invitations)
        return self.logins
