"""Saved scenarios keep every version: saving adds one, nothing is overwritten."""

from __future__ import annotations

import pytest

from geodata.errors import DataError
from geodata.scenarios import (
    save_scenario,
    saved_scenarios,
    scenario_history,
    scenario_key,
    scenario_version,
)


def test_keys_are_url_safe_slugs_of_the_name():
    assert scenario_key("Deux vans (Indre) — été") == "deux-vans-indre-ete"
    assert scenario_key("«»") == "scenario"


def test_each_save_adds_a_version_and_the_list_shows_the_newest(db_url):
    save_scenario(db_url, "van", "Van", 'name = "Van"\n', "alice")
    second = save_scenario(db_url, "van", "Van 2", 'name = "Van 2"\n', "bob", note="2 vans")
    save_scenario(db_url, "autre", "Autre", 'name = "Autre"\n', "alice")
    assert second.version == 2
    assert [(s.key, s.version, s.name) for s in saved_scenarios(db_url)] == [
        ("autre", 1, "Autre"),
        ("van", 2, "Van 2"),
    ]
    history = scenario_history(db_url, "van")
    assert [(s.version, s.author, s.note) for s in history] == [
        (2, "bob", "2 vans"),
        (1, "alice", ""),
    ]
    assert scenario_version(db_url, "van", 1).toml == 'name = "Van"\n'
    assert scenario_version(db_url, "van").version == 2
    assert scenario_version(db_url, "van", 9) is None
    assert history[0].saved_at.tzinfo is not None


def test_a_key_that_is_not_a_slug_is_refused(sqlite_url):
    with pytest.raises(DataError, match="scenario key"):
        save_scenario(sqlite_url, "../x", "X", "", "a")
