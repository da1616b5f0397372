"""The health probe and the production configuration check."""

import os
import secrets
import subprocess
import sys
from pathlib import Path
from unittest import mock

from django.db import OperationalError, connection
from django.test import Client

BASE_DIR = Path(__file__).resolve().parent.parent

# Switches a hosting environment may set that would change what check --deploy sees.
_SECURITY_VARIABLES = {
    "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "BEHIND_HTTPS_PROXY",
    # Set by the browser tests of the same worker; production never has it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}  # fmt: skip


def test_healthz_answers_200_json_when_the_database_answers(db):
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_fails(db):
    with mock.patch.object(
        connection, "cursor", side_effect=OperationalError("connection refused")
    ):
        response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "injoignable"}


def test_healthz_needs_no_login_even_for_a_logged_in_client(db, login, alice):
    anonymous = Client().get("/healthz")
    member = login(alice).get("/healthz")

    assert anonymous.status_code == 200  # not a redirect to the login page
    assert member.status_code == 200


def _check_deploy(tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in _SECURITY_VARIABLES}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="mobicase.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_no_issue_with_a_production_environment(tmp_path):
    result = _check_deploy(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_flags_a_production_run_with_the_development_key(tmp_path):
    result = _check_deploy(tmp_path, SECRET_KEY="")

    assert result.returncode != 0
    assert "security.W009" in result.stderr
