"""``itinerance bench``: one Solomon instance with a 2 s limit, table and JSON output, errors."""

from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def c101(bench_dir):
    return bench_dir / "solomon" / "solomon_format" / "C101.txt"


def test_bench_json_on_c101(run_cli, c101):
    code, out, err = run_cli("bench", "solomon", c101, "--time-limit", "2", "--format", "json")
    assert code == 0, err
    [rec] = json.loads(out)
    assert rec["instance"] == "C101" and rec["valid"] and rec["violations"] == []
    assert rec["best_known"] == pytest.approx(827.3)
    assert rec["gap_percent"] == pytest.approx(100 * (rec["cost"] - 827.3) / 827.3, abs=1e-3)
    assert rec["gap_percent"] >= -1e-6
    served = sorted(int(s) for r in rec["routes"] for s in r["stops"])
    assert served == list(range(1, 101))


def test_bench_table_prints_the_gap(run_cli, c101):
    code, out, err = run_cli("bench", "solomon", c101, "--time-limit", "2")
    assert code == 0, err
    assert "C101" in out and "gap %" in out and "1/1 plans valid" in out


@pytest.mark.bench("pvrp_cordeau/instances/p14")
def test_bench_pvrp_instance(run_cli, bench_dir):
    p14 = bench_dir / "pvrp_cordeau" / "instances" / "p14"
    code, out, err = run_cli("bench", "pvrp", p14, "--time-limit", "2", "--format", "json")
    assert code == 0, err
    [rec] = json.loads(out)
    assert rec["valid"] and rec["best_known"] == pytest.approx(954.81)
    assert {r["day"] for r in rec["routes"]} <= {0, 1, 2, 3}


def test_bench_missing_file_is_a_one_line_error(run_cli, tmp_path):
    code, out, err = run_cli("bench", "solomon", tmp_path / "nope.txt")
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: ")
    assert "nope.txt: no such instance file" in lines[0] and "Traceback" not in err
