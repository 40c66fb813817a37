"""What a word with variables in it may expand to, for the deny rules only.

``x=.env; cat $x`` reads ``.env``: the word ``$x`` is not known before it runs, so no allow
rule may match it (the call is asked), but a deny rule on ``.env`` must still hold. This
module spells out the values such a word may take from the literal values the same line
assigns to its variables (anywhere in the line, in any order: a superset of what bash
assigns before the word expands), as bash reads the word and as zsh does (``$x:r``,
``$x[1,4]``, ``$=x``, ``${~x}``): an agent's shell may be either.

A candidate is never used to allow anything: extra candidates can only turn an ask into a
deny. A word this module cannot spell out exactly (a substitution, an operator, a variable
the line does not assign) yields None and stays asked.
"""

from __future__ import annotations

import fnmatch
import itertools
import re
from collections.abc import Mapping, Sequence

#: At most this many values for one word (the product of its expansions' values).
MAX_CANDIDATES = 256
#: A word with more ``${`` than this is not spelled out (each nested operator recurses).
_MAX_BRACED = 32
#: At most this many literal values kept for one variable name.
MAX_VALUES_PER_NAME = 16
#: A value longer than this is not kept, and a spelling longer than this is not made: paths
#: and program names are short, and every operator's cost stays bounded.
MAX_VALUE_CHARS = 1024

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: ``$1``…``$9`` (one digit unbraced), ``$@`` and ``$*``: what ``set --`` or a call of a
#: function the line defines gives them
_POSITIONAL = re.compile(r"[1-9@*]")
_POSITIONAL_BRACED = re.compile(r"[1-9][0-9]*|[@*]")
#: zsh's history-style modifiers after a parameter (``$x:r``, ``$x:h:t``), the ones whose
#: result is a function of the value alone.
_MODIFIERS = re.compile(r"(?::[hrteluaAPqQ])+")
#: zsh's substitution modifier, ``:s/OLD/NEW/`` (``:gs`` for every one)
_SWAP = re.compile(r":(g?)s/([^/\s]*)/([^/\s]*)/?")
#: a zsh subscript on a scalar: characters ``[n]`` or ``[a,b]`` (1-based, negative from the end)
_SUBSCRIPT = re.compile(r"\[(-?\d{1,6})(?:,(-?\d{1,6}))?\]")
#: an array subscript in braces: ``[0]``, ``[-1]``, ``[@]``, ``[*]`` (any element)
_ELEMENT = re.compile(r"\[(?:-?\d{1,6}|[@*])\]")
_GLOB_CHARS = frozenset("*?[")
_IFS_BLANKS = re.compile(r"[ \t\n]+")

#: what bash gives a variable before the line assigns it
_DEFAULTS = {"IFS": " \t\n"}
#: one piece of a word: the texts it may take, each with whether bash or zsh may glob it
_Options = list[tuple[str, bool]]


def candidates(raw: str, known: Mapping[str, Sequence[str]]) -> list[tuple[str, bool]] | None:
    """Every value the word written ``raw`` may take, with whether it may be globbed, or
    None when that cannot be spelled out. Unquoted expansions are also split into fields
    (bash splits them; the access is then several words, each a candidate)."""
    if raw.count("${") > _MAX_BRACED:
        return None  # nested operators (``${x:-${x:-…}}``): each level is a recursion
    pieces = _pieces(raw, known)
    if pieces is None:
        return None
    total = 1
    longest = 0
    for options in pieces:
        total *= max(1, len(options))
        longest += max((len(t) for t, _g in options), default=0)
        if total > MAX_CANDIDATES or longest > MAX_VALUE_CHARS:
            return None
    found: dict[str, bool] = {}
    for combo in itertools.product(*pieces):
        text = "".join(t for t, _g in combo)
        glob = any(g for _t, g in combo)
        found[text] = found.get(text, False) or glob
    # bash splits an unquoted expansion at IFS's characters: the default blanks, and any
    # value the line gives IFS (``IFS=_; x=a_.env; cat $x`` reads .env)
    splitter = _IFS_BLANKS
    assigned = "".join(known.get("IFS", ()))
    if assigned:
        splitter = re.compile("[" + re.escape(" \t\n" + assigned) + "]+")
    for text, glob in list(found.items()):
        for field in splitter.split(text):
            if field and field != text:
                found[field] = found.get(field, False) or glob
    if len(found) > MAX_CANDIDATES:
        return None
    if any(not encodable(text) for text in found):
        return None  # a lone surrogate (``$'\ud800'``): no path names it; not spelled out
    return list(found.items())


