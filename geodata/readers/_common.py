"""Helpers shared by the readers: reading CSV/JSON files with one-line errors."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from geodata.errors import DataError


def require_columns(columns: Iterable[str], needed: Iterable[str], path: Path | str) -> None:
    """DataError naming the file and the missing columns when any needed column is absent."""
    have = set(columns)
    missing = [c for c in needed if c not in have]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)} (found: {', '.join(sorted(have))})"
        )


def read_csv_text(path: Path, needed: Iterable[str]) -> pd.DataFrame:
    """A UTF-8 comma-separated file as strings ('' for empty), quoted multi-line fields allowed."""
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig"
        )
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: not a readable CSV file: {' '.join(str(exc).split())}") from None
    require_columns(frame.columns, needed, path)
    return frame


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects (a third faster);
    JSON documents hold no reference cycles, so nothing is lost."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_json(path: Path) -> Any:
    try:
        with open(path, "rb") as fh, paused_gc():
            return json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not valid JSON ({exc})") from None


def to_float(series: pd.Series) -> pd.Series:
    """Numbers written as text ('' → NaN; a decimal comma is accepted)."""
    values = pd.to_numeric(series, errors="coerce").astype(float)
    retry = values.isna() & series.astype(str).str.contains(",", regex=False)
    if retry.any():
        values[retry] = pd.to_numeric(
            series[retry].astype(str).str.replace(",", ".", regex=False), errors="coerce"
        )
    return values
