"""The catalogue's test world: real-shaped territories (see world.py)."""

import pytest

from .world import Places, build_places


@pytest.fixture
def places(db) -> Places:
    return build_places()