def encodable(text: str) -> bool:
    """Whether ``text`` is UTF-8 (a lone surrogate is not: no file or program is named so,
    and the path matchers refuse it)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _pieces(raw: str, known: Mapping[str, Sequence[str]]) -> list[_Options] | None:
    pieces: list[_Options] = []
    literal: list[str] = []
    glob = False

    def flush() -> None:
        nonlocal glob
        if literal:
            pieces.append([("".join(literal), glob)])
            literal.clear()
            glob = False

    i, n = 0, len(raw)
    quoted = False  # inside "..."
    while i < n:
        ch = raw[i]
        if ch == "\\":
            if i + 1 >= n:
                literal.append("\\")
                break
            nxt = raw[i + 1]
            if nxt == "\n":
                pass  # a line continuation: nothing
            elif quoted and nxt not in '$`"\\':
                literal.append("\\" + nxt)
            else:
                literal.append(nxt)
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
            i += 1
            continue
        if ch == "`":
            return None
        if ch == "'" and not quoted:
            end = raw.find("'", i + 1)
            if end < 0:
                return None
            literal.append(raw[i + 1 : end])
            i = end + 1
            continue
        if ch == "$":
            if raw.startswith("$'", i) and not quoted:
                return None  # ANSI-C quoting: the shell module decodes those words
            read = _expansion(raw, i, known, quoted)
            if read is None:
                return None
            if read[0] is not None:
                flush()
                pieces.append(read[0])
            else:
                literal.append("$")
            i = read[1]
            continue
        if not quoted and ch in _GLOB_CHARS:
            glob = True
        literal.append(ch)
        i += 1
    if quoted:
        return None
    flush()
    return pieces


def _expansion(
    raw: str, at: int, known: Mapping[str, Sequence[str]], quoted: bool
) -> tuple[_Options | None, int] | None:
    """The values of the expansion at ``raw[at]`` (a ``$``) and where it ends; ``(None,
    end)`` for a ``$`` that starts none (a literal dollar), None when not spelled out."""
    after = at + 1
    if after >= len(raw) or raw[after] in ' \t\n"/:.,=':
        if raw.startswith("$=", at) or raw.startswith("$~", at):
            pass  # zsh's ``$=x``/``$~x`` when a name follows (below)
        else:
            return None, after
    if raw.startswith("${", at):
        return _braced(raw, at, known, quoted)
    flags = re.match(r"[=~^]+", raw[after:])
    start = after + (flags.end() if flags else 0)
    name = _NAME.match(raw, start) or _POSITIONAL.match(raw, start)
    if name is None:
        return None  # ``$$``, ``$(…)``, ``$((…))``: not spelled out here
    values = _values(name.group(), known)
    if not values:
        return None
    end = name.end()
    unquoted_glob = not quoted
    if flags:
        # zsh: ``$=x`` splits, ``$~x`` globs, ``$^x`` distributes; bash reads the text
        # ``$=x`` literally (no such parameter)
        zsh = [(v, unquoted_glob or "~" in flags.group()) for v in values]
        return [*zsh, (raw[at:end], False)], end
    # a value with glob characters is marked whether quoted or not: a ``for`` list keeps
    # its pattern (``for f in .e*``), whose matches are the values (never used to allow)
    options: _Options = [(v, _has_glob(v)) for v in values]
    swap = _SWAP.match(raw, end)
    if swap is not None and swap.group(2):
        # zsh's ``$x:s/X/n/`` (``:gs`` every one); bash: the value, then that text
        every, old, new = swap.group(1), swap.group(2), swap.group(3)
        zsh_values = [v.replace(old, new, -1 if every else 1) for v in values]
        suffix = swap.group()
        return [*((t + suffix, g) for t, g in options), *((v, False) for v in zsh_values)], (
            swap.end()
        )
    mods = _MODIFIERS.match(raw, end)
    sub = _SUBSCRIPT.match(raw, end)
    if mods is not None:
        # bash: the value, then the literal text ``:r``; zsh: the modified value
        suffix = mods.group()
        zsh_values = [m for v in values for m in _modified(v, suffix)]
        bash = [(t + suffix, g) for t, g in options]
        return [*bash, *((v, False) for v in zsh_values)], mods.end()
    if sub is not None:
        # bash: the value, then ``[1,4]`` (unquoted: a glob); zsh: the characters picked
        # of a scalar, or (an array: ``a=(.env x); cat $a[1]``) any of its elements
        text = sub.group()
        bash = [(t + text, g or unquoted_glob) for t, g in options]
        zsh = [(_subscripted(v, sub), False) for v in values]
        return [*bash, *zsh, *options], sub.end()
    return options, end


def _braced(
    raw: str, at: int, known: Mapping[str, Sequence[str]], quoted: bool
) -> tuple[_Options, int] | None:
    """``${x}`` and bash's operators on a known value (``${x:-W}``, ``${x#P}``,
    ``${x%P}``, ``${x:1}``, ``${x,,}``, ``${x/P/R}``, ``${!y}``, ``${a[0]}``); zsh's
    ``${=x}``/``${~x}``, ``${(L)x}``, ``${x[2,-1]}`` and ``${x:r}`` (which bash reads as an
    offset ``r``: an unset name is 0, the whole value)."""
    close = matching(raw, at + 1, "{", "}")
    if close < 0:
        return None
    found = _braced_body(raw[at + 2 : close], known)
    return None if found is None else ([(v, _has_glob(v)) for v in found], close + 1)


def _braced_body(body: str, known: Mapping[str, Sequence[str]]) -> list[str] | None:
    if body.startswith("!"):  # ``${!y}``: the value of the variable y names
        name = _NAME.fullmatch(body, 1)
        if name is None:
            return None
        names = [v for v in _values(name.group(), known) if _NAME.fullmatch(v)]
        found = [v for n in names for v in _values(n, known)]
        return list(dict.fromkeys(found)) or None
    zsh_case = ""
    if body.startswith("("):  # zsh's flags: only the case ones are spelled out
        end = body.find(")")
        if end < 0 or not set(body[1:end]) <= set("LUC") or end == 1:
            return None
        zsh_case, body = body[end - 1], body[end + 1 :]
    flags = re.match(r"[=~^]*", body)
    assert flags is not None
    name = _NAME.match(body, flags.end()) or _POSITIONAL_BRACED.match(body, flags.end())
    if name is None:
        return None
    values = _values(name.group(), known)
    rest = body[name.end() :]
    if not values and not re.match(r":?[-=?+]", rest):
        return None  # (``${x:-.env}`` with x unknown is still .env where x is unset)
    if zsh_case:
        if rest:
            return None
        return [{"L": v.lower(), "U": v.upper()}.get(zsh_case, v.capitalize()) for v in values]
    element = _ELEMENT.match(rest)
    if element is not None:
        # ``${a[0]}``, ``${a[@]}``, ``${a[-1]}``: any element (each value assigned to ``a``,
        # its elements included); a subscript that runs code was judged by the walk
        rest = rest[element.end() :]
    sub = _SUBSCRIPT.match(rest) if element is None else None
    if sub is not None and sub.end() == len(rest):
        # zsh: the characters picked; bash: an arithmetic index of a scalar (the value, or
        # nothing)
        return list(dict.fromkeys([*(_subscripted(v, sub) for v in values), *values, ""]))
    if not rest:
        return values
    if flags.group():
        return None
    return _operated(values, rest, known)


def _operated(values: list[str], rest: str, known: Mapping[str, Sequence[str]]) -> list[str] | None:
    """Bash's operator ``rest`` (the text after the name) applied to each value."""
    if _MODIFIERS.fullmatch(rest):  # zsh ``${x:r}``; bash: an offset named r
        offsets = _integers(rest[1:], known) if len(rest) == 2 else []
        bash = [v[o:] for v in values for o in offsets] or values
        return list(dict.fromkeys([*bash, *(m for v in values for m in _modified(v, rest))]))
    default = re.match(r":?[-=?+]", rest)
    if default is not None:
        word = rest[default.end() :]
        spelled = [v for v, _g in candidates(word, known) or []]
        if default.group().endswith("+"):
            return [*spelled, ""]
        return list(dict.fromkeys([*values, *spelled]))
    trim = re.match(r"(##?|%%?)", rest)
    if trim is not None:
        pattern = rest[trim.end() :]
        if not _PLAIN_PATTERN.fullmatch(pattern) or any(len(v) > _TRIMMED_CHARS for v in values):
            return None  # (a glob tried at every cut: bounded to short values)
        return [_trimmed(v, trim.group(), pattern) for v in values]
    if rest in _CASES:
        return [_cased(v, rest) for v in values]
    piece = re.fullmatch(r":\s*(-?\w+)\s*(?::\s*(-?\w+)\s*)?", rest)
    if piece is not None:  # ``${x:1}``, ``${x:1:3}``, ``${x: -4}``, ``${x:r}``
        starts = _integers(piece.group(1), known)
        lengths = _integers(piece.group(2), known) if piece.group(2) else [None]
        if not starts or not lengths:
            return None
        return list(
            dict.fromkeys(_sliced(v, o, n) for v in values for o in starts for n in lengths)
        )
    replace = re.fullmatch(r"/([/#%]?)([^/]*)(?:/(.*))?", rest, re.DOTALL)
    if replace is not None:
        how, old, new = replace.group(1), replace.group(2), replace.group(3) or ""
        if not old or not _PLAIN_PATTERN.fullmatch(old) or not _PLAIN_PATTERN.fullmatch(new):
            return None
        if any(c in old for c in "*?["):
            return None
        return [_replaced(v, how, old, new) for v in values]
    return None


