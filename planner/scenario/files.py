"""TOML scenario files: loading, validation against the schema, and errors that name the line.

A scenario says what to plan: the territory, the data, the cycle (horizon), the vehicles, the
stops (mandatory and candidate), on-demand requests, the travel-time model, objective weights,
solver options, the coverage threshold and cost rates — or, with ``[asis]``, a published rota to
evaluate as it runs. ``docs/scenarios.md`` documents every key with its default and source.

Loading has three layers, each raising :class:`~planner.errors.ScenarioError` with a one-line
message ``FILE:LINE: key.path: what was expected``:

1. TOML syntax (:mod:`tomllib`);
2. the schema (pydantic, ``extra="forbid"`` everywhere, strict types: ``"4"`` is not ``4``);
3. checks that need no data: impossible values (a shift shorter than every permanence, a lunch
   window outside the shift, a fortnightly stop in a one-week cycle, a fixed day the cycle does
   not have, duplicate ids…).

:mod:`tomllib` gives no positions, so :func:`key_lines` scans the TOML text for the line of every
key, table, array-of-tables element and array item. :mod:`planner.scenario.build` checks what needs
the database (unknown communes, host sites) with the same :meth:`ScenarioFile.error`.

It must not open the database, read data files or compute travel times: that is
:mod:`planner.scenario.build`'s job. Personal fields of requests (requester name, phone, address…)
are accepted and kept here but flagged (:data:`PERSONAL_FIELDS`); nothing downstream copies them
into an output unless the user asks.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from planner.errors import ScenarioError
from planner.scenario.checks import check_scenario, horizon_of
from planner.scenario.keys import Loc, key_lines, key_path
from planner.scenario.schema import Scenario
from planner.scenario.values import (
    DAY_MINUTES,
    HALF_DAY_MINUTES,
    PERSONAL_FIELDS,
    DaySel,
    Permanence,
    shown,
)
from planner.tours.model import Horizon

__all__ = [
    "DAY_MINUTES",
    "HALF_DAY_MINUTES",
    "PERSONAL_FIELDS",
    "SCHEMA_VERSION",
    "DaySel",
    "Permanence",
    "Scenario",
    "ScenarioFile",
    "key_lines",
    "key_path",
    "load_scenario",
    "parse_scenario",
]


SCHEMA_VERSION = 1

# --- the loaded file ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioFile:
    """A validated scenario with where it came from: the file, its text, hash and key lines."""

    path: Path
    text: str
    data: dict[str, Any]  # the parsed TOML, as written
    scenario: Scenario
    lines: Mapping[Loc, int]
    horizon: Horizon
    # Keys replaced since the text was read (``with_values``), which a copy made from ``text``
    # (a sweep's worker) must apply again: {"solver.seed": 7}.
    overrides: Mapping[str, Any] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def folder(self) -> Path:
        return self.path.parent

    def line_of(self, loc: Sequence[str | int]) -> int:
        """Line of the key at ``loc``, or of its nearest enclosing key or table (1 if none)."""
        loc = tuple(loc)
        for n in range(len(loc), 0, -1):
            if loc[:n] in self.lines:
                return self.lines[loc[:n]]
        return 1

    def error(self, loc: Sequence[str | int], message: str) -> ScenarioError:
        """``FILE:LINE: key.path: message`` as a :class:`ScenarioError` (to raise)."""
        where = key_path(loc)
        return ScenarioError(
            f"{self.path}:{self.line_of(loc)}: {where + ': ' if where else ''}{message}"
        )

    def resolve(self, relative: str | Path) -> Path:
        """A path written in the scenario, relative to the scenario's folder."""
        p = Path(relative).expanduser()
        return p if p.is_absolute() else self.folder / p

    def with_values(self, values: Mapping[str, Any]) -> ScenarioFile:
        """A copy with some keys replaced (``{"coverage.threshold": 20, "vehicles[0].count": 2}``),
        validated again; errors name the key as given. For sweeps."""
        data = copy.deepcopy(self.data)
        for dotted, value in values.items():
            loc = _parse_key_path(dotted)
            node: Any = data
            for part, nxt in pairwise(loc):
                try:
                    node = node[part]
                except (KeyError, IndexError, TypeError):
                    if isinstance(part, str) and isinstance(node, dict):
                        node = node.setdefault(part, [] if isinstance(nxt, int) else {})
                    else:
                        raise ScenarioError(
                            f"{self.path}: {dotted}: no such key in the scenario"
                        ) from None
            try:
                node[loc[-1]] = value
            except (IndexError, TypeError):
                raise ScenarioError(f"{self.path}: {dotted}: no such key in the scenario") from None
        changed = _validated(self.path, self.text, data, self.lines)
        return replace(changed, overrides={**self.overrides, **values})


