"""Where keys are in a scenario's TOML text: tomllib gives no positions, so error messages
can name the line of every key, table, array-of-tables element and array item."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

Loc = tuple[str | int, ...]  # where a key is: ("vehicles", 0, "shift")

# --- where keys are in the TOML text -------------------------------------------------------------


class _Scanner:
    """Finds the line of every key path of a TOML document already known to be valid."""

    _BARE = re.compile(r"[A-Za-z0-9_-]+")

    def __init__(self, text: str):
        self.s = text
        self.i = 0
        self.line = 1
        self.lines: dict[Loc, int] = {}
        self.aot: dict[Loc, int] = {}  # array-of-tables path -> index of its last element

    def record(self, path: Loc, line: int) -> None:
        self.lines.setdefault(path, line)

    def at(self, token: str) -> bool:
        return self.s.startswith(token, self.i)

    def advance(self, n: int = 1) -> None:
        self.line += self.s.count("\n", self.i, self.i + n)
        self.i += n

    def skip(self, newlines: bool) -> None:
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c in " \t\r" or (newlines and c == "\n"):
                self.advance()
            elif c == "#":
                end = s.find("\n", self.i)
                self.advance((len(s) if end < 0 else end) - self.i)
            else:
                break

    def run(self) -> dict[Loc, int]:
        table: Loc = ()
        while True:
            self.skip(newlines=True)
            if self.i >= len(self.s):
                return self.lines
            before = self.i
            if self.at("["):
                table = self.header()
            else:
                self.keyval(table)
            if self.i == before:  # not TOML we understand: step over it rather than loop
                self.advance()

    def header(self) -> Loc:
        line, aot = self.line, self.at("[[")
        self.advance(2 if aot else 1)
        keys = self.keys()
        self.skip(newlines=False)
        self.advance(2 if aot else 1)
        path: Loc = ()
        for n, key in enumerate(keys):
            path += (key,)
            if aot and n == len(keys) - 1:
                self.record(path, line)
                self.aot[path] = self.aot.get(path, -1) + 1
                path += (self.aot[path],)
            elif path in self.aot:
                path += (self.aot[path],)
        self.record(path, line)
        return path

    def keys(self) -> list[str]:
        out = []
        while True:
            self.skip(newlines=False)
            if self.at('"') or self.at("'"):
                quote = self.s[self.i]
                end = self.i + 1
                while self.s[end] != quote:
                    end += 2 if self.s[end] == "\\" and quote == '"' else 1
                raw = self.s[self.i : end + 1]
                out.append(json.loads(raw) if quote == '"' else raw[1:-1])
                self.advance(end + 1 - self.i)
            else:
                m = self._BARE.match(self.s, self.i)
                if not m:
                    return out
                out.append(m.group())
                self.advance(m.end() - self.i)
            self.skip(newlines=False)
            if not self.at("."):
                return out
            self.advance()

    def keyval(self, prefix: Loc) -> None:
        line = self.line
        keys = self.keys()
        for n in range(1, len(keys) + 1):
            self.record(prefix + tuple(keys[:n]), line)
        self.skip(newlines=False)
        if self.at("="):
            self.advance()
        self.skip(newlines=False)
        self.value(prefix + tuple(keys))

    def value(self, path: Loc) -> None:
        s = self.s
        if self.at('"""') or self.at("'''"):
            quote = s[self.i : self.i + 3]
            end = self.i + 3
            while not s.startswith(quote, end) or s.startswith(quote[0], end + 3):
                end += 2 if s[end] == "\\" and quote[0] == '"' else 1
            self.advance(end + 3 - self.i)
        elif self.at('"') or self.at("'"):
            quote, end = s[self.i], self.i + 1
            while s[end] != quote:
                end += 2 if s[end] == "\\" and quote == '"' else 1
            self.advance(end + 1 - self.i)
        elif self.at("["):
            self.advance()
            index = 0
            while True:
                self.skip(newlines=True)
                if self.i >= len(s) or self.at("]"):
                    break
                before = self.i
                self.record(path + (index,), self.line)
                self.value(path + (index,))
                index += 1
                self.skip(newlines=True)
                if self.at(",") or self.i == before:
                    self.advance()
            self.advance()
        elif self.at("{"):
            self.advance()
            while True:
                self.skip(newlines=True)
                if self.i >= len(s) or self.at("}"):
                    break
                before = self.i
                self.keyval(path)
                self.skip(newlines=True)
                if self.at(",") or self.i == before:
                    self.advance()
            self.advance()
        else:
            m = re.compile(r"[^,\]}#\n]*").match(s, self.i)
            self.advance(m.end() - self.i if m else 1)


def key_lines(text: str) -> dict[Loc, int]:
    """Line (1-based) of every key path of a valid TOML document.

    Paths are tuples of keys and array indices, as in the parsed document:
    ``("vehicles", 0, "lunch", "window")``, ``("stops", "list", 2)``,
    ``("horizon", "weekdays", 1)``. An array of tables is found at its first ``[[...]]`` header,
    each element at its own.
    """
    return _Scanner(text).run()


def key_path(loc: Iterable[str | int]) -> str:
    """``("vehicles", 0, "shift")`` → ``"vehicles[0].shift"``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
