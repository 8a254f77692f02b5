"""Who pays what: a scenario's yearly cost split between public funders and the local authorities.

The funding rates change every year, so they live in a dated, sourced table the user can edit
without touching code (``scenarios/data/financements.toml``, or the file a scenario names in
``[costs] financing``; docs/financing.md). :func:`load_funding_table` reads and checks it (every
line has a year and a source; amounts are numbers ≥ 0; conditions are ones this module can
check); :func:`financing_plan` applies it to a scenario's
:class:`~planner.analysis.costs.YearlyCosts` for one year:

- an **operating** line counts its amount per year, per eligible vehicle (``per = "vehicle"``),
  once (``"scenario"``) or per conseiller numérique post (``"post"``), when the year is within
  ``year_from``–``year_to``;
- an **investment** line counts for each eligible vehicle bought within ``year_from``–``year_to``,
  the vehicle's investment aid capped at its purchase cost and spread over its life like the
  purchase (:func:`planner.analysis.costs.annuity`);
- a line whose conditions do not hold, or whose amount is not filled in, is kept with the reason
  (in French) and counts 0;
- the funding never exceeds the cost: when it would, every counted line is scaled down by the
  same factor and the plan says so. The lines plus the rest left to the local authorities add up
  to the total cost.

:func:`financing_plan` reads no file; :func:`load_funding_table` and :func:`scenario_financing`
read the table.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from planner.analysis.costs import YearlyCosts, annuity
from planner.errors import ScenarioError
from planner.french import number_fr
from planner.scenario.files import read_user_text
from planner.scenario.keys import key_lines, key_path

__all__ = [
    "CONDITIONS",
    "DEFAULT_TABLE",
    "FinancingPlan",
    "FundedLine",
    "FundingTable",
    "VehicleFunding",
    "financing_plan",
    "load_funding_table",
    "scenario_financing",
    "scenario_table",
    "skipped_fr",
    "table_path",
]

DEFAULT_TABLE = Path(__file__).resolve().parents[2] / "scenarios" / "data" / "financements.toml"

# Conditions a funding line may require, and what a scenario must have for them to hold.
CONDITIONS: dict[str, str] = {
    "france_services_label": "véhicule labellisé France Services (clé france_services)",
    "conseiller_numerique": (
        "au moins un poste de conseiller numérique (clé costs.conseiller_numerique_posts)"
    ),
    "wheelchair_access": "véhicule accessible en fauteuil roulant (clé wheelchair_places)",
}
Condition = Literal["france_services_label", "conseiller_numerique", "wheelchair_access"]


# --- the table ------------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class Source(_Model):
    title: str = Field(min_length=3)
    url: str | None = Field(default=None, min_length=8)


class TableLine(_Model):
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    funder: str = Field(min_length=1)
    label: str = Field(min_length=1)
    funds: Literal["operating", "investment"]
    per: Literal["vehicle", "scenario", "post"] = "vehicle"
    amount: float | None = Field(default=None, ge=0)
    year_from: int = Field(ge=1990, le=2100)
    year_to: int | None = Field(default=None, ge=1990, le=2100)
    requires: list[Condition] = []
    max_vehicles: int | None = Field(default=None, ge=1)
    source: Source
    note: str = ""


class _Table(_Model):
    lines: list[TableLine] = Field(min_length=1)


@dataclass(frozen=True)
class FundingTable:
    """A checked funding table and the file it came from."""

    path: Path
    sha256: str
    lines: tuple[TableLine, ...]


def _error(
    path: Path, lines: dict[Any, int], loc: Sequence[str | int], message: str
) -> ScenarioError:
    loc = tuple(loc)
    line = next((lines[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in lines), 1)
    where = key_path(loc)
    return ScenarioError(f"{path}:{line}: {where + ': ' if where else ''}{message}")


def _message(err: Any) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "missing":
        return "required key missing"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "literal_error":
        return f"expected one of {ctx.get('expected')}, got {err['input']!r}"
    if kind in ("float_type", "int_type", "float_parsing", "int_from_float"):
        return f"expected a number, got {err['input']!r}"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = "at least" if kind == "greater_than_equal" else "at most"
        limit = ctx.get("ge", ctx.get("le"))
        return f"expected {bound} {limit:g}, got {err['input']!r}"
    return str(err["msg"])


def load_funding_table(path: str | Path) -> FundingTable:
    """Read and check a funding table; :class:`ScenarioError` ``FILE:LINE: key: message``."""
    path = Path(path)
    text, raw = read_user_text(path, "funding table", "no such funding table")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: invalid TOML: {exc}") from None
    lines = key_lines(text)
    try:
        table = _Table.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function"))]
        raise _error(path, lines, loc, _message(err)) from None
    seen: set[str] = set()
    for n, item in enumerate(table.lines):
        if item.id in seen:
            raise _error(path, lines, ("lines", n, "id"), f"duplicate id {item.id!r}")
        seen.add(item.id)
        if item.year_to is not None and item.year_to < item.year_from:
            raise _error(
                path,
                lines,
                ("lines", n, "year_to"),
                f"expected a year from year_from ({item.year_from}) on, got {item.year_to}",
            )
        if item.funds == "investment" and item.per != "vehicle":
            raise _error(path, lines, ("lines", n, "per"), 'an investment line is per "vehicle"')
    sha = hashlib.sha256(raw).hexdigest()
    return FundingTable(path, sha, tuple(table.lines))


def table_path(f: Any) -> Path:
    """The funding table of a scenario file (:class:`~planner.scenario.files.ScenarioFile`)."""
    name = f.scenario.costs.financing
    return DEFAULT_TABLE if name is None else f.resolve(name)


def scenario_table(f: Any) -> FundingTable:
    """The scenario's funding table, read and checked; a missing file names the scenario key."""
    path = table_path(f)
    if f.scenario.costs.financing is not None and not path.is_file():
        raise f.error(("costs", "financing"), f"no such funding table: {path}")
    return load_funding_table(path)


