"""``[value]`` and ``[[existing]]``: the service-level model a scenario sets, its one-line errors,
and what existing service does to the need a plan can serve (real Indre data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.access.service import ServiceLevels
from planner.errors import ParameterError, ScenarioError
from planner.scenario.build import build
from planner.scenario.files import load_scenario, parse_scenario
from planner.tours.model import Frequency
from planner.tours.value import need_served

HEAD = 'schema_version = 1\nname = "x"\n\n[[vehicles]]\nid = "van"\nbase = "36044"\n\n'


@pytest.mark.parametrize(
    ("body", "key", "words"),
    [
        ("[value]\nneighbour = -0.1\n", "value.neighbour", "greater than 0"),
        ("[value]\nfrequency = { monthly = 0.9 }\n", "value", "grow with the frequency"),
        ("[value]\nat_threshold = 0.7\n", "value", "between 0 and neighbour"),
        ('[value]\nmode = "maybe"\n', "value.mode", "'service' or 'flat'"),
        ("[value]\nfull_day_hours = 0\n", "value.full_day_hours", "greater than 0"),
        ("[value]\nkiosk = 1.5\n", "value.kiosk", "less than or equal to 1"),
        ('[[existing]]\ncommune = "3604"\n', "existing[0].commune", "INSEE"),
    ],
)
def test_bad_value_settings_are_one_line_errors_naming_the_key(body, key, words):
    with pytest.raises(ScenarioError) as err:
        parse_scenario(HEAD + body, Path("s.toml"))
    message = str(err.value)
    assert "\n" not in message
    assert key in message and words in message, message


def test_frequency_weights_must_not_decrease_with_frequency():
    with pytest.raises(ParameterError, match="frequency.weekly"):
        ServiceLevels(frequency={**ServiceLevels().frequency, Frequency.WEEKLY: 0.7})


def test_default_levels_are_those_the_documentation_tabulates():
    """docs/planning-model.md's table, recomputed from the parameters."""
    lv = ServiceLevels()
    day, half = 300.0, 150.0
    assert lv.level(Frequency.WEEKLY, day, 0, 30, same_commune=True) == pytest.approx(1.0)
    assert lv.level(Frequency.FORTNIGHTLY, day, 0, 30, same_commune=True) == pytest.approx(0.8)
    assert lv.level(Frequency.MONTHLY, day, 0, 30, same_commune=True) == pytest.approx(0.6)
    assert lv.level(Frequency.MONTHLY, half, 0, 30, same_commune=True) == pytest.approx(0.424, 1e-3)
    assert lv.level(Frequency.MONTHLY, day, 10, 30, same_commune=False) == pytest.approx(0.25)
    assert lv.level(Frequency.WEEKLY, day, 31, 30, same_commune=False) == 0.0
    assert lv.fixed_level(20, 30, same_commune=False) == pytest.approx(1 / 3)
    flat = ServiceLevels(mode="flat")
    assert flat.level(Frequency.MONTHLY, half, 29, 30, same_commune=False) == 1.0
    assert flat.kiosk_level(1, 10) == 0.0


def _file(tmp_path, url: str, body: str) -> Path:
    path = tmp_path / "s.toml"
    head = f'schema_version = 1\nname = "x"\n\n[data]\ndatabase = "{url}"\n\n'
    head += '[territory]\ndepartements = ["36"]\n\n[[vehicles]]\nid = "van"\nbase = "36044"\n\n'
    path.write_text(head + body, encoding="utf-8")
    return path


CANDIDATES = (
    '[horizon]\nweeks = 4\n\n[candidates]\ncommunes = ["36236", "36215"]\nfrequency = "monthly"\n'
    "\n[coverage]\nthreshold = 15\n"
)


@pytest.mark.slow
def test_an_existing_permanence_leaves_nothing_to_a_candidate_that_duplicates_it(
    indre_url, tmp_path
):
    """Vicq-Exemplet with another operator's weekly full day: a monthly candidate there adds
    nothing to its own commune; Ségry, with nothing, keeps its gain."""
    before = build(load_scenario(_file(tmp_path, indre_url, CANDIDATES))).problem
    with_existing = CANDIDATES + (
        '\n[[existing]]\ncommune = "36236"\nfrequency = "weekly"\npermanence = "journée"\n'
    )
    after = build(load_scenario(_file(tmp_path, indre_url, with_existing))).problem
    code = {c.code: i for i, c in enumerate(after.communes)}
    assert after.communes[code["36236"]].existing == pytest.approx(1.0)
    assert not [r for r in after.reach if r.stop == "36236" and r.commune == code["36236"]]
    assert need_served(after, {"36236"}).served < need_served(before, {"36236"}).served
    assert need_served(after, {"36215"}).served == pytest.approx(
        need_served(before, {"36215"}).served
    )


@pytest.mark.slow
def test_flat_mode_is_maximal_covering(indre_url, tmp_path):
    """In flat mode the value of a set of stops is the need of the communes within the threshold
    of one of them and of no existing human help, each counted once."""
    p = build(
        load_scenario(_file(tmp_path, indre_url, CANDIDATES + '\n[value]\nmode = "flat"\n'))
    ).problem
    assert {c.existing for c in p.communes} <= {0.0, 1.0}
    assert {r.level for r in p.reach} <= {1.0}
    both = need_served(p, {"36236", "36215"})
    reached = {r.commune for r in p.reach}
    assert both.served == pytest.approx(sum(p.communes[j].need for j in reached))
    one = need_served(p, {"36236"}).served + need_served(p, {"36215"}).served
    assert both.served <= one + 1e-9  # communes reached by both count once
