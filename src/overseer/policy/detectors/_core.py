"""What every detector shares: settings, display helpers, and one parsed view of a call.

A tool call is parsed once per event (:func:`view_of`, cached on the history) into
:class:`Cmd` objects — one per simple command, found with
:func:`overseer.policy.shell.simple_commands`, with wrappers (``sudo``, ``env``, ``xargs``,
``nohup``...) peeled off, ``bash -c '...'`` / ``eval`` bodies and ``<(...)`` process
substitutions parsed as commands of their own, redirections pulled out, and ``cd`` followed
so that relative paths resolve against the directory the command really runs in.

Known limits (documented, tested where they matter): quotes are already removed by
``simple_commands``, so a quoted argument with spaces becomes several words; the shell's
working directory is not carried from one call to the next; commands run on another host
(``ssh host cmd``) are not looked into.
"""

from __future__ import annotations

import bisect
import functools
import posixpath
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import re2

from overseer.model import Event, EventKind, Flag, FlagCategory
from overseer.policy.prefilter import Prefilter, _widen, literals
from overseer.policy.rules import PATH_TOOLS, SHELL_TOOLS, canonical_tool, command_of, path_of
from overseer.policy.shell import ShellParseError, simple_commands
from overseer.secrets import (
    GITHUB_HINT,
    SECRET_HINTS,
    find_secrets,
    fingerprint,
    has_hint,
    hint_form,
    mask,
)
from overseer.untrusted import neutralise

if TYPE_CHECKING:
    from overseer.policy.detectors.history import SessionHistory

#: Enum members as module globals: in CPython 3.11 each ``EventKind.X``-style lookup costs
#: ~160 ns (the enum's class attribute path), a global ~7 ns; the hot path reads them per event.
_K_TOOL_CALL = EventKind.TOOL_CALL

SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "busybox"})
#: Paths that are never "files": writing to them changes nothing on disk.
DEVICE_PATHS = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero"})
#: Writes here are not "outside the working directory" for the write and delete detectors.
DEFAULT_SCRATCH_DIRS = ("/tmp", "/var/tmp", "/dev/shm", "/private/tmp")
DEFAULT_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal")
#: Directories whose removal or modification is never routine, wherever the session runs.
CRITICAL_DIRS = frozenset({
    "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64", "/opt", "/proc", "/root",
    "/sbin", "/srv", "/sys", "/usr", "/var", "/var/lib", "/var/log", "/Users", "/System",
    "/Library", "/Applications", "/private", "/mnt", "/media",
})  # fmt: skip

_MAX_NESTING = 4
_REDIRECT = re.compile(r"^[0-9]*(?:&>>|&>|>>|>\||>&|<>|<&|<<<|<<-?|>|<)$")
_PROC_SUBST = ("<(", ">(")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_SECRET_TOKEN_SPLIT = re.compile(r"[^A-Za-z0-9_\-.+/=~]+")
_MIN_TOKEN = 8


# ---------------------------------------------------------------------------------------------
# settings


class DetectorSettings:
    """Knobs for the detectors. :meth:`from_defaults` reads ``[defaults]`` of config.toml."""

    __slots__ = (
        "burst_calls", "burst_seconds", "disabled", "egress_without_scope", "local_hosts",
        "protected", "scan_limit", "scratch_dirs",
    )  # fmt: skip

    def __init__(
        self,
        burst_calls: int = 20,
        burst_seconds: float = 10.0,
        *,
        scratch_dirs: tuple[str, ...] = DEFAULT_SCRATCH_DIRS,
        local_hosts: tuple[str, ...] = DEFAULT_LOCAL_HOSTS,
        egress_without_scope: bool = False,
        scan_limit: int = 1_000_000,
        disabled: frozenset[str] = frozenset(),
        protected: tuple[str, ...] = (),
    ) -> None:
        #: overseer's config and store files where this runs (for ``oversight_tampering``)
        self.protected = tuple(protected)
        if burst_calls < 1 or burst_seconds <= 0:
            raise ValueError("burst_calls must be >= 1 and burst_seconds > 0")
        #: more than ``burst_calls`` tool calls within ``burst_seconds`` is a burst
        self.burst_calls = int(burst_calls)
        self.burst_seconds = float(burst_seconds)
        #: writes and deletes under these are routine even outside the working directory
        self.scratch_dirs = tuple(posixpath.normpath(d) for d in scratch_dirs)
        #: hosts that never count as network egress
        self.local_hosts = frozenset(h.lower() for h in local_hosts)
        #: with no scope (unknown agent) there is no allowed set: flag all egress if True
        self.egress_without_scope = egress_without_scope
        #: tool results longer than this are scanned on their first ``scan_limit`` characters
        self.scan_limit = scan_limit
        #: detector ids to skip
        self.disabled = frozenset(disabled)

    @classmethod
    def from_defaults(cls, defaults: Any = None, **overrides: Any) -> DetectorSettings:
        """Settings from a :class:`overseer.config.Defaults` (``burst_calls``, ``burst_seconds``);
        missing attributes keep their defaults; keyword ``overrides`` win."""
        kwargs: dict[str, Any] = {}
        for name in ("burst_calls", "burst_seconds"):
            value = getattr(defaults, name, None)
            if value is not None:
                kwargs[name] = value
        kwargs.update(overrides)
        return cls(**kwargs)


