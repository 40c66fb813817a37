"""CPython's command line read as CPython reads it, for the built-in guard.

``python3 -Im overseer decide`` runs overseer: ``-I`` and ``-m`` share one word. The guard
must see what the interpreter will run, so the words are read the way CPython's own
``_PyOS_GetOpt`` (``Python/getopt.c``) and ``config_parse_cmdline``
(``Python/initconfig.c``) read them:

- options are words starting with ``-`` (a lone ``-`` is not one: it means stdin); ``--``
  ends them; each word is a cluster of one-letter options (``-bBsm``);
- the letters that take an argument (``c``, ``m``, ``W``, ``X``) take the rest of the
  cluster (``-moverseer``, ``-Wignore``) or else the next word (``-W ignore -m overseer``);
- ``-c`` and ``-m`` end the options: every later word is the program's ``sys.argv``;
- a ``-`` inside a cluster starts a long option (``-E-help``); a lone ``--NAME`` is one too.
  Long options take no ``=value``: ``--check-hash-based-pycs`` takes the next word;
- after the options, the first word is the script (``-`` or none: the program is read from
  stdin), and ``-i`` (or ``PYTHONINSPECT``) reads stdin after it as well.

The letters are the union over CPython 3.6–3.13, checked against each of them (``-J`` is
refused by all). A letter or long option none of them knows is an error to those versions;
a later one might read it otherwise, so the line is then *not exact*: the guard treats such
a line as possibly running overseer when it names it at all. Pure and stdlib-only.
"""

from __future__ import annotations

from collections.abc import Sequence

#: One-letter options; a letter followed by ``:`` takes an argument.
_SHORT = "bBc:dEhiIm:OPqRsStuvVW:xX:?"
_NO_ARG = frozenset(c for i, c in enumerate(_SHORT) if _SHORT[i + 1 : i + 2] != ":" and c != ":")
_ARG = frozenset(c for i, c in enumerate(_SHORT) if _SHORT[i + 1 : i + 2] == ":")
#: Long options (3.11+); those that print and exit take no argument.
_LONG_EXIT = frozenset({"help", "version", "help-env", "help-xoptions", "help-all"})
_LONG_ARG = frozenset({"check-hash-based-pycs"})
#: The values ``--check-hash-based-pycs`` takes; any other is a usage error.
_PYC_MODES = frozenset({"default", "always", "never"})


class PyLine:
    """What one CPython command line runs.

    ``kind`` is ``module`` (``-m``; ``value`` is its name), ``command`` (``-c``; ``value``
    is the code), ``file`` (``value`` is the script's path), ``stdin`` (the program is read
    from stdin) or ``exit`` (the interpreter stops before running anything: a usage error,
    ``-h``, ``-V``). ``value_index`` is the word the value came from (a cluster's too),
    ``args`` the indexes of the program's own words, ``inspect`` whether it reads stdin
    afterwards (``-i``), ``exact`` False when a word is one no known version reads."""

    __slots__ = ("args", "exact", "inspect", "kind", "value", "value_index")

    def __init__(
        self,
        kind: str,
        value: str | None = None,
        value_index: int | None = None,
        args: Sequence[int] = (),
        inspect: bool = False,
        exact: bool = True,
    ) -> None:
        self.kind = kind
        self.value = value
        self.value_index = value_index
        self.args = tuple(args)
        self.inspect = inspect
        self.exact = exact

    def __repr__(self) -> str:
        extra = "" if self.exact else ", not exact"
        return f"PyLine({self.kind}, {self.value!r}, args={self.args}{extra})"


def parse(words: Sequence[str]) -> PyLine:
    """Read ``words`` (the words after the interpreter's name) as CPython does."""
    n = len(words)
    i = 0
    exact = True
    inspect = False
    stops = False  # -h, -V, a missing argument: nothing runs
    while i < n:
        word = words[i]
        if word == "--":
            i += 1
            break
        if not word.startswith("-") or word == "-":
            break
        i += 1
        if word.startswith("--"):
            name = word[2:]
            if name in _LONG_EXIT:
                stops = True
            elif name in _LONG_ARG:
                stops = stops or i >= n or words[i] not in _PYC_MODES
                i += 1
            else:
                exact, stops = False, True  # unknown to every version: an error there
            continue
        j = 1
        while j < len(word):
            letter = word[j]
            j += 1
            if letter == "-":  # ``-E-help``: the rest of the cluster is a long option
                name = word[j:]
                if not name:
                    return _after(words, i, exact, inspect, stops)  # "expected long option"
                if name in _LONG_EXIT:
                    stops = True
                elif name in _LONG_ARG:
                    stops = stops or i >= n or words[i] not in _PYC_MODES
                    i += 1
                else:
                    exact, stops = False, True
                break
            if letter in _ARG:
                if j < len(word):
                    value, at = word[j:], i - 1
                elif i < n:
                    value, at = words[i], i
                    i += 1
                else:
                    return PyLine("exit", exact=exact)  # "Argument expected for the -X option"
                if letter in "cm":
                    kind = "command" if letter == "c" else "module"
                    if stops:
                        return PyLine("exit", exact=exact)
                    return PyLine(kind, value, at, range(i, n), inspect, exact)
                break
            if letter not in _NO_ARG:
                exact, stops = False, True  # unknown letter (-J, -Q, -3...): an error
                break
            if letter in "hV?":
                stops = True
            elif letter == "i":
                inspect = True
    return _after(words, i, exact, inspect, stops)


def _after(words: Sequence[str], i: int, exact: bool, inspect: bool, stops: bool) -> PyLine:
    if stops:
        return PyLine("exit", exact=exact)
    if i < len(words) and words[i] != "-":
        return PyLine("file", words[i], i, range(i + 1, len(words)), inspect, exact)
    return PyLine("stdin", None, None, range(i + 1, len(words)), inspect, exact)
