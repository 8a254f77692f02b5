"""``itinerance plan`` with vehicles' service areas: the report says each vehicle's area, the
plan records it, and a stop outside every area or an unknown area code is one error line with
nothing written."""

from __future__ import annotations

import json

import pytest

from support.checks import assert_one_line_error

SCENARIO = """\
schema_version = 1
name = "Deux vans, deux EPCI"

[data]
database = "{db}"

[solver]
time_limit = 3
deterministic = true

[[vehicles]]
id = "chateauroux"
name = "Bus de Châteauroux"
base = "36044"
area = ["243600327"]

[[vehicles]]
id = "issoudun"
name = "Bus d'Issoudun"
base = "36088"
area = ["243600236"]

[[stops.list]]
commune = "36063"

[[stops.list]]
commune = "36088"
"""


@pytest.mark.slow
def test_plan_reports_and_records_each_vehicle_area(indre_url, run_cli, tmp_path):
    path, out = tmp_path / "s.toml", tmp_path / "plan.json"
    path.write_text(SCENARIO.format(db=indre_url), encoding="utf-8")
    code, stdout, err = run_cli("plan", path, "-o", out)
    assert code == 0, err
    assert "Bus de Châteauroux — base : Châteauroux — zone : CA Châteauroux Métropole" in stdout
    assert "Bus d'Issoudun — base : Issoudun — zone : CC du Pays d'Issoudun" in stdout
    vehicles = json.loads(out.read_text(encoding="utf-8"))["meta"]["context"]["vehicles"]
    assert vehicles["issoudun"]["area"] == ["243600236"]
    assert vehicles["issoudun"]["area_label"] == "CC du Pays d'Issoudun"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        (
            'commune = "36088"',
            'commune = "36236"',
            "s.toml:26: stops.list[1]: commune 36236 (Vicq-Exemplet) is outside every vehicle's "
            "area (chateauroux: CA Châteauroux Métropole; issoudun: CC du Pays d'Issoudun)",
        ),
        ('area = ["243600236"]', 'area = ["99"]', "s.toml:21: vehicles[1].area[0]: unknown"),
        ('area = ["243600236"]', "area = []", "s.toml:21: vehicles[1].area: expected at least"),
    ],
)
def test_a_stop_outside_every_area_or_a_bad_area_writes_nothing(
    indre_url, run_cli, tmp_path, old, new, needle
):
    path, out = tmp_path / "s.toml", tmp_path / "out" / "plan.json"
    out.parent.mkdir()
    text = SCENARIO.format(db=indre_url)
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    code, _, err = run_cli("plan", path, "-o", out)
    assert_one_line_error(code, err, needle)
    assert not any(out.parent.iterdir())
