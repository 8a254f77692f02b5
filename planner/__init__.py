"""itinerance's planner: periodic tours of itinerant services, from Python.

The front door, in the manner of ``from pyvrp import Model, solve``::

    from planner import Horizon, Location, Problem, Stop, Vehicle, location_matrices, solve
    from planner import validate

- the problem, as plain immutable objects (:mod:`planner.tours.model`): :class:`Horizon`,
  :class:`Location`, :class:`Stop`, :class:`Vehicle`, :class:`Lunch`, :class:`TimeWindow`,
  :class:`Frequency`, :class:`Objective`, :class:`Problem`;
- travel times (:mod:`planner.access`): :func:`location_matrices` for a problem's two matrices,
  :func:`travel_matrix` between :class:`Points`, the :class:`OfflineModel` or the router
  :func:`choose_router` picks;
- solving and checking: :func:`solve` (:mod:`planner.engine`) returns a :class:`Plan` of
  :class:`Route` and :class:`Visit`; :func:`validate` (:mod:`planner.tours.validator`) checks it
  independently and returns a :class:`ValidationReport`;
- scenario files (:mod:`planner.scenario`): :func:`load_scenario`, then :func:`plan_scenario`
  builds, solves and validates in one call (:class:`Planned`);
- the errors a caller may catch (:mod:`planner.errors`).

Names are imported on first use (module ``__getattr__``), so ``import planner`` stays light:
it must not import numpy, OR-Tools, numba or geopandas. ``docs/python.md`` has examples.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> module that defines it; the same names as __all__ (tests/test_python_docs.py checks)
_EXPORTS: dict[str, str] = {
    # the problem
    "Frequency": "planner.tours.model",
    "Horizon": "planner.tours.model",
    "Location": "planner.tours.model",
    "Lunch": "planner.tours.model",
    "Objective": "planner.tours.model",
    "Problem": "planner.tours.model",
    "Stop": "planner.tours.model",
    "StopKind": "planner.tours.model",
    "TimeWindow": "planner.tours.model",
    "Vehicle": "planner.tours.model",
    # travel times
    "OfflineModel": "planner.access.routers",
    "Points": "planner.access.routers",
    "Router": "planner.access.routers",
    "TravelMatrix": "planner.access.matrices",
    "choose_router": "planner.access.matrices",
    "location_matrices": "planner.access.matrices",
    "travel_matrix": "planner.access.matrices",
    # solving and checking
    "Frozen": "planner.engine",
    "ProgressEvent": "planner.engine",
    "SolveOptions": "planner.engine",
    "get_engine": "planner.engine",
    "solve": "planner.engine",
    "Plan": "planner.tours.plan",
    "Route": "planner.tours.plan",
    "Visit": "planner.tours.plan",
    "ValidationReport": "planner.tours.validator",
    "validate": "planner.tours.validator",
    # scenario files
    "ScenarioFile": "planner.scenario.files",
    "load_scenario": "planner.scenario.files",
    "parse_scenario": "planner.scenario.files",
    "Planned": "planner.scenario.pipeline",
    "plan_scenario": "planner.scenario.pipeline",
    # errors
    "InfeasibleError": "planner.errors",
    "ParameterError": "planner.errors",
    "PlanError": "planner.errors",
    "RouterError": "planner.errors",
    "ScenarioError": "planner.errors",
}

__all__ = [
    # the problem
    "Frequency",
    "Horizon",
    "Location",
    "Lunch",
    "Objective",
    "Problem",
    "Stop",
    "StopKind",
    "TimeWindow",
    "Vehicle",
    # travel times
    "OfflineModel",
    "Points",
    "Router",
    "TravelMatrix",
    "choose_router",
    "location_matrices",
    "travel_matrix",
    # solving and checking
    "Frozen",
    "ProgressEvent",
    "SolveOptions",
    "get_engine",
    "solve",
    "Plan",
    "Route",
    "Visit",
    "ValidationReport",
    "validate",
    # scenario files
    "ScenarioFile",
    "load_scenario",
    "parse_scenario",
    "Planned",
    "plan_scenario",
    # errors
    "InfeasibleError",
    "ParameterError",
    "PlanError",
    "RouterError",
    "ScenarioError",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'planner' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from planner.access.matrices import (
        TravelMatrix,
        choose_router,
        location_matrices,
        travel_matrix,
    )
    from planner.access.routers import OfflineModel, Points, Router
    from planner.engine import (
        Frozen,
        ProgressEvent,
        SolveOptions,
        get_engine,
        solve,
    )
    from planner.errors import (
        InfeasibleError,
        ParameterError,
        PlanError,
        RouterError,
        ScenarioError,
    )
    from planner.scenario.files import ScenarioFile, load_scenario, parse_scenario
    from planner.scenario.pipeline import Planned, plan_scenario
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
    from planner.tours.plan import Plan, Route, Visit
    from planner.tours.validator import ValidationReport, validate
