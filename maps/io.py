"""Writing map outputs without ever leaving a half-written file.

Every file of a set (map, table page, CSV) is first written in full to a temporary name in its
own folder, then all are renamed into place; if anything fails before the renames, the
temporaries are removed and no target is touched. Errors the user can cause (missing folder,
no permission, a folder where a file should go) become :class:`OutputError`. This module writes
bytes it is given; it must not build content.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from geodata.errors import ItineranceError


class OutputError(ItineranceError):
    """An output file cannot be written where the user asked."""


def check_writable(path: Path) -> None:
    """Raise :class:`OutputError` if ``path`` cannot be created or replaced as a file."""
    folder = path.parent if str(path.parent) else Path(".")
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


def write_files(files: Mapping[Path, bytes]) -> list[Path]:
    """Write every file atomically (temporary file, then rename); return the paths written."""
    for path in files:
        check_writable(path)
    temps: dict[Path, Path] = {}
    try:
        for path, content in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            temps[path] = Path(tmp)
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            os.chmod(tmp, 0o644)
    except OSError as exc:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {exc.filename or 'output'}: {exc.strerror}") from exc
    for path, tmp in temps.items():
        os.replace(tmp, path)
    return list(files)
