"""Bash brace expansion, on a word already split into unquoted characters and quoted parts.

``{r,}m -rf ~`` runs ``rm m -rf ~`` and ``cat .en{v,x}`` reads ``.env``: bash expands
braces before anything else, so the analyser must too, exactly as bash does or not at all.
A word is a list of *tokens*: a one-character string for each unquoted character (a
backslash escape is one two-character token, so it is never special), anything else for a
quoted or expanded part (never special, copied through). Only unquoted ``{``, ``,``,
``}`` and ``..`` count:

* ``{a,b}`` needs an unquoted top-level comma; nested groups expand too;
* ``{x..y[..n]}`` with both ends integers (zero-padded when either is) or both single
  letters; the step's sign is ignored and 0 counts as 1, as in bash;
* a group that is neither (``{a}``, ``{}``, ``{a..1}``, unclosed) stays literal, and the
  search for one goes on after its ``{``;
* ``${`` starts a parameter expansion, never a group.

More than :data:`MAX_WORDS` words (or nesting deeper than :data:`MAX_DEPTH`) and the
expansion is refused (None): the word is then not known, never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MAX_WORDS = 256
MAX_DEPTH = 32

Token = Any  # a one- or two-character str (unquoted), or an opaque quoted part


def expand(tokens: Sequence[Token], limit: int = MAX_WORDS) -> list[list[Token]] | None:
    """Every word bash makes of ``tokens``, in bash's order; None when too many."""
    listed = list(tokens)
    out = _expand(listed, limit, 0, [_WORK_PER_TOKEN * len(listed) + _WORK_FLOOR])
    return None if out is None or len(out) > limit else out


#: The tokens all of a word's expansion may look at, at most (so many times the word, and a
#: floor for short words): nested groups are expanded piece by piece, and each piece is
#: read again (``{a,`` 15,000 deep then ``b`` and the closing braces: 2 s). Past it the
#: word is "too many", which no allow rule allows.
_WORK_PER_TOKEN = 8
_WORK_FLOOR = 100_000


def _expand(
    tokens: list[Token], limit: int, depth: int, budget: list[int]
) -> list[list[Token]] | None:
    if depth > MAX_DEPTH:
        return None
    budget[0] -= len(tokens)
    if budget[0] < 0:
        return None
    search = 0
    closing = _closing(tokens)
    while True:
        start = _next_open(tokens, search)
        if start < 0:
            return [tokens]
        close, commas = _match(tokens, start, closing)
        if close < 0:
            search = start + 1
            continue
        if commas:
            options: list[list[Token]] = []
            previous = start + 1
            for at in [*commas, close]:
                options.append(tokens[previous:at])
                previous = at + 1
        else:
            if close - start - 1 > _LONGEST_SEQUENCE:  # no sequence: not copied to find out
                search = start + 1
                continue
            seq = _sequence(tokens[start + 1 : close])
            if seq is _TOO_MANY:
                return None
            if seq is None:
                search = start + 1
                continue
            options = [list(item) for item in seq]
        head = tokens[:start]
        tails = _expand(tokens[close + 1 :], limit, depth + 1, budget)
        if tails is None:
            return None
        words: list[list[Token]] = []
        for option in options:
            expanded = _expand(option, limit, depth + 1, budget) if commas else [option]
            if expanded is None:
                return None
            for middle in expanded:
                for tail in tails:
                    words.append(head + middle + tail)
                    if len(words) > limit:
                        return None
        return words


def _next_open(tokens: list[Token], start: int) -> int:
    for i in range(start, len(tokens)):
        if tokens[i] == "{" and not (i > 0 and tokens[i - 1] == "$"):
            return i
    return -1


def _closing(tokens: list[Token]) -> dict[int, tuple[int, list[int]]]:
    """Each ``{`` that is closed: the ``}`` that closes it and its top-level commas, in one
    pass. Group by group, each ``{`` rescanned the rest of the word (``{a,`` 6,000 times:
    6 s; ``{`` 30,000 deep then as many ``}``: 200 s)."""
    opened: list[tuple[int, list[int]]] = []
    closing: dict[int, tuple[int, list[int]]] = {}
    for i, token in enumerate(tokens):
        if token == "{" and not (i > 0 and tokens[i - 1] == "$"):
            opened.append((i, []))
        elif token == "}" and opened:
            start, commas = opened.pop()
            closing[start] = (i, commas)
        elif token == "," and opened:
            opened[-1][1].append(i)
    return closing


def _match(
    tokens: list[Token], start: int, closing: dict[int, tuple[int, list[int]]]
) -> tuple[int, list[int]]:
    """The ``}`` closing the group at ``start`` and its top-level commas (-1: unclosed)."""
    return closing.get(start, (-1, []))


#: No sequence expression is longer (two 20-digit numbers and a step): a longer group is
#: no sequence, and is not joined and split to find out (a group nested 30,000 deep was,
#: at every level).
_LONGEST_SEQUENCE = 80
#: A sequence expression with more than :data:`MAX_WORDS` words.
_TOO_MANY: list[str] = []


def _sequence(inner: list[Token]) -> list[str] | None:
    """``x..y[..n]`` as bash's sequence expression, None when it is none, or
    :data:`_TOO_MANY`."""
    if len(inner) > _LONGEST_SEQUENCE or not all(isinstance(t, str) and len(t) == 1 for t in inner):
        return None
    parts = "".join(inner).split("..")
    if len(parts) not in (2, 3):
        return None
    first, last = parts[0], parts[1]
    step = 1
    if len(parts) == 3:
        if not _is_int(parts[2]):
            return None
        step = abs(int(parts[2])) or 1
    if _is_int(first) and _is_int(last):
        a, b = int(first), int(last)
        if abs(b - a) // step + 1 > MAX_WORDS:
            return _TOO_MANY
        width = 0
        if _padded(first) or _padded(last):
            width = max(len(first), len(last))
        values = range(a, b + 1, step) if a <= b else range(a, b - 1, -step)
        return [_pad(v, width) for v in values]
    letters = len(first) == 1 and len(last) == 1 and first.isascii() and last.isascii()
    if letters and first.isalpha() and last.isalpha():
        a, b = ord(first), ord(last)
        values = range(a, b + 1, step) if a <= b else range(a, b - 1, -step)
        return [chr(v) for v in values]
    return None


def _is_int(text: str) -> bool:
    body = text[1:] if text[:1] in ("-", "+") else text
    return body.isdigit() and body.isascii()


def _padded(text: str) -> bool:
    body = text[1:] if text[:1] in ("-", "+") else text
    return len(body) > 1 and body.startswith("0")


def _pad(value: int, width: int) -> str:
    if not width:
        return str(value)
    sign = "-" if value < 0 else ""
    return sign + str(abs(value)).zfill(width - len(sign))
