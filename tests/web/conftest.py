"""Fixtures of the web app's tests: the app in-process (FastAPI's TestClient, its worker pool
started and stopped with it) on an empty database or on a copy of the Indre's."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from support.web import AppClient, app_client


@pytest.fixture
def empty_app(tmp_path: Path) -> Iterator[AppClient]:
    """The app on an empty SQLite database, one worker."""
    with app_client(f"sqlite:///{tmp_path / 'vide.sqlite'}", tmp_path / "runs") as client:
        yield client


@pytest.fixture
def indre_copy(indre_url: str, tmp_path: Path) -> str:
    """A copy of the session's Indre database that a test may write to (scenarios, plans)."""
    source = Path(indre_url.removeprefix("sqlite:///"))
    target = tmp_path / "indre.sqlite"
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


@pytest.fixture
def indre_app(indre_copy: str, tmp_path: Path) -> Iterator[AppClient]:
    """The app on a copy of the Indre's database, two workers."""
    with app_client(indre_copy, tmp_path / "runs", workers=2) as client:
        yield client


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., AppClient]:
    return lambda db, **kw: app_client(db, tmp_path / "runs", **kw)
