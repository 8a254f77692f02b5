"""Readers of routing benchmark instances, each returning a :class:`BenchmarkInstance`.

- :mod:`planner.instances.solomon`: Solomon's VRPTW set (Solomon text or VRPLIB format) under the
  DIMACS convention;
- :mod:`planner.instances.cordeau`: Cordeau's periodic VRP format.

Readers only parse files into :class:`planner.tours.model.Problem` objects (no solving, no network).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from planner.errors import DataError
from planner.tours.model import Problem


@dataclass(frozen=True)
class BenchmarkInstance:
    """A benchmark problem, its name and best-known objective value (None if unknown)."""

    name: str
    problem: Problem
    best_known: float | None
    kind: str  # "solomon" or "pvrp"

    def gap(self, cost: float) -> float | None:
        """Relative gap (cost - best known) / best known, or None when it is unknown."""
        if self.best_known is None or self.best_known == 0:
            return None
        return (cost - self.best_known) / self.best_known


def read_text(path: Path) -> str:
    """The text of an instance file, with one-line errors for missing or binary files."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"{path}: no such instance file") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a text file") from None


def best_known(path: Path, name: str, table: str) -> float | None:
    """Best-known ``distance`` of instance ``name`` from the CSV ``table`` (columns instance,
    distance) found next to the instance file or one folder up; else the ``Cost`` line of a
    VRPLIB solution file next to it (``C1_2_1.sol`` for ``C1_2_1.vrp``, as PyVRP's instance
    collection ships them); None when neither has it."""
    for folder in (path.parent, path.parent.parent):
        f = folder / table
        if f.exists():
            with f.open(encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    if row.get("instance", "").lower() == name.lower():
                        return float(row["distance"])
    return _solution_cost(path.with_suffix(".sol"))


def _solution_cost(path: Path) -> float | None:
    """The ``Cost <number>`` line of a VRPLIB solution file, or None (no file, no such line)."""
    if not path.is_file():
        return None
    for line in read_text(path).splitlines():
        key, _, value = line.strip().partition(" ")
        if key.lower() == "cost":
            try:
                return float(value)
            except ValueError:
                raise DataError(f"{path}: 'Cost' is not a number: {value.strip()!r}") from None
    return None


__all__ = ["BenchmarkInstance", "best_known", "read_text"]