def _parse_key_path(dotted: str) -> Loc:
    out: list[str | int] = []
    for part in dotted.split("."):
        m = re.fullmatch(r"([^\[\]]+)((?:\[\d+\])*)", part.strip())
        if not m:
            raise ScenarioError(f"{dotted!r}: expected a key path like 'vehicles[0].count'")
        out.append(m.group(1))
        out.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
    return tuple(out)


def read_user_text(path: Path, what: str, missing: str) -> tuple[str, bytes]:
    """A user's UTF-8 text file (a BOM allowed) as text and as the bytes read (for its sha256),
    or a one-line :class:`ScenarioError`: ``missing`` when it is absent, ``what`` naming it
    otherwise (with the line of a bad byte)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(f"{path}: {missing}") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the {what} ({exc.strerror})") from None
    try:
        return raw.decode("utf-8-sig"), raw
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError(f"{path}:{line}: the {what} must be UTF-8 text") from None


def load_scenario(path: str | Path) -> ScenarioFile:
    """Read, parse and validate a scenario file (ScenarioError with the line on any problem)."""
    path = Path(path)
    text, _ = read_user_text(path, "scenario", "no such scenario file")
    return parse_scenario(text, path)


def parse_scenario(text: str, path: str | Path = "<scenario>") -> ScenarioFile:
    """Validate a scenario given as TOML text (``path`` names it in messages and resolves
    relative paths)."""
    path = Path(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = re.search(r"\(at line (\d+), column \d+\)", message)
        line = m.group(1) if m else "1"
        message = re.sub(r"\s*\(at line \d+, column \d+\)|\s*\(at end of document\)", "", message)
        raise ScenarioError(f"{path}:{line}: invalid TOML: {message}") from None
    return _validated(path, text, data, key_lines(text))


def _validated(
    path: Path, text: str, data: dict[str, Any], lines: Mapping[Loc, int]
) -> ScenarioFile:
    if "schema_version" in data and data["schema_version"] != SCHEMA_VERSION:
        loc: Loc = ("schema_version",)
        raise ScenarioError(
            f"{path}:{lines.get(loc, 1)}: schema_version: this version of itinerance reads "
            f"scenario schema {SCHEMA_VERSION}, got {shown(data['schema_version'])}"
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _schema_error(path, data, lines, exc) from None
    partial = ScenarioFile(path, text, data, scenario, lines, Horizon())
    horizon = horizon_of(partial)
    loaded = ScenarioFile(path, text, data, scenario, lines, horizon)
    check_scenario(loaded)
    return loaded


def _data_loc(data: Any, loc: Sequence[Any]) -> Loc:
    """The part of a pydantic error location that names keys of the document (drops the tags
    pydantic adds for unions and validators)."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if (
            isinstance(node, dict)
            and isinstance(part, str)
            and part in node
            or isinstance(node, list)
            and isinstance(part, int)
            and 0 <= part < len(node)
        ):
            node = node[part]
            out.append(part)
        elif (
            isinstance(node, dict)
            and isinstance(part, str)
            and part.isidentifier()
            and "[" not in part
        ):
            out.append(part)  # a missing key: name it
            node = None
    return tuple(out)


def _model_at(loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The schema model that holds the table at ``loc`` (to list its allowed keys)."""
    model: type[BaseModel] = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        field = _fields(model).get(part)
        if field is None:
            return None
        found = _model_in(field.annotation)
        if found is None:
            return None
        model = found
    return model


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """A model's fields by the key written in the file (its alias when it has one)."""
    return {f.alias or name: f for name, f in model.model_fields.items()}


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is not None:
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _schema_error(
    path: Path, data: dict[str, Any], lines: Mapping[Loc, int], exc: ValidationError
) -> ScenarioError:
    err = exc.errors(include_url=False)[0]
    loc = _data_loc(data, err["loc"])
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = sorted(_fields(model)) if model else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        message = (
            f"unknown key (expected one of: {', '.join(allowed)}){hint}"
            if allowed
            else "unknown key"
        )
    elif kind == "missing":
        message = "missing required key"
    elif kind == "value_error":
        message = str(err["msg"]).removeprefix("Value error, ")
    else:
        message = str(err["msg"]).replace("Input should be ", "expected ")
        message = message.replace("a valid list", "an array").replace(
            "a valid dictionary", "a table"
        )
        message = re.sub(r" or instance of \w+", "", message)
        message += f", got {shown(value)}"
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            line = lines[loc[:n]]
            break
    else:
        line = 1
    where = key_path(loc)
    return ScenarioError(f"{path}:{line}: {where + ': ' if where else ''}{message}")
