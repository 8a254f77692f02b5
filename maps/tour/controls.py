"""The tour map's own Leaflet controls: :class:`TourFilter` shows a route while its day *and* its
vehicle are ticked, with the days in one or two columns; :class:`FitFreeArea` fits the map to the
routes in the part of the window the legends and the control leave free.

In the templates, a Jinja comment ``{#`` … ``#}`` across a line end only breaks a long line in
the source: nothing of it reaches the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from branca.element import MacroElement
from folium.map import Layer
from jinja2 import Template

from maps._html import esc, js_json
from maps.tour.routes import TourRoute
from maps.tour.style import TWO_COLUMNS


class TourFilter(MacroElement):
    """Check boxes grouped by day and by vehicle (a route shows while both are ticked), plus
    other layers; a Leaflet control styled like the layer control (so ``click_layer`` works)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var routes = [
                {%- for layer, day, vehicle in this.route_links %}
                [{{ layer }}, {{ day|tojson }}, {{ vehicle|tojson }}],
                {%- endfor %}
            ];
            var others = [
                {%- for key, layers in this.other_links %}
                [{{ key|tojson }}, [{{ layers|join(", ") }}]],
                {%- endfor %}
            ];
            var Filter = L.Control.extend({
                onAdd: function () {
                    var div = L.DomUtil.create("div", {#
                        #}"leaflet-control-layers leaflet-control-layers-expanded itin-filter");
                    div.innerHTML = {{ this.html_json }};
                    L.DomEvent.disableClickPropagation(div);
                    L.DomEvent.disableScrollPropagation(div);
                    return div;
                }
            });
            var box = new Filter({position: "topright"}).addTo(map).getContainer();
            var inputs = {};  // by kind and value, without building selectors from data
            box.querySelectorAll("input[data-kind]").forEach(function (i) {
                inputs[i.dataset.kind + "\\u0000" + i.value] = i;
            });
            function ticked(kind, value) {
                var input = inputs[kind + "\\u0000" + value];
                return !input || input.checked;
            }
            function show(layer, on) {
                if (on && !map.hasLayer(layer)) { map.addLayer(layer); }
                if (!on && map.hasLayer(layer)) { map.removeLayer(layer); }
            }
            function sync() {
                routes.forEach(function (r) { {#
                    #}show(r[0], ticked("day", r[1]) && ticked("vehicle", r[2])); });
                others.forEach(function (o) { {#
                    #}o[1].forEach(function (l) { show(l, ticked("layer", o[0])); }); });
            }
            box.addEventListener("change", sync);
            box.querySelectorAll("button[data-group]").forEach(function (b) {
                b.addEventListener("click", function () {
                    Object.keys(inputs).forEach(function (k) {
                        if (inputs[k].dataset.kind === b.dataset.group) { {#
                            #}inputs[k].checked = b.dataset.all === "1"; }
                    });
                    sync();
                });
            });
            sync();
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        routes: Sequence[tuple[Layer, TourRoute]],
        others: Sequence[tuple[str, str, Sequence[Layer]]],
        *,
        vehicle_group: bool,
    ):
        super().__init__()
        self._name = "TourFilter"
        self.routes = list(routes)
        self.others = list(others)
        days: dict[int, tuple[str, str]] = {}
        vehicles: dict[str, tuple[str, str]] = {}
        for _, r in self.routes:
            days.setdefault(r.day, (r.day_title, r.style.colour))
            vehicles.setdefault(r.vehicle, (r.vehicle_name, r.style.colour))
        # with one vehicle a day is a route: its check box shows the route's colour; in a
        # monthly cycle "du mois" goes once in the heading
        monthly = any(t.endswith(" du mois") for t, _ in days.values())
        parts = [
            self._group(
                "day",
                "Jours du mois" if monthly else "Jours",
                [
                    (str(d), t.removesuffix(" du mois"), None if vehicle_group else c)
                    for d, (t, c) in sorted(days.items())
                ],
            )
        ]
        if vehicle_group:
            parts.append(
                self._group(
                    "vehicle", "Véhicules", [(v, n, None) for v, (n, _) in vehicles.items()]
                )
            )
        if self.others:
            labels = "".join(
                f'<label><input type="checkbox" data-kind="layer" value="{esc(key)}" checked>'
                f"<span>{esc(label)}</span></label>"
                for key, label, _ in self.others
            )
            parts.append(
                "<fieldset><legend>Autres couches</legend><div "
                f'class="itin-filter-list">{labels}</div></fieldset>'
            )
        self.html_json = js_json(
            '<form class="itin-filter-form" aria-label="Couches de la '
            f'carte">{"".join(parts)}</form>'
        )

    @staticmethod
    def _group(kind: str, title: str, items: Sequence[tuple[str, str, str | None]]) -> str:
        """A fieldset of check boxes; for days with one vehicle, the dot shows the route colour."""
        cols = " itin-cols" if len(items) > TWO_COLUMNS else ""
        labels = "".join(
            f'<label><input type="checkbox" data-kind="{kind}" value="{esc(value)}" checked>'
            + (f'<span class="itin-dot" style="background:{colour}"></span>' if colour else "")
            + f"<span>{esc(label)}</span></label>"
            for value, label, colour in items
        )
        what = title.split()[0].lower()
        buttons = (
            f'<button type="button" data-group="{kind}" data-all="1" aria-label="Afficher tous les '
            f'{what}">tous</button>'
            f'<button type="button" data-group="{kind}" data-all="0" aria-label="Masquer tous les '
            f'{what}">aucun</button>'
        )
        return (
            f"<fieldset><legend><span>{title}</span>{buttons}</legend>"
            f'<div class="itin-filter-list{cols}">{labels}</div></fieldset>'
        )

    def render(self, **kwargs: Any) -> None:
        self.route_links = [(layer.get_name(), str(r.day), r.vehicle) for layer, r in self.routes]
        self.other_links = [
            (key, [layer.get_name() for layer in layers]) for key, _, layers in self.others
        ]
        super().render(**kwargs)


class FitFreeArea(MacroElement):
    """Fit the map to ``bounds`` in the part of it the title box, the caption and the right-hand
    panels leave free (in a window too small for that, the whole map)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }}, size = map.getSize(), right = 0, top = 0;
            map.getContainer().querySelectorAll(".leaflet-right .leaflet-control"){#
                #}.forEach(function (c) {
                right = Math.max(right, c.offsetWidth);
            });
            var title = map.getContainer().querySelector(".itin-title");
            var corner = map.getContainer().querySelector(".leaflet-bottom.leaflet-left");
            if (title) { top = title.offsetHeight; }
            var bottom = corner ? corner.offsetHeight : 0;
            var pr = right + 30 < size.x / 2 ? right + 30 : 20;
            var pt = top + 30, pb = bottom + 20;
            if (pt + pb > size.y / 2) { pt = pb = 20; }
            // the filter (top right) and the legends (bottom right) share the right-hand side
            var filter = map.getContainer().querySelector(".itin-filter");
            var legends = map.getContainer().querySelector(".itin-legends");
            if (filter && legends) {
                legends.style.maxHeight = Math.max(140, size.y - filter.offsetHeight - 40) + "px";
            }
            map.fitBounds({{ this.bounds_json }}, {#
                #}{paddingTopLeft: [30, pt], paddingBottomRight: [pr, pb], maxZoom: 13});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, bounds: tuple[float, float, float, float]):
        super().__init__()
        self._name = "FitFreeArea"
        minx, miny, maxx, maxy = bounds
        self.bounds_json = js_json([[miny, minx], [maxy, maxx]])
