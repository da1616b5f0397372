"""The default barrier taxonomy and skills, shared by every platform (editable in the admin).

Health is kept to coarse categories: never a free-text medical diagnosis.
"""

BARRIER_TAXONOMY: list[tuple[str, str, bool, list[tuple[str, str]]]] = [
    (
        "financial",
        "Freins financiers",
        False,
        [
            ("cost-licence", "Coût du permis de conduire"),
            ("cost-vehicle", "Coût d'achat ou d'entretien d'un véhicule"),
            ("cost-fuel-insurance", "Coût du carburant ou de l'assurance"),
            ("cost-transport-pass", "Coût des titres de transport"),
            ("debt-fines", "Dettes, amendes ou suspension liée à des impayés"),
        ],
    ),
    (
        "equipment",
        "Équipement",
        False,
        [
            ("no-vehicle", "Pas de véhicule"),
            ("vehicle-unreliable", "Véhicule en panne ou peu fiable"),
            ("no-bike", "Pas de vélo ou vélo inadapté"),
            ("no-safety-gear", "Pas d'équipement (casque, antivol, éclairage)"),
        ],
    ),
    (
        "skills-licence",
        "Compétences et permis",
        False,
        [
            ("no-licence", "Pas de permis B"),
            ("code-not-obtained", "Code de la route non obtenu"),
            ("licence-suspended", "Permis suspendu ou annulé"),
            ("cannot-ride-bike", "Ne sait pas faire de vélo"),
            ("no-route-planning", "Difficulté à préparer un trajet"),
            ("public-transport-unknown", "Méconnaissance des transports en commun"),
        ],
    ),
    (
        "psychological",
        "Freins psychologiques",
        False,
        [
            ("fear-public-transport", "Appréhension des transports en commun"),
            ("fear-driving", "Peur de conduire ou de circuler"),
            ("limited-perimeter", "Périmètre de déplacement restreint"),
            ("low-confidence", "Manque de confiance pour se déplacer seul·e"),
        ],
    ),
    (
        "family-schedule",
        "Famille et horaires",
        False,
        [
            ("childcare", "Garde d'enfants"),
            ("dependent-care", "Proche à charge"),
            ("atypical-hours", "Horaires décalés ou atypiques"),
            ("long-commute", "Temps de trajet trop long"),
        ],
    ),
    (
        "territory",
        "Territoire et offre de transport",
        False,
        [
            ("no-public-transport", "Pas de transport en commun à proximité"),
            ("low-frequency", "Offre de transport peu fréquente ou inadaptée aux horaires"),
            ("isolated-area", "Zone rurale ou isolée"),
            ("job-area-unserved", "Lieu de travail non desservi"),
        ],
    ),
    (
        "health",
        "Santé",
        True,
        [
            ("health-limits-mobility", "Problème de santé limitant les déplacements"),
            ("disability", "Situation de handicap"),
        ],
    ),
    (
        "digital",
        "Numérique",
        False,
        [
            ("no-smartphone", "Pas de smartphone ou de connexion"),
            ("digital-skills", "Difficulté à utiliser les applications de mobilité"),
        ],
    ),
    (
        "language-basics",
        "Langue et savoirs de base",
        False,
        [
            ("french-language", "Maîtrise insuffisante du français"),
            ("reading-writing", "Difficultés de lecture ou d'écriture"),
            ("orientation", "Difficulté à se repérer (plans, panneaux)"),
        ],
    ),
]

# (curriculum, code, label, scale_max, pass_mark)
DEFAULT_SKILLS: list[tuple[str, str, str, int, int | None]] = [
    ("velo_ecole", "bike-balance", "Équilibre et maîtrise du vélo", 4, 3),
    ("velo_ecole", "bike-braking", "Freinage et arrêt", 4, 3),
    ("velo_ecole", "bike-signals", "Signaler ses changements de direction", 4, 3),
    ("velo_ecole", "bike-traffic", "Circulation en ville", 4, 3),
    ("code_route", "code-mock-test", "Examen blanc du code de la route", 40, 35),
    ("bus_train", "transit-route", "Préparer un trajet en transport en commun", 4, 3),
    ("bus_train", "transit-ticket", "Acheter et valider un titre de transport", 4, 3),
    ("budget", "budget-mobility", "Établir son budget mobilité", 4, 3),
]
