"""The value of a plan, recomputed from the problem and the set of served stops.

Need is counted once: each commune of :attr:`Problem.communes` gets the best level among its
existing help and the served stops that reach it (:class:`~planner.tours.model.Reach`); the
plan serves ``need × (level − existing)``. Stops' own ``value`` (optional stops given a value by
hand, benchmarks) adds on top, once per served stop. The validator uses this module; the engine
keeps the same figure incrementally in its kernel, and tests compare the two.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from planner.tours.model import Problem


@dataclass(frozen=True, slots=True)
class NeedServed:
    """Need figures of a plan (units of need: population × IFN by default)."""

    served: float  # Σ need × (level − existing), each commune once
    possible: float  # the same with every stop of the problem served
    total: float  # Σ need × (1 − existing): what a full service everywhere would bring
    communes_improved: int  # communes whose level the plan raises
    communes_reachable: int  # communes some stop of the problem could improve


def levels(problem: Problem, served: Iterable[str]) -> np.ndarray:
    """Each commune's service level with the ``served`` stops (ids), existing help included."""
    out = np.array([c.existing for c in problem.communes], dtype=np.float64)
    served = set(served)
    for r in problem.reach:
        if r.stop in served and r.level > out[r.commune]:
            out[r.commune] = r.level
    return out


def need_served(problem: Problem, served: Iterable[str]) -> NeedServed:
    """The need a plan serving ``served`` brings, counted once per commune."""
    need = np.array([c.need for c in problem.communes], dtype=np.float64)
    existing = np.array([c.existing for c in problem.communes], dtype=np.float64)
    now = levels(problem, served)
    best = levels(problem, (s.id for s in problem.stops))
    gain = now - existing
    top = best - existing
    return NeedServed(
        served=float(need @ gain) if len(need) else 0.0,
        possible=float(need @ top) if len(need) else 0.0,
        total=float(need @ (1.0 - existing)) if len(need) else 0.0,
        communes_improved=int(np.count_nonzero(gain > 1e-12)),
        communes_reachable=int(np.count_nonzero(top > 1e-12)),
    )


def plan_value(problem: Problem, served: Iterable[str]) -> float:
    """Need served plus the own values of the served optional stops (before ``value_weight``)."""
    served = set(served)
    own = sum(s.value for s in problem.stops if not s.mandatory and s.id in served)
    return need_served(problem, served).served + own
