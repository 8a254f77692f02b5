"""The CLI imports lazily: `itinerance --help` and option errors do not load heavy libraries."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "geopandas",
    "pandas",
    "sqlmodel",
    "sqlalchemy",
    "ortools",
    "folium",
    "numba",
    "dask",
    "matplotlib",
)


def test_importing_the_cli_loads_no_heavy_library():
    code = f"import sys, planner.cli; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == []
