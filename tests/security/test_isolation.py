"""Tenant isolation: every URL pattern and API operation, requested by every kind of outsider.

Platform A owns one object of every kind, each text field holding a canary (world.py,
canaries.py). Outsiders — anonymous, an advisor and a coach of platform B, a referrer with no
referral to A, the funder of one of A's agreements, a funder of nothing — request every
pattern on A's objects (GET, and POST or the API operation's own method with an empty body):
none may succeed on an object of A's, none may see a canary it is not entitled to, none may
write to A's rows. A's admin and advisor request every page too: they must reach each object
and see a canary of every kind, or the outsiders' 404s would prove nothing.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Document
from organizations.models import FundingAgreement
from organizations.tenancy import ORGANIZATION_HEADER
from tests.conftest import client_for
from vehicles.models import Loan

from .canaries import base_label, owned_rows, response_blobs, tenant_scoped_models
from .targets import (
    MissingObject,
    Target,
    collect,
    object_kwargs,
    post_data_for,
    query_for,
    url_for,
)
from .world import World

TARGETS, COUNTS = collect()

OUTSIDERS = ("anonymous", "advisor_b", "coach_b", "referrer", "funder_a", "funder_none")
A_STAFF = ("admin_a", "advisor_a")
ACTOR_LABELS = {
    "anonymous": "visiteur anonyme",
    "admin_a": "admin de A",
    "advisor_a": "conseillère de A",
    "advisor_b": "conseillère de B",
    "coach_b": "formateur de B",
    "referrer": "prescriptrice sans prescription vers A",
    "funder_a": "financeur d'une convention de A",
    "funder_none": "financeur sans convention",
}

# Objects an outsider may open on purpose: {actor: models}. The canary check still applies.
SHARED_OBJECTS = {
    "funder_a": {FundingAgreement},  # the funder reads the agreements it finances
}

# Object URLs that no one reaches with A's objects, by design: {url name: reason}.
UNREACHABLE = {
    "catalog:aid_public": "A's aid is a draft: unpublished aids are 404 for everyone",
    "api:aid-detail": "A's aid is a draft: unpublished aids are 404 for everyone",
}

# Kinds of A's rows that no page shows to A's staff: {app.Model: reason}.
NOT_SHOWN: dict[str, str] = {}  # the person's data export shows every kind of A's rows

LOGIN_URL = reverse("accounts:login")
FORM = "application/x-www-form-urlencoded"
WRITE_VERBS = ("INSERT", "UPDATE", "DELETE")
# Patterns after which the request's user is anonymous by design.
LOGS_OUT = {"accounts:logout"}
REFUSALS = {403, 404}
# Members who are no actors but own pages on A's objects: the referral's sender, A's coach.
OTHER_INSIDERS = ("sender", "coach_a")
# Tenant models A needs no row of: {app.Model: reason}.
NO_ROW_NEEDED: dict[str, str] = {}


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(LOGIN_URL)


@dataclass
class Actors:
    """One logged-in client per actor, reused; its cookies are restored before each request."""

    clients: dict[str, Client]
    cookies: dict[str, SimpleCookie]

    def client(self, actor: str) -> Client:
        client = self.clients[actor]
        # A previous request may have logged out or rotated the session: start from the login.
        client.cookies = copy.deepcopy(self.cookies[actor])
        return client


@pytest.fixture(scope="module")
def actors(world: World) -> Actors:
    # Members of A, B, the referrers and the funders, and the referral's sender.
    clients = {"anonymous": Client()}
    clients.update({key: client_for(member) for key, member in world.members.items()})
    return Actors(clients, {key: copy.deepcopy(c.cookies) for key, c in clients.items()})


@pytest.fixture(scope="module")
def baseline(world: World) -> dict[str, frozenset]:
    return _fingerprint(world)


def _fingerprint(world: World) -> dict[str, frozenset]:
    """Every value of every row tied to A, to tell whether a request wrote any."""
    found = {}
    for model, pks in owned_rows(world.platform_a).items():
        names = [f.attname for f in model._meta.concrete_fields]
        rows = model._base_manager.filter(pk__in=pks).values_list(*names)
        found[model._meta.label] = frozenset(tuple(map(repr, row)) for row in rows)
    return found


def _request(client: Client, target: Target, url: str, data: dict, **headers):
    """GET with ``data`` as the query; other methods with an empty (or minimal) body."""
    if target.method == "GET":
        return client.get(url, data, headers=headers)
    if target.name.startswith("api:"):
        body = json.dumps(data)
        return client.generic(target.method, url, body, "application/json", headers=headers)
    if target.method == "POST":
        return client.post(url, data, headers=headers)
    return client.generic(target.method, url, urlencode(data), FORM, headers=headers)


def _leaks(world: World, actor: str, response) -> list[str]:
    found = []
    for where, blob in response_blobs(response):
        for canary in world.registry.found_in(blob):
            if actor not in canary.audience:
                found.append(f"{canary.describe()} dans {where}")
    return found


def _check_authenticated(world: World, actor: str, target: Target, response) -> None:
    if actor == "anonymous" or target.name in LOGS_OUT:
        return
    user = response.wsgi_request.user
    assert user.is_authenticated and user.pk == world.members[actor].user_id, (
        f"La requête n'a pas été faite en tant que {ACTOR_LABELS[actor]} : la session est perdue."
    )


@pytest.mark.parametrize("actor", OUTSIDERS)
@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.id)
def test_outsiders_get_nothing_of_platform_a(
    target: Target, actor: str, world, actors, baseline, db, record_property
):
    try:
        objects = object_kwargs(world, target)
        url = url_for(world, target)
    except MissingObject as error:
        pytest.fail(str(error))
    who = f"{target.method} {url} ({target.name}) par {ACTOR_LABELS[actor]}"
    data = query_for(world, target) if target.method == "GET" else post_data_for(world, target)
    client = actors.client(actor)
    requests = 1
    with CaptureQueriesContext(connection) as queries:
        response = _request(client, target, url, data)
    _check_authenticated(world, actor, target, response)
    status = response.status_code

    assert status < 500, f"{who} : erreur serveur {status}"
    leaks = _leaks(world, actor, response)
    assert not leaks, f"{who} : fuite de données de A : {leaks}"
    if target.method == "GET" and "HX-Request" in response.get("Vary", ""):
        requests += 1
        partial = actors.client(actor).get(url, data, headers={"HX-Request": "true"})
        leaks = _leaks(world, actor, partial)
        assert partial.status_code < 500, f"{who} (htmx) : erreur serveur {partial.status_code}"
        assert not leaks, f"{who} (htmx) : fuite de données de A : {leaks}"

    writes = [q["sql"] for q in queries if q["sql"].lstrip()[:6].upper() in WRITE_VERBS]
    if writes:
        now = _fingerprint(world)
        changed = sorted(
            label for label in now.keys() | baseline.keys() if now.get(label) != baseline.get(label)
        )
        assert not changed, f"{who} : a modifié des données de A ({changed})"

    shared = SHARED_OBJECTS.get(actor, set())
    on_objects = [obj for obj in objects.values() if type(obj) not in shared]
    if actor == "anonymous" and not target.public:
        assert _is_login_redirect(response) or status in (401, 403, 404, 405), (
            f"{who} : {status} au lieu d'un renvoi vers la connexion"
        )
    elif on_objects:
        assert status in (403, 404, 405) or _is_login_redirect(response), (
            f"{who} : {status} sur un objet de A (404 attendu)"
        )
        if status in (403, 405):
            # A refusal must not tell that the object exists: same answer on an unknown one.
            requests += 1
            unknown = url_for(world, target, unknown_objects=True)
            other = _request(actors.client(actor), target, unknown, data)
            assert other.status_code == status, (
                f"{who} : {status} sur l'objet de A mais {other.status_code} sur un objet "
                "inexistant : la réponse révèle que l'objet existe"
            )
    if target.api_operation and not target.public and actor != "anonymous":
        # Naming A in the header a token client uses to pick its organisation: as if A did not
        # exist, whatever the operation.
        requests += 1
        named = _request(
            actors.client(actor),
            target,
            url,
            data,
            **{ORGANIZATION_HEADER: str(world.platform_a.pk)},
        )
        assert named.status_code == 404, (
            f"{who} avec {ORGANIZATION_HEADER}: A : {named.status_code} au lieu de 404"
        )
        assert not _leaks(world, actor, named), f"{who} avec {ORGANIZATION_HEADER}: A : fuite"
    record_property("isolation_requests", requests)
    record_property(f"isolation_outsider_status_{status}", 1)


def test_platform_a_staff_reach_every_object_and_see_every_kind(world, actors, db, record_property):
    """The outsiders' 404s and clean pages prove something only if A's own people see it all."""
    seen: set[str] = set()
    errors: list[str] = []
    unreached: list[str] = []
    requests = 0
    for target in (t for t in TARGETS if t.method == "GET"):
        url = url_for(world, target)
        statuses = set()
        for actor in A_STAFF:
            requests += 1
            response = actors.client(actor).get(url, query_for(world, target))
            _check_authenticated(world, actor, target, response)
            statuses.add(response.status_code)
            if response.status_code >= 500:
                errors.append(f"{target.name} ({url}) : {response.status_code}")
            for _where, blob in response_blobs(response):
                seen.update(c.label.rsplit(".", 1)[0] for c in world.registry.found_in(blob))
        if not object_kwargs(world, target) or statuses - REFUSALS:
            continue
        # Pages of the referral's sender, or of the coach who runs the workshop.
        for actor in OTHER_INSIDERS:
            requests += 1
            statuses.add(actors.client(actor).get(url).status_code)
        if not statuses - REFUSALS and target.name not in UNREACHABLE:
            unreached.append(f"{target.name} ({url})")
    record_property("isolation_requests", requests)

    assert not errors, f"Erreurs serveur pour l'équipe de A : {errors}"
    assert not unreached, (
        "Personne n'atteint ces objets de A (403 ou 404 pour tous) : les arguments de l'URL ne "
        "vont pas ensemble dans le monde de test, et les 404 des autres n'y prouvent rien : "
        f"{unreached}"
    )
    stale = sorted(set(NOT_SHOWN) & seen)
    assert not stale, f"Ces types sont maintenant affichés : retirez-les de NOT_SHOWN : {stale}"
    missing = sorted(world.registry.kinds() - seen - set(NOT_SHOWN))
    assert not missing, (
        "Aucune page ne montre à l'équipe de A un témoin de ces types de données : ajoutez-les "
        f"au monde de test là où une page les affiche, ou à NOT_SHOWN avec la raison : {missing}"
    )


def test_every_url_argument_is_filled_by_an_object_of_platform_a(world, db):
    missing = []
    for target in TARGETS:
        try:
            object_kwargs(world, target)
        except MissingObject as error:
            missing.append(str(error))
    assert not missing, "\n".join(sorted(set(missing)))


def test_platform_a_owns_a_row_of_every_tenant_model(world, db):
    """A model tied to an organisation but absent from A's world would go untested."""
    owned = {base_label(model) for model in owned_rows(world.platform_a)}
    tenant_models = {base_label(model) for model in tenant_scoped_models()}
    missing = sorted(tenant_models - owned - set(NO_ROW_NEEDED))
    assert not missing, (
        "Le monde de test n'a aucune ligne de la plateforme A pour ces modèles : créez-en une "
        f"dans tests/security/world.py : {missing}"
    )


