"""The variables of a parameter sweep (:data:`VARIABLES`): how each reads its values on the
command line, which scenario keys it sets and how a value reads in French.

Kept apart from :mod:`planner.analysis.sweep` and free of heavy imports so that ``itinerance sweep
--help`` can list the variables without loading the planner; :mod:`planner.analysis.sweep`
re-exports :class:`Variable` and :data:`VARIABLES`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from planner.french import integer_fr, short_number_fr

if TYPE_CHECKING:
    from planner.scenario.files import ScenarioFile

__all__ = ["VARIABLES", "Variable"]


def _positive_int(text: str) -> int:
    if re.fullmatch(r"\s*\d+\s*", text) and int(text) >= 1:
        return int(text)
    raise ValueError(f"expected a whole number of at least 1, got {text!r}")


def _natural(text: str) -> int:
    if re.fullmatch(r"\s*\d+\s*", text):
        return int(text)
    raise ValueError(f"expected a whole number (0 or more), got {text!r}")


def _positive_number(text: str) -> float | int:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        value = math.nan
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"expected a positive number, got {text!r}")
    return int(value) if value.is_integer() else value


def _number(text: str) -> float | int:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        value = math.nan
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"expected a number (0 or more), got {text!r}")
    return int(value) if value.is_integer() else value


_FREQUENCY_WORDS = {
    "weekly": "weekly",
    "hebdomadaire": "weekly",
    "hebdo": "weekly",
    "fortnightly": "fortnightly",
    "quinzaine": "fortnightly",
    "bimensuel": "fortnightly",
    "monthly": "monthly",
    "mensuel": "monthly",
    "mensuelle": "monthly",
}


def _frequency(text: str) -> str:
    key = text.strip().lower()
    if key in _FREQUENCY_WORDS:
        return _FREQUENCY_WORDS[key]
    raise ValueError(f"expected weekly, fortnightly or monthly, got {text!r}")


def _weeks(text: str) -> int:
    if text.strip() in ("1", "2", "4"):
        return int(text)
    raise ValueError(f"expected 1, 2 or 4 weeks, got {text!r}")


def _permanence(text: str) -> str | int | float:
    """``demi-journée``, ``journée`` (as the scenario writes them) or minutes."""
    word = text.strip()
    if word.lower() in ("demi-journee", "demi-journée", "half-day"):
        return "demi-journée"
    if word.lower() in ("journee", "journée", "day"):
        return "journée"
    try:
        return _positive_number(word)
    except ValueError:
        raise ValueError(
            f"expected demi-journée, journée or minutes of presence, got {text!r}"
        ) from None


def _clock_range(text: str) -> str:
    if re.fullmatch(r"\s*\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}\s*", text):
        return text.strip().replace(" ", "")
    raise ValueError(f"expected a clock range like 08:30-17:30, got {text!r}")


def _duration(text: str) -> str | int | float:
    try:
        return _number(text)
    except ValueError:
        if re.fullmatch(r"\s*\d+\s*h\s*(\d+)?\s*(min)?\s*|\s*\d+\s*min\s*", text):
            return text.strip()
        raise ValueError(f"expected minutes or a duration like 3h or 2h30, got {text!r}") from None


def _every_vehicle(key: str) -> Callable[[ScenarioFile, Any], dict[str, Any]]:
    def keys(f: ScenarioFile, value: Any) -> dict[str, Any]:
        if not f.scenario.vehicles:
            raise ValueError("the scenario has no vehicles table")
        return {f"vehicles[{i}].{key}": value for i in range(len(f.scenario.vehicles))}

    return keys


def _fleet(f: ScenarioFile, n: int) -> dict[str, Any]:
    """``vehicles = n``: the fleet size; the first ``[[vehicles]]`` table's ``count`` varies."""
    specs = f.scenario.vehicles
    if not specs:
        raise ValueError("the scenario has no vehicles table to duplicate")
    others = sum(v.count for v in specs[1:])
    if n - others < 1:
        raise ValueError(
            f"the scenario's other vehicles tables already hold {others} vehicle(s); "
            f"the fleet cannot be smaller than {others + 1}"
        )
    return {"vehicles[0].count": n - others}


def _stop_default(key: str) -> Callable[[ScenarioFile, Any], dict[str, Any]]:
    """The ``[stops]`` default, and ``[candidates]``'s own value when it sets one."""

    def keys(f: ScenarioFile, value: Any) -> dict[str, Any]:
        out = {f"stops.{key}": value}
        cand = f.data.get("candidates")
        if isinstance(cand, dict) and key in cand:
            out[f"candidates.{key}"] = value
        return out

    return keys


def _candidates(key: str) -> Callable[[ScenarioFile, Any], dict[str, Any]]:
    def keys(f: ScenarioFile, value: Any) -> dict[str, Any]:
        if f.scenario.candidates is None:
            raise ValueError("the scenario has no candidates table")
        return {f"candidates.{key}": value}

    return keys


