"""The live progress line users read while a plan is searched: in French, numbers as French."""

from __future__ import annotations

from planner.engine.base import ProgressEvent
from planner.engine.progress import STARTING, describe


def test_a_search_event_reads_in_french():
    event = ProgressEvent(12.0, 1486.78, 21, 34, phase="search", iteration=120000)
    assert describe(event) == (
        "recherche : meilleur 1\u202f486,8, 21/34 arrêts desservis, 120\u202f000 itérations"
    )


def test_unplaced_mandatory_stops_and_unknown_phases_are_said():
    one = ProgressEvent(1.0, None, 0, 3, phase="construction", unserved_mandatory=1)
    assert describe(one).endswith("0/3 arrêts desservis, 0 itérations, 1 obligatoire non placé")
    assert describe(one).startswith("construction : meilleur —")
    two = ProgressEvent(2.0, 5.0, 1, 3, phase="polish", unserved_mandatory=2)
    assert describe(two).startswith("finition OR-Tools : meilleur 5,0")
    assert describe(two).endswith("2 obligatoires non placés")
    assert describe(ProgressEvent(3.0, 5.0, 1, 3, phase="autre")).startswith("autre : ")


def test_before_the_first_event_the_bar_says_the_kernel_may_be_compiling():
    assert "compilation" in STARTING and STARTING.startswith("préparation du moteur")


def test_events_of_the_uncompiled_kernel_say_that_it_compiles_meanwhile():
    event = ProgressEvent(3.0, 10.0, 2, 5, phase="uncompiled search", iteration=150)
    assert describe(event) == (
        "recherche : meilleur 10,0, 2/5 arrêts desservis, 150 itérations — moteur non compilé "
        "(première utilisation, compilation en arrière-plan)"
    )
