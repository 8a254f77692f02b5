"""The tour map: what a plan's vehicles do, day by day, in French, on a Folium map.

:func:`build_tour_map` draws every vehicle-day route of a :class:`~planner.tours.plan.Plan` in its
own colour (:func:`maps.style.route_style`): a line base → stops → base in visit order and numbered
stop markers whose popups give the commune, the day(s) in words, the arrival, the permanence hours
(split by the lunch break) and the driving time from the previous stop. A control groups the routes
by day and by vehicle (a route is shown while its day *and* its vehicle are ticked), a legend lists
the routes by colour and follows them, and an optional layer shades the communes the tour brings
within the coverage threshold. :func:`write_tour_map` writes the map with the same information as an
accessible table page and a CSV of the stops.

Its modules: :mod:`~maps.tour.routes` (the plan as drawn), :mod:`~maps.tour.text` (popups and
hours), :mod:`~maps.tour.coverage` (the coverage the tour creates), :mod:`~maps.tour.controls`
(the day and vehicle filter), :mod:`~maps.tour.tables` (the table page and CSV),
:mod:`~maps.tour.style` (classes and CSS) and :mod:`~maps.tour.build` (the map put together and
written). This package gives the entry points below.

The plan is enough: names and places come from ``plan.meta.context``, the cycle's day names
("2e lundi du mois"), the bases and the driving times and distances from
``plan.meta.schedule`` (:mod:`planner.tours.schedule`), times from its routes. The
:class:`~planner.tours.model.Problem` it was made for, when given, stands in for a plan written
without them.

Privacy: an on-demand home visit shows as its commune and time slot only — placed at the
commune's point, never at the address, with no requester's name — unless
``include_personal_data``. This package presents a plan: it must not plan, validate, compute
coverage (the caller passes :mod:`planner.access.coverage` frames) nor read the database.
"""

from __future__ import annotations

from maps.tour.build import TourMap, build_tour_map, make_tour_map, write_tour_map
from maps.tour.coverage import created_coverage
from maps.tour.routes import TourRoute, TourVisit, tour_routes
from maps.tour.tables import tour_tables
from maps.tour.text import permanence_text

__all__ = [
    "TourMap",
    "TourRoute",
    "TourVisit",
    "build_tour_map",
    "created_coverage",
    "make_tour_map",
    "permanence_text",
    "tour_routes",
    "tour_tables",
    "write_tour_map",
]
