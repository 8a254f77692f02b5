"""Tables that go beside the maps, for readers who cannot use a map: accessible HTML and CSV.

The HTML follows the WCAG table techniques: a ``<caption>``, column headers with
``scope="col"``, the first column as row headers with ``scope="row"``, a page in French
(``lang="fr"``) usable with a screen reader or without any script. The CSV is written for French
spreadsheets: ``;`` separator, decimal comma, UTF-8 with a byte-order mark. Cells are plain text
here and escaped on output; this module decides nothing about what the tables hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from maps._html import esc, fmt_decimal, fmt_int, is_missing
from planner.files import csv_text as spreadsheet_csv

# How a column is shown: "int" (12 345), "dec1" (6,3), "text".
ColumnKinds = dict[str, str]

_FORMATTERS = {
    "int": fmt_int,
    "dec1": lambda v: fmt_decimal(v, 1),
    "text": lambda v: "" if is_missing(v) else str(v),
}


@dataclass(frozen=True)
class Table:
    """A French table: its caption, the frame (French column names) and how to show columns."""

    caption: str
    frame: pd.DataFrame
    kinds: ColumnKinds
    note: str | None = None

    def cell(self, column: str, value: object) -> str:
        return _FORMATTERS[self.kinds.get(column, "text")](value)


def html_table(table: Table, *, table_id: str | None = None) -> str:
    """The table as accessible HTML; every cell is escaped."""
    cols = list(table.frame.columns)
    numeric = {c for c in cols if table.kinds.get(c, "text") != "text"}
    head = "".join(
        f'<th scope="col"{" class=num" if c in numeric else ""}>{esc(c)}</th>' for c in cols
    )
    rows = []
    for values in table.frame.itertuples(index=False, name=None):
        cells = []
        for n, (col, value) in enumerate(zip(cols, values)):
            text = esc(table.cell(col, value))
            attr = ' class="num"' if col in numeric else ""
            cells.append(
                f'<th scope="row"{attr}>{text}</th>' if n == 0 else f"<td{attr}>{text}</td>"
            )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    ident = f' id="{esc(table_id)}"' if table_id else ""
    note = f'<p class="note">{esc(table.note)}</p>' if table.note else ""
    return (
        f'<div class="scroll"><table{ident}><caption>{esc(table.caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>{note}"
    )


_PAGE_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1a1a1a;
  margin:0 auto;padding:16px 20px;max-width:1400px}
h1{font-size:1.5em;margin:.2em 0}
table{border-collapse:collapse;margin:1em 0 .3em;font-size:.9em}
caption{text-align:left;font-weight:700;font-size:1.1em;padding:.4em 0;caption-side:top}
th,td{border:1px solid #bbb;padding:.25em .5em;vertical-align:top}
thead th{background:#e8edf5;position:sticky;top:0}
tbody th{text-align:left;font-weight:600}
.num{text-align:right}
td.num{white-space:nowrap}
thead th{max-width:9em}
.scroll{overflow-x:auto}
tbody tr:nth-child(even){background:#f6f6f6}
.note{font-size:.85em;color:#444;margin:0 0 1.5em}
nav a{margin-right:1em}
"""


def table_page(
    title: str,
    tables: Sequence[Table],
    *,
    intro: Sequence[str] = (),
    links: Sequence[tuple[str, str]] = (),
) -> str:
    """A complete French HTML page: a title, paragraphs of text, links (label, href), tables."""
    nav = " ".join(f'<a href="{esc(href)}">{esc(label)}</a>' for label, href in links)
    paras = "".join(f"<p>{esc(p)}</p>" for p in intro)
    body = "".join(html_table(t, table_id=f"tableau-{n + 1}") for n, t in enumerate(tables))
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{_PAGE_CSS}</style>\n</head>\n<body>\n"
        f"<header><h1>{esc(title)}</h1>{f'<nav>{nav}</nav>' if nav else ''}{paras}</header>\n"
        f"<main>{body}</main>\n</body>\n</html>\n"
    )


def _csv_cell(kind: str, value: object) -> str:
    if is_missing(value):
        return ""
    if kind == "int":
        return str(round(float(value)))  # type: ignore[arg-type]
    if kind == "dec1":
        return f"{float(value):.1f}".replace(".", ",")  # type: ignore[arg-type]
    return str(value)


def csv_text(table: Table) -> str:
    """The table as CSV for French spreadsheets (``;``, decimal comma, formulas neutralised; BOM
    added on writing)."""
    cols = list(table.frame.columns)
    kinds = [table.kinds.get(c, "text") for c in cols]
    rows = (
        [_csv_cell(k, v) for k, v in zip(kinds, values)]
        for values in table.frame.itertuples(index=False, name=None)
    )
    return spreadsheet_csv([cols, *rows])
