"""``overseer decide ID approve|deny`` without click, SQLAlchemy, psutil, ``re`` or ``typing``.

An operator decides from a shell or a chat-ops bot (the ``[notify]`` pages carry the command
line), often while an agent waits on the answer, so the command's start-up is on the critical
path; through click it cost 60-160 ms, most of it imports. DESIGN.md's target is a median under
2x a bare ``python -c pass``, which leaves room for ``_sqlite3`` and the standard library's C
helpers only: this module imports nothing else (not :mod:`overseer.store`, whose ``typing`` and
``datetime`` alone cost more than the budget).

It does one thing: the plain, successful decision on a SQLite store — ``decide ID approve``
or ``decide ID deny --reason R``, with ``--operator`` and ``--db`` — and records it exactly as
:func:`overseer.store.lean.decide` does (the same approval update and audit chain row, byte
for byte, then the same automatic anchoring). Everything it does not model exactly is
*returned*, before anything is written, to the caller, which then runs the full click command
from the start: other options (``--input``, ``--grant``, ``--server``, ``--help``), PostgreSQL
or ``sqlite://`` URLs, a missing or unreadable database, another schema version, an unknown or
already-decided approval, a deny without a reason, a tool input that is not plain ASCII JSON
of strings, safe integers, booleans and nulls or that holds a secret hint (masking needs the
regular expressions of :mod:`overseer.secrets`), text the terminal output would alter, and —
the security check — any session whose registered agent pid is this process or one of its
ancestors. That last one is decided by :mod:`overseer.control.ancestry` on the full path,
which refuses and records the attempt as oversight tampering when the pid is provably the
agent's; here the walk up ``/proc`` only has to prove that *no* registered pid is in the
lineage (it follows every parent link, so it sees at least the processes psutil's walk sees;
an unreadable ``/proc`` entry or a deeper tree hands over too). So a fallback is always the
full command's own judgement, messages and exit status, never a second opinion. (Its one
cost: a store still locked after the 10 s busy timeout is waited on twice before the error.)

``tests/test_decide_lean.py`` runs both paths on the same cases and compares exit status,
output and the rows written, checks this module's copies of constants against their sources,
and lists the modules the lean path loads.
"""

from __future__ import annotations

import os
import sys
import time

TYPE_CHECKING = False  # typing itself is an import this path avoids
if TYPE_CHECKING:
    from typing import Any

#: Copies of constants whose home modules are too heavy to import here; the tests compare
#: each with its source (overseer.store, overseer.store.chain, overseer.store.lean,
#: overseer.store.anchor, overseer.secrets).
SCHEMA_VERSION = 8
DB_ENV = "OVERSEER_DB"
SQLITE_BUSY_MS = 10_000
GENESIS = "0" * 64
FIELDS = (
    "action", "agent", "approval_id", "call_id", "input", "input_fingerprint", "operator",
    "outcome", "reason", "rule", "seq", "session", "task", "tool", "ts", "updated_input",
)  # fmt: skip
COLUMNS = (*FIELDS, "prev_hash", "hash")
INSERT_DECISION = (
    f"INSERT INTO decisions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
)
MAX_CHAIN_INPUT = 256 * 1024
SECRET_HINTS = (
    "-----begin", "akia", "asia", "sk-", "xox", "aiza", "k_live_", "k_test_", "eyj", "bearer",
    "://", "passw", "pwd", "secret", "token", "api_k", "api-k", "apik", "access",
)  # fmt: skip
ANCHOR_FORMAT = "overseer-audit-anchor/1"
ANCHOR_SUFFIX = ".anchors.jsonl"
ANCHOR_EVERY = 100
ANCHOR_MINUTES = 10.0
ANCHOR_TAIL = 4096
#: How close to the anchor's time limit counts as "maybe due" (the full check then decides).
ANCHOR_MARGIN_S = 5.0
#: How far up the process tree to look (as :data:`overseer.control.ancestry.MAX_DEPTH`).
MAX_DEPTH = 64
_MAX_SAFE_INT = 2**53

_OPTIONS = ("--reason", "--operator", "--db")
_OUTCOMES = {"approve": "approved", "deny": "denied"}
_APPROVAL = "SELECT id, session, call_id, agent, task, tool, input, rule, status FROM approvals"