# ---------------------------------------------------------------------------------------------
# display helpers


def show(text: str, limit: int = 80) -> str:
    """Agent-written text as it may appear in a flag message: secrets masked, controls made
    visible, one line, capped."""
    return neutralise(mask(text), limit=limit)


def seconds(event: Event) -> float:
    return event.ts.timestamp()


# ---------------------------------------------------------------------------------------------
# parsed commands


class Cmd:
    """One simple command, wrappers peeled off.

    ``argv`` is what runs (``sudo -u x rm -rf d`` → ``["rm", "-rf", "d"]``); ``via`` names the
    wrappers it ran under (``("sudo",)``, ``("xargs",)``, ``("sh -c",)``); ``redirects`` are
    ``(operator, target)`` pairs; ``base`` is the directory relative paths resolve against
    (``None`` when unknown).
    """

    __slots__ = ("argv", "base", "prog", "redirects", "text", "via")

    def __init__(
        self,
        argv: list[str],
        via: tuple[str, ...],
        redirects: list[tuple[str, str]],
        base: str | None,
        text: str,
    ) -> None:
        self.argv = argv
        self.via = via
        self.redirects = redirects
        self.base = base
        self.text = text
        #: the program's base name (``/usr/bin/rm`` → ``rm``), lower-cased
        self.prog = posixpath.basename(argv[0]).lower() if argv else ""

    @property
    def args(self) -> list[str]:
        return self.argv[1:]

    def positionals(self, takes_value: frozenset[str] = frozenset()) -> list[str]:
        """Arguments that are not options (``--`` ends options; ``takes_value`` options skip
        their value)."""
        out: list[str] = []
        skip = False
        options_done = False
        for word in self.argv[1:]:
            if skip:
                skip = False
                continue
            if options_done or not word.startswith("-") or word == "-":
                out.append(word)
            elif word == "--":
                options_done = True
            elif word in takes_value:
                skip = True
        return out

    def has_short(self, letter: str) -> bool:
        """Is the single-letter option ``letter`` given (alone or bundled, ``-rf``)?"""
        for word in self.argv[1:]:
            if word == "--":
                return False
            if word.startswith("-") and not word.startswith("--") and letter in word[1:]:
                return True
        return False

    def has_long(self, *names: str) -> bool:
        for word in self.argv[1:]:
            if word == "--":
                return False
            if word in names or any(word.startswith(n + "=") for n in names):
                return True
        return False

    def __repr__(self) -> str:
        return f"Cmd({self.argv!r}, via={self.via!r}, redirects={self.redirects!r})"


_SUDO_VALUE_OPTS = frozenset({"-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T"})
_XARGS_VALUE_OPTS = frozenset({"-I", "-n", "-P", "-L", "-d", "-E", "-s", "-a", "-i"})
_SIMPLE_WRAPPERS = frozenset({
    "nohup", "time", "exec", "builtin", "setsid", "unbuffer", "chronic", "caffeinate",
    "torsocks", "proxychains", "proxychains4", "command",
})  # fmt: skip


def _strip_options(words: list[str], start: int, takes_value: frozenset[str]) -> int:
    i = start
    while i < len(words) and words[i].startswith("-") and words[i] != "-":
        if words[i] == "--":
            return i + 1
        i += 2 if words[i] in takes_value else 1
    return i


