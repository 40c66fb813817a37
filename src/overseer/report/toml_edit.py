"""Edit string arrays in TOML *text*, touching nothing else: the scope suggestion must be a
diff a reviewer can read line by line, with every other byte of ``config.toml`` (comments,
alignment, blank lines, key order) left exactly as its owner wrote it.

:func:`scan` is a small TOML lexer that knows what config files use — ``[table]`` headers
(dotted and quoted keys), ``key = value`` lines (dotted keys too), basic and literal strings
(multi-line ones as well), arrays over several lines with comments in them, inline tables —
and records where each array of strings and each of its items sits in the text.
:func:`edit_arrays` then removes items and appends new ones, each change annotated with a
TOML comment:

* in an array written over several lines, a removed item's line becomes a ``# removed``
  comment (or the comment goes above a line that keeps other items), and a new item gets its
  own line with its evidence as a trailing comment;
* an array written on one line is rewritten on that line, with the comments above its key;
* a list that does not exist yet (no ``deny`` key in the table) is added after the table's
  last key.

The caller re-parses the result with :mod:`tomllib` (and the config validator) — this module
checks that each edited array now holds exactly the intended values.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Mapping, Sequence
from typing import Any

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_WS = " \t"


class TomlEditError(ValueError):
    """The text cannot be edited as asked (an unsupported shape, or a check failed)."""


class Item:
    """One value of an array: its span in the text, the offset of the comma after it (if
    any), and its value when it is a string."""

    __slots__ = ("comma", "end", "start", "value")

    def __init__(self, start: int, end: int, value: Any) -> None:
        self.start, self.end, self.value = start, end, value
        self.comma: int | None = None

    def __repr__(self) -> str:
        return f"Item({self.value!r}, {self.start}:{self.end})"


class ArraySpan:
    """An array value: the key line's start, its brackets and its items."""

    __slots__ = ("close", "items", "key_start", "open", "path")

    def __init__(self, path: tuple[str, ...], key_start: int, open_: int) -> None:
        self.path = path
        self.key_start = key_start
        self.open = open_
        self.close = -1
        self.items: list[Item] = []

    def values(self) -> list[Any]:
        return [item.value for item in self.items]


class TableSpan:
    """A ``[table]`` header and where its last key/value statement ends."""

    __slots__ = ("header_end", "header_start", "last_end", "path")

    def __init__(self, path: tuple[str, ...], header_start: int, header_end: int) -> None:
        self.path = path
        self.header_start = header_start
        self.header_end = header_end
        self.last_end = header_end