#: ``${x#P}`` and its kind try the pattern at every cut of the value: on short ones only
_TRIMMED_CHARS = 256
#: a pattern or replacement spelled out here: no quotes, escapes or expansions
_PLAIN_PATTERN = re.compile(r"[^'\"\\$`{}]*")


def matching(text: str, at: int, opening: str, closing: str) -> int:
    """The index of the ``closing`` that matches the ``opening`` at ``text[at]`` (quotes
    and backslashes skipped), or -1."""
    depth, quote, j = 0, "", at
    while j < len(text):
        ch = text[j]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == "\\" and quote == '"':
                j += 1
        elif ch == "\\":
            j += 1
        elif ch in ("'", '"'):
            quote = ch
        elif ch == opening:
            depth += 1
        elif ch == closing:
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return -1


_CASES = frozenset({",,", "^^", "~~", ",", "^", "~"})


def _cased(value: str, how: str) -> str:
    """``${x,,}``, ``${x^^}``, ``${x~~}`` (the whole value), one character for the others."""
    whole = {",": str.lower, "^": str.upper, "~": str.swapcase}[how[0]]
    return whole(value) if len(how) == 2 else whole(value[:1]) + value[1:]


def _integers(text: str, known: Mapping[str, Sequence[str]]) -> list[int]:
    """An offset or length as bash's arithmetic reads it: a number, or a name whose known
    values are numbers (an unset one is 0)."""
    if re.fullmatch(r"-?\d{1,6}", text):
        return [int(text)]
    if _NAME.fullmatch(text):
        numbers = [int(v) for v in known.get(text, ()) if re.fullmatch(r"-?\d{1,6}", v)]
        return numbers or [0]
    return []


