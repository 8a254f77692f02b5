"""Shared test fixtures: the pinned open data, databases (SQLite and PostgreSQL), isolation.

Tests never reach the internet: ``ITINERANCE_DATA_DIR`` points at ``../shared/data`` (laid out as
its manifest) unless already set, and ``ITINERANCE_OFFLINE=1`` forbids downloads.

PostgreSQL tests need ``ITINERANCE_TEST_PG_URL`` (an admin URL; ``.ci/run`` starts a server and
sets it). Without it they are skipped with a message, unless ``ITINERANCE_REQUIRE_PG=1`` (CI),
where a missing server is a failure.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"
BENCH = SHARED / "bench"
WEB_ASSETS = SHARED / "web-assets"

os.environ.setdefault("ITINERANCE_DATA_DIR", str(SHARED_DATA))
os.environ["ITINERANCE_OFFLINE"] = "1"


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """Each test gets its own matrix cache and default database, never the user's."""
    base = tmp_path_factory.mktemp("itinerance")
    monkeypatch.setenv("ITINERANCE_CACHE_DIR", str(base / "cache"))
    monkeypatch.setenv("ITINERANCE_DB", f"sqlite:///{base / 'default.sqlite'}")
    monkeypatch.delenv("ITINERANCE_OSRM_URL", raising=False)


def load_indre(tmp_path_factory) -> str:
    """A SQLite database of the Indre (36) loaded from the pinned data; its URL."""
    from geodata.load import load_area

    url = f"sqlite:///{tmp_path_factory.mktemp('indre') / 'indre.sqlite'}"
    load_area(url, departement="36")
    return url


@pytest.fixture(scope="session")
def indre_url(tmp_path_factory) -> str:
    """Indre (36) loaded once for the whole run: tests only read it (loading takes 3–10 s)."""
    return load_indre(tmp_path_factory)


@pytest.fixture(scope="session")
def indre_db(indre_url: str) -> str:
    """The session's Indre (36) database, under the name the map tests use."""
    return indre_url


@pytest.fixture
def run_cli(capsys, monkeypatch) -> Callable[..., tuple[int, str, str]]:
    """Run ``itinerance ARGS`` in-process as the console script does: (exit code, stdout, stderr)."""
    from planner.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["itinerance", *map(str, args)])
        monkeypatch.setenv("COLUMNS", "200")
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not (SHARED_DATA / "MANIFEST.json").exists():
        pytest.fail(f"the pinned open data is missing: {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def bench_dir() -> Path:
    return BENCH


@pytest.fixture(scope="session")
def web_assets() -> Path:
    return WEB_ASSETS


def _pg_admin_url() -> str | None:
    url = os.environ.get("ITINERANCE_TEST_PG_URL")
    if not url:
        if os.environ.get("ITINERANCE_REQUIRE_PG") == "1":
            pytest.fail("ITINERANCE_REQUIRE_PG=1 but ITINERANCE_TEST_PG_URL is not set")
        pytest.skip(
            "PostgreSQL tests skipped: set ITINERANCE_TEST_PG_URL (see .ci/run) to run them"
        )
    return url


@pytest.fixture
def pg_url() -> str:
    """URL of a fresh, empty PostgreSQL database, dropped after the test."""
    import sqlalchemy as sa

    admin_url = _pg_admin_url()
    name = f"itin_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"cannot reach the test PostgreSQL server at {admin_url}: {exc}")
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """URL of a fresh SQLite database file."""
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request) -> str:
    """Runs a test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")
