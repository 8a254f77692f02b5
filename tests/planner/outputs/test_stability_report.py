"""The printout of what a plan changes for residents of stops with published days."""

from __future__ import annotations

import dataclasses

from planner.outputs.report import render, stability_lines
from planner.tours.validator import validate
from support.published_cases import PUBLISHED_PLAN as PLAN
from support.published_cases import published_problem as _problem


def test_each_commune_reads_what_changes_for_it():
    problem = _problem()
    assert stability_lines(problem, validate(problem, PLAN)) == [
        "2 communes sur 5 gardent leur jour publié ; 1 change d'horaire.",
        "- Arrêt same : jour et horaire inchangés",
        "- Arrêt later : nouvel horaire : 11:40 au lieu de 10:00",
        "- Arrêt moved : nouveau jour : mercredi au lieu de mardi",
        "- Arrêt other_van : jour inchangé, mais servi par un autre véhicule que celui publié",
        "- Arrêt gone : plus desservi (jour publié : lundi et mercredi)",
    ]


def test_a_plan_without_published_days_has_no_such_block():
    problem = _problem()
    report = validate(problem, PLAN)
    assert "Ce qui change pour les habitants" in render(problem, PLAN, report)
    bare = dataclasses.replace(
        problem, stops=tuple(dataclasses.replace(s, published=None) for s in problem.stops)
    )
    assert "Ce qui change" not in render(bare, PLAN, validate(bare, PLAN))