# --- the plan -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VehicleFunding:
    """What funding conditions need to know of one vehicle (same order as the costs')."""

    france_services: bool = False
    purchase_year: int | None = None  # None: the plan's year
    wheelchair_access: bool = False


@dataclass(frozen=True, slots=True)
class FundedLine:
    """One line of the table applied to a scenario: euros per year counted (after the cap), the
    amount before the cap, and why it does not count (None: it counts)."""

    id: str
    funder: str
    label: str
    funds: str
    per: str
    amount: float | None  # as in the table
    year_from: int
    year_to: int | None
    requires: tuple[str, ...]
    source_title: str
    source_url: str | None
    note: str
    per_year: float  # counted, euros per year, after the cap
    uncapped: float  # counted before the cap
    units: int | float  # vehicles or posts counted (1 for a scenario line)
    reason: str | None = None  # French: why it does not count

    @property
    def counted(self) -> bool:
        return self.reason is None and self.uncapped > 0

    @property
    def years_fr(self) -> str:
        return f"{self.year_from}–{self.year_to}" if self.year_to else f"depuis {self.year_from}"

    @property
    def source_fr(self) -> str:
        return self.source_title + (f" ({self.source_url})" if self.source_url else "")

    @property
    def explain_fr(self) -> str:
        """What it funds, when, and the source (a comparison line's explanation)."""
        what = (
            "Fonctionnement, par an"
            if self.funds == "operating"
            else "Investissement réparti sur la durée de vie du véhicule"
        )
        return f"{what} ; valable {self.years_fr} ; source : {self.source_fr}. {self.note}".strip()


@dataclass(frozen=True)
class FinancingPlan:
    """A scenario's year: each funding line, the total funding and the rest to pay."""

    year: int
    table: str
    table_sha256: str
    total_cost: float
    lines: tuple[FundedLine, ...]
    capped: bool = False
    scale: float = 1.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def funding(self) -> float:
        return float(sum(x.per_year for x in self.lines))

    @property
    def rest(self) -> float:
        """Left to the local authorities (never below zero)."""
        return max(self.total_cost - self.funding, 0.0)

    def counted(self) -> list[FundedLine]:
        return [x for x in self.lines if x.counted]

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "table": self.table,
            "table_sha256": self.table_sha256,
            "total_cost": self.total_cost,
            "funding": self.funding,
            "rest": self.rest,
            "capped": self.capped,
            "scale": self.scale,
            "lines": [asdict(x) | {"counted": x.counted} for x in self.lines],
            "notes": list(self.notes),
        }


