"""Fixtures of the map tests (helpers in ``support/map_inputs.py``; browser fixtures in
``support/browser.py``; the Indre database: tests/conftest.py)."""

from __future__ import annotations

import pytest

from support.map_inputs import MapInputs, real_inputs
from support.map_inputs import tiny_inputs as _tiny_inputs


@pytest.fixture
def tiny_inputs() -> MapInputs:
    """Four square communes, one per coverage status, with a France Services, a kiosk, a mobile
    service's base and one rota stop."""
    return _tiny_inputs()


@pytest.fixture(scope="session")
def indre_inputs(indre_db: str) -> MapInputs:
    return real_inputs(indre_db, departement="36")
