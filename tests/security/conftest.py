"""The isolation world, built once per module inside a transaction rolled back at the end."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from .world import World, build_world


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("isolation-media")


@pytest.fixture(autouse=True)
def _media_root(settings, media_dir):
    """The world's files live for the whole module (the root conftest gives one per test)."""
    settings.MEDIA_ROOT = media_dir


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, media_dir) -> World:
    """Build the world once for the module; every test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_dir):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
