"""Every knob of itinerance that does not belong to a scenario, in one place.

Each setting is read from an environment variable when it is asked for (so tests and CI can
point them elsewhere), with a documented default. Nothing here touches the disk or the network.

========================  ===============================  ========================================
Environment variable      Meaning                          Default
========================  ===============================  ========================================
``ITINERANCE_DATA_DIR``   folder of the downloaded         ``<user cache>/itinerance/data``
                          open-data files
``ITINERANCE_DB``         SQLAlchemy URL of the database   SQLite ``<user data>/itinerance.sqlite``
``ITINERANCE_CACHE_DIR``  folder of the cached             ``<user cache>/itinerance/matrices``
                          travel-time matrices
``ITINERANCE_OSRM_URL``   base URL of an OSRM server       none (offline travel-time model)
``ITINERANCE_OFFLINE``    ``1`` forbids any download       unset
``ITINERANCE_APP_DIR``    folder of the web app's plan     ``<user data>/itinerance/app``
                          files (``itinerance app``)
========================  ===============================  ========================================
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "itinerance"

DATA_DIR_ENV = "ITINERANCE_DATA_DIR"
DB_URL_ENV = "ITINERANCE_DB"
CACHE_DIR_ENV = "ITINERANCE_CACHE_DIR"
OSRM_URL_ENV = "ITINERANCE_OSRM_URL"
OFFLINE_ENV = "ITINERANCE_OFFLINE"
APP_DIR_ENV = "ITINERANCE_APP_DIR"


def data_dir() -> Path:
    """Folder holding the pinned open-data files, laid out as in their manifest."""
    value = os.environ.get(DATA_DIR_ENV)
    if value:
        return Path(value).expanduser()
    return Path(platformdirs.user_cache_dir(APP_NAME)) / "data"


def database_url() -> str:
    """SQLAlchemy URL of the territory database (SQLite file by default)."""
    value = os.environ.get(DB_URL_ENV)
    if value:
        return value
    path = Path(platformdirs.user_data_dir(APP_NAME)) / "itinerance.sqlite"
    return f"sqlite:///{path}"


def cache_dir() -> Path:
    """Folder where travel-time matrices are cached under a hash of their inputs."""
    value = os.environ.get(CACHE_DIR_ENV)
    if value:
        return Path(value).expanduser()
    return Path(platformdirs.user_cache_dir(APP_NAME)) / "matrices"


def osrm_url() -> str | None:
    """Base URL of an OSRM server, or None to use the offline travel-time model."""
    return os.environ.get(OSRM_URL_ENV) or None


def offline() -> bool:
    """True when downloads are forbidden (missing files then raise a clear error)."""
    return os.environ.get(OFFLINE_ENV, "") not in ("", "0", "false", "no")


def app_dir() -> Path:
    """Folder where ``itinerance app`` keeps the files of the plans it made."""
    value = os.environ.get(APP_DIR_ENV)
    if value:
        return Path(value).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME)) / "app"
