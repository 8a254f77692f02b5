"""Defaults shared by the library and the command line, in a module free of heavy imports so that
``itinerance --help`` can show them without loading pandas or geopandas."""

from __future__ import annotations

DEFAULT_THRESHOLD = 30.0  # minutes: the State's promise of a France Services within 30 minutes
