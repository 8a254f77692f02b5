"""Solomon's VRPTW instances (Solomon text format or VRPLIB), read under the DIMACS convention.

DIMACS rules (the 12th DIMACS challenge, also used by PyVRP's benchmarks): the length of an edge is
the Euclidean distance truncated to one decimal, ``floor(10 * d) / 10``, and the travel time
equals that length. The objective is the total distance; the fleet is the instance's fleet (every
vehicle may be used). Start windows are the customers' READY TIME / DUE DATE; the depot's window
is the vehicles' shift. Best-known values come from ``bks_solomon_distance_dimacs.csv`` when it
sits next to the instance files (or one folder up).

This module only parses; it does not solve.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from planner.errors import DataError
from planner.instances import BenchmarkInstance, best_known, read_text
from planner.tours.model import (
    Frequency,
    Horizon,
    Location,
    Objective,
    Problem,
    Stop,
    TimeWindow,
    Vehicle,
)

BKS_FILE = "bks_solomon_distance_dimacs.csv"


def dimacs_matrix(xy: np.ndarray) -> np.ndarray:
    """Euclidean distances truncated to one decimal (DIMACS convention)."""
    diff = xy[:, None, :] - xy[None, :, :]
    d = np.sqrt((diff**2).sum(axis=-1))
    return np.floor(10.0 * d + 1e-9) / 10.0


def _rows_solomon(path: Path, lines: list[str]) -> tuple[str, int, float, list[list[float]]]:
    name = lines[0].strip() or path.stem
    try:
        i = next(k for k, line in enumerate(lines) if line.strip().upper().startswith("NUMBER"))
        n_vehicles, capacity = (float(x) for x in lines[i + 1].split()[:2])
    except (StopIteration, ValueError, IndexError):
        raise DataError(
            f"{path}: no 'NUMBER CAPACITY' line with two numbers under VEHICLE"
        ) from None
    try:
        j = next(k for k, line in enumerate(lines) if line.strip().upper().startswith("CUST NO"))
    except StopIteration:
        raise DataError(f"{path}: no 'CUST NO.' header line") from None
    rows = []
    for k in range(j + 1, len(lines)):
        parts = lines[k].split()
        if not parts:
            continue
        if len(parts) != 7:
            raise DataError(f"{path}:{k + 1}: expected 7 numbers (customer line), got {len(parts)}")
        try:
            rows.append([float(x) for x in parts])
        except ValueError:
            raise DataError(f"{path}:{k + 1}: not a number in a customer line") from None
    return name, int(n_vehicles), capacity, rows


def _rows_vrplib(path: Path, lines: list[str]) -> tuple[str, int, float, list[list[float]]]:
    header: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current = None
    for k, line in enumerate(lines):
        text = line.strip()
        if not text or text == "EOF":
            continue
        if text.endswith("SECTION"):
            current = text
            sections[current] = []
        elif ":" in text and current is None:
            key, _, value = text.partition(":")
            header[key.strip().upper()] = value.strip()
        elif current is not None:
            sections[current].append(text.split())
    try:
        name = header.get("NAME", path.stem)
        n_vehicles = int(header["VEHICLES"])
        capacity = float(header["CAPACITY"])
        coords = {int(r[0]): (float(r[1]), float(r[2])) for r in sections["NODE_COORD_SECTION"]}
        demand = {int(r[0]): float(r[1]) for r in sections["DEMAND_SECTION"]}
        tw = {int(r[0]): (float(r[1]), float(r[2])) for r in sections["TIME_WINDOW_SECTION"]}
        service = {int(r[0]): float(r[1]) for r in sections.get("SERVICE_TIME_SECTION", [])}
        depot = int(sections["DEPOT_SECTION"][0][0])
    except (KeyError, ValueError, IndexError) as exc:
        raise DataError(
            f"{path}: incomplete VRPLIB instance ({exc!s} missing or malformed)"
        ) from None
    default_service = float(header.get("SERVICE_TIME", 0) or 0)
    ids = [depot] + sorted(i for i in coords if i != depot)
    rows = []
    for new, i in enumerate(ids):
        svc = 0.0 if i == depot else service.get(i, default_service)
        rows.append([new, *coords[i], demand.get(i, 0.0), *tw[i], svc])
    return name, n_vehicles, capacity, rows


def read_solomon(path: str | Path) -> BenchmarkInstance:
    """Read a Solomon instance (``.txt`` Solomon format or ``.vrp`` VRPLIB) as a one-day problem."""
    path = Path(path)
    text = read_text(path)
    lines = text.splitlines()
    if any(line.strip().upper().startswith("NODE_COORD_SECTION") for line in lines):
        name, n_vehicles, capacity, rows = _rows_vrplib(path, lines)
    else:
        name, n_vehicles, capacity, rows = _rows_solomon(path, lines)
    if len(rows) < 2:
        raise DataError(f"{path}: an instance needs a depot and at least one customer")
    a = np.array(rows, dtype=float)
    d = dimacs_matrix(a[:, 1:3])
    locations = tuple(
        Location(id=str(int(r[0])), name="depot" if k == 0 else f"customer {int(r[0])}")
        for k, r in enumerate(rows)
    )
    stops = tuple(
        Stop(
            id=str(int(a[k, 0])),
            name=f"customer {int(a[k, 0])}",
            location=k,
            duration=float(a[k, 6]),
            frequency=Frequency.ONCE,
            windows=(TimeWindow(float(a[k, 4]), float(a[k, 5])),),
            demand=float(a[k, 3]),
        )
        for k in range(1, len(rows))
    )
    shift = TimeWindow(float(a[0, 4]), float(a[0, 5]))
    width = max(2, len(str(n_vehicles)))
    vehicles = tuple(
        Vehicle(
            id=f"v{i + 1:0{width}d}",
            name=f"vehicle {i + 1}",
            start_location=0,
            end_location=0,
            shift=shift,
            capacity=capacity,
        )
        for i in range(n_vehicles)
    )
    problem = Problem(
        horizon=Horizon.plain(1),
        locations=locations,
        durations=d.copy(),
        distances=d,
        stops=stops,
        vehicles=vehicles,
        objective=Objective(value_weight=0.0, km_weight=1.0, hour_weight=0.0),
        name=name,
        meta={"benchmark": "solomon", "convention": "DIMACS", "source": str(path)},
    )
    return BenchmarkInstance(name, problem, best_known(path, name, BKS_FILE), "solomon")