def _sliced(value: str, start: int, length: int | None) -> str:
    size = len(value)
    begin = size + start if start < 0 else start
    if begin < 0 or begin > size:
        return ""
    if length is None:
        return value[begin:]
    end = size + length if length < 0 else begin + length
    return value[begin:end] if end >= begin else ""


def _trimmed(value: str, how: str, pattern: str) -> str:
    """``${x#P}``, ``${x##P}``, ``${x%P}``, ``${x%%P}``: the shortest or longest prefix or
    suffix matching the glob ``P`` removed."""
    cuts = range(len(value) + 1)
    if how.startswith("#"):
        order = reversed(cuts) if how == "##" else cuts
        for n in order:
            if fnmatch.fnmatchcase(value[:n], pattern):
                return value[n:]
    else:
        order = cuts if how == "%%" else reversed(cuts)
        for n in order:
            if fnmatch.fnmatchcase(value[n:], pattern):
                return value[:n]
    return value


def _replaced(value: str, how: str, old: str, new: str) -> str:
    if how == "/":
        return value.replace(old, new)
    if how == "#":
        return new + value[len(old) :] if value.startswith(old) else value
    if how == "%":
        return value[: -len(old)] + new if value.endswith(old) else value
    return value.replace(old, new, 1)


def _values(name: str, known: Mapping[str, Sequence[str]]) -> list[str]:
    """The values the line gives ``name``, and its default where bash starts with one
    (``IFS``: ``rm${IFS}-rf ~`` is ``rm -rf ~``)."""
    values = list(known.get(name, ()))
    default = _DEFAULTS.get(name)
    if default is not None and default not in values:
        values.append(default)
    return values


