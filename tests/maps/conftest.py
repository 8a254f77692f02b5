"""Fixtures of the map tests (helpers in ``map_inputs.py``; browser fixtures in ``tests/browser.py``,
importable as ``browser`` because ``tests/`` is on ``sys.path``)."""

from __future__ import annotations

import pytest
from browser import browser_session, offline_page  # noqa: F401  (fixtures)
from map_inputs import MapInputs, real_inputs
from map_inputs import tiny_inputs as _tiny_inputs


@pytest.fixture
def tiny_inputs() -> MapInputs:
    """Four square communes, one per coverage status, with a France Services, a kiosk, a mobile
    service's base and one rota stop."""
    return _tiny_inputs()


@pytest.fixture(scope="session")
def indre_db(indre_url: str) -> str:
    """The session's Indre (36) database (tests/conftest.py)."""
    return indre_url


@pytest.fixture(scope="session")
def indre_inputs(indre_db: str) -> MapInputs:
    return real_inputs(indre_db, departement="36")
