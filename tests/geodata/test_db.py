"""Database access: migrations match the models, URLs, unreachable servers."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import geodata.models  # noqa: F401  (registers the tables)
from geodata import db
from geodata.errors import DatabaseError


def test_migrations_create_exactly_the_models_tables(db_url):
    engine = db.ready(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata
        )
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    assert diff == []
    assert version == "0003"


def test_upgrade_is_idempotent(sqlite_url):
    db.upgrade(sqlite_url)
    db.dispose(sqlite_url)  # forget the per-process cache: run the migrations check again
    db.upgrade(sqlite_url)
    with db.engine(sqlite_url).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar_one() == 1


def test_default_url_is_the_settings_one(monkeypatch, tmp_path):
    monkeypatch.setenv("ITINERANCE_DB", f"sqlite:///{tmp_path / 'sub' / 'x.sqlite'}")
    db.ready(None)
    assert (tmp_path / "sub" / "x.sqlite").exists()  # parent folder created


def test_bare_postgresql_urls_use_psycopg3():
    assert db.normalise_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert db.normalise_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert db.normalise_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"


def test_unreachable_database_is_one_line_without_password():
    url = "postgresql+psycopg://x:s3cret@127.0.0.1:1/db"
    with pytest.raises(DatabaseError) as info:
        db.ready(url)
    message = str(info.value)
    assert message.startswith("cannot reach database postgresql+psycopg://x:***@127.0.0.1:1/db")
    assert "s3cret" not in message and "\n" not in message


@pytest.mark.parametrize(
    "url, needle",
    [("nonsense", "invalid database URL"), ("oracle+nodriver://x/y", "driver not available")],
)
def test_bad_urls_are_database_errors(url, needle):
    with pytest.raises(DatabaseError, match=needle):
        db.engine(url)


def test_transaction_rolls_back_on_error(sqlite_url):
    with pytest.raises(RuntimeError):
        with db.transaction(sqlite_url) as conn:
            conn.execute(sa.text("INSERT INTO epcis (code, name) VALUES ('1', 'x')"))
            raise RuntimeError("boom")
    with db.engine(sqlite_url).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM epcis")).scalar_one() == 0


@pytest.mark.postgres
def test_two_first_loads_at_once_on_an_empty_postgresql_database_both_succeed(pg_url, tmp_path):
    """Each process migrates the empty database; without a lock the second collides while
    creating tables (duplicate key in pg_type). Separate processes, as two users would run,
    released together once all have imported itinerance."""
    go = tmp_path / "go"
    code = (
        "import sys, time, pathlib\nfrom geodata import db\n"
        "db.engine(sys.argv[1]).connect().close()\n"
        "pathlib.Path(sys.argv[2] + '.' + sys.argv[3]).touch()\n"
        "while not pathlib.Path(sys.argv[2]).exists(): time.sleep(0.001)\n"
        "db.upgrade(sys.argv[1]); print('ok')"
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code, pg_url, str(go), str(i)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("go.*"))) < len(runs) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in runs]
    assert [(c, out.strip()) for c, out, _ in results] == [(0, "ok")] * len(runs), results
    with sa.create_engine(pg_url).connect() as conn:
        versions = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    assert len(versions) == 1
