"""Database access: engines, transactions and schema migrations, for SQLite and PostgreSQL alike.

Every entry point of the data layer calls :func:`ready` with a SQLAlchemy URL (or None for the
default from :func:`geodata.settings.database_url`): it builds (and caches) the engine, checks the
database can be reached, and brings the schema to the latest Alembic revision. Connection
problems become :class:`~geodata.errors.DatabaseError` with the URL's password hidden.

``postgresql://`` and ``postgres://`` URLs use the psycopg 3 driver (``postgresql+psycopg://``).
This module knows nothing of the tables' meaning: that is :mod:`geodata.load` and
:mod:`geodata.query`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from geodata import settings
from geodata.errors import DatabaseError

__all__ = [
    "normalise_url",
    "safe_url",
    "engine",
    "upgrade",
    "ready",
    "transaction",
    "dispose",
    "MIGRATIONS",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

_engines: dict[str, sa.Engine] = {}
_upgraded: set[str] = set()
SQLITE_BUSY_SECONDS = 120.0
_MIGRATION_LOCK = 0x1717_1E7A  # PostgreSQL advisory lock key for schema migrations
_lock = threading.Lock()


def normalise_url(url: str | None) -> str:
    """The URL to use: the default when None, the psycopg 3 driver for bare PostgreSQL URLs."""
    url = url or settings.database_url()
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def safe_url(url: str) -> str:
    """The URL with its password replaced by ``***``, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparsable URL>"


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def engine(url: str | None = None) -> sa.Engine:
    """The (cached) engine of ``url``; DatabaseError if the URL is malformed or its driver is
    missing."""
    url = normalise_url(url)
    with _lock:
        if url in _engines:
            return _engines[url]
        try:
            parsed = make_url(url)
        except sa.exc.ArgumentError:
            raise DatabaseError(
                f"invalid database URL {url!r}: expected e.g. sqlite:///file.sqlite or postgresql+psycopg://user@host/db"
            ) from None
        kwargs: dict = {}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            # A second writer (another load, an import) waits for the first to commit, up to
            # SQLITE_BUSY_SECONDS, instead of failing at once with "database is locked".
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_SECONDS}
        elif parsed.get_backend_name() == "postgresql":
            kwargs["connect_args"] = {"connect_timeout": 10}
            kwargs["pool_pre_ping"] = True
        try:
            eng = sa.create_engine(parsed, **kwargs)
        except (sa.exc.NoSuchModuleError, ModuleNotFoundError) as exc:
            raise DatabaseError(
                f"database {safe_url(url)}: driver not available ({_first_line(exc)})"
            ) from None
        if eng.dialect.name == "sqlite":
            sa.event.listen(eng, "connect", _sqlite_pragmas)
        _engines[url] = eng
        return eng


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 (DB-API objects)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _alembic_config(connection: sa.Connection):  # noqa: ANN202 (alembic type)
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(url: str | None = None) -> None:
    """Bring the schema of ``url`` to the latest migration (once per process and URL)."""
    from alembic import command

    url = normalise_url(url)
    if url in _upgraded:
        return
    eng = engine(url)
    try:
        with eng.begin() as conn:
            if conn.dialect.name == "sqlite":
                # The same for SQLite: take the write lock before reading the schema version, so
                # a second first load waits, then finds the tables made (pysqlite would start the
                # transaction only at the first write, after both had seen an empty database).
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            if conn.dialect.name == "postgresql":
                # Two first loads at once would both create the tables and the second would fail
                # on PostgreSQL's catalogue; the lock (released at commit) makes them take turns,
                # as Alembic's documentation advises. SQLite serialises writers by itself.
                conn.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                )
            command.upgrade(_alembic_config(conn), "head")
    except sa.exc.OperationalError as exc:
        raise DatabaseError(f"cannot reach database {safe_url(url)}: {_first_line(exc)}") from None
    except sa.exc.DBAPIError as exc:
        raise DatabaseError(f"database {safe_url(url)}: {_first_line(exc)}") from None
    except Exception as exc:  # alembic: unknown revision (a newer itinerance wrote this database)
        if type(exc).__module__.startswith("alembic"):
            raise DatabaseError(
                f"database {safe_url(url)} has an unknown schema version: {_first_line(exc)}"
            ) from None
        raise
    _upgraded.add(url)


def ready(url: str | None = None) -> sa.Engine:
    """The engine of ``url`` with its schema migrated: what every reader and writer starts with."""
    upgrade(url)
    return engine(url)


@contextmanager
def transaction(url: str | None = None) -> Iterator[sa.Connection]:
    """One transaction on a migrated database: committed on success, rolled back on any error."""
    eng = ready(url)
    try:
        with eng.begin() as conn:
            yield conn
    except sa.exc.OperationalError as exc:
        raise DatabaseError(
            f"database {safe_url(normalise_url(url))}: {_first_line(exc)}"
        ) from None


def dispose(url: str | None = None) -> None:
    """Close the pooled connections of ``url`` (tests dropping a database call this first)."""
    url = normalise_url(url)
    with _lock:
        eng = _engines.pop(url, None)
        _upgraded.discard(url)
    if eng is not None:
        eng.dispose()
