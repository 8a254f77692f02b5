"""The plan's typed meta (planner.tours.meta.PlanMeta): the JSON round-trips byte for byte,
unknown keys included; malformed fields are one-line PlanErrors; the engine and the pipeline
fill typed fields, in the key order the plan files have always had."""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
from dataclasses import replace
from pathlib import Path

import pytest

from planner.errors import PlanError
from planner.tours.meta import _CHECKS, PlanMeta
from planner.tours.plan import Plan
from planner.tours.validator import summary

REPO = Path(__file__).resolve().parents[3]

# A plan file as a newer itinerance might write it: every known key, in an unusual order, some
# null, integers where floats are expected, and keys this version does not know.
META = {
    "zeta": {"nested": [1, 2.5, None]},
    "engine": "periodic",
    "version": "1.0",
    "time_limit": 2,
    "seed": 0,
    "deterministic": None,
    "objective": 1234.5,
    "cost": 7,
    "status": "ok",
    "figures": {"iterations": 50, "km": 12.25},
    "unplaced": ["arrêt 3 : trop loin"],
    "inputs": [{"role": "scenario", "path": "s.toml", "sha256": "ab" * 32, "size": 12}],
    "created": "2026-03-02T10:00:00+00:00",
    "travel": "offline model",
    "data": {"database": None, "datasets": []},
    "versions": {"itinerance": "0.1.0", "numba": None},
    "context": {"stops": {}, "vehicles": {}, "notes": ["é"]},
    "schedule": {"version": 1, "legs": []},
    "frozen": {"days": [0, 1], "stops": []},
    "validation": {"ok": True, "violations": 0},
    "service": "fs:1",
    "rota_text": "lundi : Ciron",
    "overrides": {"solver.deterministic": True},
    "added_by_a_newer_itinerance": "x",
}


def plan_json(meta: dict) -> str:
    data = {
        "schema": "itinerance.plan/1",
        "problem": "essai",
        "routes": [
            {
                "vehicle": "van",
                "day": 0,
                "depart": 480.0,
                "return": 1000.0,
                "lunch": None,
                "visits": [{"stop": "a", "arrival": 500.0, "start": 510.0, "end": 600.0}],
            }
        ],
        "unserved": [],
        "meta": meta,
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def test_every_field_has_its_json_check():
    names = {f.name for f in dataclasses.fields(PlanMeta)} - {"extra", "_keys"}
    assert names == set(_CHECKS)


def test_a_plan_file_round_trips_byte_for_byte_with_unknown_keys(tmp_path):
    text = plan_json(META)
    path = tmp_path / "p.json"
    path.write_text(text, encoding="utf-8")
    plan = Plan.read(path)
    assert plan.to_json() == text
    assert plan.meta.extra == {"zeta": META["zeta"], "added_by_a_newer_itinerance": "x"}
    assert plan.meta.time_limit == 2 and plan.meta.deterministic is None
    assert plan.meta.has("deterministic") and not PlanMeta().has("deterministic")
    # and again, from what it wrote; and through pickle (sweeps send plans between processes)
    assert Plan.from_dict(json.loads(plan.to_json())).to_json() == text
    assert pickle.loads(pickle.dumps(plan)).to_json() == text
    assert copy.deepcopy(plan).to_json() == text


def test_an_old_plan_with_few_keys_round_trips_without_gaining_any():
    text = plan_json({"engine": "x", "seed": None})
    plan = Plan.from_dict(json.loads(text))
    assert plan.to_json() == text
    assert Plan.from_dict(json.loads(plan_json({}))).to_json() == plan_json({})


def test_keys_keep_the_order_they_were_first_set_like_a_dict():
    meta = PlanMeta(seed=3, engine="e", extra={"z": 1})
    assert list(meta.to_dict()) == ["engine", "seed", "z"]  # constructor: field order, then extra
    meta.status = "ok"
    meta.engine = "f"  # already set: keeps its place
    meta.time_limit = None  # set after construction: written, as null
    meta.extra["w"] = 2
    assert meta.to_dict() == {
        "engine": "f",
        "seed": 3,
        "z": 1,
        "status": "ok",
        "time_limit": None,
        "w": 2,
    }
    assert list(meta.to_dict()) == ["engine", "seed", "z", "status", "time_limit", "w"]
    meta.drop("seed", "z")
    assert list(meta.to_dict()) == ["engine", "status", "time_limit", "w"]
    assert meta.seed is None and "z" not in meta.extra
    meta.seed = 4  # set again: goes last
    assert list(meta.to_dict())[-1] == "seed"


def test_update_merges_like_the_dict_merge_it_replaces():
    """The pipeline's merge of the engine's meta and the provenance, as plain dicts did it."""
    engine = {"engine": "asis", "service": "fs:1", "rota_text": "t", "created": "a", "k": 1}
    prov = {
        "created": "b",
        "engine": "asis",
        "seed": None,
        "time_limit": None,
        "deterministic": None,
        "travel": "offline",
        "inputs": [],
        "data": {"database": None, "datasets": []},
        "versions": {"python": "3"},
    }
    expected = {k: v for k, v in engine.items() if k != "created"} | prov
    meta = PlanMeta.from_dict(engine)
    meta.drop("created")
    meta.update(PlanMeta.from_dict(prov))
    assert json.dumps(meta.to_dict()) == json.dumps(expected)


def test_a_field_cannot_also_be_an_extra_key():
    with pytest.raises(ValueError, match="'seed' is a PlanMeta field"):
        PlanMeta(extra={"seed": 1})


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("seed", "sept", "an integer"),
        ("seed", True, "an integer"),
        ("time_limit", "10 s", "a number"),
        ("deterministic", "yes", "true or false"),
        ("context", [1, 2], "an object"),
        ("unplaced", "a", "a list of strings"),
        ("inputs", ["s.toml"], "a list of objects or an object"),
    ],
)
def test_a_malformed_meta_field_is_a_one_line_plan_error(tmp_path, key, value, expected):
    path = tmp_path / "p.json"
    path.write_text(plan_json({"engine": "x", key: value}), encoding="utf-8")
    with pytest.raises(PlanError) as info:
        Plan.read(path)
    message = str(info.value)
    assert message.startswith(f"{path}: malformed meta field {key!r} (expected {expected}, got ")
    assert "\n" not in message


