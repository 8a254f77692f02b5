"""Helpers shared by the readers: reading CSV/JSON files with one-line errors."""

from __future__ import annotations

import json
from collections.abc import Iterable
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


def read_json(path: Path) -> Any:
    try:
        with open(path, "rb") as fh:
            return json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not valid JSON ({exc})") from None


def to_float(series: pd.Series) -> pd.Series:
    """Numbers written as text ('' → NaN; a decimal comma is accepted)."""
    text = series.astype(str).str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(text.mask(text == ""), errors="coerce").astype(float)
