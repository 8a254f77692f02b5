"""Fixtures of the geodata tests: table snapshots, the CLI (the Indre database: tests/conftest.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from geodata import db

INDRE = "36"

# Surrogate keys and load times change on every load; everything else must not.
_VOLATILE = {"id", "loaded_at"}
_SURROGATE_TABLES = {"opening_hours", "rota_stops", "rota_issues", "dataset_loads"}


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every table's rows, sorted, without surrogate ids and load times."""
    engine = db.ready(url)
    meta = sa.MetaData()
    meta.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            cols = [c for c in table.columns if not (name in _SURROGATE_TABLES and c.name in _VOLATILE)]
            rows = conn.execute(sa.select(*cols)).all()
            out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out


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


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    """The CLI contract for bad input: exit 2, one ``error:`` line on stderr, no traceback."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]
