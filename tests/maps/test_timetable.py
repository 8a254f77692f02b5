"""Printable timetables per vehicle (maps.timetable): HTML that parses, CSV that pandas reads."""

from __future__ import annotations

import io
import re
from datetime import date
from html.parser import HTMLParser

import pandas as pd
import pytest

from maps.timetable import timetable_csv, timetable_html, timetable_rows
from planner.outputs.calendar import Schedule
from tests.planner.outputs.test_calendar import (
    DAY,
    MONTHLY,
    PERSONAL,
    TWO_WEEKS,
    as_json_plan,
    day_of,
    tiny_built,
)

VOID = {"meta", "link", "br", "img", "input", "hr", "col", "area", "base", "source", "wbr"}
# A person's e-mail or French phone number (the service's contact is checked apart).
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}\b")
PHONE = re.compile(r"(?<![\w.])0\d(?:[ .]?\d\d){4}(?!\d)")


class CheckedPage(HTMLParser):
    """Parses a page and records unbalanced tags, the text and the ``<style>`` content."""

    def __init__(self, html: str):
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.css = ""
        self.tags: list[str] = []
        self._in_style = False
        self.feed(html)
        self.close()
        self.errors += [f"unclosed <{t}>" for t in self.stack]

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in VOID:
            self.stack.append(tag)
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else '—'}>")
        else:
            self.stack.pop()
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.css += data
        else:
            self.text.append(data)

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).replace("\xa0", " ").split())


def no_people_contacts(text: str) -> None:
    assert not EMAIL.search(text), EMAIL.search(text)
    assert not PHONE.search(text), PHONE.search(text)


def schedule(**kw) -> Schedule:
    h = MONTHLY
    built, plan = tiny_built(
        h,
        {
            day_of(h, 1, 0): [("36124", *DAY)],
            day_of(h, 1, 1): [("r1", 540, 585), ("36173", 660, 780)],
            day_of(h, 0, None): [("36215", *DAY)],
        },
        **kw,
    )
    return Schedule.from_plan(as_json_plan(built, plan))


def test_html_parses_prints_on_a4_and_reads_day_by_day():
    page = CheckedPage(timetable_html(schedule(), "van"))
    assert page.errors == []
    assert "@page{size:A4" in page.css.replace(" ", "")
    text = page.plain
    assert "Horaires — Bus France services Essai" in text
    for title in ("2e lundi du mois", "2e mardi du mois", "Dernier jour ouvré du mois"):
        assert title in text
    assert "Visite à domicile (Migné)" in text
    assert "10:00–16:00" in text and "12:30–13:30" in text  # permanence and the break on site
    assert "Total par mois (cycle mensuel)" in text
    assert "graine 7" in text  # provenance footer
    no_people_contacts(text)
    assert page.tags.count("table") == 4  # three days and the totals


def test_csv_reads_with_pandas_and_its_totals_add_up():
    s = schedule()
    data = timetable_csv(s, "van")
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    frame = pd.read_csv(
        io.BytesIO(data), sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False
    )
    assert list(frame.columns[:4]) == ["Véhicule", "Jour", "Jour du cycle", "Étape"]
    km = frame["Distance (km)"].str.replace(",", ".").replace("", "0").astype(float)
    steps = frame["Étape"]
    per_day = km[steps.str.fullmatch(r"\d+|Retour")].sum()
    day_totals = km[steps == "Total du jour"].sum()
    assert day_totals == pytest.approx(per_day, abs=0.2)
    expected = sum(leg.km for legs in s.legs.values() for leg in legs)
    assert km[steps == "Total par mois (cycle mensuel)"].iloc[0] == pytest.approx(expected, abs=0.1)
    migne = frame[frame["Lieu"] == "Migné"].iloc[0]
    assert (migne["Début"], migne["Fin"], migne["Pause déjeuner"]) == (
        "10:00",
        "16:00",
        "12:30–13:30",
    )
    assert migne["Code INSEE"] == "36124" and migne["Présence (min)"] == "300"


def test_two_week_cycle_gives_cycle_and_average_month_totals():
    h = TWO_WEEKS
    built, plan = tiny_built(
        h,
        {day_of(h, 0, 1): [("36124", 600, 720)], day_of(h, 1, 1): [("36124", 600, 720)]},
        lunch=None,
    )
    s = Schedule.from_built(built, plan)
    rows = timetable_rows(s, "van")
    cycle = rows[rows["Étape"] == "Total du cycle"].iloc[0]
    month = rows[rows["Étape"] == "Total par mois (moyenne)"].iloc[0]
    assert month["Distance (km)"] == pytest.approx(cycle["Distance (km)"] * h.cycles_per_month)
    assert cycle["Présence (min)"] == pytest.approx(240)
    text = CheckedPage(timetable_html(s, "van", date(2027, 1, 4))).plain
    assert "Semaine 1 — mardi" in text and "Semaine 2 — mardi" in text
    assert "la semaine 1 est celle du lundi 4 janvier 2027" in text


def test_requesters_details_only_when_asked():
    h = MONTHLY
    built, plan = tiny_built(h, {day_of(h, 1, 1): [("r1", 540, 585), ("36173", 660, 780)]})
    without = timetable_html(Schedule.from_built(built, plan), "van") + timetable_csv(
        Schedule.from_built(built, plan), "van"
    ).decode("utf-8-sig")
    assert all(v not in without for v in PERSONAL.values())
    crew = Schedule.from_built(built, plan, include_personal=True)
    with_data = timetable_html(crew, "van")
    assert PERSONAL["requester_name"] in with_data and PERSONAL["address"] in with_data
    assert PERSONAL["requester_phone"] in timetable_csv(crew, "van").decode("utf-8-sig")


def test_a_break_between_stops_gets_its_own_line():
    h = MONTHLY
    built, plan = tiny_built(h, {day_of(h, 0, 2): [("36124", 600, 720), ("36173", 840, 960)]})
    rows = timetable_rows(Schedule.from_built(built, plan), "van")
    assert list(rows["Étape"][:5]) == ["Départ", "1", "Pause", "2", "Retour"]
    pause = rows[rows["Étape"] == "Pause"].iloc[0]
    assert (pause["Début"], pause["Fin"]) == ("12:30", "13:30")


def test_data_strings_are_escaped():
    h = MONTHLY
    built, plan = tiny_built(
        h, {day_of(h, 0, 2): [("36124", 600, 720)]}, name="<script>alert(1)</script>"
    )
    html = timetable_html(Schedule.from_built(built, plan), "van")
    assert "<script>" not in html and "&lt;script&gt;" in html
