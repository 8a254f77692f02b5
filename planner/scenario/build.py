"""From a validated scenario to a :class:`~planner.tours.model.Problem`, with what outputs need
to know.

:func:`build` resolves every place of a :class:`~planner.scenario.files.ScenarioFile` — commune
codes against the territory database (or, in a standalone scenario, coordinates only), host sites,
candidate communes — computes the values of optional stops from :mod:`planner.access.coverage`
(population × IFN of the communes without human help within the threshold), builds the travel
matrices, and returns the problem together with a :class:`Context`: the names, INSEE codes and
coordinates of the places, the vehicles' cost fields, and notes on what was assumed or left out.
Timetables, posters, maps and the plan JSON read names and places from the context, never from the
database again.

Errors a user can cause (unknown commune, commune not loaded, unknown host site…) are
:class:`~planner.errors.ScenarioError` naming the scenario file, line and key. Requests'
personal fields stay in the scenario: the context carries them only when
``include_personal=True``.

It must not plan, validate plans or write files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from geodata import db, query
from geodata.errors import DataError, UnknownAreaError
from geodata.records import CommunePoint, ServiceKind
from planner.access.coverage import CoverageInputs, analyse, need_of
from planner.access.matrices import location_matrices, reach
from planner.access.routers import Points, Router
from planner.access.siting import SolverOptions, maximal_covering
from planner.errors import ScenarioError
from planner.scenario.asis import build_asis
from planner.scenario.checks import (
    fixed_pattern,
    is_commune_code,
    lunch_minutes,
    stop_frequency,
    stop_id,
    stop_permanence,
)
from planner.scenario.context import (
    Built,
    Context,
    KioskInfo,
    StopInfo,
    VehicleInfo,
    database_url,
    db_safe,
    router_of,
)
from planner.scenario.files import ScenarioFile
from planner.scenario.keys import Loc
from planner.scenario.schema import PlaceRef
from planner.scenario.stability import section as stability_section
from planner.scenario.stability import with_published
from planner.scenario.values import DayWindow
from planner.tours.model import (
    Commune,
    Frequency,
    Location,
    Lunch,
    Objective,
    Problem,
    Reach,
    Stop,
    StopKind,
    TimeWindow,
    Vehicle,
)
from planner.tours.wording import describe_days_fr

__all__ = [
    "Built",
    "Context",
    "KioskInfo",
    "StopInfo",
    "VehicleInfo",
    "build",
    "database_url",
    "fixed_help_inputs",
    "router_of",
]


# --- places -----------------------------------------------------------------------------------


class _Places:
    """Locations of the problem, one per distinct place (a commune's point is shared)."""

    def __init__(self) -> None:
        self.locations: list[Location] = []
        self.index: dict[str, int] = {}

    def add(self, key: str, name: str, lon: float, lat: float, insee: str | None) -> int:
        if key not in self.index:
            self.index[key] = len(self.locations)
            self.locations.append(Location(key, name, lon, lat, insee))
        return self.index[key]


@dataclass(frozen=True)
class _Area:
    """A vehicle's service area: its codes as written, the INSEE codes of its communes, their
    points (none in a standalone scenario) and French words for reports."""

    codes: tuple[str, ...]
    insee: frozenset[str]
    communes: list[CommunePoint]
    label: str  # "département 45", "CC Champagne Boischauts, communes Ardentes, Vicq-Exemplet"


def _area_label(codes: Sequence[str], names: dict[str, str]) -> str:
    """French words for an area: "départements 18, 45", "CA Châteauroux Métropole" (an EPCI by
    its name in ``names``, else "EPCI 243600327"), "communes A, B"."""
    deps = [c for c in codes if not is_commune_code(c) and len(c) != 9]
    epcis = [c for c in codes if len(c) == 9]
    communes = [names.get(c, c) for c in codes if is_commune_code(c)]
    parts = []
    if deps:
        parts.append(("département " if len(deps) == 1 else "départements ") + ", ".join(deps))
    unnamed = [c for c in epcis if c not in names]
    parts += [names[c] for c in epcis if c in names]  # an EPCI's name says its kind: "CA …"
    if unnamed:
        parts.append("EPCI " + ", ".join(unnamed))
    if len(communes) == 1:
        parts.append(f"commune {communes[0]}")
    elif 1 < len(communes) <= 5:
        parts.append("communes " + ", ".join(communes))
    elif communes:
        parts.append(f"{len(communes)} communes")
    return ", ".join(parts)


def _departement_of(insee: str) -> str:
    """The département of an INSEE commune code: its first two characters, three overseas."""
    return insee[:3] if insee.startswith("97") else insee[:2]


class _Resolver:
    """Looks places up in the database once, and turns unknown ones into located errors."""

    def __init__(self, f: ScenarioFile, url: str | None):
        self.f = f
        self.url = url
        self.communes: dict[str, CommunePoint] = {}
        self._sites: dict[str, dict] | None = None
        self._index: Any = False  # the COG list, read on first use (None: not available)

    def need_communes(self, wanted: Iterable[tuple[str, Loc]], *, point: bool = True) -> None:
        """Fetch the communes ``wanted`` (code, where it is written); error on the first unknown
        (or, with ``point``, without a point in the database)."""
        wanted = [(c, loc) for c, loc in wanted if c not in self.communes or point]
        if not wanted:
            return
        if self.url is None:  # standalone: check the codes against the COG list only
            for code, loc in wanted:
                self.cog_name(code, loc)
            return
        codes = sorted({c for c, _ in wanted} - set(self.communes))
        if codes:
            try:
                found = query.commune_points(self.url, codes=codes)
            except UnknownAreaError:
                found = []
            self.communes.update({c.code: c for c in found})
        for code, loc in wanted:
            found_point = self.communes.get(code)
            if found_point is None:
                raise self.f.error(loc, self._unknown(code))
            if point and (found_point.lon is None or found_point.lat is None):
                raise self.f.error(
                    loc,
                    f"commune {code} ({found_point.name}) has no point in the database "
                    "(loaded without contours): give lon and lat",
                )

    def _cog(self) -> Any:
        """The COG commune list (None when its file is not available)."""
        if self._index is False:
            from geodata.names import CommuneIndex

            try:
                self._index = CommuneIndex.from_cog()
            except DataError:
                self._index = None
        return self._index

    def cog_name(self, code: str, loc: Loc) -> str | None:
        """A commune's name in the COG list (None without the list); error for an unknown code."""
        index = self._cog()
        if index is None:
            return None
        if code not in index:
            raise self.f.error(loc, f"unknown commune {code}: not a commune of the COG 2026")
        return index.name(code)

    def commune_name(self, code: str, loc: Loc) -> str | None:
        """The name of a commune given with coordinates (checked against the database or the
        COG)."""
        if self.url is None:
            return self.cog_name(code, loc)
        self.need_communes([(code, loc)], point=False)
        return self.communes[code].name

    def _unknown(self, code: str) -> str:
        where = db.safe_url(db.normalise_url(self.url))
        index = self._cog()
        if index is None:
            return f"unknown commune {code}: not in the database {where}"
        name = index.name(code)
        if name is None:
            return f"unknown commune {code}: not a commune of the COG 2026"
        dep = index.departement(code)
        return (
            f"commune {code} ({name}) is not loaded in the database {where}: "
            f"load it with `itinerance data load --departement {dep}`"
        )

    def site(self, site_id: str, loc: Loc) -> dict:
        if self._sites is None:
            self._sites = {s["id"]: s for s in query.host_sites(self.url)} if self.url else {}
        site = self._sites.get(site_id)
        if site is None:
            raise self.f.error(
                loc,
                f"unknown host site {site_id!r} (import host sites with `itinerance data import`)",
            )
        if site.get("lon") is None or site.get("lat") is None:
            insee = site.get("insee")
            if not insee:
                raise self.f.error(
                    loc, f"host site {site_id!r} has neither coordinates nor a commune"
                )
            self.need_communes([(insee, loc)])
            c = self.communes[insee]
            site = dict(site, lon=c.lon, lat=c.lat)
        return site

    def place(
        self, places: _Places, ref: PlaceRef, loc: Loc, point_key: str
    ) -> tuple[int, str, str | None]:
        """Location index, display name and INSEE code of a place reference."""
        if ref.site is not None:
            s = self.site(ref.site, (*loc, "site"))
            idx = places.add(
                f"site:{ref.site}", ref.name or s["name"], s["lon"], s["lat"], s.get("insee")
            )
            return idx, ref.name or s["name"], s.get("insee")
        if ref.lon is not None and ref.lat is not None:
            commune = self.commune_name(ref.commune, (*loc, "commune")) if ref.commune else None
            name = ref.name or commune or point_key
            return (
                places.add(f"point:{point_key}", name, ref.lon, ref.lat, ref.commune),
                name,
                ref.commune,
            )
        assert ref.commune is not None
        self.need_communes([(ref.commune, loc)])
        c = self.communes[ref.commune]
        idx = places.add(f"commune:{c.code}", c.name, c.lon, c.lat, c.code)  # type: ignore[arg-type]
        return idx, ref.name or c.name, c.code

    def vehicle_area(self, codes: Sequence[str], loc: Loc) -> _Area:
        """A vehicle's ``area`` (département, EPCI or commune codes) with its communes; an
        unknown or unloaded code is an error at its place in the list."""
        found: dict[str, CommunePoint] = {}
        standalone: set[str] = set()  # commune codes checked against the COG only
        names: dict[str, str] = {}
        for j, code in enumerate(codes):
            at: Loc = (*loc, j)
            if is_commune_code(code):
                if self.url is None:
                    names[code] = self.cog_name(code, at) or code
                    standalone.add(code)
                else:
                    self.need_communes([(code, at)], point=False)
                    found[code] = self.communes[code]
                    names[code] = found[code].name
                continue
            kwargs = {"epci": code} if len(code) == 9 else {"departement": code}
            try:
                found.update({c.code: c for c in query.commune_points(self.url, **kwargs)})
                if "epci" in kwargs:  # its name, for reports ("CC Marche Occitane")
                    named = query.communes(self.url, epci=code)["epci_name"].dropna()
                    if len(named):
                        names[code] = str(named.iloc[0])
            except UnknownAreaError as exc:
                raise self.f.error(at, str(exc)) from None
        self.communes.update(found)
        return _Area(
            tuple(codes),
            frozenset(found) | standalone,
            [found[c] for c in sorted(found)],
            _area_label(codes, names),
        )

    def area(self) -> list[CommunePoint]:
        """Communes of the ``[territory]``."""
        t = self.f.scenario.territory
        found: dict[str, CommunePoint] = {}
        queries: list[tuple[Loc, dict[str, Any]]] = [
            *(
                (("territory", "departements", i), {"departement": d})
                for i, d in enumerate(t.departements)
            ),
            *((("territory", "epcis", i), {"epci": e}) for i, e in enumerate(t.epcis)),
        ]
        for loc, kwargs in queries:
            try:
                found.update({c.code: c for c in query.commune_points(self.url, **kwargs)})
            except UnknownAreaError as exc:
                raise self.f.error(loc, str(exc)) from None
        if t.communes:
            self.need_communes((c, ("territory", "communes", i)) for i, c in enumerate(t.communes))
            found.update({c: self.communes[c] for c in t.communes})
        self.communes.update(found)
        return [found[c] for c in sorted(found)]


# --- need, existing service and the levels stops bring -------------------------------------------


@dataclass
class _Need:
    """Communes of the area with their need, the service level they already have, and how far
    their nearest human help is."""

    communes: list[CommunePoint]
    points: Points
    need: np.ndarray  # population × IFN (0 where the IFN is unknown), or population
    existing: np.ndarray  # service level without the plan (planner.access.service)
    help_minutes: np.ndarray  # to the nearest fixed France Services or lieu de médiation
    fs_minutes: np.ndarray  # to the nearest fixed France Services (inf: none)


def _need(f: ScenarioFile, resolver: _Resolver, area: list[CommunePoint], router: Router) -> _Need:
    sc = f.scenario
    threshold = sc.coverage.threshold
    levels = sc.value.levels()
    communes = [c for c in area if c.lon is not None and c.lat is not None]
    services = query.services(resolver.url, kinds=FIXED_HELP) if resolver.url else []
    human = [s for s in services if s.kind is not ServiceKind.BORNE]
    table = analyse(
        CoverageInputs(tuple(communes), tuple(human), threshold=threshold, router=router)
    ).communes
    population, _, need = need_of(communes)
    points = Points.of(communes, what="communes")

    def minutes(column: str) -> np.ndarray:
        return np.nan_to_num(table[column].to_numpy(dtype=np.float64), nan=np.inf)

    codes = [c.code for c in communes]
    existing = np.zeros(len(communes))
    located = [s for s in human if s.lon is not None and s.lat is not None]
    if located:
        found = reach(router, points, Points.of(located, what="services", id_attr="id"), threshold)
        for c, d, t in zip(found.pair_source, found.pair_destination, found.pair_minutes):
            same = located[d].insee == codes[c]
            lv = levels.fixed_level(float(t), threshold, same_commune=same)
            existing[c] = max(existing[c], lv)
    kiosks = [s for s in services if s.kind is ServiceKind.BORNE and s.lon is not None]
    if kiosks and not levels.flat:
        reach_min = sc.coverage.borne_reach
        found = reach(router, points, Points.of(kiosks, what="kiosks", id_attr="id"), reach_min)
        for c, t in zip(found.pair_source, found.pair_minutes):
            existing[c] = max(existing[c], levels.kiosk_level(float(t), reach_min))
    if sc.existing:
        resolver.need_communes(
            (e.commune, ("existing", i, "commune")) for i, e in enumerate(sc.existing)
        )
        spots = [resolver.communes[e.commune] for e in sc.existing]
        found = reach(router, points, Points.of(spots, what="existing stops"), threshold)
        for c, d, t in zip(found.pair_source, found.pair_destination, found.pair_minutes):
            e = sc.existing[d]
            lv = levels.level(
                e.frequency,
                e.permanence.minutes,
                float(t),
                threshold,
                same_commune=e.commune == codes[c],
            )
            existing[c] = max(existing[c], lv)
    weights = population if sc.value.need == "population" else np.nan_to_num(need)
    return _Need(
        communes,
        points,
        weights,
        existing,
        np.minimum(minutes("france_services_minutes"), minutes("mediation_minutes")),
        minutes("france_services_minutes"),
    )


@dataclass
class _Levels:
    """What serving some stops would bring: (commune index, stop index, level) triples, only
    where the level beats the commune's existing service."""

    commune: np.ndarray
    stop: np.ndarray
    level: np.ndarray

    @classmethod
    def none(cls) -> _Levels:
        empty = np.zeros(0, dtype=np.int64)
        return cls(empty, empty, np.zeros(0))

    def covers(self, need: _Need, n: int) -> list[tuple[str, ...]]:
        out: list[list[str]] = [[] for _ in range(n)]
        for c, s in zip(self.commune.tolist(), self.stop.tolist()):
            out[s].append(need.communes[c].code)
        return [tuple(sorted(c)) for c in out]


def _stop_levels(
    f: ScenarioFile,
    need: _Need,
    router: Router,
    places: Sequence[tuple[float, float, str | None]],
    frequency: Sequence[Frequency],
    minutes: Sequence[float],
) -> _Levels:
    """Levels stops at ``places`` (lon, lat, INSEE) would bring to the communes within the
    coverage threshold (planner.access.service)."""
    sc = f.scenario
    threshold = sc.coverage.threshold
    levels = sc.value.levels()
    if not places:
        return _Levels.none()
    pts = Points(
        tuple(str(i) for i in range(len(places))),
        np.array([p[0] for p in places]),
        np.array([p[1] for p in places]),
    )
    found = reach(router, need.points, pts, threshold)
    src, dst = found.pair_source, found.pair_destination
    lv = np.array(
        [
            levels.level(
                frequency[d],
                minutes[d],
                float(t),
                threshold,
                same_commune=places[d][2] == need.communes[c].code,
            )
            for c, d, t in zip(src.tolist(), dst.tolist(), found.pair_minutes.tolist())
        ],
        dtype=np.float64,
    )
    keep = lv > need.existing[src] + 1e-12
    return _Levels(src[keep], dst[keep], lv[keep])


def _greedy(need: _Need, fixed: _Levels, cand: _Levels, n: int, k: int | None) -> list[int]:
    """Up to ``k`` candidates (all when None) in order of marginal need served, each counted
    given the listed stops and the candidates chosen before it (maximal-covering greedy);
    candidates that add nothing come last, by index."""
    level = need.existing.copy()
    np.maximum.at(level, fixed.commune, fixed.level)
    chosen: list[int] = []
    left = np.ones(n, dtype=bool)
    want = n if k is None else min(k, n)
    while len(chosen) < want:
        up = np.maximum(cand.level - level[cand.commune], 0.0) * need.need[cand.commune]
        gains = np.bincount(cand.stop, weights=up, minlength=n)
        gains[~left] = -1.0
        best = int(np.argmax(gains))  # ties: lowest index
        if gains[best] <= 0:
            break
        chosen.append(best)
        left[best] = False
        sel = cand.stop == best
        np.maximum.at(level, cand.commune[sel], cand.level[sel])
    rest = [i for i in range(n) if left[i]]
    return chosen + rest[: want - len(chosen)]


# --- stops, requests, vehicles -------------------------------------------------------------------


def _start_windows(
    f: ScenarioFile,
    windows: Iterable[tuple[DayWindow, Loc]],
    need: float,
    within: frozenset[int] | None = None,
) -> tuple[TimeWindow, ...]:
    """Start windows; ``within`` (the dated days of a bookings period) restricts every window
    to those days, and a window left with none is an error."""
    out = []
    for w, loc in windows:
        days = None
        if w.day is not None:
            days = frozenset(w.day.days(f.horizon))
        if within is not None:
            days = within if days is None else days & within
            if not days:
                raise f.error(
                    loc,
                    f"{w.day.text if w.day else 'ce créneau'} ne tombe sur aucun jour de la "
                    "période [period]",
                )
        if w.end - w.start < need:
            raise f.error(loc, f"the window is shorter than the visit ({need:g} min)")
        out.append(TimeWindow(w.start, w.end - need, days))
    return tuple(out)


def _listed_stops(
    f: ScenarioFile, resolver: _Resolver, places: _Places
) -> list[tuple[Stop, StopInfo]]:
    sc = f.scenario
    d = sc.stops
    lunch = lunch_minutes(f)
    out = []
    resolver.need_communes(
        (s.commune, ("stops", "list", i, "commune"))
        for i, s in enumerate(d.entries)
        if s.commune and s.lon is None
    )
    for i, spec in enumerate(d.entries):
        loc: Loc = ("stops", "list", i)
        sid = stop_id(spec)
        idx, name, insee = resolver.place(places, spec.place, loc, sid)
        perm, _ = stop_permanence(f, i)
        freq, _ = stop_frequency(f, i)
        need = perm.minutes + (lunch if perm.with_lunch else 0.0)
        if spec.windows is not None:
            windows = _start_windows(
                f, ((w, loc + ("windows", j)) for j, w in enumerate(spec.windows)), need
            )
        else:
            room = spec.window or d.window
            windows = _start_windows(f, [(DayWindow(*room), loc)], need) if room else ()
        pattern = fixed_pattern(f, i)
        weekdays = spec.weekdays if spec.weekdays is not None else d.weekdays
        mandatory = spec.mandatory if spec.mandatory is not None else d.mandatory
        stop = Stop(
            id=sid,
            name=name,
            location=idx,
            duration=perm.minutes,
            frequency=freq,
            weekdays=frozenset(weekdays) if weekdays is not None else None,
            windows=windows,
            features=frozenset(spec.features if spec.features is not None else d.features),
            seats=spec.seats,
            mandatory=mandatory,
            value=spec.value or 0.0,
            patterns=(pattern,) if pattern is not None else None,
            insee=insee,
        )
        loc_ = places.locations[idx]
        info = StopInfo(
            sid,
            name,
            "stop",
            insee,
            resolver.communes[insee].name if insee in resolver.communes else None,
            loc_.lon,
            loc_.lat,
            spec.site,
            fixed_days=describe_days_fr(f.horizon, pattern) if pattern is not None else None,
        )
        out.append((stop, info))
    return out


def _candidates(
    f: ScenarioFile,
    resolver: _Resolver,
    places: _Places,
    need: _Need | None,
    router: Router,
    taken: set[str],
    listed: _Levels | None,
    serves: Callable[[str | None], bool],
) -> tuple[list[tuple[Stop, StopInfo]], _Levels | None]:
    """Candidate stops (in id order) in communes some vehicle ``serves``, and the levels they
    bring (indices in that order)."""
    c = f.scenario.candidates
    if c is None:
        return [], None
    sc = f.scenario
    threshold = sc.coverage.threshold
    entries: list[
        tuple[str, str, float, float, str | None, str | None]
    ] = []  # id, name, lon, lat, insee, site
    if c.communes == "all":
        assert need is not None
        limit = c.without_france_services_within or threshold
        for commune, fs in zip(need.communes, need.fs_minutes):
            if fs > limit and commune.code not in taken:
                point = (commune.code, commune.name, commune.lon, commune.lat, commune.code, None)
                entries.append(point)  # type: ignore[arg-type]
    elif c.communes == "host_sites":
        sites = query.host_sites(resolver.url) if resolver.url else []
        if not sc.territory.empty and need is not None:  # the territory's sites only
            deps = {commune.departement for commune in need.communes}
            sites = [s for s in sites if s.get("departement") in deps]
        for s in sites:
            if s["id"] in taken:
                continue
            site = resolver.site(s["id"], ("candidates", "communes"))
            entries.append((s["id"], s["name"], site["lon"], site["lat"], s.get("insee"), s["id"]))
    else:
        resolver.need_communes(
            (code, ("candidates", "communes", i)) for i, code in enumerate(c.communes)
        )
        for code in c.communes:
            p = resolver.communes[code]
            if code not in taken:
                entries.append((code, p.name, p.lon, p.lat, code, None))  # type: ignore[arg-type]
    entries = [e for e in entries if serves(e[4])]  # outside every vehicle's area: dropped
    perm, _ = stop_permanence(f, None)
    freq, _ = stop_frequency(f, None)
    n = len(entries)
    levels = None
    covers: list[tuple[str, ...]] = [() for _ in entries]
    if c.value is not None or need is None:
        order = list(range(n))[: c.max]
    else:
        levels = _stop_levels(
            f, need, router, [(e[2], e[3], e[4]) for e in entries], [freq] * n, [perm.minutes] * n
        )
        order = _greedy(
            need,
            listed or _Levels.none(),
            levels,
            n,
            c.max,
        )
        covers = levels.covers(need, n)
    lunch = lunch_minutes(f)
    room = sc.stops.window
    windows = (
        _start_windows(
            f,
            [(DayWindow(*room), ("stops", "window"))],
            perm.minutes + (lunch if perm.with_lunch else 0.0),
        )
        if room
        else ()
    )
    out = []
    kept = sorted(order, key=lambda k: entries[k][0])
    for k in kept:
        sid, name, lon, lat, insee, site = entries[k]
        key = f"site:{site}" if site else f"commune:{insee}"
        idx = places.add(key, name, lon, lat, insee)
        stop = Stop(
            id=sid,
            name=name,
            location=idx,
            duration=perm.minutes,
            frequency=freq,
            weekdays=frozenset(sc.stops.weekdays) if sc.stops.weekdays is not None else None,
            windows=windows,
            features=frozenset(sc.stops.features),
            mandatory=False,
            value=float(c.value or 0.0),
            insee=insee,
        )
        commune = resolver.communes.get(insee).name if insee in resolver.communes else None  # type: ignore[union-attr]
        out.append(
            (
                stop,
                StopInfo(sid, name, "candidate", insee, commune, lon, lat, site, covers=covers[k]),
            )
        )
    if levels is not None:
        renum = -np.ones(n, dtype=np.int64)
        renum[kept] = np.arange(len(kept))
        sel = renum[levels.stop] >= 0
        levels = _Levels(levels.commune[sel], renum[levels.stop[sel]], levels.level[sel])
    return out, levels


def _requests(
    f: ScenarioFile, resolver: _Resolver, places: _Places, ctx: Context, include_personal: bool
) -> list[tuple[Stop, StopInfo]]:
    out = []
    resolver.need_communes(
        (r.commune, ("requests", i, "commune"))
        for i, r in enumerate(f.scenario.requests)
        if r.commune and r.lon is None
    )
    for i, r in enumerate(f.scenario.requests):
        loc: Loc = ("requests", i)
        idx, _, insee = resolver.place(places, r.place, loc, f"request:{r.id}")
        commune = resolver.communes[insee].name if insee in resolver.communes else None
        # A home visit is named by its commune only: the address is personal.
        name = f"Visite {r.id} ({commune})" if commune else f"Visite {r.id}"
        period = f.horizon.period_day_indices if f.horizon.period else None
        windows = _start_windows(
            f, ((w, loc + ("windows", j)) for j, w in enumerate(r.windows)), r.duration, period
        )
        if period is not None and not windows:  # any time of a day of the period
            windows = (TimeWindow(0.0, 24 * 60.0, period),)
        stop = Stop(
            id=r.id,
            name=name,
            location=idx,
            duration=r.duration,
            frequency=Frequency.ONCE,
            kind=StopKind.REQUEST,
            windows=windows,
            features=frozenset(r.features),
            seats=r.seats,
            mandatory=r.mandatory,
            value=r.value,
            insee=insee,
        )
        # Coordinates of a home visit may be a home: outputs get the commune's point only.
        point = resolver.communes.get(insee) if insee else None
        info = StopInfo(
            r.id,
            name,
            "request",
            insee,
            commune,
            point.lon if point else None,
            point.lat if point else None,
        )
        if include_personal and r.personal():
            ctx.personal[r.id] = r.personal()
        out.append((stop, info))
    return out


def _vehicles(
    f: ScenarioFile, resolver: _Resolver, places: _Places, ctx: Context
) -> tuple[list[Vehicle], _Service]:
    out = []
    areas: dict[str, _Area | None] = {}
    for i, spec in enumerate(f.scenario.vehicles):
        loc: Loc = ("vehicles", i)
        assert spec.base is not None
        area = resolver.vehicle_area(spec.area, loc + ("area",)) if spec.area else None
        start, base_name, base_insee = resolver.place(
            places, spec.base, loc + ("base",), f"base:{spec.id}"
        )
        end = start
        if spec.end_base is not None:
            end, _, _ = resolver.place(places, spec.end_base, loc + ("end_base",), f"end:{spec.id}")
        days_off = frozenset(d for sel in spec.days_off for d in sel.days(f.horizon))
        lunch = None
        if spec.lunch is not None:
            ls, le = spec.lunch.window
            lunch = Lunch(TimeWindow(ls, le - spec.lunch.duration), spec.lunch.duration)
        name = spec.name or spec.id
        for k in range(spec.count):
            vid = spec.id if spec.count == 1 else f"{spec.id}-{k + 1}"
            vname = name if spec.count == 1 else f"{name} {k + 1}"
            out.append(
                Vehicle(
                    id=vid,
                    name=vname,
                    start_location=start,
                    end_location=end,
                    shift=TimeWindow(*spec.shift),
                    weekdays=frozenset(spec.weekdays) if spec.weekdays is not None else None,
                    days_off=days_off,
                    max_work=spec.max_work,
                    max_drive=spec.max_drive,
                    lunch=lunch,
                    features=frozenset(spec.features),
                    seats=spec.wheelchair_places,
                    max_stops_per_day=spec.max_stops_per_day,
                    cost_per_km=spec.cost_per_km,
                    cost_per_hour=spec.cost_per_hour,
                )
            )
            ctx.vehicles[vid] = VehicleInfo(
                vid,
                vname,
                base_name,
                base_insee,
                spec,
                area=area.codes if area else (),
                area_label=area.label if area else None,
            )
            areas[vid] = area
    service = _Service(areas)
    if not service.restricted:
        _check_bases(f, ctx)
    return out, service


class _Service:
    """Which vehicles may serve a commune: those whose area holds it, and those without one."""

    def __init__(self, areas: dict[str, _Area | None]):
        self.areas = areas
        self.anywhere = frozenset(v for v, a in areas.items() if a is None)
        self.restricted = len(self.anywhere) < len(areas)

    def vehicles(self, insee: str | None) -> frozenset[str] | None:
        """The vehicles that may serve a stop in commune ``insee`` (None: any vehicle)."""
        if not self.restricted:
            return None
        found = self.anywhere | {
            v for v, a in self.areas.items() if a is not None and insee in a.insee
        }
        return None if len(found) == len(self.areas) else frozenset(found)

    def serves(self, insee: str | None) -> bool:
        return self.vehicles(insee) != frozenset()

    def communes(self) -> list[CommunePoint]:
        """The communes of the union of the areas."""
        found = {c.code: c for a in self.areas.values() if a is not None for c in a.communes}
        return [found[c] for c in sorted(found)]

    def describe(self) -> str:
        """The areas in a few words, for messages: "van-1, van-2: département 45; bus: …"."""
        by_label: dict[str, list[str]] = {}
        for vid, a in self.areas.items():
            if a is not None:
                by_label.setdefault(a.label, []).append(vid)
        return "; ".join(f"{', '.join(vids)}: {label}" for label, vids in by_label.items())

    def check(
        self, f: ScenarioFile, loc: Loc, pairs: list[tuple[Stop, StopInfo]]
    ) -> list[tuple[Stop, StopInfo]]:
        """The stops with their allowed vehicles; a stop no vehicle may serve is an error."""
        out = []
        for k, (stop, info) in enumerate(pairs):
            allowed = self.vehicles(stop.insee)
            if allowed == frozenset():
                if stop.insee is None:
                    raise f.error(
                        (*loc, k),
                        "no commune code, so no vehicle's area can hold it: give commune = "
                        '"INSEE code" beside its place',
                    )
                name = f" ({info.commune})" if info.commune else ""
                raise f.error(
                    (*loc, k),
                    f"commune {stop.insee}{name} is outside every vehicle's area "
                    f"({self.describe()})",
                )
            out.append((replace(stop, vehicles=allowed), info))
        return out


def _check_bases(f: ScenarioFile, ctx: Context) -> None:
    """Without any area, the vehicles share the scenario's territory: fine for one operator
    (all bases in one département), an error when the bases are in several départements."""
    deps = sorted({_departement_of(v.base_insee) for v in ctx.vehicles.values() if v.base_insee})
    if len(deps) > 1:
        raise f.error(
            ("vehicles",),
            f"the vehicles are based in {len(deps)} départements ({', '.join(deps)}): give each "
            f'one an area, e.g. area = ["{deps[0]}"]',
        )


def build(f: ScenarioFile, *, db: str | None = None, include_personal: bool = False) -> Built:
    """Make the scenario's problem (and, for ``[asis]``, the published plan).

    ``db`` overrides the scenario's database (``--db``). ``include_personal`` copies requests'
    personal fields into :attr:`Context.personal` (for an output the user explicitly asked for).
    """
    built = _build(f, db=db, include_personal=include_personal)
    return with_budget(built)


def with_budget(built: Built) -> Built:
    """``built`` with its problem's :class:`~planner.tours.model.Budget` (``[budget]``): the
    scenario's yearly cost model (:func:`planner.analysis.costs.linear_budget`) as a linear
    function of the plan's km and working hours per vehicle."""
    from planner.analysis.costs import linear_budget

    f = built.scenario
    if f is None or f.scenario.budget is None:
        return built
    spec = f.scenario.budget
    problem = built.problem
    budget = linear_budget(
        vehicle_cost_fields(built),
        f.scenario.costs,
        kiosks=len(built.context.kiosks),
        cycles_per_month=problem.horizon.cycles_per_month,
        max_per_year=spec.max_per_year,
        basis=spec.basis,
    )
    return replace(built, problem=replace(problem, budget=budget))


def vehicle_cost_fields(built: Built) -> list:
    """Every vehicle of the problem with its own cost fields (no use: km and hours 0)."""
    from planner.analysis.costs import vehicle_use

    out = []
    for v in built.problem.vehicles:
        info = built.context.vehicles.get(v.id)
        out.append(vehicle_use(v.id, info.name if info else v.id, info.spec if info else None))
    return out


def _build(f: ScenarioFile, *, db: str | None = None, include_personal: bool = False) -> Built:
    url = database_url(f, db)
    router = router_of(f)
    if f.scenario.asis is not None:
        built = build_asis(f, url, router)
        resolver = _Resolver(f, url)
        if url is not None:
            built.problem = _with_need(f, resolver, router, built.problem)
        built.context.kiosks = _kiosks(f, resolver, router, built.context.notes)
        return built
    sc = f.scenario
    ctx = Context(
        name=sc.name, database=None if url is None else db_safe(url), router=router.describe()
    )
    resolver = _Resolver(f, url)
    places = _Places()
    vehicles, service = _vehicles(f, resolver, places, ctx)
    listed = service.check(f, ("stops", "list"), _listed_stops(f, resolver, places))
    valued = [k for k, _ in enumerate(listed) if sc.stops.entries[k].value is None]
    need = None
    if url is not None and (listed or sc.candidates is not None):
        if sc.candidates is not None and isinstance(sc.candidates.communes, list):
            resolver.need_communes(
                (code, ("candidates", "communes", i))
                for i, code in enumerate(sc.candidates.communes)
            )
        if not sc.territory.empty:
            area = resolver.area()
        elif service.restricted and not service.anywhere:
            area = service.communes()  # every vehicle has an area: their union
        else:
            area = _around(resolver)
        need = _need(f, resolver, area, router)
    listed_levels = None
    if need is not None:
        pts = [listed[k][1] for k in valued]
        stops_ = [listed[k][0] for k in valued]
        listed_levels = _stop_levels(
            f,
            need,
            router,
            [(p.lon, p.lat, p.insee) for p in pts],  # type: ignore[misc]
            [s.frequency for s in stops_],
            [s.duration for s in stops_],
        )
        for j, cov in enumerate(listed_levels.covers(need, len(valued))):
            stop, info = listed[valued[j]]
            listed[valued[j]] = (stop, replace(info, covers=cov))
    taken = {s.id for s, _ in listed} | {s.insee for s, _ in listed if s.insee}
    candidates, cand_levels = _candidates(
        f, resolver, places, need, router, taken, listed_levels, service.serves
    )
    candidates = service.check(f, ("candidates",), candidates)
    requests = service.check(
        f, ("requests",), _requests(f, resolver, places, ctx, include_personal)
    )
    pairs = listed + candidates + requests
    for _, info in pairs:
        ctx.stops[info.id] = info
    personal = [r.id for r in sc.requests if r.personal()]
    if personal:
        ctx.notes.append(
            f"Le scénario contient des données personnelles (demandes {', '.join(personal)}) : "
            + (
                "elles sont reprises à votre demande."
                if include_personal
                else "elles ne sont reprises dans aucune sortie."
            )
        )
    if sc.candidates is not None and not candidates:
        ctx.notes.append("Aucune commune candidate ne remplit les conditions de [candidates].")
    ctx.kiosks = _kiosks(f, resolver, router, ctx.notes)
    durations, distances = location_matrices(places.locations, router)
    stability = stability_section(f)
    objective = Objective(
        value_weight=sc.objective.value_weight,
        km_weight=sc.objective.km_weight,
        hour_weight=sc.objective.hour_weight,
        regularity_tolerance=sc.objective.regularity_tolerance,
        day_change_penalty=stability.day_change if stability else 0.0,
        time_change_penalty=stability.time_change if stability else 0.0,
        time_tolerance=stability.time_tolerance if stability else 15.0,
    )
    problem = Problem(
        horizon=f.horizon,
        locations=tuple(places.locations),
        durations=durations,
        distances=distances,
        stops=tuple(s for s, _ in pairs),
        vehicles=tuple(vehicles),
        objective=objective,
        name=sc.name,
        meta={"scenario": str(f.path)},
        **_need_model(
            need,
            [(listed[k][0].id) for k in valued],
            listed_levels,
            [s.id for s, _ in candidates],
            cand_levels,
        ),
    )
    problem = with_published(f, problem, ctx, url, router)
    return Built(problem, ctx, f)


def _with_need(f: ScenarioFile, resolver: _Resolver, router: Router, problem: Problem) -> Problem:
    """``problem`` with the communes of the territory and the levels its stops bring (for a
    published rota, whose stops are built elsewhere)."""
    stops = [s for s in problem.stops if s.kind is StopKind.STOP and s.insee]
    if f.scenario.territory.empty:
        resolver.need_communes(((s.insee, ()) for s in stops), point=False)  # type: ignore[misc]
        area = _around(resolver)
    else:
        area = resolver.area()
    need = _need(f, resolver, area, router)
    places = [problem.locations[s.location] for s in stops]
    levels = _stop_levels(
        f,
        need,
        router,
        [(p.lon, p.lat, s.insee) for p, s in zip(places, stops)],  # type: ignore[misc]
        [s.frequency for s in stops],
        [s.duration for s in stops],
    )
    return replace(problem, **_need_model(need, [s.id for s in stops], levels, [], None))


def _need_model(
    need: _Need | None,
    listed_ids: list[str],
    listed: _Levels | None,
    candidate_ids: list[str],
    candidates: _Levels | None,
) -> dict[str, Any]:
    """The problem's communes and reach (planner.tours.model.Reach) from the levels computed."""
    if need is None:
        return {}
    communes = tuple(
        Commune(c.code, c.name, float(w), float(e))
        for c, w, e in zip(need.communes, need.need, need.existing)
    )
    out: list[Reach] = []
    for ids, levels in ((listed_ids, listed), (candidate_ids, candidates)):
        if levels is None:
            continue
        for c, st, lv in zip(levels.commune.tolist(), levels.stop.tolist(), levels.level.tolist()):
            out.append(Reach(ids[st], c, lv))
    return {"communes": communes, "reach": tuple(out)}


# --- kiosks and the help already there ----------------------------------------------------------

# Help that is there without any mobile service: the baseline of coverage comparisons.
FIXED_HELP = (ServiceKind.FRANCE_SERVICES, ServiceKind.MEDIATION, ServiceKind.BORNE)
KIOSK_SITING = SolverOptions(time_limit=30.0, workers=1, seed=0)  # one worker: deterministic


def fixed_help_inputs(
    f: ScenarioFile,
    db: str | None = None,
    *,
    router: Router | None = None,
    codes: Iterable[str] = (),
    resolver: _Resolver | None = None,
) -> CoverageInputs | None:
    """The scenario's territory with the help that is there without any mobile service — fixed
    France Services, lieux de médiation and existing bornes (partial) — at its ``[coverage]``
    threshold; None for a standalone scenario. Without a ``[territory]``, the territory is the
    départements of the communes ``codes`` (e.g. the plan's stops)."""
    url = resolver.url if resolver is not None else database_url(f, db)
    if url is None:
        return None
    resolver = resolver or _Resolver(f, url)
    if f.scenario.territory.empty:
        resolver.need_communes(((c, ()) for c in codes), point=False)
        area = _around(resolver)
    else:
        area = resolver.area()
    cov = f.scenario.coverage
    return CoverageInputs(
        tuple(c for c in area if c.lon is not None and c.lat is not None),
        tuple(query.services(url, kinds=FIXED_HELP)),
        threshold=cov.threshold,
        router=router or router_of(f),
        borne_reach=cov.borne_reach,
    )


def _kiosks(
    f: ScenarioFile, resolver: _Resolver, router: Router, notes: list[str]
) -> list[KioskInfo]:
    """The ``[kiosks]`` listed, or chosen by maximal covering (kind borne) among the territory's
    communes; a choice that covers nothing more is filled with the communes farthest from any
    human help (said in ``notes``)."""
    k = f.scenario.kiosks
    if k is None:
        return []
    if k.communes:
        resolver.need_communes((c, ("kiosks", "communes", i)) for i, c in enumerate(k.communes))
        found = [resolver.communes[c] for c in k.communes]
        return [KioskInfo(c.code, c.name, c.lon, c.lat) for c in found]  # type: ignore[arg-type]
    assert k.choose is not None
    if k.candidates:
        resolver.need_communes((c, ("kiosks", "candidates", i)) for i, c in enumerate(k.candidates))
    inputs = fixed_help_inputs(f, router=router, codes=k.candidates or (), resolver=resolver)
    assert inputs is not None  # standalone scenarios have no [kiosks] (planner.scenario.files)
    try:
        result = maximal_covering(
            inputs, k.choose, kind="borne", candidates=k.candidates, options=KIOSK_SITING
        )
    except (ScenarioError, UnknownAreaError) as exc:
        raise f.error(("kiosks", "choose"), str(exc)) from None
    gains = dict(zip(result.chosen, result.gains))
    chosen = [code for code in result.chosen if gains[code] > 0]
    base = result.comparison.before.communes
    if len(chosen) < k.choose:
        pool = base.loc[list(k.candidates)] if k.candidates else base
        pool = pool.drop(index=[c for c in chosen if c in pool.index])
        far = np.fmin(
            pool["france_services_minutes"].to_numpy(dtype=float),
            pool["mediation_minutes"].to_numpy(dtype=float),
        )
        far = np.nan_to_num(far, nan=np.inf)
        order = sorted(range(len(pool)), key=lambda n: (-far[n], pool.index[n]))
        filled = [pool.index[n] for n in order[: k.choose - len(chosen)]]
        reach_min = f"{inputs.borne_threshold:g}".replace(".", ",")
        notes.append(
            f"{len(filled)} des {k.choose} bornes ne couvrent aucune commune de plus (portée "
            f"{reach_min} min, communes sans aide humaine) : elles sont placées dans les communes "
            "les plus éloignées d'une aide humaine."
        )
        chosen += filled
    points = {c.code: c for c in inputs.communes}
    where = {code: (points[code].name, points[code].lon, points[code].lat) for code in chosen}
    return [
        KioskInfo(code, *where[code], chosen=True, gain=float(gains.get(code, 0.0)))
        for code in chosen
    ]  # type: ignore[arg-type]


def _around(resolver: _Resolver) -> list[CommunePoint]:
    """Without a territory: the communes of the départements of every commune named so far."""
    deps = sorted({c.departement for c in resolver.communes.values()})
    out: dict[str, CommunePoint] = {}
    for dep in deps:
        out.update({c.code: c for c in query.commune_points(resolver.url, departement=dep)})
    return [out[c] for c in sorted(out)]