def test_a_meta_that_is_not_an_object_is_a_one_line_plan_error():
    data = json.loads(plan_json({}))
    for meta in (None, [], "meta"):
        with pytest.raises(PlanError, match=r"^p.json: malformed meta \(expected an object, got "):
            Plan.from_dict({**data, "meta": meta}, "p.json")
    long = {**data, "meta": ["x" * 200]}
    with pytest.raises(PlanError) as info:
        Plan.from_dict(long, "p.json")
    assert len(str(info.value)) < 120


def test_a_plan_refuses_a_plain_dict_as_meta():
    with pytest.raises(TypeError, match="Plan.meta must be a PlanMeta, not dict"):
        Plan(meta={"engine": "x"})  # type: ignore[arg-type]
    assert Plan(meta=PlanMeta.from_dict({"engine": "x"})).meta.engine == "x"


def test_input_files_are_the_provenance_records_only():
    assert PlanMeta(inputs={"problem": "p", "sha256": "ab"}).input_files() == []
    assert PlanMeta().input_files() == []
    files = [{"role": "scenario", "path": "s.toml"}]
    assert PlanMeta(inputs=files).input_files() == files


# --- what the engine and the pipeline write ------------------------------------------------

# The keys of a deterministic plan of a standalone scenario, in the order itinerance has always
# written them (engine's keys, then the provenance's new ones, then the blocks for exports).
PIPELINE_KEYS = [
    "engine",
    "version",
    "seed",
    "time_limit",
    "deterministic",
    "objective",
    "cost",
    "status",
    "figures",
    "inputs",
    "travel",
    "data",
    "versions",
    "context",
    "schedule",
    "validation",
]


@pytest.fixture(scope="module")
def planned():
    from planner.scenario.files import load_scenario
    from planner.scenario.pipeline import plan_scenario, solve_options

    f = load_scenario(REPO / "scenarios" / "exemple-autonome.toml")
    options = replace(solve_options(f, time_limit=5, seed=1), deterministic=True, iterations=30)
    return f, options, plan_scenario(f, options=options)


@pytest.mark.slow
def test_typed_fields_hold_what_the_engine_and_the_pipeline_reported(planned):
    f, options, done = planned
    meta = done.plan.meta
    assert meta.engine == "periodic" and meta.version == "1.0"
    assert meta.seed == 1 and meta.time_limit == 5 and meta.deterministic is True
    assert meta.status == "ok" and meta.unplaced is None
    assert isinstance(meta.objective, float) and isinstance(meta.cost, float)
    assert meta.figures["iterations"] >= 1
    assert not any("seconds" in k for k in meta.figures)  # deterministic: no clock readings
    assert meta.created is None  # deterministic: no date
    assert meta.input_files() == [{"role": "scenario", "path": str(f.path), "sha256": f.sha256}]
    assert {"itinerance", "ortools", "numba", "engine"} <= set(meta.versions)
    assert meta.data == {"database": None, "datasets": []}
    assert meta.travel == done.built.context.router
    assert meta.context == done.built.context.to_dict()
    assert meta.validation == summary(done.report) and meta.validation["ok"] is True
    assert meta.schedule["legs"] and meta.frozen is None and meta.extra == {}


@pytest.mark.slow
def test_a_planned_plan_keeps_its_json_layout_and_round_trips(planned):
    _, _, done = planned
    text = done.plan.to_json()
    assert list(json.loads(text)["meta"]) == PIPELINE_KEYS
    assert Plan.from_dict(json.loads(text)).to_json() == text