class Fallback(Exception):
    """Not modelled exactly here: nothing was written; the full command decides."""


def run(argv: list[str]) -> int | None:
    """Decide as ``overseer decide`` would, given the words after ``decide``; return the exit
    status, or ``None`` (nothing written, nothing printed) for the full command to run."""
    try:
        args = parse(argv)
        path = _store_path(args["db"])
        who = args["operator"] or default_operator()
        _printable(args["id"], who)
        raw = _connect(path)
    except Exception:  # Fallback, or anything unforeseen: nothing is written yet
        return None
    try:
        try:
            _refuse_nothing_inside_session(raw)
            seq = _decide(raw, args, who)
        except Exception:  # Fallback, or a driver error before the commit (a store locked
            return None  # past the busy timeout, say): the full path meets and reports it
        _anchor(raw, path, seq)
    finally:
        raw.close()
    return emit(f"{args['id']} {_OUTCOMES[args['decision']]} by {who} (audit seq {seq})\n")


# ------------------------------------------------------------------------------------- argv


def parse(argv: list[str]) -> dict[str, Any]:
    """``ID approve|deny`` plus ``--reason``/``--operator``/``--db`` (``--opt value`` or
    ``--opt=value``), each at most once and in any order, as click reads them; anything else
    (another option, ``--``, ``-h``, a repeated option, an empty value or one starting with
    ``-``, a word that is not valid UTF-8) raises :class:`Fallback`."""
    found: dict[str, Any] = {"reason": None, "operator": None, "db": None}
    positional: list[str] = []
    words = list(argv)
    while words:
        word = words.pop(0)
        _plain(word)
        if not word.startswith("-"):
            positional.append(word)
            continue
        name, sep, value = word.partition("=")
        if name not in _OPTIONS or found[name[2:]] is not None:
            raise Fallback(f"not handled here: {word!r}")
        if not sep:
            if not words:
                raise Fallback(f"{name} needs a value")
            value = words.pop(0)
            _plain(value)
        if not value or value.startswith("-"):
            raise Fallback(f"{name}: a value click reads differently")
        found[name[2:]] = value
    if len(positional) != 2 or positional[1] not in _OUTCOMES:
        raise Fallback("not ID approve|deny")
    found["id"], found["decision"] = positional
    if found["decision"] == "deny" and not (found["reason"] or "").strip():
        raise Fallback("a denial needs a reason (the full command says so)")
    return found


def _plain(word: str) -> None:
    """Text that is stored and printed as is: no lone surrogate (bytes that were not UTF-8)."""
    try:
        word.encode("utf-8")
    except UnicodeEncodeError:
        raise Fallback("not UTF-8") from None


def _printable(*texts: str) -> None:
    """click.echo strips ANSI escapes when stdout is not a terminal and encodes for the
    terminal: only ASCII without ESC is printed the same either way."""
    for text in texts:
        if not text.isascii() or "\x1b" in text:
            raise Fallback("output click would alter")


def default_operator() -> str:
    """:func:`overseer.store.lean.default_operator` without importing :mod:`getpass`
    (``getpass.getuser``: the first set of these variables, else the passwd entry)."""
    try:
        for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
            user = os.environ.get(name)
            if user:
                return user
        import pwd

        return pwd.getpwuid(os.getuid())[0]
    except Exception:
        return os.environ.get("USER") or f"uid:{os.getuid()}"


# ------------------------------------------------------------------------------------ store


def _store_path(db: str | None) -> str:
    """:func:`overseer.store.resolve_db` for a plain SQLite file; a URL is not handled."""
    target = db.strip() if db is not None and db.strip() else ""
    if not target:
        target = os.environ.get(DB_ENV, "").strip()
    if not target:
        if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
            raise Fallback("default store path of this platform")
        xdg = os.environ.get("XDG_DATA_HOME", "").strip()
        base = os.path.join(xdg if xdg else os.path.expanduser("~/.local/share"), "overseer")
        target = os.path.join(base, "overseer.db")
    if "://" in target:
        raise Fallback("a database URL")
    path = os.path.abspath(os.path.expanduser(target))
    _plain(path)
    if not os.path.isfile(path):
        raise Fallback("no database file there")
    return path


