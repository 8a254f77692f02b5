"""Two-step floating catchment area (2SFCA): accessibility that weighs capacity as well as distance.

Luo & Wang (2003), "Measures of spatial accessibility to health care in a GIS environment",
Environment and Planning B 30(6):865-884:

1. for every service ``j``: ratio ``R_j = S_j / Σ_i w(t_ij) · P_i`` over the communes ``i``
   within the threshold (supply per unit of demand in its catchment);
2. for every commune ``i``: score ``A_i = Σ_j w(t_ij) · R_j`` over the services within the
   threshold.

``w`` is 1 within the threshold (the original binary 2SFCA) or, with ``decay="gaussian"``, the
Gaussian weight of Dai (2010, Health & Place 16(5):1038-1052):
``w(t) = (exp(-½(t/T)²) − exp(-½)) / (1 − exp(-½))``, 1 at the door and 0 at the threshold ``T``.

Supply ``S_j`` is a service's weekly hours of opening: its ``capacity`` when set, else the sum of
its parsed opening hours, else :data:`DEFAULT_WEEKLY_HOURS` (24 h, the minimum weekly opening of
the France Services charter). Mobile stops supply their monthly hours of presence spread over
the weeks. Demand ``P_i`` is the population, or the need (population × IFN). The score is hours
of opening per week per 1,000 inhabitants (or per 1,000 need units) within reach.

It must not read files, databases or the network.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from geodata.records import CommunePoint, ServiceKind, ServicePoint
from planner.access.coverage import DEFAULT_THRESHOLD, MobileStop, check_threshold, need_of
from planner.access.matrices import reach
from planner.access.routers import OfflineModel, Points, Router
from planner.errors import ParameterError
from planner.tours.model import WEEKS_PER_MONTH

DEFAULT_WEEKLY_HOURS = 24.0  # France Services charter: open at least 24 hours a week
HUMAN_HELP = (ServiceKind.FRANCE_SERVICES, ServiceKind.MEDIATION)


def weekly_hours(service: ServicePoint) -> float:
    """A service's supply: ``capacity``, else its opening hours, else the charter's 24 h."""
    if service.capacity is not None and service.capacity > 0:
        return float(service.capacity)
    minutes = sum(i.end - i.start for intervals in service.hours.values() for i in intervals)
    return minutes / 60.0 if minutes > 0 else DEFAULT_WEEKLY_HOURS


def decay_weights(
    minutes: np.ndarray, threshold: float, decay: Literal["binary", "gaussian"]
) -> np.ndarray:
    """Distance-decay weight of each travel time (all times are within the threshold)."""
    if decay == "binary":
        return np.ones_like(minutes, dtype=np.float64)
    if decay == "gaussian":
        edge = math.exp(-0.5)
        return (np.exp(-0.5 * (np.asarray(minutes, np.float64) / threshold) ** 2) - edge) / (
            1 - edge
        )
    raise ParameterError("decay", f"expected 'binary' or 'gaussian', got {decay!r}")


def two_step_fca(
    communes: Sequence[CommunePoint],
    services: Sequence[ServicePoint],
    stops: Sequence[MobileStop] = (),
    *,
    threshold: float = DEFAULT_THRESHOLD,
    router: Router | None = None,
    decay: Literal["binary", "gaussian"] = "binary",
    demand: Literal["population", "need"] = "population",
    kinds: Sequence[ServiceKind] = HUMAN_HELP,
) -> pd.DataFrame:
    """2SFCA score of every commune (index: INSEE code); see the module docstring."""
    threshold = check_threshold(threshold)
    if demand not in ("population", "need"):
        raise ParameterError("demand", f"expected 'population' or 'need', got {demand!r}")
    router = router or OfflineModel()
    points = Points.of(communes, what="communes")
    population, _, need = need_of(communes)
    weights_demand = population if demand == "population" else np.nan_to_num(need)

    located = [s for s in services if s.kind in kinds and s.lon is not None and s.lat is not None]
    suppliers = [*located, *(s for s in stops if s.lon is not None and s.lat is not None)]
    supply = np.array(
        [weekly_hours(s) for s in located]
        + [s.hours_per_month / WEEKS_PER_MONTH for s in suppliers[len(located) :]],
        dtype=np.float64,
    )
    found = reach(router, points, Points.of(suppliers, what="services", id_attr="id"), threshold)
    w = decay_weights(found.pair_minutes, threshold, decay)
    catchment = np.bincount(
        found.pair_destination,
        weights=w * weights_demand[found.pair_source],
        minlength=len(suppliers),
    )
    ratio = np.divide(supply, catchment, out=np.zeros_like(supply), where=catchment > 0)
    score = np.bincount(
        found.pair_source, weights=w * ratio[found.pair_destination], minlength=len(communes)
    )
    return pd.DataFrame(
        {
            "name": [c.name for c in communes],
            "population": population.astype(np.int64),
            "demand": weights_demand,
            "services_within": np.bincount(found.pair_source, minlength=len(communes)),
            "score": score * 1000.0,
        },
        index=pd.Index(points.ids, name="code"),
    )
