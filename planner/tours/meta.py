"""What a plan records besides its routes: the engine's figures, the provenance, the context.

:class:`PlanMeta` is the typed form of the plan JSON's ``"meta"`` object. Each key the project
writes has its field; keys it does not know (written by a newer or an older itinerance, or by
hand) are kept in :attr:`PlanMeta.extra`, so that a plan read and written back is the same file.

Who fills what:

- the engine (:mod:`planner.engine.periodic`): ``engine``, ``version``, ``seed``, ``time_limit``,
  ``deterministic``, ``objective``, ``cost``, ``status``, ``figures``, ``unplaced``, ``versions``,
  ``inputs`` (a digest of the problem) and ``created``;
- the pipeline (:mod:`planner.scenario.pipeline`), from
  :func:`planner.scenario.provenance.provenance`: ``created``, ``travel`` (the router),
  ``inputs`` (the files with their sha256), ``data`` (the database and its datasets' vintages)
  and ``versions``; then ``context`` (:meth:`planner.scenario.context.Context.to_dict`),
  ``schedule`` (:func:`planner.tours.schedule.schedule_meta`), ``frozen``, ``validation``
  (:func:`planner.tours.validator.summary`) and ``stability``
  (:func:`planner.outputs.report.stability_meta`) and ``visitors``
  (:func:`planner.scenario.pipeline.plan_visitors`);
- ``[asis]`` plans: ``service`` and ``rota_text``; the demo: ``overrides``.

The JSON keeps its key order: keys are written in the order they were first set, as a ``dict``
would (a field given to the constructor counts as set when it is not None, in the order of the
fields; a field assigned afterwards counts as set even when it is None, and is then written as
``null``). :meth:`PlanMeta.drop` unsets keys. A meta read from JSON keeps the file's order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from planner.errors import PlanError

__all__ = ["PlanMeta"]


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool)


def _is_dict(v: Any) -> bool:
    return isinstance(v, dict)


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _is_inputs(v: Any) -> bool:
    return isinstance(v, dict) or (isinstance(v, list) and all(isinstance(x, dict) for x in v))


# What each known key must hold in JSON (null is always accepted), and how to say it.
_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "engine": (_is_str, "a string"),
    "version": (_is_str, "a string"),
    "seed": (_is_int, "an integer"),
    "time_limit": (_is_number, "a number"),
    "deterministic": (_is_bool, "true or false"),
    "objective": (_is_number, "a number"),
    "cost": (_is_number, "a number"),
    "status": (_is_str, "a string"),
    "figures": (_is_dict, "an object"),
    "unplaced": (_is_str_list, "a list of strings"),
    "versions": (_is_dict, "an object"),
    "inputs": (_is_inputs, "a list of objects or an object"),
    "created": (_is_str, "a string"),
    "travel": (_is_str, "a string"),
    "data": (_is_dict, "an object"),
    "context": (_is_dict, "an object"),
    "schedule": (_is_dict, "an object"),
    "frozen": (_is_dict, "an object"),
    "validation": (_is_dict, "an object"),
    "stability": (_is_dict, "an object"),
    "visitors": (_is_dict, "an object"),
    "service": (_is_str, "a string"),
    "rota_text": (_is_str, "a string"),
    "overrides": (_is_dict, "an object"),
}


@dataclass
class PlanMeta:
    """The plan's ``meta``: typed fields for every key itinerance writes, ``extra`` for others.

    None means "not recorded" (see the module docstring for when a None is written as null).
    Numbers are kept as read (``2`` stays ``2``, not ``2.0``) so that files round-trip exactly.
    """

    # The engine and its options
    engine: str | None = None
    version: str | None = None  # the engine's own version
    seed: int | None = None
    time_limit: float | None = None  # seconds
    deterministic: bool | None = None
    # What the search reached
    objective: float | None = None
    cost: float | None = None
    status: str | None = None  # "ok", "infeasible"
    figures: dict[str, Any] | None = None  # search counters (engine.base.SearchFigures, km…)
    unplaced: list[str] | None = None  # why mandatory stops were left out
    # Provenance (planner.scenario.provenance)
    versions: dict[str, str | None] | None = None
    # the input files [{"role", "path", "sha256"}]; from the engine alone, a digest of the problem
    inputs: list[dict[str, Any]] | dict[str, Any] | None = None
    created: str | None = None  # ISO date, UTC; absent from deterministic plans
    travel: str | None = None  # the router that gave the driving times
    data: dict[str, Any] | None = None  # {"database": url or None, "datasets": [vintages…]}
    # What outputs read back without the problem
    context: dict[str, Any] | None = None  # Context.to_dict(): stops' and vehicles' names, notes
    schedule: dict[str, Any] | None = None  # schedule_meta(): cycle, bases, legs
    frozen: dict[str, Any] | None = None  # {"days": [...], "stops": [...]} kept from the initial
    validation: dict[str, Any] | None = None  # validator.summary(): ok, violations, figures
    # What changes for residents of stops with published days (outputs.report.stability_meta)
    stability: dict[str, Any] | None = None
    # Expected visitors per year and their range (planner.analysis.visitors, docs/visitors.md)
    visitors: dict[str, Any] | None = None
    # [asis] plans and the demo
    service: str | None = None
    rota_text: str | None = None
    overrides: dict[str, Any] | None = None
    # Keys this version does not know, kept as read
    extra: dict[str, Any] = field(default_factory=dict)
    _keys: list[str] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys = [k for k in _CHECKS if getattr(self, k) is not None]
        clash = sorted(set(self.extra) & set(_CHECKS))
        if clash:
            raise ValueError(f"extra key {clash[0]!r} is a PlanMeta field; set the field")
        object.__setattr__(self, "_keys", keys + list(self.extra))

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        keys = self.__dict__.get("_keys")
        if keys is not None and name in _CHECKS and name not in keys:
            # keys put in ``extra`` since the last assignment were set before this one
            keys.extend(k for k in self.extra if k not in keys)
            keys.append(name)

    def drop(self, *keys: str) -> None:
        """Unset keys (fields back to None, extra keys removed), as ``del meta[key]`` did."""
        for key in keys:
            if key in _CHECKS:
                object.__setattr__(self, key, None)
            else:
                self.extra.pop(key, None)
            if key in self._keys:
                self._keys.remove(key)

    def update(self, other: PlanMeta) -> None:
        """Set every key ``other`` has (even to None), as ``dict.update`` would: a key already
        set keeps its place, a new one goes last."""
        for key in other._keys:
            if key in _CHECKS:
                setattr(self, key, getattr(other, key))
            else:
                self.extra[key] = other.extra[key]
                if key not in self._keys:
                    self._keys.extend(k for k in self.extra if k not in self._keys)

    def input_files(self) -> list[dict[str, Any]]:
        """The input files recorded by the provenance (``{"role", "path", "sha256"}``); none when
        ``inputs`` is missing or is the engine's digest of the problem."""
        return list(self.inputs) if isinstance(self.inputs, list) else []

    def has(self, key: str) -> bool:
        """Whether the JSON will hold ``key`` (even as null)."""
        return key in self.to_dict()

    # --- JSON -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The ``meta`` object of the plan JSON, keys in the order they were set."""
        out: dict[str, Any] = {}
        for key in self._keys:
            if key in _CHECKS:
                out[key] = getattr(self, key)
            elif key in self.extra:
                out[key] = self.extra[key]
        for key in _CHECKS:  # fields set without __setattr__ (none in the project)
            if key not in out and getattr(self, key) is not None:
                out[key] = getattr(self, key)
        for key, value in self.extra.items():
            if key not in out:
                out[key] = value
        return out

    @classmethod
    def from_dict(cls, data: Any, source: str = "plan") -> PlanMeta:
        """The meta of a plan JSON; PlanError (one line) when it is not an object or a known key
        holds the wrong kind of value. Unknown keys go to :attr:`extra`, in order."""
        if not isinstance(data, dict):
            raise PlanError(f"{source}: malformed meta (expected an object, got {_short(data)})")
        known: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in data.items():
            key = str(key)
            if key not in _CHECKS:
                extra[key] = value
                continue
            ok, expected = _CHECKS[key]
            if value is not None and not ok(value):
                raise PlanError(
                    f"{source}: malformed meta field {key!r} (expected {expected}, "
                    f"got {_short(value)})"
                )
            known[key] = value
        meta = cls(**known, extra=extra)
        object.__setattr__(meta, "_keys", [str(k) for k in data])
        return meta


def _short(value: Any) -> str:
    text = repr(value).replace("\n", " ")
    return text if len(text) <= 40 else text[:37] + "..."