def _connect(path: str) -> Any:
    """The connection :func:`overseer.store.lean.connect` opens, at this schema version."""
    try:
        import _sqlite3
    except ImportError:
        raise Fallback("no _sqlite3") from None
    try:
        raw = _sqlite3.connect(
            path, timeout=SQLITE_BUSY_MS / 1000, isolation_level=None, check_same_thread=False
        )
    except Exception:
        raise Fallback("cannot open the database") from None
    try:
        raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        raw.execute("PRAGMA synchronous=FULL")  # decisions are few and must survive
        row = raw.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if not row or str(row[0]) != str(SCHEMA_VERSION):
            raise Fallback("another schema version")
    except BaseException:
        raw.close()
        raise Fallback("not this schema") from None
    return raw


# -------------------------------------------------------------------------------- ancestry


def lineage_pids(pid: int | None = None) -> list[int]:
    """This process (or ``pid``) and every ancestor above it, init excluded, following each
    parent link in ``/proc`` (psutil's walk also stops at a parent younger than its child:
    this list holds every pid that one does). Raises :class:`Fallback` when an entry cannot
    be read or the tree is deeper than :data:`MAX_DEPTH`."""
    pids: list[int] = []
    current = os.getpid() if pid is None else pid
    while current > 1:
        if len(pids) >= MAX_DEPTH:
            raise Fallback("a deeper process tree than the full check walks")
        pids.append(current)
        try:
            with open(f"/proc/{current}/stat", "rb") as fh:
                stat = fh.read()
            current = int(stat[stat.rindex(b")") + 2 :].split()[1])
        except (OSError, ValueError, IndexError):
            raise Fallback("an unreadable process in the lineage") from None
    return pids


def _refuse_nothing_inside_session(raw: Any) -> None:
    """Hand over to the full check (:func:`overseer.control.ancestry.refuse_inside_session`)
    unless no session's registered pid is in this process's lineage."""
    pids = lineage_pids()
    marks = ", ".join("?" * len(pids))
    hit = raw.execute(f"SELECT 1 FROM sessions WHERE pid IN ({marks}) LIMIT 1", pids).fetchone()
    if hit is not None:
        raise Fallback("a registered agent pid in the lineage: the full check decides")


# --------------------------------------------------------------------------------- decide


def _decide(raw: Any, args: dict[str, Any], who: str) -> int:
    """The approval update and its chain row in one chain transaction (``BEGIN IMMEDIATE``
    serialises chain writers); returns the row's seq. :class:`Fallback` rolls back first."""
    decision = args["decision"]
    reason = (args["reason"] or "").strip() or None
    raw.execute("BEGIN IMMEDIATE")
    try:
        row = raw.execute(f"{_APPROVAL} WHERE id = ?", (args["id"],)).fetchone()
        if row is None or row[8] != "pending":
            raise Fallback("unknown or already decided: the full command says so")
        approval_id, session, call_id, agent, task, tool, tool_input, rule, _status = row
        for value in (approval_id, session, call_id, agent, task, tool, rule):
            if value is not None and type(value) is not str:
                raise Fallback("a column that is not text")
        masked, fingerprint = input_texts(tool_input)
        head = raw.execute("SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1").fetchone()
        if head is not None and (type(head[0]) is not int or type(head[1]) is not str):
            raise Fallback("an odd chain head")
        seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
        ts = utc_text()
        values = {
            "action": decision, "agent": agent, "approval_id": approval_id, "call_id": call_id,
            "input": masked, "input_fingerprint": fingerprint, "operator": who,
            "outcome": _OUTCOMES[decision], "reason": reason, "rule": rule, "seq": seq,
            "session": session, "task": task, "tool": tool, "ts": ts, "updated_input": None,
        }  # fmt: skip
        values = {k: clean_text(v) if type(v) is str else v for k, v in values.items()}
        digest = sha256_hex(prev + row_json(values))
        values["prev_hash"], values["hash"] = prev, digest
        raw.execute(INSERT_DECISION, tuple(values[c] for c in COLUMNS))
        cur = raw.execute(
            "UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?, reason = ?,"
            " updated_input = ?, decision_seq = ? WHERE id = ? AND status = 'pending'",
            (_OUTCOMES[decision], who, ts, reason, None, seq, approval_id),
        )
        if cur.rowcount != 1:
            raise Fallback("the approval changed while being decided")
        raw.execute("COMMIT")
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    return int(seq)


