"""docs/python.md runs as written, and the front doors of ``planner`` and ``geodata`` stay light.

Every ```python block of the page is executed: the quick start on its own, the scenario and
coverage blocks in one namespace (the coverage block reuses the database of the scenario block),
in a temporary folder where ``scenarios`` points at the repository's scenarios.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGE = REPO / "docs" / "python.md"
HEAVY = ("numpy", "pandas", "geopandas", "ortools", "numba", "sqlalchemy", "shapely")

QUICK_START = (0,)
SCENARIO_AND_COVERAGE = (1, 2)


def python_blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", PAGE.read_text(encoding="utf-8"), re.M | re.S)


def run_blocks(indices: tuple[int, ...]) -> dict:
    blocks = python_blocks()
    namespace: dict = {"__name__": "__docs__"}
    for i in indices:
        exec(compile(blocks[i], f"{PAGE}:block {i + 1}", "exec"), namespace)
    return namespace


def test_every_python_block_of_the_page_is_run():
    assert sorted(QUICK_START + SCENARIO_AND_COVERAGE) == list(range(len(python_blocks())))


def test_no_example_imports_the_cli():
    assert "planner.cli" not in PAGE.read_text(encoding="utf-8")


def test_the_quick_start_plans_a_valid_tour(capsys):
    ns = run_blocks(QUICK_START)
    out = capsys.readouterr().out
    assert ns["report"].ok, ns["report"].lines(5)
    assert out.startswith("valid: True")
    assert len(out.strip().splitlines()) == 1 + len(ns["plan"].routes)
    visits = [v.stop for route in ns["plan"].routes for v in route.visits]
    assert sorted(visits) == sorted(s.id for s in ns["problem"].stops)  # each once per cycle
    assert ns["plan"].unserved == []


@pytest.mark.data
def test_the_scenario_and_coverage_examples_run(tmp_path, monkeypatch, capsys):
    (tmp_path / "scenarios").symlink_to(REPO / "scenarios", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    ns = run_blocks(SCENARIO_AND_COVERAGE)
    out = capsys.readouterr().out
    assert (tmp_path / "indre.sqlite").is_file()
    planned = ns["planned"]
    assert planned.report.ok, planned.report.lines(5)
    assert "valid: True" in out
    figures = ns["figures"]
    assert figures.mandatory_served == figures.mandatory_total == 19
    shares = ns["coverage"].totals["share_population_covered"]
    assert ((shares >= 0) & (shares <= 1)).all()
    assert len(ns["coverage"].communes) == ns["loaded"].communes


@pytest.mark.parametrize("package", ["planner", "geodata"])
def test_importing_a_package_loads_nothing_heavy(package):
    code = f"import sys, {package}\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("package", ["planner", "geodata"])
def test_every_exported_name_resolves(package):
    module = importlib.import_module(package)
    assert sorted(module._EXPORTS) == sorted(module.__all__)
    for name in module.__all__:
        value = getattr(module, name)
        assert getattr(importlib.import_module(module._EXPORTS[name]), name) is value
    with pytest.raises(AttributeError):
        getattr(module, "no_such_name")


@pytest.mark.parametrize("package", ["planner", "geodata"])
def test_type_checkers_see_the_same_names_from_the_same_modules(package):
    module = importlib.import_module(package)
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    (block,) = [n for n in tree.body if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n)]
    seen = {a.name: node.module for node in block.body for a in node.names}
    assert seen == module._EXPORTS


def test_solve_is_the_default_engine_with_keyword_options():
    import planner
    from planner.engine import DEFAULT_ENGINE, get_engine, solve

    assert planner.solve is solve
    assert get_engine(DEFAULT_ENGINE).name == DEFAULT_ENGINE
    with pytest.raises(ValueError, match="time_limit"):
        solve(None, time_limit=0)  # options are checked before any search
