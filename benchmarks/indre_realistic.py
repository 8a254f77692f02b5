"""Benchmark: realistic itinerant tours in the Indre (36), built from real communes.

    uv run python benchmarks/indre_realistic.py [--limits 10,60,300] [--cases monthly,fortnight]
        [--seed 0] [--clock wall|cpu] [--json results.json]

Two instances, based in Châteauroux (36044), with the offline travel model
(:class:`planner.access.routers.OfflineModel`) between communes' representative points
(``gregoiredavid_france-geojson/communes-centre-val-de-loire.geojson``):

- **monthly**: one camper van (La Rur@linette-like), a 4-week monthly cycle (n-th weekday of the
  month, Monday to Friday), 40 candidate communes, half-day permanences of 2 h 30 starting at
  10:00 or 13:30, lunch 45 min starting 12:00-13:30, 9 h 30 of work and 4 h of driving a day at
  most. The 10 most valuable communes are mandatory, the 30 others optional.
- **fortnight**: three vehicles (one wheelchair-accessible with 2 places), a 2-week cycle,
  120 candidate communes (the 10 most valuable are weekly, mandatory and regular: same weekday,
  vehicle and time each week; the 110 others fortnightly and optional), plus 15 on-demand home
  visits (1 h, on a given day, 5 of them needing the accessible vehicle), placed at commune points
  (no addresses).

Candidates are the communes of the Indre without a fixed France Services (2024 list), ranked by
value = population (COG 2026) × IFN (indice de fragilité numérique). Each run's plan goes through
``planner.tours.validator``. Prints the time to a first valid plan (construction only), then for
each time limit the value served, stops served, mandatory served, km and driving hours per month.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

from planner.engine import SolveOptions
from planner.engine.periodic import PeriodicEngine, Tuning
from planner.tours.model import (
    Frequency,
    Horizon,
    Location,
    Lunch,
    Objective,
    Problem,
    Stop,
    StopKind,
    TimeWindow,
    Vehicle,
)
from planner.tours.validator import validate

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("ITINERANCE_DATA_DIR", REPO.parent / "shared" / "data"))
BASE = "36044"  # Châteauroux
FIXED_FS = {"Fixe", "Fixe_antenne(s)", "Multisites"}


def communes_36() -> list[dict]:
    """Indre communes with a representative point, population and IFN (value = pop × IFN)."""
    from shapely.geometry import shape

    gj = json.loads(
        (DATA / "gregoiredavid_france-geojson" / "communes-centre-val-de-loire.geojson").read_text(
            encoding="utf-8"
        )
    )
    points = {}
    for f in gj["features"]:
        code = f["properties"]["code"]
        if code.startswith("36"):
            p = shape(f["geometry"]).representative_point()
            points[code] = (f["properties"]["nom"], p.x, p.y)
    pop = {}
    for c in json.loads(
        (DATA / "etalab_decoupage-administratif" / "communes.json").read_text(encoding="utf-8")
    ):
        if (
            c.get("departement") == "36"
            and c.get("type") == "commune-actuelle"
            and "population" in c
        ):
            pop[c["code"]] = c["population"]
    ifn = {}
    with open(DATA / "inclusion-numerique" / "ifn-city-all-variation.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["code"].startswith("36") and row["total"]:
                ifn[row["code"]] = float(row["total"])
    out = []
    for code, (name, lon, lat) in sorted(points.items()):
        if code in pop and code in ifn:
            out.append(
                {
                    "code": code,
                    "name": name,
                    "lon": lon,
                    "lat": lat,
                    "population": pop[code],
                    "ifn": ifn[code],
                    "value": pop[code] * ifn[code],
                }
            )
    return out


def fixed_france_services() -> set[str]:
    with open(
        DATA / "anct-carto_france_services" / "liste-fs-20240801.csv", encoding="utf-8"
    ) as fh:
        return {
            r["insee_com"]
            for r in csv.DictReader(fh)
            if r["insee_dep"] == "36" and r["format_fs"] in FIXED_FS
        }


def travel(points: list[dict]) -> tuple[np.ndarray, np.ndarray, str]:
    """Minutes and km between points with the offline model (a haversine placeholder before)."""
    from planner.access.routers import OfflineModel, Points

    model = OfflineModel()
    pts = Points(
        tuple(p["code"] + f"#{i}" for i, p in enumerate(points)),
        np.array([p["lon"] for p in points]),
        np.array([p["lat"] for p in points]),
    )
    minutes, km = model.table(pts, pts)
    minutes = np.asarray(minutes, dtype=float)
    km = np.asarray(km, dtype=float)
    np.fill_diagonal(minutes, 0.0)
    np.fill_diagonal(km, 0.0)
    return minutes, km, model.describe()


def candidates(n: int) -> tuple[dict, list[dict], list[dict]]:
    allc = communes_36()
    base = next(c for c in allc if c["code"] == BASE)
    excluded = fixed_france_services() | {BASE}
    ranked = sorted((c for c in allc if c["code"] not in excluded), key=lambda c: -c["value"])
    return base, ranked[:n], ranked[n:]


def monthly_case() -> Problem:
    base, cands, _ = candidates(40)
    points = [base] + cands
    minutes, km, model = travel(points)
    horizon = Horizon(weeks=4, weekdays=(0, 1, 2, 3, 4), monthly=True)
    half_days = (TimeWindow(600, 600), TimeWindow(810, 810))  # 10:00 or 13:30
    stops = tuple(
        Stop(
            c["code"],
            c["name"],
            i + 1,
            150.0,
            Frequency.MONTHLY,
            windows=half_days,
            mandatory=i < 10,
            value=0.0 if i < 10 else round(c["value"], 1),
            insee=c["code"],
        )
        for i, c in enumerate(cands)
    )
    van = Vehicle(
        "rurlinette",
        "Camping-car France Services",
        0,
        0,
        shift=TimeWindow(8 * 60, 18 * 60),
        max_work=570.0,
        max_drive=240.0,
        lunch=Lunch(TimeWindow(12 * 60, 13 * 60 + 30), 45.0),
        features=frozenset({"pmr"}),
        seats=1,
        cost_per_km=0.6,
        cost_per_hour=30.0,
    )
    return Problem(
        horizon,
        _locations(points),
        minutes,
        km,
        stops,
        (van,),
        Objective(value_weight=1.0, km_weight=1.0),
        name="indre-monthly-1-vehicle-40",
        meta={"travel": model},
    )


def fortnight_case(seed: int = 0) -> Problem:
    base, cands, rest = candidates(120)
    rng = random.Random(seed)
    homes = rng.sample(rest, 15)
    points = [base] + cands + homes
    minutes, km, model = travel(points)
    horizon = Horizon(weeks=2, weekdays=(0, 1, 2, 3, 4))
    half_days = (TimeWindow(9 * 60, 10 * 60), TimeWindow(13 * 60 + 30, 14 * 60 + 30))
    stops = []
    for i, c in enumerate(cands):
        weekly = i < 10
        stops.append(
            Stop(
                c["code"],
                c["name"],
                i + 1,
                150.0,
                Frequency.WEEKLY if weekly else Frequency.FORTNIGHTLY,
                windows=half_days,
                mandatory=weekly,
                value=0.0 if weekly else round(c["value"], 1),
                insee=c["code"],
            )
        )
    for j, h in enumerate(homes):
        day = rng.randrange(horizon.n_days)
        stops.append(
            Stop(
                f"visite-{j + 1:02d}",
                f"Visite à domicile {j + 1} ({h['name']})",
                len(cands) + j + 1,
                60.0,
                Frequency.ONCE,
                kind=StopKind.REQUEST,
                windows=(TimeWindow(9 * 60, 16 * 60, frozenset({day})),),
                features=frozenset({"pmr"}) if j < 5 else frozenset(),
                seats=1 if j < 5 else 0,
            )
        )
    lunch = Lunch(TimeWindow(12 * 60, 14 * 60), 45.0)
    vehicles = (
        Vehicle(
            "bus-pmr",
            "Bus accessible",
            0,
            0,
            shift=TimeWindow(510, 1050),
            max_work=510.0,
            lunch=lunch,
            features=frozenset({"pmr"}),
            seats=2,
            cost_per_km=0.8,
            cost_per_hour=35.0,
        ),
        Vehicle(
            "van-1",
            "Conseiller numérique 1",
            0,
            0,
            shift=TimeWindow(510, 1050),
            max_work=510.0,
            lunch=lunch,
            cost_per_km=0.4,
            cost_per_hour=30.0,
        ),
        Vehicle(
            "van-2",
            "Conseiller numérique 2",
            0,
            0,
            shift=TimeWindow(510, 1050),
            max_work=510.0,
            lunch=lunch,
            cost_per_km=0.4,
            cost_per_hour=30.0,
        ),
    )
    return Problem(
        horizon,
        _locations(points),
        minutes,
        km,
        tuple(stops),
        vehicles,
        Objective(value_weight=1.0, km_weight=1.0, regularity_tolerance=0.0),
        name="indre-fortnight-3-vehicles-120+15",
        meta={"travel": model},
    )


def _locations(points: list[dict]) -> tuple[Location, ...]:
    return tuple(Location(p["code"], p["name"], p["lon"], p["lat"], p["code"]) for p in points)


def measure(problem: Problem, engine: PeriodicEngine, limit: float, seed: int) -> dict:
    t = time.perf_counter()
    c = time.process_time()
    plan = engine.solve(problem, SolveOptions(time_limit=limit, seed=seed))
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    rep = validate(problem, plan)
    f = rep.figures
    return {
        "limit": limit,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "valid": rep.ok,
        "violations": rep.lines(3),
        "value_served": round(f.value_served),
        "value_total": round(f.value_total),
        "stops_served": f.stops_served,
        "stops_total": f.stops_total,
        "requests_served": f.requests_served,
        "requests_total": f.requests_total,
        "mandatory_served": f.mandatory_served,
        "mandatory_total": f.mandatory_total,
        "km_per_month": round(f.km_per_month, 1),
        "drive_hours_per_month": round(f.drive_hours_per_month, 1),
        "iterations": (plan.meta.figures or {}).get("iterations"),
    }


def first_plan(problem: Problem, seed: int, limit: float = 60.0, clock=time.perf_counter) -> dict:
    """Seconds until the engine holds a plan serving every mandatory stop (its construction, or
    the first search iterations that place what the construction could not)."""
    engine = PeriodicEngine(Tuning(polish=False), clock=clock)
    seen: list[float] = []

    def progress(event) -> None:
        if event.unserved_mandatory == 0 and not seen:
            seen.append(event.elapsed)

    plan = engine.solve(problem, SolveOptions(time_limit=limit, seed=seed), progress=progress)
    first = (plan.meta.figures or {}).get("first_complete_seconds")
    return {
        "seconds": first if first is not None else (seen[0] if seen else None),
        "valid": validate(problem, plan).ok,
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limits", default="10,60,300")
    ap.add_argument("--cases", default="monthly,fortnight")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="time limits in wall-clock or CPU seconds (fair on a loaded machine)",
    )
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    limits = [float(x) for x in args.limits.split(",") if x]
    print(
        "command: uv run python benchmarks/indre_realistic.py "
        + " ".join(sys.argv[1:] if argv is None else argv)
    )
    print(
        f"date {date.today()}, machine: {platform.machine()}, {os.cpu_count()} cores; "
        f"limits in {'CPU' if args.clock == 'cpu' else 'wall-clock'} seconds"
    )
    t = time.perf_counter()
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    engine = PeriodicEngine(clock=clock)
    print(f"engine start-up (compiled kernel loaded): {time.perf_counter() - t:.1f} s")
    builders = {"monthly": monthly_case, "fortnight": lambda: fortnight_case(args.seed)}
    results = {}
    for name in args.cases.split(","):
        problem = builders[name]()
        print(
            f"\n{problem.name}: {len(problem.stops)} stops, {len(problem.vehicles)} vehicle(s), "
            f"{problem.horizon.n_days} days; {problem.meta['travel']}"
        )
        fp = first_plan(problem, args.seed, min(limits), clock)
        print(f"  first plan serving every mandatory stop: {fp['seconds']} s")
        rows = [fp]
        for limit in limits:
            r = measure(problem, engine, limit, args.seed)
            rows.append(r)
            print(
                f"  {limit:5.0f} s: valid {r['valid']}, "
                f"value {r['value_served']:,}/{r['value_total']:,}, "
                f"stops {r['stops_served']}/{r['stops_total']}, requests "
                f"{r['requests_served']}/{r['requests_total']}, mandatory "
                f"{r['mandatory_served']}/{r['mandatory_total']}, {r['km_per_month']:,} km/month, "
                f"{r['drive_hours_per_month']} h driving/month, {r['iterations']:,} iterations "
                f"({r['seconds']} s, cpu {r['cpu_seconds']} s)"
                + ("" if r["valid"] else f" INVALID: {r['violations']}"),
                flush=True,
            )
        results[name] = rows
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
