"""Vehicles' service areas (``[[vehicles]] area``): codes resolved to communes, stops given the
vehicles whose area holds them, candidates kept inside the areas, errors naming the key, the
default when no vehicle gives an area, and solved plans that never leave a vehicle's area.

Scenarios play in the Indre (36), the département the tests load; its EPCI CA Châteauroux Métropole
(243600327) and CC du Pays d'Issoudun (243600236) are the two areas of the small cases.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from geodata.query import commune_points
from planner.engine.base import SolveOptions
from planner.errors import ScenarioError
from planner.scenario.build import build
from planner.scenario.files import load_scenario, parse_scenario
from planner.scenario.pipeline import plan_scenario
from planner.tours.validator import validate

CHATEAUROUX_EPCI, ISSOUDUN_EPCI = "243600327", "243600236"

TWO_VANS = """\
schema_version = 1
name = "Deux vans, deux EPCI"

[data]
database = "{db}"

[[vehicles]]
id = "chateauroux"
base = "36044"
area = ["243600327"]

[[vehicles]]
id = "issoudun"
base = "36088"
area = ["243600236"]

[stops]
frequency = "weekly"

[[stops.list]]
commune = "36063"

[[stops.list]]
commune = "36088"
"""

CANDIDATES = """
[candidates]
communes = "all"
without_france_services_within = 5
max = 6
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        build(load_scenario(path))
    message = str(info.value)
    assert "\n" not in message
    return message


def _epci(url: str, code: str) -> set[str]:
    return {c.code for c in commune_points(url, epci=code)}


@pytest.mark.slow
def test_areas_resolve_departements_epcis_and_communes(indre_url, tmp_path):
    text = f"""\
schema_version = 1
name = "x"

[data]
database = "{indre_url}"

[[vehicles]]
id = "dep"
base = "36044"
area = ["36"]

[[vehicles]]
id = "epci"
base = "36088"
area = ["{ISSOUDUN_EPCI}"]

[[vehicles]]
id = "communes"
base = "36088"
area = ["36236", "36088"]

[[stops.list]]
commune = "36063"

[[stops.list]]
commune = "36236"

[[stops.list]]
commune = "36088"
"""
    built = build(load_scenario(_write(tmp_path, text)))
    allowed = {s.insee: s.vehicles for s in built.problem.stops}
    assert "36088" in _epci(indre_url, ISSOUDUN_EPCI)
    assert "36063" not in _epci(indre_url, ISSOUDUN_EPCI) | {"36236", "36088"}
    assert allowed["36063"] == frozenset({"dep"})  # Déols: in the Indre only
    assert allowed["36236"] == frozenset({"dep", "communes"})  # Vicq-Exemplet
    assert allowed["36088"] is None  # Issoudun: in every area, any vehicle
    vehicles = built.context.vehicles
    assert vehicles["dep"].area == ("36",) and vehicles["dep"].area_label == "département 36"
    assert vehicles["epci"].area_label == "CC du Pays d'Issoudun"
    assert vehicles["communes"].area_label == "communes Vicq-Exemplet, Issoudun"
    recorded = built.context.to_dict()["vehicles"]
    assert recorded["communes"]["area"] == ["36236", "36088"]


@pytest.mark.slow
def test_candidates_come_from_the_union_of_the_areas(indre_url, tmp_path):
    built = build(load_scenario(_write(tmp_path, TWO_VANS.format(db=indre_url) + CANDIDATES)))
    areas = {
        "chateauroux": _epci(indre_url, CHATEAUROUX_EPCI),
        "issoudun": _epci(indre_url, ISSOUDUN_EPCI),
    }
    union = areas["chateauroux"] | areas["issoudun"]
    candidates = [s for s in built.problem.stops if not s.mandatory]
    assert len(candidates) == 6
    for s in candidates:
        assert s.vehicles == frozenset(v for v, codes in areas.items() if s.insee in codes)
        # The need is counted over the areas only.
        assert set(built.context.stops[s.id].covers) <= union
    # Both areas get candidates: the union, not the first area nor the whole département.
    assert {next(iter(s.vehicles)) for s in candidates} == {"chateauroux", "issoudun"}


