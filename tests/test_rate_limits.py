"""Rate limits on the public doors: a hit answers 429 in French and is written to the log once."""

from html import unescape

from django.test import Client
from django.urls import reverse

from organizations.models import SecurityEvent

Kind = SecurityEvent.Kind


def test_login_posts_are_limited_per_ip_address(settings, alice, bob):
    settings.RATELIMIT_LOGIN_IP = "3/m"
    url = reverse("accounts:login")
    for email in ("x@example.org", "y@example.org", "z@example.org"):
        Client().post(url, {"username": email, "password": "?"}, REMOTE_ADDR="192.0.2.1")

    limited = Client().post(
        url, {"username": alice.user.email, "password": "?"}, REMOTE_ADDR="192.0.2.1"
    )
    again = Client().post(
        url, {"username": bob.user.email, "password": "?"}, REMOTE_ADDR="192.0.2.1"
    )
    elsewhere = Client().post(
        url, {"username": bob.user.email, "password": "?"}, REMOTE_ADDR="192.0.2.2"
    )

    assert limited.status_code == 429
    assert "Trop de tentatives en peu de temps" in unescape(limited.content.decode())
    assert limited["Retry-After"] == "60"
    assert again.status_code == 429
    assert elsewhere.status_code == 200
    hit = SecurityEvent.objects.get(kind=Kind.RATE_LIMITED)  # the first hit only
    assert (hit.ip_address, hit.username) == ("192.0.2.1", alice.user.email)
    assert hit.detail.startswith("accounts:login")
    assert Client().get(url, REMOTE_ADDR="192.0.2.1").status_code == 200  # the form still shows


def test_password_reset_posts_are_limited_per_address_and_per_ip(settings, alice, mailoutbox):
    settings.RATELIMIT_PASSWORD_RESET_EMAIL = "2/h"
    settings.RATELIMIT_PASSWORD_RESET_IP = "4/h"
    url = reverse("accounts:password_reset")
    post = lambda email, ip: Client().post(url, {"email": email}, REMOTE_ADDR=ip)  # noqa: E731

    assert post(alice.user.email, "192.0.2.10").status_code == 302
    assert post(alice.user.email, "192.0.2.11").status_code == 302
    by_address = post(alice.user.email, "192.0.2.12")
    assert post("autre@example.org", "192.0.2.13").status_code == 302
    assert post("a@example.org", "192.0.2.20").status_code == 302
    for n in range(3):
        post(f"b{n}@example.org", "192.0.2.20")
    by_ip = post("c@example.org", "192.0.2.20")

    assert by_address.status_code == 429
    assert by_ip.status_code == 429
    assert len(mailoutbox) == 2
    first = SecurityEvent.objects.filter(kind=Kind.RATE_LIMITED).order_by("id").first()
    assert first.username == alice.user.email


def test_the_public_search_pages_are_limited_per_ip(settings, db):
    settings.RATELIMIT_PUBLIC_SEARCH_IP = "2/m"
    client = Client(REMOTE_ADDR="192.0.2.30")
    for _ in range(2):
        assert client.get(reverse("catalog:search")).status_code == 200

    assert client.get(reverse("catalog:search")).status_code == 429
    for _ in range(2):
        client.get(reverse("catalog:communes"), {"q": "lil"})
    assert client.get(reverse("catalog:communes"), {"q": "lil"}).status_code == 429


def test_the_public_aids_api_is_limited_per_ip_with_a_french_json_answer(settings, db):
    settings.RATELIMIT_PUBLIC_API_IP = "1/m"
    client = Client(REMOTE_ADDR="192.0.2.40")
    assert client.get(reverse("api:aid-list")).status_code == 200

    response = client.get(reverse("api:aid-list"))

    assert response.status_code == 429
    assert response.json()["detail"].startswith("Trop de tentatives")
    assert SecurityEvent.objects.get(kind=Kind.RATE_LIMITED).detail.startswith("api:aid-list")
