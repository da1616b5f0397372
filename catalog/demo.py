"""Demo catalogue: mobility aids and services of Hauts-de-France, written for the demo.

The entries follow the shapes of real schemes (regional licence grants, the Region's car rental
for a return to work, France Travail's mobility aids, transport fare reductions, a garage
solidaire, a vélo-école) but every text is our own and the amounts are illustrative: check the
bodies' own pages before relying on them. Dates are relative to today, like the cases' demo.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from organizations.demo import (
    DEPARTEMENT_NORD,
    DEPARTEMENT_PAS_DE_CALAIS,
    EPCI_CAMPAGNES_ARTOIS,
    EPCI_CU_ARRAS,
    EPCI_MEL,
    REGION_HDF,
    DemoLogin,
)
from organizations.models import Membership, Organization, Territory

from . import services
from .models import Aid, Benefit, ChangeProposal, LabourMarketStatus, LicenceStatus

MSM = "mobilite-solidaire-metropole"
RSA = "roule-solidaire-artois"
CD59 = "departement-du-nord"

S = LabourMarketStatus
L = LicenceStatus
JOB_SEEKERS = [S.UNEMPLOYED, S.LONG_TERM_UNEMPLOYED]
WITHOUT_LICENCE = [L.NONE, L.LEARNING_CODE, L.CODE_OBTAINED]
ALL_MINIMA = [Benefit.RSA, Benefit.ASS, Benefit.AAH]

# owner slug, status, days since last check, coverage (level, code), fields
AIDS: list[tuple[str, str, int, list[tuple[str, str]], dict]] = [
    (
        MSM,
        "published",
        40,
        [("region", REGION_HDF)],
        {
            "name": "Aide régionale au permis B pour l'emploi",
            "kind": Aid.Kind.LICENCE,
            "provider_name": "Région Hauts-de-France",
            "description": (
                "Une participation au coût du permis de conduire B (code et conduite) pour les "
                "jeunes qui en ont besoin pour travailler ou se former. L'aide est versée "
                "directement à l'auto-école partenaire."
            ),
            "thematiques": ["mobilite--preparer-un-permis", "mobilite--financer-ma-mobilite"],
            "publics": ["jeunes", "demandeurs-emploi"],
            "min_age": 18,
            "max_age": 30,
            "labour_market_statuses": [*JOB_SEEKERS, S.IN_TRAINING],
            "licence_statuses": WITHOUT_LICENCE,
            "amount_text": "Jusqu'à 1 000 €",
            "amount_max": Decimal("1000"),
            "how_to_apply": (
                "Le dossier se constitue avec la conseillère ou le conseiller qui suit la "
                "personne (Mission locale, France Travail, plateforme de mobilité), puis se dépose "
                "en ligne sur le portail des aides de la Région."
            ),
            "source": "Règlement d'intervention régional (exemple de démonstration)",
        },
    ),
    (
        MSM,
        "published",
        25,
        [("region", REGION_HDF)],
        {
            "name": "Location de voiture à 1 € par jour pour une reprise d'emploi",
            "kind": Aid.Kind.VEHICLE_LOAN,
            "provider_name": "Région Hauts-de-France",
            "description": (
                "Une voiture louée 1 € par jour pendant les premières semaines d'un emploi ou "
                "d'une formation, le temps de trouver une solution durable. Assurance et "
                "assistance comprises ; le carburant reste à la charge de la personne."
            ),
            "thematiques": ["mobilite--acceder-a-un-vehicule"],
            "publics": ["demandeurs-emploi", "beneficiaires-des-minimas-sociaux"],
            "min_age": 18,
            "labour_market_statuses": [*JOB_SEEKERS, S.IN_TRAINING],
            "licence_statuses": [L.LICENCE_B],
            "requires_job_or_training_start": True,
            "max_days_before_start": 15,
            "max_days_after_start": 30,
            "amount_text": "1 € par jour, jusqu'à 3 mois",
            "how_to_apply": (
                "Sur prescription d'un référent emploi : la demande part avec le contrat de "
                "travail ou l'attestation d'entrée en formation, au plus tard un mois après le "
                "début."
            ),
            "other_conditions": "Permis B valide depuis au moins un an ; dépôt de garantie.",
            "source": "Dispositif régional de location solidaire (exemple de démonstration)",
        },
    ),
    (
        MSM,
        "published",
        60,
        [],
        {
            "name": "Aide à la mobilité de France Travail",
            "kind": Aid.Kind.FINANCIAL,
            "provider_name": "France Travail",
            "nationwide": True,
            "description": (
                "Une prise en charge des frais de trajet, de repas ou d'hébergement quand un "
                "emploi, une formation, un concours ou un entretien d'embauche est loin du "
                "domicile."
            ),
            "thematiques": ["mobilite--financer-ma-mobilite"],
            "publics": ["demandeurs-emploi"],
            "labour_market_statuses": JOB_SEEKERS,
            "requires_job_or_training_start": True,
            "max_days_after_start": 30,
            "min_distance_km": 30,
            "amount_text": "Selon les frais engagés, dans la limite d'un plafond annuel",
            "amount_max": Decimal("5000"),
            "how_to_apply": (
                "Depuis l'espace personnel France Travail, rubrique des aides, au plus tard un "
                "mois après la reprise d'emploi ou l'entrée en formation."
            ),
            "other_conditions": "Ressources sous un plafond ; trajet aller-retour de 60 km ou 2 h.",
            "source": "France Travail (exemple de démonstration)",
        },
    ),
    (
        MSM,
        "published",
        90,
        [],
        {
            "name": "Aide au permis de France Travail",
            "kind": Aid.Kind.LICENCE,
            "provider_name": "France Travail",
            "nationwide": True,
            "description": (
                "Un financement du permis B quand son absence freine le retour à l'emploi, "
                "après un échange avec la conseillère ou le conseiller France Travail."
            ),
            "thematiques": ["mobilite--preparer-un-permis"],
            "publics": ["demandeurs-emploi"],
            "min_age": 18,
            "labour_market_statuses": JOB_SEEKERS,
            "licence_statuses": WITHOUT_LICENCE,
            "amount_text": "Jusqu'à 1 200 €",
            "amount_max": Decimal("1200"),
            "how_to_apply": "Avec la conseillère ou le conseiller France Travail.",
            "source": "France Travail (exemple de démonstration)",
        },
    ),
    (
        MSM,
        "published",
        15,
        [("epci", EPCI_MEL)],
        {
            "name": "Abonnement solidaire aux transports de la métropole",
            "kind": Aid.Kind.TRANSPORT_PASS,
            "provider_name": "Métropole Européenne de Lille",
            "description": (
                "Un abonnement mensuel bus, métro et tramway à prix réduit pour les personnes "
                "qui perçoivent un minimum social, sur tout le réseau de la métropole."
            ),
            "thematiques": ["mobilite--mobilite-douce-partagee-collective"],
            "publics": ["beneficiaires-des-minimas-sociaux"],
            "required_benefits": ALL_MINIMA,
            "amount_text": "Abonnement mensuel à tarif réduit",
            "how_to_apply": (
                "En agence commerciale du réseau, avec une attestation de droits de moins de "
                "trois mois et une pièce d'identité."
            ),
            "source": "Gamme tarifaire du réseau (exemple de démonstration)",
        },
    ),
    (
        RSA,
        "published",
        420,
        [("region", REGION_HDF)],
        {
            "name": "Réduction sur le TER pour les personnes en recherche d'emploi",
            "kind": Aid.Kind.TRANSPORT_PASS,
            "provider_name": "Région Hauts-de-France",
            "description": (
                "Des trajets en TER à prix réduit dans la région pour se rendre à un entretien, "
                "une formation ou les premières semaines d'un emploi."
            ),
            "thematiques": [
                "mobilite--mobilite-douce-partagee-collective",
                "mobilite--financer-ma-mobilite",
            ],
            "publics": ["demandeurs-emploi"],
            "labour_market_statuses": JOB_SEEKERS,
            "amount_text": "Réduction sur le prix du billet",
            "how_to_apply": (
                "Au guichet ou en ligne, avec l'attestation d'inscription à France Travail."
            ),
            "source": "Tarifs régionaux (exemple de démonstration)",
        },
    ),
    (
        RSA,
        "published",
        30,
        [("epci", EPCI_CU_ARRAS), ("epci", EPCI_CAMPAGNES_ARTOIS)],
        {
            "name": "Garage solidaire de l'Artois",
            "kind": Aid.Kind.REPAIR,
            "provider_slug": RSA,
            "provider_name": "Roule Solidaire Artois",
            "description": (
                "Entretien et réparation de voitures et de deux-roues à prix solidaire, avec "
                "des pièces au prix coûtant et des conseils pour faire durer son véhicule."
            ),
            "thematiques": ["mobilite--entretenir-reparer-son-vehicule"],
            "publics": ["beneficiaires-des-minimas-sociaux", "demandeurs-emploi"],
            "required_benefits": ALL_MINIMA,
            "amount_text": "Main-d'œuvre à 15 € de l'heure, pièces au prix coûtant",
            "how_to_apply": (
                "Sur orientation d'un référent social ou emploi ; rendez-vous par téléphone."
            ),
            "contact_phone": "03 21 00 00 00",
            "source": "Garage solidaire (exemple de démonstration)",
        },
    ),
    (
        MSM,
        "published",
        10,
        [("epci", EPCI_MEL)],
        {
            "name": "Vélo-école de la métropole",
            "kind": Aid.Kind.CYCLING_SCHOOL,
            "provider_slug": MSM,
            "provider_name": "Mobilité Solidaire Métropole",
            "description": (
                "Apprendre à faire du vélo ou reprendre confiance, puis circuler en ville en "
                "sécurité : séances en petits groupes, vélo et casque prêtés."
            ),
            "thematiques": [
                "mobilite--mobilite-douce-partagee-collective",
                "mobilite--etre-accompagne-dans-son-parcours-mobilite",
            ],
            "publics": ["tous-publics"],
            "min_age": 16,
            "amount_text": "Gratuit",
            "how_to_apply": "Inscription auprès de la plateforme, sur place ou par téléphone.",
            "source": "Plateforme de mobilité (exemple de démonstration)",
        },
    ),
    (
        MSM,
        "published",
        10,
        [("epci", EPCI_MEL)],
        {
            "name": "Location solidaire de vélos à assistance électrique",
            "kind": Aid.Kind.VEHICLE_LOAN,
            "provider_slug": MSM,
            "provider_name": "Mobilité Solidaire Métropole",
            "description": (
                "Un vélo à assistance électrique loué pour quelques mois, antivol et entretien "
                "compris, pour aller travailler ou se former."
            ),
            "thematiques": ["mobilite--acceder-a-un-vehicule"],
            "publics": ["demandeurs-emploi", "actifs"],
            "labour_market_statuses": [*JOB_SEEKERS, S.EMPLOYED, S.IN_TRAINING],
            "amount_text": "10 € par mois",
            "amount_max": Decimal("10"),
            "how_to_apply": "Après un diagnostic mobilité à la plateforme.",
            "source": "Plateforme de mobilité (exemple de démonstration)",
        },
    ),
    (
        RSA,
        "published",
        45,
        [("epci", EPCI_CU_ARRAS), ("epci", EPCI_CAMPAGNES_ARTOIS)],
        {
            "name": "Conseil en mobilité et diagnostic",
            "kind": Aid.Kind.ADVICE,
            "provider_slug": RSA,
            "provider_name": "Roule Solidaire Artois",
            "description": (
                "Un entretien pour faire le point sur ses déplacements, connaître l'offre de "
                "transport près de chez soi et construire un parcours vers l'autonomie."
            ),
            "thematiques": ["mobilite--etre-accompagne-dans-son-parcours-mobilite"],
            "publics": ["tous-publics"],
            "amount_text": "Gratuit",
            "how_to_apply": "Sur orientation d'un prescripteur ou en venant à l'accueil.",
            "source": "Plateforme de mobilité (exemple de démonstration)",
        },
    ),
    (
        RSA,
        "published",
        50,
        [("epci", EPCI_CAMPAGNES_ARTOIS)],
        {
            "name": "Covoiturage solidaire des Campagnes de l'Artois",
            "kind": Aid.Kind.CARPOOLING,
            "provider_name": "Communauté de communes des Campagnes de l'Artois",
            "description": (
                "Des conducteurs bénévoles emmènent les habitants des villages vers un emploi, "
                "une formation ou un rendez-vous, contre une petite participation aux frais."
            ),
            "thematiques": ["mobilite--mobilite-douce-partagee-collective"],
            "publics": ["residents-qpv-frr"],
            "rural_only": True,
            "amount_text": "Participation de 0,10 € par kilomètre",
            "how_to_apply": "Réservation par téléphone, deux jours avant le trajet.",
            "source": "Communauté de communes (exemple de démonstration)",
        },
    ),
    (
        MSM,
        "published",
        20,
        [("departement", DEPARTEMENT_NORD)],
        {
            "name": "Aide départementale à la mobilité des allocataires du RSA",
            "kind": Aid.Kind.FINANCIAL,
            "provider_slug": CD59,
            "provider_name": "Département du Nord",
            "description": (
                "Une aide ponctuelle pour lever un frein à la reprise d'emploi : réparation du "
                "véhicule, assurance, abonnement de transport ou équipement vélo."
            ),
            "thematiques": ["mobilite--financer-ma-mobilite"],
            "publics": ["beneficiaires-des-minimas-sociaux"],
            "required_benefits": [Benefit.RSA],
            "requires_job_or_training_start": True,
            "max_days_before_start": 60,
            "amount_text": "Jusqu'à 500 € par an",
            "amount_max": Decimal("500"),
            "how_to_apply": "Par le référent RSA, avec un devis et le justificatif d'emploi.",
            "source": "Règlement départemental (exemple de démonstration)",
        },
    ),
    (
        RSA,
        "published",
        70,
        [("departement", DEPARTEMENT_PAS_DE_CALAIS)],
        {
            "name": "Micro-crédit pour un véhicule",
            "kind": Aid.Kind.FINANCIAL,
            "provider_name": "Réseau d'accompagnement au micro-crédit personnel",
            "description": (
                "Un prêt de petit montant, accompagné, pour acheter ou réparer un véhicule "
                "quand les banques ne prêtent pas."
            ),
            "thematiques": ["mobilite--acceder-a-un-vehicule", "mobilite--financer-ma-mobilite"],
            "publics": ["tous-publics"],
            "min_age": 18,
            "amount_text": "De 300 € à 8 000 €, remboursables sur 6 à 60 mois",
            "how_to_apply": "Rendez-vous avec une structure d'accompagnement du micro-crédit.",
            "source": "Réseau du micro-crédit (exemple de démonstration)",
        },
    ),
    (
        MSM,
        "archived",
        400,
        [("epci", EPCI_MEL)],
        {
            "name": "Chèque mobilité de l'an passé",
            "kind": Aid.Kind.FINANCIAL,
            "provider_name": "Métropole Européenne de Lille",
            "description": "Une aide exceptionnelle, close : gardée pour l'historique.",
            "thematiques": ["mobilite--financer-ma-mobilite"],
            "publics": ["tous-publics"],
            "amount_text": "100 €",
            "valid_until_days_ago": 30,
        },
    ),
    (
        RSA,
        "proposed",
        0,
        [("commune", "62041")],
        {
            "name": "Navette vers la zone d'activités d'Arras",
            "kind": Aid.Kind.CARPOOLING,
            "provider_name": "Ville d'Arras",
            "description": "Une navette aux horaires des équipes du matin et du soir.",
            "thematiques": ["mobilite--mobilite-douce-partagee-collective"],
            "publics": ["actifs"],
            "labour_market_statuses": [S.EMPLOYED],
            "amount_text": "Gratuit",
        },
    ),
]


def seed_catalog(*, rng: random.Random, size: str) -> list[DemoLogin]:
    """Create the demo catalogue, owned by the two demo platforms, and a proposal to review."""
    organizations = {o.slug: o for o in Organization.objects.filter(slug__in=[MSM, RSA, CD59])}
    if MSM not in organizations or RSA not in organizations:
        return []
    today = timezone.localdate()
    admins = {slug: _member(organizations[slug], Membership.Role.ADMIN) for slug in (MSM, RSA)}
    territories = {(t.level, t.code): t for t in Territory.objects.exclude(level="commune")}
    territories.update(
        {(t.level, t.code): t for t in Territory.objects.communes().filter(code__in=["62041"])}
    )
    created = {}
    for owner, status, checked_days_ago, coverage, fields in AIDS:
        values = dict(fields)
        provider_slug = values.pop("provider_slug", None)
        values["provider"] = organizations.get(provider_slug) if provider_slug else None
        ended = values.pop("valid_until_days_ago", None)
        if ended is not None:
            values["valid_from"] = today - timedelta(days=365 + ended)
            values["valid_until"] = today - timedelta(days=ended)
        values["coverage"] = [territories[key] for key in coverage if key in territories]
        if not values["coverage"] and not values.get("nationwide"):
            continue
        if status != "proposed":
            values["last_verified_on"] = today - timedelta(days=checked_days_ago)
        intent = "publish" if status in ("published", "archived") else "propose"
        aid = services.create_aid(by=admins[owner], values=values, intent=intent)
        if status == "archived":
            services.decide(aid=aid, by=admins[owner], decision="archive", comment="Aide close")
        created[aid.name] = aid
    _propose_a_change(created, organizations)
    return []


def _member(organization: Organization, role: str) -> Membership:
    return (
        Membership.objects.filter(organization=organization, role=role, is_active=True)
        .select_related("user", "organization")
        .order_by("user__email")
        .first()
    )


def _propose_a_change(created: dict[str, Aid], organizations: dict[str, Organization]) -> None:
    """An advisor of the Artois platform suggests a new amount on a metropolitan entry."""
    aid = created.get("Location solidaire de vélos à assistance électrique")
    advisor = _member(organizations[RSA], Membership.Role.ADVISOR)
    if aid is None or advisor is None or ChangeProposal.objects.filter(aid=aid).exists():
        return
    services.propose_changes(
        aid=aid,
        by=advisor,
        values={"amount_text": "12 € par mois", "amount_max": Decimal("12")},
        comment="Nouveau tarif annoncé par la plateforme lors de la réunion des partenaires.",
    )