class Document:
    """Where things are in one TOML text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tables: dict[tuple[str, ...], TableSpan] = {}
        self.arrays: dict[tuple[str, ...], ArraySpan] = {}


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.n = len(text)
        self.doc = Document(text)

    def fail(self, message: str) -> TomlEditError:
        line = self.text.count("\n", 0, self.i) + 1
        return TomlEditError(f"line {line}: {message}")

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.text[j] if j < self.n else ""

    def skip_ws(self) -> None:
        while self.i < self.n and self.text[self.i] in _WS:
            self.i += 1

    def skip_comment(self) -> None:
        if self.peek() == "#":
            end = self.text.find("\n", self.i)
            self.i = self.n if end < 0 else end

    def skip_blank(self) -> None:
        """Whitespace, newlines and comments (inside arrays, between statements)."""
        while self.i < self.n:
            ch = self.text[self.i]
            if ch in _WS or ch in "\r\n":
                self.i += 1
            elif ch == "#":
                self.skip_comment()
            else:
                return

    def end_of_line(self) -> None:
        self.skip_ws()
        self.skip_comment()
        if self.peek() == "\r":
            self.i += 1
        if self.peek() == "\n":
            self.i += 1
        elif self.i < self.n:
            raise self.fail("expected the end of the line")

    def string(self) -> tuple[int, int, str]:
        start = self.i
        for quote in ('"""', "'''"):
            if self.text.startswith(quote, self.i):
                end = self.text.find(quote, self.i + 3)
                if end < 0:
                    raise self.fail("unterminated multi-line string")
                end += 3
                while self.text.startswith(quote[0], end):  # up to two quotes may close it
                    end += 1
                self.i = end
                return start, end, self._decode(start, end)
        quote = self.peek()
        j = self.i + 1
        while j < self.n:
            ch = self.text[j]
            if ch == "\\" and quote == '"':
                j += 2
                continue
            if ch == quote:
                break
            if ch == "\n":
                raise self.fail("newline in a string")
            j += 1
        if j >= self.n:
            raise self.fail("unterminated string")
        self.i = j + 1
        return start, self.i, self._decode(start, self.i)

    def _decode(self, start: int, end: int) -> str:
        try:
            value = tomllib.loads("v = " + self.text[start:end])["v"]
        except tomllib.TOMLDecodeError as exc:
            raise self.fail(f"bad string: {exc}") from None
        return str(value)

    def key(self) -> tuple[str, ...]:
        parts: list[str] = []
        while True:
            self.skip_ws()
            ch = self.peek()
            if ch in ('"', "'"):
                parts.append(self.string()[2])
            else:
                match = _BARE.match(self.text, self.i)
                if not match:
                    raise self.fail("expected a key")
                parts.append(match.group(0))
                self.i = match.end()
            self.skip_ws()
            if self.peek() != ".":
                return tuple(parts)
            self.i += 1

    def value(self, path: tuple[str, ...] | None, key_start: int) -> Any:
        """Skip one value; arrays at ``path`` are recorded."""
        ch = self.peek()
        if ch in ('"', "'"):
            return self.string()[2]
        if ch == "[":
            return self.array(path, key_start)
        if ch == "{":
            self.inline_table()
            return None
        start = self.i
        while self.i < self.n and self.text[self.i] not in ",]}#\r\n":
            self.i += 1
        if self.i == start:
            raise self.fail("expected a value")
        return None

    def array(self, path: tuple[str, ...] | None, key_start: int) -> ArraySpan:
        span = ArraySpan(path or (), key_start, self.i)
        self.i += 1
        while True:
            self.skip_blank()
            if self.peek() == "]":
                span.close = self.i
                self.i += 1
                break
            if not self.peek():
                raise self.fail("unterminated array")
            start = self.i
            value = self.value(None, key_start)
            item = Item(start, self.i, value if isinstance(value, str) else None)
            span.items.append(item)
            self.skip_blank()
            if self.peek() == ",":
                item.comma = self.i
                self.i += 1
            elif self.peek() != "]":
                raise self.fail("expected , or ] in an array")
        if path is not None:
            self.doc.arrays[path] = span
        return span

    def inline_table(self) -> None:
        self.i += 1
        while True:
            self.skip_ws()
            if self.peek() == "}":
                self.i += 1
                return
            self.key()
            self.skip_ws()
            if self.peek() != "=":
                raise self.fail("expected = in an inline table")
            self.i += 1
            self.skip_ws()
            self.value(None, self.i)
            self.skip_ws()
            if self.peek() == ",":
                self.i += 1
            elif self.peek() != "}":
                raise self.fail("expected , or } in an inline table")

    def run(self) -> Document:
        table: tuple[str, ...] = ()
        current: TableSpan | None = None
        while True:
            self.skip_blank()
            if self.i >= self.n:
                return self.doc
            line_start = self.text.rfind("\n", 0, self.i) + 1
            if self.peek() == "[":
                many = self.peek(1) == "["
                self.i += 2 if many else 1
                table = self.key()
                self.skip_ws()
                closing = "]]" if many else "]"
                if not self.text.startswith(closing, self.i):
                    raise self.fail("expected ] after a table name")
                self.i += len(closing)
                self.end_of_line()
                if many:  # arrays of tables are not edited
                    current, table = None, ("[[", *table)
                else:
                    current = TableSpan(table, line_start, self.i)
                    self.doc.tables[table] = current
                continue
            key = self.key()
            self.skip_ws()
            if self.peek() != "=":
                raise self.fail("expected = after a key")
            self.i += 1
            self.skip_ws()
            self.value(table + key, line_start)
            self.end_of_line()
            if current is not None:
                current.last_end = self.i


def scan(text: str) -> Document:
    """Locate every table and array in ``text`` (:class:`TomlEditError` if it cannot)."""
    return _Lexer(text).run()


