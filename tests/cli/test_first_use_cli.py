"""`itinerance plan` where the kernel is not compiled yet (planner/engine/first_use.py)."""

from __future__ import annotations

import json
from pathlib import Path

from planner.scenario.build import build
from planner.scenario.files import load_scenario
from planner.tours.plan import Plan
from planner.tours.validator import validate
from support.checks import assert_one_line_error

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "scenarios" / "exemple-autonome.toml"


def test_a_first_plan_comes_from_the_uncompiled_kernel_and_says_so(run_cli, monkeypatch, tmp_path):
    started = []
    monkeypatch.setattr("planner.engine.periodic.kernel_cached", lambda *version: False)
    monkeypatch.setattr(
        "planner.engine.periodic.compile_in_background",
        lambda dtype, *flags: started.append(dtype) or True,
    )
    monkeypatch.delenv("ITINERANCE_WHILE_COMPILING")  # as users run it
    out = tmp_path / "plan.json"
    code, stdout, err = run_cli("plan", EXAMPLE, "--time-limit", "2", "-o", out)
    assert code == 0, err
    assert "Première utilisation sur cette machine : ce plan vient du moteur non compilé" in err
    assert "sa compilation se poursuit en arrière-plan" in err
    assert len(started) == 1
    meta = json.loads(out.read_text(encoding="utf-8"))["meta"]
    assert meta["figures"]["kernel"] == "uncompiled"
    assert meta["validation"]["ok"] is True
    # the written plan is valid by an independent check too
    built = build(load_scenario(EXAMPLE))
    assert validate(built.problem, Plan.read(out)).ok
    assert "Plan valide" in stdout


def test_a_wrong_while_compiling_setting_is_one_error_line(run_cli, monkeypatch, tmp_path):
    monkeypatch.setenv("ITINERANCE_WHILE_COMPILING", "plus-tard")
    out = tmp_path / "plan.json"
    code, _, err = run_cli("plan", EXAMPLE, "--time-limit", "1", "-o", out)
    assert_one_line_error(code, err, "ITINERANCE_WHILE_COMPILING", "wait or interpret", "plus-tard")
    assert not out.exists()