def _key(path: str) -> Callable[[ScenarioFile, Any], dict[str, Any]]:
    return lambda f, value: {path: value}


def _plural(n: Any, one: str, many: str) -> str:
    return f"{integer_fr(n)} {one if n == 1 else many}"


_FREQUENCY_FR = {"weekly": "hebdomadaire", "fortnightly": "tous les 15 jours", "monthly": "mensuel"}


@dataclass(frozen=True)
class Variable:
    """A sweep variable: how to read its values on the command line, which scenario keys it
    sets (``keys(scenario, value) -> {"key.path": value}``, ValueError when it cannot apply), and
    how a value reads in French on the chart and in the table."""

    name: str
    doc: str  # English, for --help and docs/sweeps.md
    label_fr: str  # column header
    parse: Callable[[str], Any]
    keys: Callable[[ScenarioFile, Any], dict[str, Any]]
    short_fr: Callable[[Any], str]


VARIABLES: dict[str, Variable] = {
    v.name: v
    for v in (
        Variable(
            "vehicles",
            "fleet size: the first vehicles table's count (vehicles[0].count)",
            "véhicules",
            _positive_int,
            _fleet,
            lambda n: _plural(n, "véhicule", "véhicules"),
        ),
        Variable(
            "threshold",
            "coverage threshold in minutes (coverage.threshold)",
            "seuil (min)",
            _positive_number,
            _key("coverage.threshold"),
            lambda v: f"seuil {short_number_fr(v)} min",
        ),
        Variable(
            "frequency",
            "default stop frequency: weekly, fortnightly or monthly "
            "(stops.frequency, and candidates.frequency when set)",
            "fréquence",
            _frequency,
            _stop_default("frequency"),
            lambda v: _FREQUENCY_FR.get(v, str(v)),
        ),
        Variable(
            "permanence",
            "default permanence: demi-journée, journée or minutes "
            "(stops.permanence, and candidates.permanence when set)",
            "permanence",
            _permanence,
            _stop_default("permanence"),
            lambda v: f"{short_number_fr(v)} min" if isinstance(v, (int, float)) else str(v),
        ),
        Variable(
            "weeks",
            "cycle length in weeks: 1, 2 or 4 (horizon.weeks)",
            "cycle (semaines)",
            _weeks,
            _key("horizon.weeks"),
            lambda v: f"cycle {_plural(v, 'semaine', 'semaines')}",
        ),
        Variable(
            "candidates",
            "most candidate stops kept (candidates.max)",
            "candidats (max)",
            _positive_int,
            _candidates("max"),
            lambda v: f"≤ {_plural(v, 'candidat', 'candidats')}",
        ),
        Variable(
            "candidates_within",
            "candidates are communes farther than this many minutes "
            "from a fixed France Services (candidates.without_france_services_within)",
            "candidats au-delà de (min)",
            _positive_number,
            _candidates("without_france_services_within"),
            lambda v: f"candidats > {short_number_fr(v)} min",
        ),
        Variable(
            "shift",
            "working day of every vehicle, HH:MM-HH:MM (vehicles[*].shift)",
            "amplitude",
            _clock_range,
            _every_vehicle("shift"),
            lambda v: f"journée {v}",
        ),
        Variable(
            "max_drive",
            "longest driving per day of every vehicle, minutes or 3h (vehicles[*].max_drive)",
            "conduite max",
            _duration,
            _every_vehicle("max_drive"),
            lambda v: (
                f"conduite ≤ {short_number_fr(v)}" + (" min" if isinstance(v, (int, float)) else "")
            ),
        ),
        Variable(
            "staff",
            "staff aboard every vehicle (vehicles[*].staff)",
            "agents par véhicule",
            _positive_int,
            _every_vehicle("staff"),
            lambda v: _plural(v, "agent", "agents"),
        ),
        Variable(
            "km_weight",
            "objective weight of a km (objective.km_weight)",
            "poids du km",
            _number,
            _key("objective.km_weight"),
            lambda v: f"poids km {short_number_fr(v)}",
        ),
        Variable(
            "time_limit",
            "search budget in seconds, turned into an iteration count "
            "(solver.time_limit, see work_budget)",
            "budget (s)",
            _positive_number,
            _key("solver.time_limit"),
            lambda v: f"budget {short_number_fr(v)} s",
        ),
        Variable(
            "budget",
            "most the service may cost per year in euros, a hard cap on the plan "
            "(budget.max_per_year; gross unless the scenario's [budget] says net)",
            "budget (€/an)",
            _number,
            _key("budget.max_per_year"),
            lambda v: f"budget {integer_fr(v)} €/an",
        ),
        Variable(
            "seed",
            "random seed of the search (solver.seed)",
            "graine",
            _natural,
            _key("solver.seed"),
            lambda v: f"graine {v}",
        ),
    )
}