def input_texts(text: Any) -> tuple[str | None, str | None]:
    """The chain row's ``input`` (masked canonical JSON) and ``input_fingerprint`` (sha256 of
    the unmasked canonical JSON) of a stored tool input, for inputs with no secret to mask."""
    if text is None:
        return None, None
    if type(text) is not str:
        raise Fallback("an input that is not JSON text")
    value = loads(text)
    if value is None:  # stored JSON null: as no input (``lean._masked(None)``)
        return None, None
    check_plain(value)
    canonical = canonical_json(value)
    if len(canonical) > MAX_CHAIN_INPUT:
        raise Fallback("an input the chain keeps capped")
    return canonical, sha256_hex(canonical)


def check_plain(value: Any, depth: int = 0) -> None:
    """RFC 8785 and the C encoder agree on it, and masking leaves it unchanged: dicts, lists,
    ASCII strings (keys too) without a secret hint, safe integers, booleans, nulls."""
    if depth > 100:
        raise Fallback("deeply nested")
    kind = type(value)
    if kind is str:
        if not value.isascii():
            raise Fallback("non-ASCII text")
        lowered = value.lower()
        if "gh" in lowered or any(hint in lowered for hint in SECRET_HINTS):
            raise Fallback("a secret hint: masking needs overseer.secrets")
    elif kind is int:
        if not -_MAX_SAFE_INT < value < _MAX_SAFE_INT:
            raise Fallback("an integer RFC 8785 refuses")
    elif kind is dict:
        for key, item in value.items():
            check_plain(key, depth + 1)
            check_plain(item, depth + 1)
    elif kind is list:
        for item in value:
            check_plain(item, depth + 1)
    elif value is not None and kind is not bool:
        raise Fallback("a float or other value")


def _no_constant(name: str) -> Any:
    raise ValueError(name)


class _DecodeContext:
    """What ``_json.make_scanner`` reads from a ``json.JSONDecoder`` (its defaults, except
    that floats and NaN/Infinity raise: they are not handled here)."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_int = int
    memo: dict[str, Any] = {}

    @staticmethod
    def parse_float(text: str) -> Any:
        raise ValueError(text)

    parse_constant = staticmethod(_no_constant)


def loads(text: str) -> Any:
    """``json.loads(text)`` through the same C scanner, without importing :mod:`json` (whose
    import compiles regular expressions). Anything unusual raises :class:`Fallback`."""
    c_json = _c_json()
    ws = " \t\n\r"
    start = 0
    while start < len(text) and text[start] in ws:
        start += 1
    try:
        value, end = c_json.make_scanner(_DecodeContext())(text, start)
    except (StopIteration, ValueError, RecursionError):
        raise Fallback("not plain JSON") from None
    while end < len(text) and text[end] in ws:
        end += 1
    if end != len(text) or text.startswith("\ufeff"):
        raise Fallback("not plain JSON")
    return value


def _c_json() -> Any:
    """The C half of :mod:`json` (typed loosely: the stubs type what :mod:`json` passes)."""
    import _json

    return _json


def _encoder(sort_keys: bool) -> Any:
    """``json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=...,
    check_circular=False, allow_nan=False)``'s C encoder (no ``default``: only the types
    :func:`check_plain` passes reach it)."""
    c_json = _c_json()
    return c_json.make_encoder(
        None, None, c_json.encode_basestring, None, ":", ",", sort_keys, False, False
    )


def canonical_json(value: Any) -> str:
    """RFC 8785 JSON of a value :func:`check_plain` passed (sorted keys are then in UTF-16
    order, and the C encoder's escapes are RFC 8785's)."""
    return "".join(_encoder(True)(value, 0))


def row_json(values: dict[str, Any]) -> str:
    """RFC 8785 JSON of a chain row's :data:`FIELDS` (``overseer.store.chain.fast_json``)."""
    for value in values.values():
        if value is not None and type(value) is not str and type(value) is not int:
            raise Fallback("a chain field of another type")
    return "".join(_encoder(False)({k: values[k] for k in FIELDS}, 0))


