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
def indre_db(tmp_path_factory) -> str:
    """A SQLite database holding Indre (36) loaded from the pinned open data (about 10 s)."""
    from geodata.load import load_area

    url = f"sqlite:///{tmp_path_factory.mktemp('indre') / 'indre.sqlite'}"
    load_area(url, departement="36")
    return url


@pytest.fixture(scope="session")
def indre_inputs(indre_db: str) -> MapInputs:
    return real_inputs(indre_db, departement="36")