def _in(year: int, item: TableLine) -> bool:
    return item.year_from <= year and (item.year_to is None or year <= item.year_to)


def _holds(cond: str, v: VehicleFunding | None, posts: float) -> bool:
    if cond == "conseiller_numerique":
        return posts > 0
    if v is None:
        return False
    return v.france_services if cond == "france_services_label" else v.wheelchair_access


def _unmet(conds: Sequence[str], vehicles: Sequence[VehicleFunding], posts: float) -> str:
    """Why no vehicle qualifies: the first condition no vehicle meets, else all of them."""
    for c in conds:
        if not any(_holds(c, v, posts) for v in vehicles):
            return f"condition non remplie : {CONDITIONS[c]}"
    return "aucun véhicule ne remplit toutes les conditions : " + " ; ".join(
        CONDITIONS[c] for c in conds
    )


def _eur(x: float) -> str:
    return f"{number_fr(x, 0)} €"


def _apply(
    item: TableLine,
    costs: YearlyCosts,
    year: int,
    vehicles: Sequence[VehicleFunding],
    posts: float,
    invested: list[float],
) -> tuple[float, int | float, str | None]:
    """(euros per year, units counted, reason it does not count)."""
    years = f"{item.year_from}–{item.year_to}" if item.year_to else f"depuis {item.year_from}"
    if item.funds == "operating" and not _in(year, item):
        return 0.0, 0, f"ne vaut pas en {year} ({years})"
    if item.amount is None:
        return 0.0, 0, "montant à renseigner dans la table des financements"
    vehicle_conds = [c for c in item.requires if c != "conseiller_numerique"]
    if "conseiller_numerique" in item.requires and posts <= 0:
        return 0.0, 0, f"condition non remplie : {CONDITIONS['conseiller_numerique']}"
    if item.per == "post":
        if posts <= 0:
            return 0.0, 0, f"condition non remplie : {CONDITIONS['conseiller_numerique']}"
        return item.amount * posts, posts, None
    eligible = [
        n
        for n, v in enumerate(vehicles)
        if n < len(costs.vehicles) and all(_holds(c, v, posts) for c in vehicle_conds)
    ]
    if item.per == "scenario":
        if vehicle_conds and not eligible:
            return 0.0, 0, _unmet(vehicle_conds, vehicles, posts)
        return item.amount, 1, None
    if not eligible:
        if not costs.vehicles:
            return 0.0, 0, "aucun véhicule dans le scénario"
        return 0.0, 0, _unmet(vehicle_conds, vehicles, posts)
    if item.max_vehicles is not None:
        eligible = eligible[: item.max_vehicles]
    if item.funds == "operating":
        return item.amount * len(eligible), len(eligible), None
    total, units, rate = 0.0, 0, costs.rates.get("interest_rate", 0.0) or 0.0
    for n in eligible:
        bought = vehicles[n].purchase_year or year
        if not _in(bought, item):
            continue
        vc = costs.vehicles[n]
        aid = min(item.amount, max(vc.purchase_cost - invested[n], 0.0))
        invested[n] += aid
        if aid > 0:
            total += annuity(aid, vc.lifetime_years, rate)
            units += 1
    if not units:
        bought = sorted({v.purchase_year or year for v in (vehicles[n] for n in eligible)})
        when = ", ".join(map(str, bought))
        return 0.0, 0, f"véhicule acheté en {when} (clé purchase_year), hors de l'aide ({years})"
    return total, units, None


def _ended(
    lines: Sequence[TableLine], year: int, vehicles: Sequence[VehicleFunding], posts: float
) -> list[TableLine]:
    """Operating lines the service would qualify for but which ended before ``year``, when no
    line of the same kind (funds, per, conditions) holds for ``year``: the latest of each kind.
    Users should know that funding they may count on is not in the table for their year."""
    latest: dict[tuple, TableLine] = {}
    current = set()
    for item in lines:
        if item.funds != "operating":
            continue
        kind = (item.funds, item.per, tuple(sorted(item.requires)))
        if _in(year, item):
            current.add(kind)
        elif item.year_to is not None and item.year_to < year:
            qualifies = all(
                _holds(c, None, posts)
                if c == "conseiller_numerique"
                else any(_holds(c, v, posts) for v in vehicles)
                for c in item.requires
            )
            known = latest.get(kind)
            if qualifies and (known is None or (known.year_to or 0) < item.year_to):
                latest[kind] = item
    return [item for kind, item in latest.items() if kind not in current]


