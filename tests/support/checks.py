"""Checks shared by the database and CLI tests: table snapshots, the one-line error contract."""

from __future__ import annotations

import sqlalchemy as sa

from geodata import db

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
            cols = [
                c for c in table.columns if not (name in _SURROGATE_TABLES and c.name in _VOLATILE)
            ]
            rows = conn.execute(sa.select(*cols)).all()
            out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    """The CLI contract for bad input: exit 2, one ``error:`` line on stderr, no traceback."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]