@pytest.mark.slow
def test_candidates_outside_every_area_are_dropped(indre_url, tmp_path):
    text = TWO_VANS.format(db=indre_url) + '\n[territory]\ndepartements = ["36"]\n' + CANDIDATES
    built = build(load_scenario(_write(tmp_path, text.replace("max = 6", "max = 400"))))
    union = _epci(indre_url, CHATEAUROUX_EPCI) | _epci(indre_url, ISSOUDUN_EPCI)
    candidates = {s.insee for s in built.problem.stops if not s.mandatory}
    assert candidates and candidates <= union
    # Without the areas, the same territory offers candidates elsewhere in the Indre.
    free = text.replace(f'area = ["{CHATEAUROUX_EPCI}"]\n', "").replace(
        f'area = ["{ISSOUDUN_EPCI}"]\n', ""
    )
    everywhere = build(load_scenario(_write(tmp_path, free.replace("max = 6", "max = 400"))))
    assert {s.insee for s in everywhere.problem.stops if not s.mandatory} - union


@pytest.mark.slow
def test_a_vehicle_never_leaves_its_area_in_a_solved_plan(indre_url, tmp_path):
    f = load_scenario(_write(tmp_path, TWO_VANS.format(db=indre_url) + CANDIDATES))
    options = SolveOptions(time_limit=5, seed=1, deterministic=True)
    done = plan_scenario(f, options=options)
    areas = {
        "chateauroux": _epci(indre_url, CHATEAUROUX_EPCI),
        "issoudun": _epci(indre_url, ISSOUDUN_EPCI),
    }
    problem, plan = done.built.problem, done.plan
    assert done.report.ok, done.report.violations
    visits = [(r.vehicle, problem.stop_by_id[v.stop].insee) for r in plan.routes for v in r.visits]
    assert {vid for vid, _ in visits} == {"chateauroux", "issoudun"}
    assert all(insee in areas[vid] for vid, insee in visits), visits
    # The validator sees the areas: the same routes driven by the other van break them.
    other = {"chateauroux": "issoudun", "issoudun": "chateauroux"}
    swapped = replace(plan, routes=[replace(r, vehicle=other[r.vehicle]) for r in plan.routes])
    assert any(v.kind == "area" for v in validate(problem, swapped).violations)


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'commune = "36088"',
            'commune = "36236"',
            "s.toml:23: stops.list[1]: commune 36236 (Vicq-Exemplet) is outside every vehicle's "
            "area (chateauroux: CA Châteauroux Métropole; issoudun: CC du Pays d'Issoudun)",
        ),
        (
            f'area = ["{ISSOUDUN_EPCI}"]',
            f'area = ["{ISSOUDUN_EPCI}", "99"]',
            "s.toml:15: vehicles[1].area[1]: unknown département '99': no such code in the COG",
        ),
        (
            f'area = ["{ISSOUDUN_EPCI}"]',
            'area = ["18"]',
            "s.toml:15: vehicles[1].area[0]: département 18 is not loaded",
        ),
        (
            f'area = ["{ISSOUDUN_EPCI}"]',
            'area = ["200000000"]',
            "s.toml:15: vehicles[1].area[0]: no loaded commune belongs to EPCI 200000000",
        ),
        (
            f'area = ["{ISSOUDUN_EPCI}"]',
            'area = ["36999"]',
            "s.toml:15: vehicles[1].area[0]: unknown commune 36999",
        ),
    ],
)
def test_a_stop_outside_every_area_or_an_unknown_code_is_one_line(
    indre_url, tmp_path, old, new, expected
):
    text = TWO_VANS.format(db=indre_url)
    assert old in text
    message = _error(_write(tmp_path, text.replace(old, new)))
    assert message.startswith(f"{tmp_path}/{expected}"), message


@pytest.mark.slow
def test_a_request_outside_every_area_is_one_line(indre_url, tmp_path):
    text = TWO_VANS.format(db=indre_url) + '\n[[requests]]\nid = "r1"\ncommune = "36236"\n'
    message = _error(_write(tmp_path, text))
    assert message.startswith(f"{tmp_path / 's.toml'}:26: requests[0]: commune 36236")
    assert "outside every vehicle's area" in message


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        ("[]", 'vehicles[0].area: expected at least one code (e.g. area = ["45"])'),
        ('["4"]', 'vehicles[0].area[0]: expected a département ("45", "2A"), an EPCI SIREN'),
        ('["36044", "36044"]', "vehicles[0].area[1]: 36044 is listed twice"),
        ('["36"]', "vehicles[0].area[0]: 36: a standalone scenario (data.standalone = true)"),
    ],
)
def test_malformed_empty_or_standalone_area_codes_name_the_key(area, expected):
    text = STANDALONE.replace("{area}", f"area = {area}")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "x.toml")
    assert str(info.value).startswith(f"x.toml:9: {expected}"), str(info.value)


