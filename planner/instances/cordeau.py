"""Cordeau's periodic VRP instances (Cordeau, Gendreau & Laporte, 1997), read as problems.

Format (see ``../shared/bench/README.md``): line 1 ``type m n t`` (type 1 = PVRP, m vehicles per
day, n customers, t days); then t lines ``D Q`` (maximum route duration, 0 = none; vehicle
capacity); then one line per node ``i x y d q f a c1 … ca`` (service duration, demand, visits per
period, number of allowed visit combinations and the combinations, each a bitmask over the t days
with day 1 on the most significant bit). Node 0 is the depot.

The problem uses a plain horizon of t days, one stop per customer with its explicit patterns,
m identical vehicles working every day (the validator does not ask a benchmark stop to keep one
vehicle), Euclidean distances in double precision, travel time equal to distance, and a maximum
working time of D per route when D > 0. Customers placed on the depot keep their own location.
Best-known totals come from ``bks_pvrp.csv`` next to the instance folder (or in it).

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

BKS_FILE = "bks_pvrp.csv"
OPEN_SHIFT = TimeWindow(0.0, 1e6)


def decode_combination(mask: int, n_days: int) -> tuple[int, ...]:
    """Day indices of a visit combination (day 1 = most significant of the ``n_days`` bits)."""
    return tuple(j for j in range(n_days) if mask >> (n_days - 1 - j) & 1)


def _ints(path: Path, lineno: int, parts: list[str], what: str) -> list[float]:
    try:
        return [float(x) for x in parts]
    except ValueError:
        raise DataError(f"{path}:{lineno}: expected numbers in the {what} line") from None


def read_cordeau(path: str | Path) -> BenchmarkInstance:
    """Read a Cordeau PVRP instance file."""
    path = Path(path)
    text = read_text(path)
    lines = [(k + 1, line.split()) for k, line in enumerate(text.splitlines()) if line.strip()]
    if not lines:
        raise DataError(f"{path}: empty instance file")
    lineno, head = lines[0]
    if len(head) != 4:
        raise DataError(f"{path}:{lineno}: expected 'type m n t' (4 numbers), got {len(head)}")
    kind, m, n, t = (int(x) for x in _ints(path, lineno, head, "header"))
    if kind != 1:
        raise DataError(f"{path}:{lineno}: problem type {kind} is not a periodic VRP (type 1)")
    if len(lines) < 1 + t + n + 1:
        raise DataError(f"{path}: expected {t} day lines and {n + 1} node lines after the header")
    days = []
    for lineno, parts in lines[1 : 1 + t]:
        if len(parts) != 2:
            raise DataError(f"{path}:{lineno}: expected 'D Q' (2 numbers) for a day")
        days.append(tuple(_ints(path, lineno, parts, "day")))
    if len(set(days)) != 1:
        raise DataError(f"{path}: days with different limits (D, Q) are not supported: {days}")
    max_dur, capacity = days[0]
    nodes = []
    for lineno, parts in lines[1 + t : 1 + t + n + 1]:
        values = _ints(path, lineno, parts, "node")
        if len(values) < 7:
            raise DataError(f"{path}:{lineno}: a node line needs at least 7 numbers")
        i, x, y, d, q, f, a = values[:7]
        combos = [int(c) for c in values[7 : 7 + int(a)]]
        if len(combos) != int(a):
            raise DataError(f"{path}:{lineno}: node {int(i)} announces {int(a)} combinations")
        nodes.append((int(i), x, y, d, q, int(f), combos))
    if nodes[0][0] != 0:
        raise DataError(f"{path}: the first node must be the depot (node 0)")
    xy = np.array([(x, y) for _, x, y, *_ in nodes], dtype=float)
    dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=-1))
    locations = tuple(
        Location(str(i), "depot" if k == 0 else f"customer {i}") for k, (i, *_) in enumerate(nodes)
    )
    stops = []
    for k, (i, _x, _y, d, q, f, combos) in enumerate(nodes[1:], start=1):
        patterns = tuple(sorted({decode_combination(c, t) for c in combos}))
        bad = [p for p in patterns if len(p) != f]
        if bad:
            raise DataError(f"{path}: customer {i}: combination {bad[0]} does not have {f} days")
        stops.append(
            Stop(
                id=str(i),
                name=f"customer {i}",
                location=k,
                duration=d,
                frequency=Frequency.ONCE if f == 1 else Frequency.WEEKLY,
                demand=q,
                patterns=patterns,
            )
        )
    width = max(2, len(str(m)))
    vehicles = tuple(
        Vehicle(
            id=f"v{j + 1:0{width}d}",
            name=f"vehicle {j + 1}",
            start_location=0,
            end_location=0,
            shift=OPEN_SHIFT,
            capacity=capacity,
            max_work=max_dur if max_dur > 0 else None,
        )
        for j in range(m)
    )
    name = path.stem
    problem = Problem(
        horizon=Horizon.plain(t),
        locations=locations,
        durations=dist.copy(),
        distances=dist,
        stops=tuple(stops),
        vehicles=vehicles,
        objective=Objective(value_weight=0.0, km_weight=1.0, hour_weight=0.0),
        name=name,
        meta={"benchmark": "pvrp", "source": str(path), "vehicles_per_day": m},
    )
    return BenchmarkInstance(name, problem, best_known(path, name, BKS_FILE), "pvrp")
