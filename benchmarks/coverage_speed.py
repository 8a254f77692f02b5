"""Benchmark: speed of the coverage analysis at region and national scale.

    uv run python benchmarks/coverage_speed.py

1. Region 24 (Centre-Val de Loire): its 1,754 communes (COG 2026) against every France Services
   and lieu de médiation (CNFS 2022) of France, offline travel model, 30 minutes. Target < 1 s
   once data is loaded.
2. National: ~35,000 commune points (``rcarlier_datas.fun/communes.csv``, COM rows deduplicated
   on ``insee_com``) against the ~2,800 France Services of 2024. Target < 5 s.

Data are read straight from the pinned files in ``$ITINERANCE_DATA_DIR`` (default
``../shared/data``) by the small loaders below, which do not need the territory database; the
siting benchmark reuses them. Prints seconds (best of 3 runs, after one warm-up), peak memory
(tracemalloc, numpy included) and the command.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import time
import tracemalloc
from datetime import date
from functools import cache
from pathlib import Path

from geodata.records import CommunePoint, Interval, ServiceKind, ServicePoint
from planner.access.coverage import CoverageInputs, analyse

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("ITINERANCE_DATA_DIR", REPO.parent / "shared" / "data"))
FIXED_FORMATS = {"Fixe", "Fixe_antenne(s)", "Multisites"}
DAYS = ("h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi")


# --- loaders from the pinned files (until geodata.query serves them) -----------------------------
@cache
def _centroids() -> dict[str, tuple[float, float, int]]:
    """insee_com -> (lon, lat, population 2021) of COM rows with coordinates (COG 2024)."""
    out: dict[str, tuple[float, float, int]] = {}
    with open(DATA / "rcarlier_datas.fun" / "communes.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["commune_type"] != "COM" or not row["lat"] or row["insee_com"] in out:
                continue
            out[row["insee_com"]] = (
                float(row["lng"]),
                float(row["lat"]),
                int(float(row["population_2021"] or 0)),
            )
    return out


@cache
def _ifn() -> dict[str, float]:
    with open(DATA / "inclusion-numerique" / "ifn-city-all-variation.csv", encoding="utf-8") as fh:
        return {r["code"]: float(r["total"]) for r in csv.DictReader(fh) if r["total"]}


def region_communes(region: str = "24") -> list[CommunePoint]:
    """Current communes of a region (COG 2026 populations) at their rcarlier centroid, with IFN."""
    communes = json.loads(
        (DATA / "etalab_decoupage-administratif" / "communes.json").read_text("utf-8")
    )
    epci_of = {
        m["code"]: e["code"]
        for e in json.loads(
            (DATA / "etalab_decoupage-administratif" / "epci.json").read_text("utf-8")
        )
        for m in e["membres"]
    }
    points, ifn = _centroids(), _ifn()
    out = []
    for c in communes:
        if c["type"] != "commune-actuelle" or c.get("region") != region:
            continue
        lon, lat, _ = points.get(c["code"], (None, None, 0))
        out.append(
            CommunePoint(
                c["code"],
                c["nom"],
                c["departement"],
                lon,
                lat,
                int(c.get("population", 0)),
                ifn.get(c["code"]),
                epci_of.get(c["code"]),
            )
        )
    return out


def national_communes() -> list[CommunePoint]:
    """Every COM row of the rcarlier file with coordinates, deduplicated on insee_com."""
    ifn = _ifn()
    return [
        CommunePoint(code, code, code[:2], lon, lat, pop, ifn.get(code))
        for code, (lon, lat, pop) in _centroids().items()
    ]


def _hours(row: dict[str, str]) -> dict[int, tuple[Interval, ...]]:
    hours: dict[int, tuple[Interval, ...]] = {}
    for day, column in enumerate(DAYS):
        intervals = []
        for part in row[column].split("/"):
            if "-" in part:
                a, b = (p.strip() for p in part.split("-", 1))
                try:
                    start = int(a[:2]) * 60 + int(a[3:5])
                    end = int(b[:2]) * 60 + int(b[3:5])
                except ValueError:
                    continue
                if end > start:
                    intervals.append(Interval(start, end))
        if intervals:
            hours[day] = tuple(intervals)
    return hours


def france_services() -> list[ServicePoint]:
    """All 2,845 France Services of 2024; buses and itinerant services at their base."""
    with open(
        DATA / "anct-carto_france_services" / "liste-fs-20240801.csv", encoding="utf-8"
    ) as fh:
        return [
            ServicePoint(
                f"fs:{r['id_fs']}",
                r["lib_fs"],
                ServiceKind.FRANCE_SERVICES
                if r["format_fs"] in FIXED_FORMATS
                else ServiceKind.FRANCE_SERVICES_MOBILE,
                float(r["longitude"]),
                float(r["latitude"]),
                r["insee_com"],
                format=r["format_fs"],
                hours=_hours(r),
                source="liste-fs-20240801",
            )
            for r in csv.DictReader(fh)
        ]


def cnfs_lieux() -> list[ServicePoint]:
    """Lieux of conseillers numériques (2022) with coordinates, as lieux de médiation."""
    lieux = json.loads(
        (DATA / "derived" / "cnfs-lieux-2022_sans-contacts-personnels.json").read_text("utf-8")
    )
    return [
        ServicePoint(
            f"cnfs:{x['id']}",
            x["nom"],
            ServiceKind.MEDIATION,
            x["longitude"],
            x["latitude"],
            None,
            source="cnfs-2022",
        )
        for x in lieux
        if x.get("latitude") is not None and x.get("longitude") is not None
    ]


# --- measurement ----------------------------------------------------------------------------------
def measure(inputs: CoverageInputs, repeat: int = 3) -> tuple[float, float, object]:
    """Best wall time of ``repeat`` runs after a warm-up, peak traced memory (MB), last result."""
    result = analyse(inputs)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = analyse(inputs)
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    analyse(inputs)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return best, peak, result


def main() -> None:
    print(
        f"# coverage_speed — {date.today()} — {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores"
    )
    print("# command: uv run python benchmarks/coverage_speed.py")
    fs, cnfs = france_services(), cnfs_lieux()
    fixed = tuple(s for s in fs if s.kind is ServiceKind.FRANCE_SERVICES)
    cases = [
        ("region 24", "services (FS + CNFS)", region_communes("24"), fs + cnfs, 1.0),
        ("national", "fixed France Services", national_communes(), fixed, 5.0),
    ]
    for name, what, communes, services, target in cases:
        inputs = CoverageInputs(tuple(communes), tuple(services), threshold=30.0)
        seconds, peak, result = measure(inputs)
        fs_row = result.totals.loc["france_services"]
        print(
            f"{name}: {len(inputs.communes)} communes × {len(inputs.services)} {what}: "
            f"{seconds:.3f} s, peak {peak:.0f} MB (target < {target:g} s); population beyond "
            f"30 min of a fixed FS: {fs_row.population_not_covered:,} "
            f"({1 - fs_row.share_population_covered:.1%}); "
            f"a dense float32 matrix would take {len(communes) * len(services) * 4 / 1e6:.0f} MB, "
            "none is built"
        )


if __name__ == "__main__":
    main()
