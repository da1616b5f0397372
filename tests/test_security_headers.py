"""Security headers: the Content Security Policy and its nonce, no-store for signed-in people,
framing, and templates that need no inline script or style without the nonce."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.cases.factories import CaseFactory

BASE_DIR = Path(__file__).resolve().parent.parent
# Rendered by WeasyPrint into PDFs, never served as HTML to a browser (and any */pdf/* template).
PDF_TEMPLATES = {"referrals/diagnostic_summary.html", "vehicles/contract.html"}


def is_pdf_template(name: str) -> bool:
    return name in PDF_TEMPLATES or "/pdf/" in f"/{name}"


SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
STYLE_TAG = re.compile(r"<style\b[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def csp_nonce(response) -> str:
    policy = response["Content-Security-Policy"]
    match = re.search(r"script-src 'self' 'nonce-([^']+)'", policy)
    assert match, policy
    return match.group(1)


def assert_inline_code_carries_the_nonce(response) -> None:
    html = response.content.decode()
    nonce = csp_nonce(response)
    for tag in SCRIPT_TAG.findall(html) + STYLE_TAG.findall(html):
        assert f'nonce="{nonce}"' in tag, tag
    assert not HANDLER.search(html), HANDLER.search(html).group(0)
    assert not STYLE_ATTRIBUTE.search(html), STYLE_ATTRIBUTE.search(html).group(0)


def test_the_policy_has_every_directive_the_issue_asks_for(client, db):
    policy = client.get(reverse("accounts:login"))["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"].startswith("'self' 'nonce-")
    assert directives["style-src"].startswith("'self' 'nonce-")
    assert directives["img-src"] == "'self' data:"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"


@pytest.mark.parametrize("member", ["adele", "alice", "bob", "remi", "fanny"])
def test_the_main_pages_of_each_role_carry_the_policy_and_no_inline_code_without_nonce(
    request, db, login, member
):
    membership = request.getfixturevalue(member)
    client = login(membership)
    urls = ["/", reverse("accounts:profile"), reverse("accounts:password_change")]
    if membership.role in ("admin", "advisor"):
        case = CaseFactory(organization=membership.organization)
        urls += [
            reverse("cases:case_list"),
            reverse("cases:case_detail", args=[case.id]),
            reverse("cases:case_aids", args=[case.id]),
            reverse("cases:diagnostic_create", args=[case.id]),
        ]
    if membership.role == "admin":
        urls += [
            reverse("organizations:members"),
            reverse("organizations:settings"),
            reverse("organizations:security_log"),
        ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inline_code_carries_the_nonce(response)


def test_public_pages_and_error_pages_comply_too(client, login, bob):
    for url in (reverse("accounts:login"), reverse("catalog:search"), "/introuvable/"):
        assert_inline_code_carries_the_nonce(client.get(url))
    assert_inline_code_carries_the_nonce(login(bob).get(reverse("cases:case_list")))


def test_the_api_documentation_pages_carry_the_nonce(client, db):
    for name in ("api:docs", "api:redoc"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert_inline_code_carries_the_nonce(response)
        assert "fonts.googleapis.com" not in response.content.decode()
        # Their styles are built at run time; scripts still need the nonce.
        assert "style-src 'self' 'unsafe-inline'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in client.get(reverse("accounts:login"))["Content-Security-Policy"]


def test_no_template_has_an_inline_script_style_or_handler_without_the_nonce():
    offenders = []
    for path in sorted((BASE_DIR / "templates").rglob("*.html")):
        name = path.relative_to(BASE_DIR / "templates").as_posix()
        if is_pdf_template(name):
            continue
        text = path.read_text(encoding="utf-8")
        for tag in SCRIPT_TAG.findall(text) + STYLE_TAG.findall(text):
            if "nonce=" not in tag:
                offenders.append(f"{name}: {tag}")
        offenders += [f"{name}: {m.group(0)}" for m in HANDLER.finditer(text)]
        offenders += [f"{name}: {m.group(0)}" for m in STYLE_ATTRIBUTE.finditer(text)]
    assert offenders == []


def test_htmx_injects_no_indicator_style_and_evaluates_no_inline_code(client, db):
    html = client.get(reverse("accounts:login")).content.decode()

    assert '"includeIndicatorStyles": false' in html
    assert '"allowEval": false' in html


def test_signed_in_responses_are_never_stored_by_a_cache(login, alice, adele):
    page = login(alice).get(reverse("cases:case_list"))
    api = login(adele).get(reverse("api:me"))

    for response in (page, api):
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]


def test_token_clients_get_no_store_too(adele):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=adele.user)

    response = Client().get(reverse("api:me"), HTTP_AUTHORIZATION=f"Token {token.key}")

    assert "no-store" in response["Cache-Control"]


def test_anonymous_public_pages_and_static_files_keep_their_caching(client, db, settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True

    search = client.get(reverse("catalog:search"))
    static = Client().get("/static/css/mobicase.css")

    assert "no-store" not in search.get("Cache-Control", "")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")


def test_pages_refuse_to_be_framed(client, db):
    assert client.get(reverse("accounts:login"))["X-Frame-Options"] == "DENY"