def _unwrap(words: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """Peel ``sudo``/``env``/``xargs``/``nohup``/``timeout``... off the front of ``words``."""
    via: list[str] = []
    for _ in range(8):
        while words and _ASSIGNMENT.match(words[0]) and len(words) > 1:
            words = words[1:]
        if not words:
            break
        prog = posixpath.basename(words[0]).lower()
        if prog in ("sudo", "doas", "pkexec", "run0"):
            words = words[_strip_options(words, 1, _SUDO_VALUE_OPTS) :]
            via.append("sudo")
        elif prog == "env":
            i = _strip_options(words, 1, frozenset({"-u", "-C", "-S"}))
            while i < len(words) and _ASSIGNMENT.match(words[i]):
                i += 1
            words = words[i:]
            via.append("env")
        elif prog == "xargs":
            words = words[_strip_options(words, 1, _XARGS_VALUE_OPTS) :]
            via.append("xargs")
        elif prog in ("nice", "ionice", "stdbuf"):
            words = words[_strip_options(words, 1, frozenset({"-n", "-c"})) :]
        elif prog == "timeout":
            i = _strip_options(words, 1, frozenset({"-s", "-k", "--signal", "--kill-after"}))
            words = words[i + 1 :]  # the duration
        elif prog in _SIMPLE_WRAPPERS:
            if prog == "command" and len(words) > 1 and words[1] in ("-v", "-V"):
                break
            words = words[_strip_options(words, 1, frozenset()) :]
        else:
            break
    return words, tuple(via)


def _split_redirects(words: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    argv: list[str] = []
    redirects: list[tuple[str, str]] = []
    i = 0
    while i < len(words):
        word = words[i]
        if _REDIRECT.match(word) and any(c in word for c in "<>"):
            op = word.lstrip("0123456789")
            target = words[i + 1] if i + 1 < len(words) else ""
            i += 2
            if op in ("<<", "<<-", "<<<"):
                redirects.append((op, ""))  # here-document / here-string: data, not a file
                continue
            if op in (">&", "<&") and (target.isdigit() or target == "-"):
                continue  # fd duplication (2>&1)
            # "2 > file" from "2>file": the lexer splits the fd number off as a word
            if argv and len(argv) > 1 and argv[-1].isdigit():
                argv.pop()
            redirects.append((op, target))
            continue
        argv.append(word)
        i += 1
    return argv, redirects


class CallView:
    """A tool call parsed once for every detector."""

    __slots__ = (
        "__weakref__", "base", "canonical", "cmds", "command", "downloads", "extra_paths",
        "fingerprints", "input", "intents", "is_shell", "path", "secrets", "strings", "tool",
        "unparsed",
    )  # fmt: skip

    def __init__(self, event: Event, history: SessionHistory) -> None:
        self.tool = event.tool or ""
        self.canonical = canonical_tool(self.tool)
        tool_input = event.input
        self.input: Mapping[str, Any] = (
            tool_input if type(tool_input) is dict or isinstance(tool_input, Mapping) else {}
        )
        self.is_shell = self.canonical in SHELL_TOOLS
        self.command: str | None = command_of(self.input) if self.is_shell else None
        #: base directory of the call (Codex ``workdir``), else the session's cwd
        self.base = history.cwd
        workdir = self.input.get("workdir") or self.input.get("cwd")
        if isinstance(workdir, str) and workdir:
            self.base = history.resolve(workdir, history.cwd)
        self.unparsed = False
        self.cmds: list[Cmd] = []
        if self.command:
            self.cmds = self._parse(self.command, self.base, (), 0, history)
        #: the file a file tool acts on, resolved (None if it names none)
        self.path: str | None = None
        raw_path = path_of(self.input) if not self.is_shell else None
        if raw_path is not None:
            self.path = history.resolve(raw_path, self.base)
        #: paths the parser found for the call (Codex apply_patch: ``extra["paths"]``)
        paths = event.extra.get("paths") if event.extra else None
        self.extra_paths = (
            [p for p in paths if isinstance(p, str) and p] if isinstance(paths, list) else []
        )
        self.strings: list[str] | None = None
        self.secrets: list[tuple[str, str]] | None = None
        self.intents: frozenset[tuple[str, str]] | None = None  # see commands.intents_of
        #: what the history keeps of the call, worked out once (see SessionHistory)
        self.downloads: tuple[tuple[str, str], ...] | None = None
        self.fingerprints: tuple[str, ...] | None = None

    def _parse(
        self,
        command: str,
        base: str | None,
        via: tuple[str, ...],
        depth: int,
        history: SessionHistory,
    ) -> list[Cmd]:
        try:
            parts = _simple_commands(command)
        except ShellParseError:
            # Still look: a crude split on control operators, so an unbalanced quote does not
            # hide ``rm -rf /`` from the detectors (rules never allow such a command anyway).
            self.unparsed = True
            parts = tuple(
                " ".join(p.replace('"', " ").replace("'", " ").split())
                for p in re.split(r"&&|\|\||[;&|\n()]", command)
            )
        out: list[Cmd] = []
        for part in parts:
            words = part.split(" ")
            nested: list[str] = []
            for i, word in enumerate(words):
                if word.startswith(_PROC_SUBST) and set(word) <= set("<>(&|"):
                    nested, words = words[i + 1 :], [*words[:i], "/dev/fd/63"]
                    break
            words, redirects = _split_redirects(words)
            argv, wrappers = _unwrap(words)
            if not argv and wrappers and words:
                argv, wrappers = words[:1], ()  # "sudo -i", bare "env": the wrapper itself runs
            cmd = Cmd(argv, via + wrappers, redirects, base, part)
            if argv:
                out.append(cmd)
                prog = cmd.prog
                if prog in ("cd", "pushd"):
                    target = next((w for w in argv[1:] if not w.startswith("-")), "~")
                    base = history.resolve(target, base) if target != "-" else None
                elif depth < _MAX_NESTING and (script := _inline_script(cmd)) is not None:
                    label = "eval" if prog == "eval" else f"{prog} -c"
                    out.extend(self._parse(script, base, (*cmd.via, label), depth + 1, history))
            elif redirects:
                out.append(cmd)  # a bare redirection (": > file" minus the colon)
            if nested and depth < _MAX_NESTING:
                out.extend(self._parse(" ".join(nested), base, (*via, "<("), depth + 1, history))
        return out

    def input_strings(self) -> list[str]:
        """Every string inside the tool input (keys excluded), depth-first."""
        if self.strings is None:
            self.strings = list(_walk_strings(self.input))
        return self.strings

    def input_secrets(self) -> list[tuple[str, str]]:
        """``(kind, raw value)`` of every secret in the input (one scan, shared)."""
        if self.secrets is None:
            strings = self.input_strings()
            if len(strings) > 1 and not may_hold_secret("\n".join(strings)):
                # one check for all: the hints are ASCII literals, so none in the joined
                # text means none in any string (a hint across a joint only widens)
                self.secrets = []
            else:
                self.secrets = [
                    (kind, text[start:end])
                    for text in strings
                    if may_hold_secret(text)
                    for kind, start, end in find_secrets(text, hinted=True)
                ]
        return self.secrets


@functools.lru_cache(maxsize=2048)
def _split_cached(command: str) -> tuple[str, ...]:
    return tuple(simple_commands(command, strict=False))


def _simple_commands(command: str) -> tuple[str, ...]:
    """Every command the analyser found, even in a line it could not model exactly (the
    rules never allow such a line; the detectors still look at what it runs), remembered
    for commands agents repeat (tests, git status)."""
    if len(command) > 2000:
        return tuple(simple_commands(command, strict=False))
    return _split_cached(command)


def _inline_script(cmd: Cmd) -> str | None:
    """The script of ``bash -c '...'`` / ``eval ...``, or None."""
    prog = cmd.prog
    if prog == "eval":
        return " ".join(cmd.argv[1:]) or None
    if prog not in SHELLS:
        return None
    for i, word in enumerate(cmd.argv[1:], start=1):
        if word.startswith("-") and not word.startswith("--") and "c" in word[1:]:
            return " ".join(cmd.argv[i + 1 :]) or None
        if not word.startswith("-"):
            return None
    return None


_SCALARS = (int, float, bool)


def _walk_strings(value: Any, depth: int = 0) -> Iterator[str]:
    if depth > 20:
        return
    kind = type(value)
    if kind is str:
        yield value
    elif kind is dict:  # the common case: no ABC check, no generator per scalar
        if depth >= 20:
            return  # its items would be deeper than the walk goes
        for item in value.values():
            item_kind = type(item)
            if item_kind is str:
                yield item
            elif item is not None and item_kind not in _SCALARS:
                yield from _walk_strings(item, depth + 1)
    elif isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _walk_strings(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _walk_strings(item, depth + 1)


def view_of(event: Event, history: SessionHistory) -> CallView:
    """The parsed call, computed once per event and shared by all detectors."""
    cached = history.view_cache
    if cached is not None and cached[0] is event:
        return cached[1]
    view = CallView(event, history)
    history.view_cache = (event, view)
    return view


def is_file_tool(view: CallView) -> bool:
    return view.canonical in PATH_TOOLS


# ---------------------------------------------------------------------------------------------
# secrets


#: Long text is checked for :data:`overseer.secrets.SECRET_HINTS` in one RE2 pass
#: (:mod:`overseer.policy.prefilter`); short strings with ``in`` checks.
_SECRET_HINT = Prefilter([*literals(SECRET_HINTS), GITHUB_HINT])
#: Below this length the ``in`` checks cost less than a call into RE2.
_SHORT = 64


def may_hold_secret(text: str) -> bool:
    """Cheap pre-check: False means :func:`overseer.secrets.find_secrets` finds nothing."""
    lowered = hint_form(text)
    if len(lowered) > _SHORT:
        return _SECRET_HINT.could_match(lowered)
    return has_hint(lowered)


#: One RE2 union of everything the result detectors look for in a tool result's lower-cased
#: text — the secret hints above and the injected-instruction patterns (registered by
#: :mod:`.security`) — so that ordinary output costs one pass, not one per detector.
_RESULT_UNION: Prefilter | None = None
#: The last ASCII result text scanned: ``(text, text.lower(), nothing can match)``. One
#: tuple, swapped whole (threads read either the old scan or the new one, never a mix).
_SCANNED: tuple[str | None, str, bool] = (None, "", False)


def register_result_patterns(patterns: list[str]) -> None:
    """The injection patterns join the secret hints in :data:`_RESULT_UNION` (at import)."""
    global _RESULT_UNION, _SCANNED, _BATCH_UNION
    everything = [*literals(SECRET_HINTS), GITHUB_HINT, *patterns]
    _RESULT_UNION = Prefilter(everything)
    _BATCH_UNION = _compile_batch_union(everything)
    _SCANNED = (None, "", False)
    forget_quiet_texts()


def ascii_result_scan(text: str) -> tuple[str, bool]:
    """``(text.lower(), quiet)`` for ASCII ``text``; ``quiet`` is True only when no secret hint
    and no injection pattern can match (the union only widens, so False may be a false
    alarm, True never hides a match). The same text object (a result seen by
    ``injected_instructions``, then by the history) is lowered and scanned once."""
    global _SCANNED
    scanned = _SCANNED
    if scanned[0] is text:
        return scanned[1], scanned[2]
    lowered = text.lower()
    union = _RESULT_UNION
    quiet = union is not None and not union.could_match(lowered)
    _SCANNED = (text, lowered, quiet)
    return lowered, quiet


#: The same union for a batch of ASCII result texts, matched case-insensitively on the texts
#: themselves (no lower-cased copies) and joined by newlines (``(?m)``: a ``^`` also matches
#: where each text starts). For ASCII text, ``(?i)`` only widens what the union matches in
#: ``text.lower()`` (a letter matches both cases; ``\\b``, ``\\s`` and the rest see no case).
_BATCH_UNION: Any = None
_UNANCHORED = re2._re2.RE2.Anchor.UNANCHORED
#: What a result text's scan said (True: nothing can match), for texts agents repeat; keyed
#: by the text itself (equal text, equal answer), bounded in entries and in characters.
_QUIET: dict[str, bool] = {}
_QUIET_LIMIT = 4096
_QUIET_CHARS = 16 * 1024 * 1024
_QUIET_KEY = 65_536
_quiet_chars = 0


def _compile_batch_union(patterns: list[str]) -> Any:
    options = re2.Options()
    options.never_capture = True
    options.max_mem = 64 << 20
    return re2.compile("(?im)" + "|".join(f"(?:{_widen(p)})" for p in patterns), options)


def quiet_texts(texts: list[str]) -> list[bool]:
    """For ASCII ``texts``: True where neither a secret hint nor an injection pattern can
    match (what :func:`ascii_result_scan` calls quiet, or wider: True never hides a match).
    One RE2 pass over the texts not seen before, joined; a hit marks the text it starts in
    and the pass resumes at the next text, so a match in any text is found however the
    joined texts around it read."""
    global _quiet_chars
    union = _BATCH_UNION
    out = [False] * len(texts)
    if union is None:
        return out
    cache = _QUIET
    todo: list[int] = []
    for i, text in enumerate(texts):
        known = cache.get(text) if len(text) <= _QUIET_KEY else None
        if known is None:
            todo.append(i)
        else:
            out[i] = known
    if not todo:
        return out
    hits: set[int] = set()
    chunk: list[int] = []  # joined a megabyte at a time: the extra memory stays bounded
    size = 0
    for k, i in enumerate(todo):
        chunk.append(k)
        size += len(texts[i]) + 1
        if size >= _CHUNK or k == len(todo) - 1:
            _scan(union, [texts[todo[j]] for j in chunk], chunk, hits)
            chunk, size = [], 0
    for k, i in enumerate(todo):
        text = texts[i]
        quiet = k not in hits
        out[i] = quiet
        if len(text) <= _QUIET_KEY:
            if len(cache) >= _QUIET_LIMIT or _quiet_chars + len(text) > _QUIET_CHARS:
                cache.clear()
                _quiet_chars = 0
            cache[text] = quiet
            _quiet_chars += len(text)
    return out


#: Characters joined for one RE2 pass in :func:`quiet_texts`.
_CHUNK = 1 << 20


def _scan(union: Any, texts: list[str], ids: list[int], hits: set[int]) -> None:
    """Add to ``hits`` the id of each of ``texts`` a match of ``union`` may start in."""
    joined = "\n".join(texts).encode("ascii")
    starts: list[int] = []
    at = 0
    for text in texts:
        starts.append(at)
        at += len(text) + 1
    regexp, end, pos = union._regexp, len(joined), 0
    while pos <= end:
        span = regexp.Match(_UNANCHORED, joined, pos, end)[0]
        if span[0] < 0:
            break
        k = bisect.bisect_right(starts, span[0]) - 1
        hits.add(ids[k])
        if k + 1 >= len(starts):
            break
        pos = starts[k + 1]


def forget_quiet_texts() -> None:
    """Start cold (the bench does, each round, as a fresh process would)."""
    global _quiet_chars
    _QUIET.clear()
    _quiet_chars = 0


def secret_fingerprints(text: str) -> Iterator[tuple[str, str]]:
    """``(kind, fingerprint)`` for each secret in ``text``: the whole value and each token of it
    of at least 8 characters (so ``user:pass`` in a URL matches ``pass`` read from a file)."""
    if text.isascii() and len(text) > _SHORT:
        lowered, quiet = ascii_result_scan(text)  # hint_form of ASCII text is text.lower()
        if quiet or not _SECRET_HINT.could_match(lowered):
            return
    elif not may_hold_secret(text):
        return
    for kind, start, end in find_secrets(text, hinted=True):
        for fp in value_fingerprints(text[start:end]):
            yield kind, fp


def value_fingerprints(value: str) -> Iterator[str]:
    """Fingerprints of one secret value: whole, and its long tokens when it has several."""
    yield fingerprint(value)
    tokens = _SECRET_TOKEN_SPLIT.split(value)
    if len(tokens) > 1:
        for token in tokens:
            if len(token) >= _MIN_TOKEN:
                yield fingerprint(token)


def token_fingerprints(text: str) -> Iterator[str]:
    """Fingerprints of every token of ``text`` long enough to be a credential."""
    for token in _SECRET_TOKEN_SPLIT.split(text):
        if len(token) >= _MIN_TOKEN:
            yield fingerprint(token)


class DetectorInfo:
    """A detector's identity: what every flag it raises carries."""

    __slots__ = ("category", "description", "id", "kinds", "owasp", "title")

    def __init__(
        self,
        id: str,
        category: FlagCategory,
        owasp: tuple[str, ...],
        title: str,
        description: str,
        kinds: tuple[EventKind, ...] = (_K_TOOL_CALL,),
    ) -> None:
        self.id = id
        self.category = category
        self.owasp = owasp
        self.title = title
        self.description = description
        self.kinds = kinds

    def flag(self, message: str, severity: str = "medium") -> Flag:
        return Flag(self.id, self.category, message, self.owasp, severity)

    def __repr__(self) -> str:
        return f"DetectorInfo({self.id!r}, {self.category.value!r})"


SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}


def worst(severities: list[str]) -> str:
    return max(severities, key=lambda s: SEVERITY_RANK.get(s, 1)) if severities else "medium"


def summarise(reasons: list[str], limit: int = 2) -> str:
    """``a; b (+3 more)``: reasons are already display-safe."""
    unique = list(dict.fromkeys(reasons))
    text = "; ".join(unique[:limit])
    if len(unique) > limit:
        text += f" (+{len(unique) - limit} more)"
    return text
