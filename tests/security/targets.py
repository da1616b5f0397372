"""What the isolation suite requests: every URL pattern and every API operation.

URL patterns come from the resolver (as the URL guard enumerates them), API operations from the
OpenAPI schema. A URL keyword argument is filled from platform A's objects through ``KWARGS``:
a pattern whose argument is missing there fails with its name, so that a new pattern is one
line away from being covered.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from drf_spectacular.generators import SchemaGenerator

from cases.models import (
    Action,
    AidApplication,
    Appointment,
    Beneficiary,
    Case,
    CaseBarrier,
    Document,
    FollowUp,
    Goal,
    ImportJob,
    Note,
    Registration,
    Workshop,
)
from catalog.models import Aid, ChangeProposal
from organizations.models import FundingAgreement, Invitation, Membership, Site
from privacy.models import RightsRequest
from referrals.models import Attachment, Referral
from reporting.models import ReportJob
from tests.test_url_guard import EXEMPT, EXEMPT_NAMESPACES
from vehicles.models import (
    Accessory,
    Incident,
    InspectionPhoto,
    Loan,
    MaintenancePlan,
    MaintenanceRecord,
    SolidarityPricing,
    Vehicle,
    WaitingListEntry,
)

from .world import World

# URL keyword argument -> the model of A's object that fills it (world.objects holds one each).
# ``id`` (the API's detail routes) is filled from the model of the view's queryset. When two
# apps give one name to different objects, "namespace:kwarg" (e.g. "reporting:job_id") wins
# over the bare name for that namespace's patterns.
KWARGS: dict[str, type[models.Model]] = {
    "accessory_id": Accessory,
    "action_id": Action,
    "agreement_id": FundingAgreement,
    "aid_id": Aid,
    "application_id": AidApplication,
    "appointment_id": Appointment,
    "attachment_id": Attachment,
    "beneficiary_id": Beneficiary,
    "case_barrier_id": CaseBarrier,
    "case_id": Case,
    "document_id": Document,
    "entry_id": WaitingListEntry,
    "follow_up_id": FollowUp,
    "goal_id": Goal,
    "incident_id": Incident,
    "invitation_id": Invitation,
    "job_id": ImportJob,
    "loan_id": Loan,
    "membership_id": Membership,
    "note_id": Note,
    "photo_id": InspectionPhoto,
    "plan_id": MaintenancePlan,
    "pricing_id": SolidarityPricing,
    "proposal_id": ChangeProposal,
    "record_id": MaintenanceRecord,
    "referral_id": Referral,
    "registration_id": Registration,
    "reporting:job_id": ReportJob,
    "request_id": RightsRequest,
    "site_id": Site,
    "vehicle_id": Vehicle,
    "workshop_id": Workshop,
}

# Arguments that are secrets handed to one person (a reset or invitation link): filled with a
# value that is not the secret, so the page must show nothing of A.
SECRET_KWARGS = {
    "uidb64": lambda world: urlsafe_base64_encode(force_bytes(world.members["admin_a"].user_id)),
    "token": lambda world: "lien-invalide-0000",
}

# Query strings some GET pages read (search, filters, an object named in the query).
QUERY: dict[str, dict[str, object]] = {
    "referrals:inbox": {"vue": "toutes"},
    "vehicles:incident_create": {"pret": Loan},
    "referrals:directory": {"platform": "platform_a"},
    "cases:goal_create": {"objectif": Goal},
    "cases:action_create": {"objectif": Goal},
}
# API lists filter by object: an outsider filters on A's (each filter matches A's object, so a
# list that leaked would still show it).
API_LIST_FILTERS: dict[str, object] = {
    "case": Case,
    "site": Site,
    "vehicle": Vehicle,
    "staff": Membership,
    "advisor": Membership,
    "platform": "platform_a",
}
# Form fields some POSTs read to name an object: an outsider names A's.
POST_DATA: dict[str, dict[str, object]] = {
    "switch_organization": {"organization": "platform_a"},
}
# Every GET also searches for the canaries' prefix, for lists and autocompletes.
SEARCH = {"q": "zqk"}

METHODS = ("GET", "POST")


@dataclass(frozen=True)
class Target:
    name: str
    route: str
    method: str
    kwargs: tuple[str, ...]
    public: bool
    api_operation: bool

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}"


def iter_patterns(patterns=None, namespace: str = "", prefix: str = ""):
    """Yield (name, route, keyword arguments) for every pattern of the resolver."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from iter_patterns(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else f"{namespace}<{entry.pattern}>"
            yield name, prefix + str(entry.pattern), tuple(entry.pattern.regex.groupindex)