STANDALONE = """\
schema_version = 1
name = "autonome"

[data]
standalone = true

[[vehicles]]
id = "van"
{area}
base = { commune = "36018", lon = 1.0968, lat = 46.6354 }

[[vehicles]]
id = "bus"
base = { commune = "36044", lon = 1.6934, lat = 46.8103 }

[[stops.list]]
id = "mezieres"
commune = "36123"
lon = 1.2551
lat = 46.8081
"""


def test_communes_all_without_territory_needs_an_area_for_every_vehicle():
    text = STANDALONE.replace("standalone = true", 'database = "x.sqlite"').replace("{area}", "")
    text = text.replace("[[stops.list]]", '[candidates]\ncommunes = "all"\n\n[[stops.list]]')
    with pytest.raises(ScenarioError, match=r'communes = "all" needs a \[territory\] or an area'):
        parse_scenario(text, "x.toml")


# --- the default without areas ------------------------------------------------------------------


@pytest.mark.data
def test_bases_in_several_departements_need_areas():
    text = STANDALONE.replace("{area}", "").replace(
        '"36044", lon = 1.6934, lat = 46.8103', ('"18033", lon = 2.3980, lat = 47.0810')
    )
    with pytest.raises(ScenarioError) as info:
        build(parse_scenario(text, "x.toml"))
    assert str(info.value) == (
        "x.toml:7: vehicles: the vehicles are based in 2 départements (18, 36): give each one "
        'an area, e.g. area = ["18"]'
    )


@pytest.mark.data
def test_bases_in_one_departement_serve_the_whole_scenario():
    built = build(parse_scenario(STANDALONE.replace("{area}", ""), "x.toml"))
    assert all(s.vehicles is None for s in built.problem.stops)
    assert all(v.area_label is None for v in built.context.vehicles.values())


@pytest.mark.data
def test_a_standalone_area_is_a_list_of_communes_checked_against_the_stops():
    text = STANDALONE.replace("{area}", 'area = ["36123", "36018"]')
    built = build(parse_scenario(text, "x.toml"))
    assert built.problem.stop_by_id["mezieres"].vehicles is None  # van and bus (no area)
    only_van = text.replace('id = "bus"', 'id = "bus"\narea = ["36044"]')
    built = build(parse_scenario(only_van, "x.toml"))
    assert built.problem.stop_by_id["mezieres"].vehicles == frozenset({"van"})
    assert built.context.vehicles["van"].area_label == "communes Mézières-en-Brenne, Le Blanc"
    outside = only_van.replace('area = ["36123", "36018"]', 'area = ["36018"]')
    with pytest.raises(ScenarioError, match=r"x\.toml:17: stops\.list\[0\]: commune 36123"):
        build(parse_scenario(outside, "x.toml"))
    no_code = only_van.replace('commune = "36123"\n', "")
    with pytest.raises(ScenarioError, match=r"stops\.list\[0\]: no commune code"):
        build(parse_scenario(no_code, "x.toml"))


def test_an_asis_rota_takes_no_area():
    text = 'schema_version = 1\nname = "x"\n\n[asis]\nrota = "2394"\n\n[[vehicles]]\nid = "v"\n'
    with pytest.raises(ScenarioError, match=r"x\.toml:9: vehicles\[0\]\.area: an \[asis\] rota"):
        parse_scenario(text + 'area = ["36"]\n', "x.toml")


def test_area_labels_say_departements_epcis_by_name_and_communes():
    from planner.scenario.build import _area_label

    names = {"243600327": "CA Châteauroux Métropole", "36236": "Vicq-Exemplet"}
    assert _area_label(["45"], names) == "département 45"
    assert _area_label(["18", "45", "243600327"], names) == (
        "départements 18, 45, CA Châteauroux Métropole"
    )
    assert _area_label(["200000000", "36236"], names) == "EPCI 200000000, commune Vicq-Exemplet"
    six = [f"3600{k}" for k in range(1, 7)]
    assert _area_label(six, {}) == "6 communes"