def financing_plan(
    costs: YearlyCosts,
    table: FundingTable,
    *,
    year: int,
    vehicles: Sequence[VehicleFunding] = (),
    posts: float = 0.0,
) -> FinancingPlan:
    """Apply ``table`` to a scenario's yearly ``costs`` for ``year``; ``vehicles`` in the order
    of ``costs.vehicles``; ``posts``: conseiller numérique posts of the service."""
    invested = [0.0] * len(costs.vehicles)
    applied = []
    for item in table.lines:
        euros, units, reason = _apply(item, costs, year, vehicles, posts, invested)
        applied.append((item, euros, units, reason))
    total = costs.total
    funding = sum(e for _, e, _, _ in applied)
    scale = 1.0 if funding <= total or funding <= 0 else total / funding
    notes = []
    if scale < 1.0:
        notes.append(
            f"Les financements ({_eur(funding)}) dépassent le coût annuel ({_eur(total)}) : "
            f"chacun est ramené au coût (× {number_fr(scale, 2)}), le reste à charge est nul."
        )
    for item in _ended(table.lines, year, vehicles, posts):
        notes.append(
            f"{item.label} ({item.funder}) : connue jusqu'en {item.year_to}, rien pour {year} "
            f"dans la table des financements ({item.id}) ; non comptée, à renseigner si elle est "
            "reconduite."
        )
    lines = tuple(
        FundedLine(
            id=item.id,
            funder=item.funder,
            label=item.label,
            funds=item.funds,
            per=item.per,
            amount=item.amount,
            year_from=item.year_from,
            year_to=item.year_to,
            requires=tuple(item.requires),
            source_title=item.source.title,
            source_url=item.source.url,
            note=item.note,
            per_year=euros * scale,
            uncapped=euros,
            units=units,
            reason=reason,
        )
        for item, euros, units, reason in applied
    )
    return FinancingPlan(
        year=year,
        table=str(table.path),
        table_sha256=table.sha256,
        total_cost=total,
        lines=lines,
        capped=scale < 1.0,
        scale=scale,
        notes=tuple(notes),
    )


def skipped_fr(plan: FinancingPlan) -> str | None:
    """One French sentence: the lines valid for the plan's year that do not count, and why."""
    shown = [
        f"{x.id} ({x.reason})"
        for x in plan.lines
        if x.reason is not None and not x.reason.startswith("ne vaut pas en")
    ]
    if not shown:
        return None
    return f"Financements non comptés en {plan.year} : " + " ; ".join(shown) + "."


def scenario_financing(
    f: Any, costs: YearlyCosts, specs: Sequence[Any | None], *, asis: bool
) -> FinancingPlan:
    """The financing plan of a scenario file ``f`` whose vehicles have ``specs`` (their
    :class:`~planner.scenario.schema.VehicleSpec`, None when unknown), in the order of
    ``costs.vehicles``. Labelled France Services: the vehicle's key, else ``[costs]``, else
    true for an ``[asis]`` France Services rota."""
    rates = f.scenario.costs
    year = rates.year or date.today().year
    label_default = rates.france_services if rates.france_services is not None else asis

    def own(spec: Any, key: str, default: Any) -> Any:
        value = getattr(spec, key, None) if spec is not None else None
        return default if value is None else value

    vehicles = [
        VehicleFunding(
            france_services=bool(own(s, "france_services", label_default)),
            purchase_year=own(s, "purchase_year", rates.purchase_year),
            wheelchair_access=bool(own(s, "wheelchair_places", 0)),
        )
        for s in specs
    ]
    return financing_plan(
        costs,
        scenario_table(f),
        year=year,
        vehicles=vehicles,
        posts=rates.conseiller_numerique_posts,
    )