def _has_glob(value: str) -> bool:
    return any(c in _GLOB_CHARS for c in value)


def _modified(value: str, modifiers: str) -> list[str]:
    """``value`` after zsh's modifiers (``:r:t``…). Where zsh's reading of a leading dot is
    in doubt (``.env:r``: the root is empty, or the whole name), both."""
    results = [value]
    for letter in modifiers[1::2]:
        results = [out for v in results for out in _modify(v, letter)]
    return list(dict.fromkeys(results))


def _modify(value: str, letter: str) -> list[str]:
    head, slash, tail = value.rpartition("/")
    if letter == "h":
        return [(head or "/") if slash else "."]
    if letter == "t":
        return [tail]
    if letter in "re":
        dot = tail.rfind(".")
        if dot < 0:
            return [value] if letter == "r" else [""]
        root = head + slash + tail[:dot]
        ext = tail[dot + 1 :]
        if dot == 0:  # a dot file: both readings
            return [root, value] if letter == "r" else [ext, ""]
        return [root] if letter == "r" else [ext]
    if letter == "l":
        return [value.lower()]
    if letter == "u":
        return [value.upper()]
    return [value]  # a, A, P (the same file, made absolute or real), q, Q (quoting)


def _subscripted(value: str, sub: re.Match[str]) -> str:
    """zsh's ``$x[a,b]`` on a scalar: characters ``a`` to ``b``, 1-based, negative indices
    counted from the end (``$x[n]``: one character)."""
    size = len(value)

    def index(text: str) -> int:
        number = int(text)
        return size + number + 1 if number < 0 else max(number, 1)

    first = index(sub.group(1))
    last = index(sub.group(2)) if sub.group(2) is not None else first
    return value[first - 1 : last] if first <= last else ""
