"""The URL-completeness guard: every URL pattern has a cross-tenant test and a role test.

A test declares what it proves with ``@pytest.mark.cross_tenant("app:name", …)`` and
``@pytest.mark.role_check("app:name", …)``. This guard reads those markers from the test sources
(so it gives the same answer whichever tests are selected) and compares them with every named
pattern of the URL resolver. A pattern that needs neither test goes in ``EXEMPT`` with a reason.
"""

import ast
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

TESTS_DIR = Path(__file__).resolve().parent

# Patterns that hold no tenant data or are guarded elsewhere, with the reason.
EXEMPT: dict[str, str] = {
    "healthz": "public probe, no data",
    "api:schema": "public OpenAPI document, no data",
    "api:docs": "public API documentation page",
    "api:redoc": "public API documentation page",
    "territories:commune_search": "public reference data (INSEE), no tenant data",
    "accounts:login": "public login form, no data",
    "accounts:password_reset": "public form; answers the same whether the address exists or not",
    "accounts:password_reset_done": "public confirmation page, no data",
    "accounts:password_reset_confirm": "public, guarded by the signed one-time token in the URL",
    "accounts:password_reset_complete": "public confirmation page, no data",
    "accounts:invitation_accept": "public, guarded by the invitation's secret token in the URL",
    "catalog:search": "public catalogue search (published aids only, nothing stored)",
    "catalog:communes": "public reference data (INSEE), no tenant data",
    "catalog:aid_public": "public page of a published aid; unpublished ones are 404 for all",
    "api:aid-list": "public read of the published catalogue, no tenant data",
    "api:aid-detail": "public read of a published aid; unpublished ones are 404 for all",
    "accounts:two_factor_verify": "the logged-in user's own second factor; no object in the URL",
    "accounts:two_factor_setup": "the logged-in user's own enrolment; no object in the URL",
    "accounts:two_factor_backup_codes": "the logged-in user's own backup codes; no object in URL",
    "accounts:two_factor_disable": "the logged-in user's own devices; no object in the URL",
}
# Namespaces outside the tenancy contract.
EXEMPT_NAMESPACES: dict[str, str] = {
    "admin": "Django admin: Mobicase staff only (is_staff), not tenant users",
}


def iter_pattern_names(patterns=None, namespace: str = ""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from iter_pattern_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"
        elif isinstance(entry, URLPattern):
            yield f"{namespace}<unnamed {entry.pattern}>"


def declared_checks() -> dict[str, set[str]]:
    """Return, for each marker kind, the URL names that test sources declare."""
    found: dict[str, set[str]] = {"cross_tenant": set(), "role_check": set()}
    for path in TESTS_DIR.rglob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in found:
                owner = func.value
                if isinstance(owner, ast.Attribute) and owner.attr == "mark":
                    for arg in node.args:
                        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                            found[func.attr].add(arg.value)
    return found


def patterns_to_guard() -> set[str]:
    names = set()
    for name in iter_pattern_names():
        namespace = name.split(":", 1)[0] if ":" in name else ""
        if name in EXEMPT or namespace in EXEMPT_NAMESPACES:
            continue
        names.add(name)
    return names


def test_every_url_pattern_is_named():
    unnamed = [name for name in iter_pattern_names() if "<unnamed" in name]
    unnamed = [n for n in unnamed if n.split(":", 1)[0] not in EXEMPT_NAMESPACES]
    assert unnamed == [], f"Motifs d'URL sans nom : {unnamed}"


def test_every_url_pattern_has_a_cross_tenant_test():
    declared = declared_checks()["cross_tenant"]
    missing = sorted(patterns_to_guard() - declared)
    assert missing == [], f"Sans test inter-organisations (404) : {missing}"


def test_every_url_pattern_has_a_role_test():
    declared = declared_checks()["role_check"]
    missing = sorted(patterns_to_guard() - declared)
    assert missing == [], f"Sans test de rôle (403) : {missing}"


def test_markers_name_existing_patterns():
    declared = declared_checks()
    known = set(iter_pattern_names())
    stale = sorted((declared["cross_tenant"] | declared["role_check"]) - known)
    assert stale == [], f"Marqueurs qui nomment un motif d'URL inexistant : {stale}"


def test_the_guard_walks_nested_namespaces():
    names = set(iter_pattern_names())
    assert {"home", "api:me", "admin:index"} <= names
    assert "api:me" in patterns_to_guard()
    assert "admin:index" not in patterns_to_guard()
