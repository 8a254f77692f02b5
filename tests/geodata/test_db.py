"""Database access: migrations match the models, URLs, unreachable servers."""

from __future__ import annotations

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
    assert version == "0001"


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