def test_isolation_counts(world, record_property):
    """Record what the suite covers (printed at the end of the run)."""
    record_property("isolation_url_patterns", COUNTS["url_patterns"])
    record_property("isolation_api_operations", COUNTS["api_operations"])
    record_property("isolation_actors", len(OUTSIDERS) + len(A_STAFF))
    record_property("isolation_targets", len(TARGETS))
    record_property("isolation_canaries", len(world.registry.canaries))
    record_property("isolation_models_with_canaries", len(world.registry.kinds()))
    assert COUNTS["api_operations"] > 0 and COUNTS["url_patterns"] > COUNTS["api_operations"]


def test_the_canary_check_reads_inside_files(world, actors, db):
    """A's own exports show canaries once decoded: the outsiders' clean answers mean something."""
    loan = world.object_of(Loan)
    contract = actors.client("admin_a").get(reverse("vehicles:loan_contract", args=[loan.pk]))
    where = {w for w, blob in response_blobs(contract) if world.registry.found_in(blob)}
    # Compressed in the PDF's bytes, readable once pdftotext has extracted the text.
    assert "texte du PDF" in where and "corps" not in where, f"Témoins du contrat : {where}"

    document = world.object_of(Document)
    download = actors.client("advisor_a").get(
        reverse("cases:document_download", args=[document.case_id, document.pk])
    )
    labels = {
        c.label for _w, blob in response_blobs(download) for c in world.registry.found_in(blob)
    }
    assert "cases.Document.file" in labels

    export = actors.client("admin_a").get(reverse("cases:case_export"))
    assert any(world.registry.found_in(blob) for _w, blob in response_blobs(export))
