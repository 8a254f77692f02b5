"""The tour map's look: the CSS classes the browser tests count, the colours of the coverage it
creates, and the page's own CSS (numbered markers, legend, filter control).
"""

from __future__ import annotations

ROUTE_CLASS = "itin-route"  # CSS class of every route line (the browser test counts them)

STOP_CLASS = "itin-stop"  # class of every numbered stop marker

BASE_CLASS = "itin-base"

CREATED_CLASS = "itin-created"  # communes the tour brings within the threshold

REACHED_CLASS = "itin-reached"  # communes within reach of the tour's stops, already covered before

GAP_CLASS = "itin-still-gap"  # communes still without human help within the threshold

CREATED_COLOUR = "#1b9e77"

GAP_COLOUR = "#969696"

EPS = 1e-6

TWO_COLUMNS = 8  # more routes than this: the legend and the day list go in two columns

COLUMNS_CSS = 'section[data-legend="routes"] ul{columns:2;column-gap:14px}'

TOUR_CSS = """
.itin-num{display:flex;align-items:center;justify-content:center;box-sizing:border-box;
  width:var(--s);height:var(--s);border-radius:50%;background:var(--c);color:var(--t);
  border:2px solid #fff;box-shadow:0 1px 3px rgba(0,0,0,.6);
  font:700 12px/1 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.itin-num-home{border-radius:3px}
.itin-legend .itin-num{flex:none}
path.itin-route{filter:drop-shadow(0 0 1.2px #fff) drop-shadow(0 0 .6px #fff)}
.itin-line-sample{flex:none;display:block}
.itin-legends{max-width:420px}
section[data-legend="routes"] li{break-inside:avoid}
section[data-legend="routes"] li span{overflow-wrap:anywhere}
.itin-filter{font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
  max-height:50vh;overflow-y:auto;padding:6px 10px 6px 8px}
.itin-filter fieldset{border:none;margin:0 0 6px;padding:0}
.itin-filter legend{font-size:13px;font-weight:700;float:none;line-height:1.35;padding:0;\
margin-bottom:2px;display:flex;gap:6px;align-items:baseline;width:100%}
.itin-filter legend button{font:12px system-ui,sans-serif;border:none;background:none;color:#1d3f8f;
  text-decoration:underline;padding:0 2px;cursor:pointer}
.itin-filter .itin-filter-list{display:grid;grid-template-columns:1fr;column-gap:12px}
.itin-filter .itin-filter-list.itin-cols{grid-template-columns:1fr 1fr}
.itin-filter label{display:flex;align-items:center;gap:5px;white-space:nowrap;margin:1px 0;\
cursor:pointer}
.itin-filter label input{margin:0}
.itin-filter .itin-dot{width:10px;height:10px;border-radius:50%;flex:none;\
border:1px solid rgba(0,0,0,.25)}
"""
