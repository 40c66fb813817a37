"""One linear-time pass that tells a detector "nothing here can match", so it skips its scans.

Why: a tool result is mostly ordinary text, and the detectors that read results (injected
instructions, credentials acquired) each ran a few dozen ``re`` scans over every one of them:
about 60 µs for 2 KB of output, most of the ingest time. A union of the same patterns compiled
with RE2 (a DFA: one pass, no backtracking, cost linear in the text whatever an agent writes)
answers "could any of them match?" in about 7 µs; only text that passes runs the exact
``re`` patterns, which still decide every flag.

The union must never say no where a pattern would say yes (a false "no" hides a flag), so
the translation to RE2 only ever *widens* what a pattern matches:

* ``\\s`` in a Python ``str`` pattern is Unicode whitespace; in RE2 it is ASCII only, so it
  becomes :data:`_UNICODE_SPACE`, which covers everything ``str.isspace`` accepts;
* ``\\b`` in RE2 is an ASCII word boundary: next to an ASCII letter of a pattern it matches
  wherever Python's Unicode ``\\b`` does, and also before a non-ASCII letter (wider, fine).

Whatever cannot be translated that way is refused at import time (:class:`PrefilterError`
from :func:`_widen`, or ``re2.error`` for what RE2 lacks: lookaround, backreferences), never
silently approximated. ``tests/test_prefilter.py`` checks the union against every sample the
detectors' own tests flag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import re2

#: Everything ``str.isspace`` accepts: ASCII controls 0x09–0x0D and 0x1C–0x1F, NEL, and the
#: Unicode separators (``\pZ``: U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F,
#: U+205F, U+3000).
_UNICODE_SPACE = r"[\t\n\x0b\x0c\r\x1c-\x1f\x85\pZ]"
#: Escapes whose meaning differs between the engines in a way that would narrow the match
#: (``\w``/``\d`` are Unicode-aware in Python, ASCII in RE2), or that RE2 spells otherwise.
_REFUSED_ESCAPES = frozenset("wWdDSBAZz")


class PrefilterError(ValueError):
    """A pattern the prefilter cannot translate without narrowing it."""


def _widen(pattern: str) -> str:
    r"""A Python ``re`` pattern as RE2 syntax that matches at least as much (see above).

    Refused (:class:`PrefilterError`), because RE2 would match less: non-ASCII characters
    (``\b`` next to them is ASCII-only in RE2), ``\s`` inside a character class, the
    escapes in :data:`_REFUSED_ESCAPES`, ``.`` and negated classes (Python matches a lone
    surrogate with them, RE2 cannot see one), ``$`` (Python also matches before a final
    newline) and inline flags (RE2 folds case differently: ``ſ``, ``K``)."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if not c.isascii():
            raise PrefilterError(f"non-ASCII character in {pattern!r}")
        if c == "\\":
            escaped = pattern[i + 1 : i + 2]
            if escaped in _REFUSED_ESCAPES or not escaped.isascii():
                raise PrefilterError(f"\\{escaped} in {pattern!r}")
            if escaped == "s":
                if in_class:
                    raise PrefilterError(f"\\s inside a character class in {pattern!r}")
                out.append(_UNICODE_SPACE)
            else:
                out.append(c + escaped)
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            if pattern[i + 1 : i + 2] in ("^", "]"):
                raise PrefilterError(f"negated or ]-first class in {pattern!r}")
            in_class = True
        elif c in ".$":
            raise PrefilterError(f"{c!r} in {pattern!r}")
        elif c == "(" and pattern[i + 1 : i + 2] == "?" and pattern[i + 2 : i + 3] != ":":
            raise PrefilterError(f"inline flag or lookaround in {pattern!r}")
        out.append(c)
        i += 1
    return "".join(out)


class Prefilter:
    """``could_match(text)`` is False only when none of ``patterns`` matches ``text``.

    One union regex rather than an ``re2.Set``: when its DFA runs out of memory, ``RE2::Set``
    answers "no match" (it would fail open on a text built to blow the DFA up), whereas a
    plain RE2 search falls back to its NFA and stays exact.
    """

    __slots__ = ("_union",)

    def __init__(self, patterns: Iterable[str]) -> None:
        options = re2.Options()
        options.never_capture = True  # a yes/no answer: no submatch bookkeeping
        options.max_mem = 64 << 20  # room for the DFA of a few dozen patterns
        # raises re2.error for what RE2 cannot express: refused, never approximated
        self._union = re2.compile("|".join(f"(?:{_widen(p)})" for p in patterns), options)

    def could_match(self, text: str) -> bool:
        # bytes: the wrapper's str path maps every match offset back to characters
        return self._union.search(text.encode("utf-8", "surrogatepass")) is not None


def literals(words: Iterable[str]) -> list[str]:
    """Patterns matching each word literally (for substring hints)."""
    return [re.escape(w) for w in words]