def toml_string(value: str) -> str:
    """A TOML basic string for ``value`` (every control character escaped)."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def comment_text(text: str) -> str:
    """One line fit for a TOML comment (no line breaks, no control characters)."""
    cleaned = "".join(ch if ch >= " " and ch != "\x7f" else " " for ch in text)
    return " ".join(cleaned.split())


class ArrayEdit:
    """What to do to one array: item values to remove (each with its comment) and values to
    append (each with its comment). ``key`` is the array's full dotted path."""

    __slots__ = ("add", "key", "remove")

    def __init__(
        self,
        key: Sequence[str],
        remove: Mapping[str, str] | None = None,
        add: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.key = tuple(key)
        self.remove = dict(remove or {})
        self.add = list(add)


def _line_start(text: str, i: int) -> int:
    return text.rfind("\n", 0, i) + 1


def _line_end(text: str, i: int) -> int:
    """Offset just after the newline ending the line holding ``i`` (or the text's end)."""
    j = text.find("\n", i)
    return len(text) if j < 0 else j + 1


def _indent(text: str, line_start: int) -> str:
    j = line_start
    while j < len(text) and text[j] in _WS:
        j += 1
    return text[line_start:j]


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _edit_array(text: str, span: ArraySpan, edit: ArrayEdit) -> tuple[int, int, str]:
    """The replacement (start, end, new text) for the lines the array spans."""
    nl = _newline(text)
    region_start = _line_start(text, span.key_start)
    region_end = _line_end(text, span.close)
    key_indent = _indent(text, region_start)
    removed = [item for item in span.items if item.value in edit.remove]
    kept = [item for item in span.items if item.value not in edit.remove]
    close_line = _line_start(text, span.close)
    multiline = "\n" in text[span.open : span.close]
    close_alone = multiline and text[close_line : span.close].strip(_WS) == ""
    additions = [(toml_string(v), c) for v, c in edit.add]
    above: list[str] = []  # comment lines to put above the key line

    if not multiline:
        tokens = [text[item.start : item.end] for item in kept] + [t for t, _ in additions]
        line = (
            text[region_start : span.open + 1] + ", ".join(tokens) + text[span.close : region_end]
        )
        above += [c for item in removed for c in [edit.remove[str(item.value)]]]
        above += [c for _, c in additions]
        head = "".join(f"{key_indent}# {comment_text(c)}{nl}" for c in above)
        return region_start, region_end, head + line

    # Several lines: work line by line between the key line and the closing bracket.
    needs_comma = kept[-1] if additions and kept and kept[-1].comma is None else None
    out: list[str] = []
    pos = region_start
    while pos < region_end:
        start, end = pos, _line_end(text, pos)
        pos = end
        on_line = [item for item in span.items if start <= item.start < end]
        gone = [item for item in on_line if item in removed]
        comma_here = needs_comma is not None and needs_comma in on_line
        if not gone and not comma_here:
            out.append(text[start:end])
            continue
        indent = _indent(text, start)
        notes = "".join(
            f"{indent}# {comment_text(edit.remove[str(item.value)])}{nl}" for item in gone
        )
        if gone and len(gone) == len(on_line) and _only_items(text, start, end, on_line, span):
            out.append(notes)  # the whole line was these items: the comment takes its place
            continue
        # Rebuild this line from its pieces: what precedes its first item (indentation, or
        # "key = ["), each kept item with its comma, and what follows its last item (blanks,
        # a comment, "]"), so separators never double up whatever was removed.
        first, last = on_line[0], on_line[-1]
        lead = text[start : first.start]
        after_last = last.comma + 1 if last.comma is not None and last.comma < end else last.end
        tail = text[after_last:end]
        pieces = []
        for item in on_line:
            if item in removed:
                continue
            stop = item.comma + 1 if item.comma is not None and item.comma < end else item.end
            piece = text[item.start : stop]
            if item is needs_comma:
                piece += ","
            pieces.append(piece)
        if pieces:
            line = lead + " ".join(pieces) + tail
        else:
            line = lead.rstrip(_WS) + (tail if tail.strip(_WS + "\r\n") else tail.lstrip(_WS))
        stripped = line.rstrip("\r\n")
        out.append(notes + stripped.rstrip(_WS) + line[len(stripped) :])
    new_region = "".join(out)
    if additions:
        tail = text[close_line:region_end] if close_alone else text[span.close : region_end]
        if not new_region.endswith(tail):
            raise TomlEditError(f"cannot append to {'.'.join(span.path)}")
        body = new_region[: len(new_region) - len(tail)]
        if close_alone:
            item_indent = _item_indent(text, span) or key_indent + "    "
            added = "".join(f"{item_indent}{t},  # {comment_text(c)}{nl}" for t, c in additions)
            new_region = body + added + tail
        else:  # "]" shares a line with an item: append there, comments above the key
            stripped = body.rstrip()
            joiner = " " if stripped.endswith((",", "[")) else ", "
            new_region = (
                stripped
                + joiner
                + ", ".join(t for t, _ in additions)
                + body[len(stripped) :]
                + tail
            )
            above += [c for _, c in additions]
    head = "".join(f"{key_indent}# {comment_text(c)}{nl}" for c in above)
    return region_start, region_end, head + new_region


def _only_items(text: str, start: int, end: int, items: Sequence[Item], span: ArraySpan) -> bool:
    """True when the line holds nothing but these items, commas, blanks and a comment."""
    line = text[start:end]
    for item in sorted(items, key=lambda x: x.start, reverse=True):
        a = item.start - start
        b = (item.comma + 1 if item.comma is not None and item.comma < end else item.end) - start
        line = line[:a] + line[b:]
    line = line.split("#", 1)[0]
    return line.strip() == "" and not (start <= span.open < end) and not (start <= span.close < end)


def _item_indent(text: str, span: ArraySpan) -> str | None:
    """The indentation of items that start their own line (the array's house style)."""
    for item in span.items:
        ls = _line_start(text, item.start)
        if ls > span.open and text[ls : item.start].strip(_WS) == "":
            return text[ls : item.start]
    return None


def edit_arrays(
    text: str,
    edits: Sequence[ArrayEdit],
    *,
    new_keys: Sequence[tuple[tuple[str, ...], str, Sequence[tuple[str, str]]]] = (),
) -> str:
    """Apply ``edits`` to the arrays of ``text``; ``new_keys`` lists
    ``(table path, key, [(value, comment), ...])`` for arrays that do not exist yet, added
    after the table's last key.

    Raises :class:`TomlEditError` if an array or table is not where it should be, or if the
    result does not parse to the intended values.
    """
    doc = scan(text)
    replacements: list[tuple[int, int, str]] = []
    expected: dict[tuple[str, ...], list[Any]] = {}
    nl = _newline(text)
    for edit in edits:
        span = doc.arrays.get(edit.key)
        if span is None:
            raise TomlEditError(f"no array {'.'.join(edit.key)} written as key = [...]")
        replacements.append(_edit_array(text, span, edit))
        expected[edit.key] = [v for v in span.values() if v not in edit.remove] + [
            v for v, _ in edit.add
        ]
    for table_path, key, values in new_keys:
        table = doc.tables.get(table_path)
        if table is None:
            raise TomlEditError(f"no [{'.'.join(table_path)}] table to add {key} to")
        indent = (
            _indent(text, _line_start(text, table.last_end - 1))
            if table.last_end > table.header_end
            else ""
        )
        comments = "".join(f"{indent}# {comment_text(c)}{nl}" for _, c in values)
        line = f"{indent}{key} = [{', '.join(toml_string(v) for v, _ in values)}]{nl}"
        at = table.last_end
        prefix = "" if at == 0 or text[at - 1] == "\n" else nl
        replacements.append((at, at, prefix + comments + line))
        expected[(*table_path, key)] = [v for v, _ in values]
    ordered = sorted(replacements, key=lambda r: (r[0], r[1]))
    for (_, end_a, _), (start_b, _, _) in itertools.pairwise(ordered):
        if start_b < end_a:
            raise TomlEditError("two edits touch the same lines")
    for start, end, new in sorted(replacements, key=lambda r: r[0], reverse=True):
        text = text[:start] + new + text[end:]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlEditError(f"the edited text is not valid TOML: {exc}") from None
    for path, values in expected.items():
        node: Any = data
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if node != values:
            raise TomlEditError(f"{'.'.join(path)} came out as {node!r}, not {values!r}")
    return text
