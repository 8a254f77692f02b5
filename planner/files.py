"""Writing output files without ever leaving a half-written one: the one writer of the project.

- :func:`write_file` writes one file: in full to a temporary name in its own folder, then
  renamed over the target, so a reader sees the old file or the new one, never a part.
- :func:`write_files` writes a set of files all or nothing: every file goes to a temporary name
  first; only when all are written are they renamed into place. On a failure the temporaries
  are removed and no target is touched.
- :func:`folder_writer` writes a folder all or nothing: the caller fills a temporary folder
  beside the target, which is moved into place at the end (replacing the old folder, or
  merging into it); on a failure the temporary folder is removed.

Errors the user can cause (missing folder, no permission, a folder where a file should go)
become :class:`OutputError`, one line. This module writes what it is given; it builds no
content and imports nothing else of the project but the error base class, so that every
package (planner, maps, the CLI) can use it.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from geodata.errors import ItineranceError

__all__ = [
    "OutputError",
    "check_writable",
    "csv_text",
    "formula_safe",
    "folder_writer",
    "move_folder_into_place",
    "staging_folder",
    "write_file",
    "write_files",
]


class OutputError(ItineranceError):
    """An output file cannot be written where the user asked."""


def _folder_of(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def check_writable(path: Path) -> None:
    """Raise :class:`OutputError` if ``path`` cannot be created or replaced as a file."""
    folder = _folder_of(path)
    if not folder.is_dir():
        raise OutputError(
            f"{path}: folder {folder} does not exist; create it or choose another output"
        )
    if path.is_dir():
        raise OutputError(
            f"{path}: is a folder; expected a file name such as {path / 'carte.html'}"
        )
    if not os.access(folder, os.W_OK):
        raise OutputError(f"{path}: folder {folder} is not writable")


def _as_bytes(content: str | bytes, encoding: str) -> bytes:
    return content.encode(encoding) if isinstance(content, str) else content


def _write_temporary(path: Path, content: bytes) -> Path:
    """``content`` in a new temporary file beside ``path`` (removed again if writing fails)."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=_folder_of(path))
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(tmp, 0o644)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_files(files: Mapping[Path, str | bytes], *, encoding: str = "utf-8") -> list[Path]:
    """Write every file, all or nothing (temporary files, renamed into place once all are
    written); text is encoded with ``encoding``, without newline translation. Returns the
    paths written."""
    files = {Path(path): content for path, content in files.items()}
    for path in files:
        check_writable(path)
    temps: dict[Path, Path] = {}
    try:
        for path, content in files.items():
            temps[path] = _write_temporary(path, _as_bytes(content, encoding))
    except OSError as exc:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {exc.filename or 'output'}: {exc.strerror}") from exc
    except BaseException:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
        raise
    for path, tmp in temps.items():
        os.replace(tmp, path)
    return list(files)


def write_file(path: Path | str, content: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Write one file atomically (a temporary file, then a rename); text is encoded with
    ``encoding``, without newline translation. Returns the path written."""
    return write_files({Path(path): content}, encoding=encoding)[0]


def staging_folder(target: Path) -> Path:
    """A new empty temporary folder beside ``target``, to be filled and then moved into place
    with :func:`move_folder_into_place` (or removed)."""
    target = Path(target)
    try:
        return Path(
            tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=_folder_of(target))
        )
    except OSError as exc:
        raise OutputError(
            f"{target}: cannot create a temporary folder beside it ({exc.strerror})"
        ) from None


def move_folder_into_place(temp: Path, target: Path, *, merge: bool = False) -> None:
    """Move the finished folder ``temp`` to ``target``. An existing ``target`` is replaced as a
    whole (moved aside, then removed), or with ``merge`` keeps the files ``temp`` does not hold
    (each file of ``temp`` replaces its namesake)."""
    temp, target = Path(temp), Path(target)
    if not target.exists():
        os.replace(temp, target)
        return
    if merge:
        for path in sorted(p for p in temp.rglob("*") if p.is_file()):
            dest = target / path.relative_to(temp)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, dest)
        shutil.rmtree(temp, ignore_errors=True)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    os.replace(target, old)
    os.replace(temp, target)
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def folder_writer(target: Path | str, *, merge: bool = False) -> Iterator[Path]:
    """Write the folder ``target`` all or nothing: yield a temporary folder beside it to fill;
    when the block ends normally it is moved into place (:func:`move_folder_into_place`); when
    the block raises, it is removed and ``target`` is untouched. An :class:`OSError` becomes
    an :class:`OutputError`."""
    target = Path(target)
    temp = staging_folder(target)
    try:
        yield temp
        move_folder_into_place(temp, target, merge=merge)
    except OSError as exc:
        raise OutputError(
            f"{target}: cannot write {exc.filename or 'the folder'} ({exc.strerror})"
        ) from None
    finally:
        shutil.rmtree(temp, ignore_errors=True)


# --- CSV for people ----------------------------------------------------------------------------

# A spreadsheet reads a cell starting with one of these as a formula (CSV injection, OWASP);
# numbers written as such ("-1,5", "+33") are left alone.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d[\d\s\u202f\u00a0]*(?:[.,]\d+)?(?:[eE][+-]?\d+)?$")


def formula_safe(cell: object) -> str:
    """A CSV cell a spreadsheet will show as text: a leading apostrophe before text that starts
    like a formula (``=HYPERLINK(…)`` → ``'=HYPERLINK(…)``)."""
    text = "" if cell is None else str(cell)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def csv_text(
    rows: Iterable[Sequence[object]], *, delimiter: str = ";", lineterminator: str = "\r\n"
) -> str:
    """The one CSV writer for files people open in a spreadsheet: ``;`` and CRLF by default (as
    French Excel and LibreOffice expect), every cell through :func:`formula_safe`. The caller adds
    the BOM when it writes the bytes."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator)
    for row in rows:
        writer.writerow([formula_safe(cell) for cell in row])
    return out.getvalue()
