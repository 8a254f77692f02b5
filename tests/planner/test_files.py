"""The one writer of output files: a failure at any point leaves the old files as they were and no
partial or temporary file behind."""

from __future__ import annotations

import errno
import os

import pytest

from planner import files
from planner.files import (
    OutputError,
    csv_text,
    folder_writer,
    formula_safe,
    write_file,
    write_files,
)


class _FailingHandle:
    """A file handle that writes part of the content, then fails like a full disk."""

    def __init__(self, handle):
        self.handle = handle

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()

    def write(self, content: bytes) -> int:
        self.handle.write(content[:3])
        raise OSError(errno.ENOSPC, "No space left on device", "disk")


def _fail_on(monkeypatch, n: int) -> None:
    """Make the ``n``-th file opened by the writer fail half way through."""
    opened = []
    real = os.fdopen

    def fdopen(fd, *args, **kwargs):
        opened.append(fd)
        handle = real(fd, *args, **kwargs)
        return _FailingHandle(handle) if len(opened) == n else handle

    monkeypatch.setattr(files.os, "fdopen", fdopen)


def _names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_write_file_writes_text_and_bytes_and_replaces_the_old_file(tmp_path):
    path = tmp_path / "plan.json"
    assert write_file(path, "é\r\n") == path
    assert path.read_bytes() == "é\r\n".encode()  # no newline translation
    write_file(path, b"\xef\xbb\xbfnew")
    assert path.read_bytes() == b"\xef\xbb\xbfnew"
    write_file(path, "x\u00e9", encoding="latin-1")
    assert path.read_bytes() == b"x\xe9"
    assert _names(tmp_path) == ["plan.json"]  # no temporary left


def test_a_failure_mid_write_leaves_the_old_file_intact_and_no_partial_file(tmp_path, monkeypatch):
    path = tmp_path / "plan.json"
    path.write_text("old", encoding="utf-8")
    _fail_on(monkeypatch, 1)
    with pytest.raises(OutputError, match="cannot write disk: No space left on device"):
        write_file(path, "a much longer new content")
    assert path.read_text(encoding="utf-8") == "old"
    assert _names(tmp_path) == ["plan.json"]


def test_an_interruption_mid_write_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "new.csv"

    def interrupted(fd, *args, **kwargs):
        os.close(fd)
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fdopen", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_file(path, "a;b\n")
    assert _names(tmp_path) == []


def test_write_files_writes_all_or_nothing(tmp_path, monkeypatch):
    first, second = tmp_path / "carte.html", tmp_path / "carte.csv"
    first.write_bytes(b"old map")
    _fail_on(monkeypatch, 2)  # the first file is written in full, the second fails
    with pytest.raises(OutputError):
        write_files({first: "new map", second: b"new csv"})
    assert first.read_bytes() == b"old map"
    assert _names(tmp_path) == ["carte.html"]
    monkeypatch.undo()
    assert write_files({first: "new map", second: b"new csv"}) == [first, second]
    assert first.read_bytes() == b"new map" and second.read_bytes() == b"new csv"
    assert _names(tmp_path) == ["carte.csv", "carte.html"]


def test_targets_that_cannot_be_written_are_one_line_errors_before_anything_is_written(
    tmp_path,
):
    good, missing = tmp_path / "a.html", tmp_path / "no-such-folder" / "b.csv"
    with pytest.raises(OutputError, match="no-such-folder.*does not exist"):
        write_files({good: b"a", missing: b"b"})
    (tmp_path / "dir.html").mkdir()
    with pytest.raises(OutputError, match="is a folder"):
        write_file(tmp_path / "dir.html", b"x")
    assert _names(tmp_path) == ["dir.html"]


def test_folder_writer_moves_a_finished_folder_into_place(tmp_path):
    target = tmp_path / "export"
    with folder_writer(target) as temp:
        assert temp.parent == tmp_path and temp != target
        (temp / "sub").mkdir()
        (temp / "sub" / "a.txt").write_text("a", encoding="utf-8")
    assert (target / "sub" / "a.txt").read_text(encoding="utf-8") == "a"
    assert _names(tmp_path) == ["export"]
    with folder_writer(target) as temp:  # replaces the old folder as a whole
        (temp / "b.txt").write_text("b", encoding="utf-8")
    assert _names(target) == ["b.txt"] and _names(tmp_path) == ["export"]
    with folder_writer(target, merge=True) as temp:  # keeps what it does not replace
        (temp / "c.txt").write_text("c", encoding="utf-8")
    assert _names(target) == ["b.txt", "c.txt"] and _names(tmp_path) == ["export"]


@pytest.mark.parametrize("exists", [False, True])
def test_folder_writer_leaves_nothing_on_failure(tmp_path, exists):
    target = tmp_path / "demo"
    if exists:
        target.mkdir()
        (target / "old.txt").write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), folder_writer(target) as temp:
        (temp / "half.txt").write_text("half", encoding="utf-8")
        raise RuntimeError("a section failed")
    assert _names(tmp_path) == (["demo"] if exists else [])
    if exists:
        assert _names(target) == ["old.txt"]
    with pytest.raises(OutputError, match="cannot write .*nope"), folder_writer(target) as temp:
        (temp / "half.txt").write_text("half", encoding="utf-8")
        (temp / "no" / "nope").write_text("x", encoding="utf-8")  # an OSError
    assert _names(tmp_path) == (["demo"] if exists else [])


def test_folder_writer_beside_a_missing_folder_is_a_one_line_error(tmp_path):
    with pytest.raises(OutputError, match="cannot create a temporary folder beside it"):
        with folder_writer(tmp_path / "missing" / "out"):
            pass


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ('=HYPERLINK("http://x","clic")', '\'=HYPERLINK("http://x","clic")'),
        ("+33 6 00", "+33 6 00"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("-1,5", "-1,5"),
        ("-12 345", "-12 345"),
        ("Saint-Août", "Saint-Août"),
        (None, ""),
        (42, "42"),
    ],
)
def test_a_cell_that_starts_like_a_formula_is_shown_as_text(cell, shown):
    assert formula_safe(cell) == shown


def test_csv_text_is_semicolons_crlf_and_neutralised():
    text = csv_text([["nom", "valeur"], ["=1+1", "-3"], ["a;b", "x"]])
    assert text == 'nom;valeur\r\n\'=1+1;-3\r\n"a;b";x\r\n'