def api_operations() -> list[tuple[str, str, str]]:
    """Return (url name, method, path) for every operation of the OpenAPI schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, item in schema["paths"].items():
        for method in item:
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            sample = path.replace("{id}", str(uuid.UUID(int=1)))
            found.append((resolve(sample).view_name, method.upper(), path))
    return found


def collect() -> tuple[list[Target], dict[str, int]]:
    """Every request of the suite, and the counts the summary reports."""
    operations = api_operations()
    methods_by_name: dict[str, list[str]] = {}
    for name, method, _path in operations:
        methods_by_name.setdefault(name, []).append(method)
    targets = []
    patterns = 0
    for name, route, kwargs in iter_patterns():
        if name.split(":", 1)[0] in EXEMPT_NAMESPACES:
            continue
        patterns += 1
        operation_methods = methods_by_name.get(name)
        for method in operation_methods or METHODS:
            targets.append(
                Target(
                    name=name,
                    route=route,
                    method=method,
                    kwargs=kwargs,
                    public=name in EXEMPT,
                    api_operation=operation_methods is not None,
                )
            )
    return targets, {"url_patterns": patterns, "api_operations": len(operations)}


class MissingObject(LookupError):
    pass


def model_for(target: Target, kwarg: str) -> type[models.Model]:
    namespace = target.name.rsplit(":", 1)[0] if ":" in target.name else ""
    if f"{namespace}:{kwarg}" in KWARGS:
        return KWARGS[f"{namespace}:{kwarg}"]
    if kwarg in KWARGS:
        return KWARGS[kwarg]
    if kwarg == "id":
        sample = reverse(target.name, kwargs={k: uuid.UUID(int=1) for k in target.kwargs})
        func = resolve(sample).func
        view = getattr(func, "cls", None) or getattr(func, "view_class", None)
        queryset = getattr(view, "queryset", None)
        if queryset is not None:
            return queryset.model
    raise MissingObject(
        f"Le motif d'URL « {target.name} » ({target.route}) prend l'argument « {kwarg} » "
        f"qu'aucun objet de la plateforme A ne remplit : ajoutez « {kwarg} » (ou "
        f"« {namespace}:{kwarg} » si ce nom désigne déjà un autre objet) à KWARGS dans "
        "tests/security/targets.py, et un objet de ce type dans tests/security/world.py."
    )


def object_kwargs(world: World, target: Target) -> dict[str, models.Model]:
    """A's objects that fill the target's arguments (secrets excluded)."""
    found = {}
    for kwarg in target.kwargs:
        if kwarg in SECRET_KWARGS:
            continue
        model = model_for(target, kwarg)
        obj = world.object_of(model)
        if obj is None:
            raise MissingObject(
                f"Le motif d'URL « {target.name} » prend « {kwarg} » ({model._meta.label}) mais "
                "le monde de test n'a pas d'objet de ce type : créez-en un dans "
                "tests/security/world.py."
            )
        found[kwarg] = obj
    return found


def url_for(world: World, target: Target, *, unknown_objects: bool = False) -> str:
    """The target's URL on A's objects (or, with ``unknown_objects``, on UUIDs nobody has)."""
    values: dict[str, object] = {
        kwarg: fill(world) for kwarg, fill in SECRET_KWARGS.items() if kwarg in target.kwargs
    }
    for kwarg, obj in object_kwargs(world, target).items():
        values[kwarg] = uuid.uuid4() if unknown_objects else obj.pk
    return reverse(target.name, kwargs=values)


def _resolve(world: World, value: object) -> str:
    if isinstance(value, type):
        return str(world.object_of(value).pk)
    if value == "platform_a":
        return str(world.platform_a.pk)
    return str(value)


def query_for(world: World, target: Target) -> dict[str, str]:
    extra = dict(QUERY.get(target.name, {}))
    if target.api_operation and not target.kwargs:
        extra.update(API_LIST_FILTERS)
    return {**SEARCH, **{key: _resolve(world, value) for key, value in extra.items()}}


def post_data_for(world: World, target: Target) -> dict[str, str]:
    return {key: _resolve(world, value) for key, value in POST_DATA.get(target.name, {}).items()}
