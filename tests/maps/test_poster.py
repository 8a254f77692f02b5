"""A4 posters per commune (maps.poster): French sentence, real next dates, holidays said."""

from __future__ import annotations

import itertools
import re
from datetime import date

from maps.poster import MAX_DATES, poster_html, poster_index_html
from planner.french import MONTHS_FR
from planner.outputs.calendar import Schedule
from planner.tours.wording import WEEKDAY_NAMES_FR
from tests.maps.test_timetable import CheckedPage, no_people_contacts
from tests.planner.outputs.test_calendar import (
    DAY,
    MONTHLY,
    PERSONAL,
    TWO_WEEKS,
    day_of,
    tiny_built,
)

START, END = date(2030, 1, 7), date(2031, 1, 6)
DATE = re.compile(rf"({'|'.join(WEEKDAY_NAMES_FR)}) (1er|\d+) ({'|'.join(MONTHS_FR)}) (\d{{4}})")


def parse_date(text: str) -> date:
    _, day, month, year = DATE.fullmatch(text).groups()  # type: ignore[union-attr]
    return date(int(year), MONTHS_FR.index(month) + 1, 1 if day == "1er" else int(day))


def schedule(**kw) -> Schedule:
    h = MONTHLY
    built, plan = tiny_built(
        h,
        {
            day_of(h, 1, 0): [("r1", 540, 585), ("36124", *DAY)],
            day_of(h, 2, 1): [("36173", 660, 780)],
        },
        **kw,
    )
    return Schedule.from_built(built, plan, include_personal=True)


def poster(s: Schedule, name: str, start: date = START, end: date = END, **kw) -> CheckedPage:
    commune = next(c for c in s.communes() if c.name == name)
    page = CheckedPage(poster_html(s, commune, start, end, **kw))
    assert page.errors == []
    return page


def listed_dates(page: CheckedPage) -> list[date]:
    return [
        parse_date(t.strip().replace("\xa0", " ")) for t in page.text if DATE.fullmatch(t.strip())
    ]


def test_poster_says_who_where_when_in_french_on_a4():
    page = poster(schedule(name="Bus France services La Rur@linette"), "Migné")
    assert "size:A4" in page.css.replace(" ", "")
    assert (
        "Le bus France services La Rur@linette vient à Migné le 2e lundi du mois, "
        "de 10 h à 12 h 30 et de 13 h 30 à 16 h." in page.plain
    )
    assert "Prochaines dates" in page.plain


def test_next_dates_are_second_mondays_and_holidays_are_said():
    page = poster(schedule(), "Migné")
    dates = listed_dates(page)
    assert len(dates) == 10  # 12 second Mondays of 2030 less two holidays, all within MAX_DATES
    assert all(d.weekday() == 0 and 8 <= d.day <= 14 for d in dates)
    assert dates == sorted(dates) and dates[0] == date(2030, 1, 14)
    assert date(2030, 6, 10) not in dates and date(2030, 11, 11) not in dates
    text = page.plain
    assert "Le lundi 10 juin 2030 (lundi de Pentecôte) : pas de permanence" in text
    assert "Le lundi 11 novembre 2030 (Armistice) : pas de permanence" in text


def test_at_most_max_dates_and_only_holidays_up_to_the_last_date_listed():
    h = MONTHLY
    built, plan = tiny_built(
        h, {day_of(h, w, 0): [("36124", 600, 720)] for w in range(4)}, lunch=None
    )
    s = Schedule.from_built(built, plan)
    page = poster(s, "Migné", start=date(2030, 3, 4))
    dates = listed_dates(page)
    assert len(dates) == MAX_DATES and all(d.weekday() == 0 for d in dates)
    assert dates[-1] == date(2030, 5, 27)
    assert "chaque lundi" in page.plain
    assert "Le lundi 22 avril 2030 (lundi de Pâques) : pas de permanence" in page.plain
    assert "Pentecôte" not in page.plain  # 10 June 2030 comes after the last date listed


def test_no_poster_mentions_a_home_visit_or_personal_data():
    s = schedule()
    assert [c.name for c in s.communes()] == ["Migné", "Rosnay"]
    for name in ("Migné", "Rosnay"):
        text = poster(s, name, contact="Familles Rurales de l'Indre, accueil").plain
        assert "domicile" not in text
        assert all(v not in text for v in PERSONAL.values())
        no_people_contacts(text)
        assert "Renseignements : Familles Rurales de l'Indre, accueil" in text


def test_service_name_given_by_the_user():
    text = poster(schedule(), "Rosnay", service="Bus France services").plain
    assert text.count("Bus France services") >= 2
    assert "Le bus France services vient à Rosnay le 3e mardi du mois, de 11 h à 13 h." in text


def test_fortnightly_stop_lists_every_other_week_from_the_start():
    h = TWO_WEEKS
    built, plan = tiny_built(h, {day_of(h, 1, 2): [("36173", 600, 720)]}, lunch=None)
    s = Schedule.from_built(built, plan)
    page = poster(s, "Rosnay")
    dates = listed_dates(page)
    assert dates[0] == date(2030, 1, 16)  # week 2's Wednesday from Monday 7 January
    gaps = [(b - a).days for a, b in itertools.pairwise(dates)]
    assert gaps == [14] * 7 + [28] + [14] * 3  # Wednesday 8 May 2030 is a holiday
    assert "Le mercredi 8 mai 2030 (Fête de la Victoire) : pas de permanence" in page.plain
    assert "un mercredi sur deux" in page.plain


def test_index_lists_every_poster_with_its_sentence():
    s = schedule()
    links = [(c, f"{c.key}.html") for c in s.communes()]
    page = CheckedPage(poster_index_html(s, links, START, END))
    assert page.errors == []
    assert "vient à Migné le 2e lundi du mois" in page.plain and "vient à Rosnay" in page.plain
    assert "36124.html" in poster_index_html(s, links, START, END)
    assert "domicile" not in page.plain.replace("Les visites à domicile n'ont pas d'affiche", "")