def sha256_hex(text: str) -> str:
    from overseer.digest import sha256

    return sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def clean_text(text: str) -> str:
    """:func:`overseer.store.clean_text` for SQLite: a lone surrogate becomes U+FFFD."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def utc_text(epoch: float | None = None) -> str:
    """:func:`overseer.store.utc_text` of now (or ``epoch``) without :mod:`datetime`."""
    micros = round((time.time() if epoch is None else epoch) * 1_000_000)
    seconds, fraction = divmod(micros, 1_000_000)
    t = time.gmtime(seconds)
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}.{fraction:06d}Z"
    )


# ---------------------------------------------------------------------------------- anchor


def _anchor(raw: Any, path: str, seq: int) -> None:
    """What :func:`overseer.store.anchor.after_chain_commit` does after a chain commit: in
    the common case, proving no anchor is due is a read of the anchor file's tail; when one
    is due, or might be, the anchor module itself runs (and decides)."""
    try:
        if anchor_surely_not_due(raw, path + ANCHOR_SUFFIX, seq):
            return
    except Exception:  # any doubt: let the anchor module look
        pass
    from overseer.store.anchor import after_chain_commit
    from overseer.store.lean import LeanConn

    conn = LeanConn(path, raw, is_pg=False)
    after_chain_commit(conn)


def anchor_surely_not_due(raw: Any, anchor_path: str, head_seq: int) -> bool:
    """True only when the default policy (:class:`overseer.store.anchor.Policy`) certainly
    finds no anchor due: fewer than ``every`` rows and clearly less than ``minutes`` since the
    last anchor (or the first row). False means "maybe": the anchor module decides."""
    last = last_anchor(anchor_path)
    since = last["size"] if last else 0
    if head_seq <= since:
        return True
    if head_seq - since >= ANCHOR_EVERY:
        return False
    if last is not None:
        started_text = last["ts"]
    else:
        first = raw.execute("SELECT ts FROM decisions WHERE seq = 1").fetchone()
        started_text = first[0] if first else None
    started = parse_utc(started_text)
    if started is None:
        return False
    return time.time() - started < ANCHOR_MINUTES * 60 - ANCHOR_MARGIN_S


def last_anchor(anchor_path: str) -> dict[str, Any] | None:
    """``FileAnchors(anchor_path).last()`` for a well-formed file; anything else raises."""
    try:
        with open(anchor_path, "rb") as fh:
            end = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, end - ANCHOR_TAIL))
            tail = fh.read()
    except FileNotFoundError:
        return None
    line = tail.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    if not line:
        return None
    if not line.isascii():
        raise Fallback("an anchor line the anchor module should read")
    value = loads(line.decode("ascii"))
    if type(value) is not dict:
        raise Fallback("not an anchor line")
    size, head, n = value.get("size"), value.get("head"), value.get("n")
    if (
        value.get("format") != ANCHOR_FORMAT
        or type(size) is not int
        or size < 1
        or type(n) is not int
        or type(head) is not str
        or len(head) != 64
        or type(value.get("ts")) is not str
    ):
        raise Fallback("not an anchor line")
    return value


def parse_utc(text: Any) -> float | None:
    """Epoch seconds of the store's ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; ``None`` otherwise."""
    if type(text) is not str or len(text) != 27 or not text.isascii():
        return None
    digits = text[0:4] + text[5:7] + text[8:10] + text[11:13] + text[14:16] + text[17:19]
    if (
        text[4] + text[7] + text[10] + text[13] + text[16] + text[19] + text[26] != "--T::.Z"
        or not (digits + text[20:26]).isdigit()
    ):
        return None
    year, month, day = int(text[0:4]), int(text[5:7]), int(text[8:10])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    # days from 1970-01-01 (Howard Hinnant's days_from_civil)
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    clock = int(text[11:13]) * 3600 + int(text[14:16]) * 60 + int(text[17:19])
    return days * 86400 + clock + int(text[20:26]) / 1_000_000


# ---------------------------------------------------------------------------------- output


def emit(text: str) -> int:
    """Print the result as ``click.echo`` does; a closed pipe is exit 1, as click makes it."""
    if sys.stdout is None:  # no stdout at all: click.echo prints nothing, exit 0
        return 0
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        return 1
    return 0
