"""``itinerance map coverage``: from the database to the three files, and its one-line errors."""

from __future__ import annotations

import json
import re

import pytest

from support.map_inputs import INDRE_COMMUNES


def test_map_coverage_writes_map_table_and_csv_and_says_so(run_cli, indre_db, tmp_path):
    out = tmp_path / "carte.html"
    code, stdout, stderr = run_cli(
        "map", "coverage", "--departement", "36", "-o", out, "--db", indre_db
    )
    assert code == 0, stderr
    for path in (out, tmp_path / "carte-tableau.html", tmp_path / "carte.csv"):
        assert path.is_file() and str(path) in stdout.replace("\n", "")
    html = out.read_text(encoding="utf-8")
    assert "Indre (36)" in html and html.count('"type":"Feature"') == INDRE_COMMUNES
    meta = json.loads(
        re.search(
            r'<script type="application/json" id="itinerance-meta">(.*?)</script>', html
        ).group(1)
    )
    assert meta["threshold"] == 30 and meta["area"] == "Indre (36)"
    assert meta["versions"]["itinerance"] and meta["travel"].startswith("offline")
    assert {d["dataset"] for d in meta["data"]["datasets"]} >= {"communes", "france-services"}
    assert "COG 2026" in html  # vintages come from the database's provenance records
    assert "vol d’oiseau" in html  # and how travel times were estimated
    assert [p.name for p in tmp_path.iterdir()] != [] and not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--departement", "36", "--threshold", "0"), "threshold: expected a positive number"),
        (("--departement", "37"), "département 37 is not loaded"),
        ((), "no area given"),
    ],
)
def test_map_coverage_bad_input_is_one_line_and_writes_nothing(
    run_cli, indre_db, tmp_path, args, needle
):
    code, _, stderr = run_cli(
        "map", "coverage", *args, "-o", tmp_path / "carte.html", "--db", indre_db
    )
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert (
        code == 2 and len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0]
    ), stderr
    assert list(tmp_path.iterdir()) == []


def test_map_coverage_into_a_missing_folder_fails_before_any_work(run_cli, tmp_path):
    code, _, stderr = run_cli(
        "map",
        "coverage",
        "-d",
        "36",
        "-o",
        tmp_path / "nope" / "carte.html",
        "--db",
        f"sqlite:///{tmp_path / 'empty.sqlite'}",
    )
    assert code == 2 and "does not exist" in stderr and "Traceback" not in stderr
