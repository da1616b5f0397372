"""The main navigation, by organisation kind and role, in one place.

Each entry names a URL and the view names it stands for (so that a sub-page highlights its
entry). Entries whose URL is not installed are skipped, which lets an app land its pages and
its entry together.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

PLATFORM, REFERRER, FUNDER = "platform", "referrer", "funder"
ADMIN, ADVISOR, COACH, REFERRER_ROLE, FUNDER_ROLE = (
    "admin",
    "advisor",
    "coach",
    "referrer",
    "funder",
)
ANY_ROLE = (ADMIN, ADVISOR, COACH, REFERRER_ROLE, FUNDER_ROLE)


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    kinds: tuple[str, ...]
    roles: tuple[str, ...]
    matches: tuple[str, ...] = ()

    def match_length(self, view_name: str) -> int:
        """How precisely this entry stands for the view: 0 when it does not."""
        if view_name == self.url_name:
            return len(view_name) + 1
        return max((len(m) for m in self.matches if view_name.startswith(m)), default=0)


NAVIGATION: list[NavEntry] = [
    NavEntry("Accueil", "home", (PLATFORM, REFERRER, FUNDER), ANY_ROLE),
    NavEntry(
        "Personnes accompagnées",
        "cases:case_list",
        (PLATFORM,),
        (ADMIN, ADVISOR),
        (
            "cases:case_",
            "cases:beneficiary_",
            "cases:import_",
            "cases:diagnostic_",
            "cases:goal_",
            "cases:action_",
            "cases:aid_",
            "cases:document_",
            "cases:note_",
            "cases:follow_up_",
            "cases:participation_",
            "cases:appointment_",
            "cases:skill_",
            "cases:registration_create",
            "vehicles:case_loans",
            "vehicles:loan_create",
            "vehicles:waiting_add",
            "privacy:person",
            "privacy:preview",
            "privacy:erase",
            "privacy:export_",
        ),
    ),
    NavEntry("À faire", "cases:todo", (PLATFORM,), (ADMIN, ADVISOR)),
    NavEntry("Prescriptions", "referrals:inbox", (PLATFORM,), (ADMIN, ADVISOR), ("referrals:",)),
    NavEntry(
        "Orienter une personne",
        "referrals:directory",
        (REFERRER,),
        (ADMIN, REFERRER_ROLE),
        ("referrals:directory", "referrals:create", "referrals:edit"),
    ),
    NavEntry(
        "Mes prescriptions",
        "referrals:sent",
        (REFERRER,),
        (ADMIN, REFERRER_ROLE),
        (
            "referrals:sent",
            "referrals:detail",
            "referrals:confirmation",
            "referrals:withdraw",
            "referrals:attachment_",
        ),
    ),
    NavEntry(
        "Ateliers",
        "cases:workshop_list",
        (PLATFORM,),
        (ADMIN, ADVISOR, COACH),
        ("cases:workshop_", "cases:registration_cancel"),
    ),
    NavEntry("Mes séances", "cases:my_sessions", (PLATFORM,), (COACH,)),
    NavEntry(
        "Parc de véhicules", "vehicles:vehicle_list", (PLATFORM,), (ADMIN, ADVISOR), ("vehicles:",)
    ),
    NavEntry(
        "Aides mobilité", "catalog:manage", (PLATFORM,), (ADMIN, ADVISOR, COACH), ("catalog:",)
    ),
    NavEntry("Aides mobilité", "catalog:match", (REFERRER,), (ADMIN, REFERRER_ROLE), ("catalog:",)),
    NavEntry("FSE+", "fse:indicators", (PLATFORM,), (ADMIN, ADVISOR), ("fse:",)),
    NavEntry(
        "Conventions",
        "organizations:agreements",
        (PLATFORM,),
        (ADMIN, ADVISOR),
        ("organizations:agreement",),
    ),
    NavEntry(
        "Statistiques",
        "reporting:dashboard",
        (PLATFORM,),
        (ADMIN, ADVISOR),
        ("reporting:dashboard", "reporting:report_"),
    ),
    NavEntry(
        "Mes conventions",
        "reporting:agreements",
        (FUNDER,),
        (ADMIN, FUNDER_ROLE),
        ("reporting:", "organizations:agreement"),
    ),
    NavEntry("Observatoire", "reporting:observatory", (PLATFORM, REFERRER, FUNDER), ANY_ROLE),
    NavEntry(
        "Membres",
        "organizations:members",
        (PLATFORM, REFERRER, FUNDER),
        (ADMIN,),
        ("organizations:member",),
    ),
    NavEntry("Sites", "organizations:sites", (PLATFORM,), (ADMIN,), ("organizations:site",)),
    NavEntry("Organisation", "organizations:settings", (PLATFORM, REFERRER, FUNDER), (ADMIN,)),
    NavEntry("Journal des consultations", "cases:access_log", (PLATFORM,), (ADMIN,)),
    NavEntry(
        "Journal de sécurité", "organizations:security_log", (PLATFORM, REFERRER, FUNDER), (ADMIN,)
    ),
    NavEntry(
        "Demandes RGPD",
        "privacy:register",
        (PLATFORM,),
        (ADMIN,),
        ("privacy:register", "privacy:answer"),
    ),
]


def main_navigation(request: HttpRequest) -> dict:
    """Template context: ``main_nav``, the entries the current member may open."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"main_nav": []}
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    kind = membership.organization.kind
    entries = []
    for entry in NAVIGATION:
        if kind not in entry.kinds or membership.role not in entry.roles:
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        entries.append({"label": entry.label, "url": url, "match": entry.match_length(view_name)})
    # The most precise entry is the current page's, so a case tab under /vehicules/ stays
    # under « Personnes accompagnées ».
    best = max((e["match"] for e in entries), default=0)
    for e in entries:
        match = e.pop("match")
        e["current"] = best > 0 and match == best
    return {"main_nav": entries}
