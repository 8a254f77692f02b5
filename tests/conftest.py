"""Shared test fixtures: the pinned open data, benchmark instances, databases (SQLite and
PostgreSQL), isolation.

The pinned open data is taken from where the program takes it (``geodata.settings.data_dir()``):
``ITINERANCE_DATA_DIR`` when set, else the data registry's cache. Files missing there are fetched
once per run with their sha256 checked (pooch) when downloads are allowed; the tests themselves
then run with ``ITINERANCE_OFFLINE=1``. Tests that need the data (the ``shared_data`` fixture,
the Indre database, or the ``data`` marker) are skipped with one line saying why when it is not
available, unless ``ITINERANCE_REQUIRE_DATA=1`` (CI, ``.ci/run``), where that is a failure.

Benchmark instances come from ``ITINERANCE_BENCH_DIR`` when set (CI: ``../shared/bench``), else
from ``tests/data/bench`` (Solomon C101 only, see its README); a test marked
``@pytest.mark.bench("relative/path", ...)`` is skipped (failed under ``ITINERANCE_REQUIRE_DATA=1``)
when one of its files is not there.

PostgreSQL tests need ``ITINERANCE_TEST_PG_URL`` (an admin URL; ``.ci/run`` starts a server and
sets it). Without it they are skipped with a message, unless ``ITINERANCE_REQUIRE_PG=1`` (CI),
where a missing server is a failure.
"""

from __future__ import annotations

import functools
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from geodata import settings

# The browser fixtures are session-wide: one Playwright (and one Chromium) for every test that
# needs them; a second sync_playwright() while the first is open fails ("Sync API inside the
# asyncio loop"), so they are imported here once rather than in each folder's conftest.
from support.browser import browser_session, offline_page, web_assets  # noqa: F401  (fixtures)

TESTS = Path(__file__).resolve().parent
TEST_BENCH = TESTS / "data" / "bench"
BENCH_DIR_ENV = "ITINERANCE_BENCH_DIR"
REQUIRE_DATA_ENV = "ITINERANCE_REQUIRE_DATA"

# Downloads are decided once, before the tests forbid them: the data is fetched (if at all) by
# _pinned_data_problem(), never by a test.
DOWNLOADS_ALLOWED = not settings.offline()
os.environ[settings.DATA_DIR_ENV] = str(settings.data_dir())
os.environ[settings.OFFLINE_ENV] = "1"
# `itinerance plan` on a machine where the kernel is not compiled yet plans with it uncompiled
# (planner/engine/first_use.py); tests of plans compare figures of the compiled search, and
# tests/planner/engine/test_first_use.py tests that path on purpose.
os.environ["ITINERANCE_WHILE_COMPILING"] = "wait"


def unavailable(reason: str) -> None:
    """Skip the current test with ``reason``, or fail it when ITINERANCE_REQUIRE_DATA=1 (CI)."""
    if os.environ.get(REQUIRE_DATA_ENV) == "1":
        pytest.fail(f"{REQUIRE_DATA_ENV}=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@contextmanager
def _downloads_on() -> Iterator[None]:
    os.environ[settings.OFFLINE_ENV] = "0"
    try:
        yield
    finally:
        os.environ[settings.OFFLINE_ENV] = "1"


@functools.cache
def _pinned_data_problem() -> str | None:
    """None when every pinned file is in the data folder (fetched now if allowed), else why not."""
    from geodata import registry

    missing = [ds for ds in registry.DATASETS if not registry.is_present(ds)]
    why = "downloads are off (ITINERANCE_OFFLINE)"
    if missing and DOWNLOADS_ALLOWED:
        with _downloads_on():
            for ds in list(missing):
                try:
                    registry.fetch(ds.name)
                except Exception as exc:  # offline, or a server error: say it, do not crash
                    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                    first = first if len(first) <= 160 else first[:159] + "…"
                    why = f"fetching {ds.name} failed: {first}"
                    break
                missing.remove(ds)
    if not missing:
        return None
    return (
        f"pinned open data missing from {settings.data_dir()} ({len(missing)} of "
        f"{len(registry.DATASETS)} files) and {why}; set ITINERANCE_DATA_DIR or run once online"
    )


def require_pinned_data() -> Path:
    """The folder of the pinned open data; skips (or fails in CI) the test when it is missing."""
    problem = _pinned_data_problem()
    if problem:
        unavailable(problem)
    return settings.data_dir()


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("data") is not None:
        require_pinned_data()
    for marker in item.iter_markers("bench"):
        folder = bench_folder()
        for name in marker.args:
            if not (folder / name).is_file():
                unavailable(
                    f"benchmark instance {name} is not in {folder}; set {BENCH_DIR_ENV} to a "
                    f"folder that holds it (such as ../shared/bench)"
                )


def bench_folder() -> Path:
    """Where the benchmark instances are: ITINERANCE_BENCH_DIR, else tests/data/bench."""
    value = os.environ.get(BENCH_DIR_ENV)
    return Path(value).expanduser() if value else TEST_BENCH


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
def indre_url(shared_data, tmp_path_factory) -> str:
    """Indre (36) loaded once for the whole run: tests only read it (loading takes 3–10 s)."""
    return load_indre(tmp_path_factory)


@pytest.fixture(scope="session")
def indre_db(indre_url: str) -> str:
    """The session's Indre (36) database, under the name the map tests use."""
    return indre_url


@pytest.fixture
def run_cli(capsys, monkeypatch) -> Callable[..., tuple[int, str, str]]:
    """Run ``itinerance ARGS`` in-process as the console script does: (exit code, stdout,
    stderr)."""
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
    """The folder of the pinned open data, laid out as its manifest (see the module docstring)."""
    return require_pinned_data()


@pytest.fixture(scope="session")
def data_manifest(shared_data: Path) -> Path:
    """MANIFEST.json beside the pinned data: only the shared data folder has one (not the cache)."""
    path = shared_data / "MANIFEST.json"
    if not path.is_file():
        unavailable(f"no MANIFEST.json in {shared_data} (the data registry's cache has none)")
    return path


@pytest.fixture(scope="session")
def downloads_allowed() -> bool:
    """Whether this run may download (ITINERANCE_OFFLINE was not set when it started)."""
    return DOWNLOADS_ALLOWED


@pytest.fixture(scope="session")
def bench_dir() -> Path:
    """Folder of the benchmark instances (see the module docstring)."""
    return bench_folder()


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
