"""``overseer decide``'s lean path (:mod:`overseer.control.lean_decide`) against the click
command it stands in for.

Each case is run twice on two byte-identical copies of one store: once through the real entry
point (``python -m overseer decide ...``, which takes the lean path when it can) and once
through the click command alone. Exit status, stdout and stderr must be equal, and so must
every row the two wrote (approvals and audit chain, times and the hashes over them aside);
the lean rows are then re-hashed with the reference RFC 8785 code and the chain verified.
Cases the lean path must take itself are checked to have loaded nothing heavy; cases it must
hand over are checked to have reached click.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from overseer.control import lean_decide
from overseer.store import lean

#: Never on the lean path: each costs milliseconds of a ~20 ms process (or is the full path).
FORBIDDEN = (
    "click", "sqlalchemy", "sqlmodel", "textual", "rich", "httpx", "pydantic", "psutil",
    "platformdirs", "rfc8785", "json", "re", "typing", "datetime", "getpass", "socket",
    "hashlib", "dataclasses", "asyncio", "overseer.cli", "overseer.store", "overseer.tui",
    "overseer.secrets", "overseer.control.ancestry", "overseer.control.kill",
)  # fmt: skip

#: Runs the real entry point; on the lean path its ``os._exit`` is where modules are listed.
LEAN = """
import os, sys
out = sys.argv.pop(1)
real_exit = os._exit
def listed_exit(code):
    loaded = sorted(sys.modules)
    import json
    with open(out, "w") as fh:
        json.dump(loaded, fh)
    real_exit(code)
os._exit = listed_exit
sys.argv[0] = "overseer"
from overseer.__main__ import main
main()
"""
#: The click command alone (what the lean path hands over to).
FULL = (
    "import sys; from overseer.cli import cli; sys.argv[0] = 'overseer'; cli(prog_name='overseer')"
)

INPUT = {"command": "git push origin main", "description": "push"}


class Twin:
    """Two copies of one store, ``lean/o.db`` and ``full/o.db``, and how to run each side."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.src = base / "src" / "o.db"
        self.src.parent.mkdir()
        lean.connect(str(self.src)).close()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("OVERSEER_")}
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.env["PYTHONPYCACHEPREFIX"] = str(base / "pycache")

    def approval(self, tool_input: Any = INPUT, **kw: Any) -> str:
        fields: dict[str, Any] = {
            "session": "s-1", "call_id": "toolu_1", "agent": "dev", "task": "work",
            "tool": "Bash", "tool_input": tool_input, "rule": "Bash(git push:*)",
            "verdict": "ask", "summary": "Bash: git push", "timeout_s": 600,
        }  # fmt: skip
        fields.update(kw)
        with lean.connect(str(self.src)) as conn:
            return lean.create_approval(conn, **fields)

    def split(self) -> None:
        """Copy the store to both sides (WAL checkpointed first: one file holds it all)."""
        with sqlite3.connect(self.src) as raw:
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for side in ("lean", "full"):
            target = self.base / side
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            for name in os.listdir(self.src.parent):
                shutil.copy2(self.src.parent / name, target / name)

    def db(self, side: str) -> str:
        return str(self.base / side / "o.db")

    def run(
        self, side: str, *args: str, env: dict[str, str] | None = None, parent: Any = None
    ) -> tuple[int, str, str, list[str] | None]:
        """(exit status, stdout, stderr with this side's directory named ``DIR``, the modules
        loaded when the lean path ran to its end, else ``None``)."""
        words = [a.replace("{db}", self.db(side)) for a in args]
        listed = self.base / f"{side}-modules.json"
        listed.unlink(missing_ok=True)
        if side == "lean":
            argv = [sys.executable, "-c", LEAN, str(listed), "decide", *words]
        else:
            argv = [sys.executable, "-c", FULL, "decide", *words]
        if parent is not None:
            code, out, err = parent.run(*argv)
        else:
            done = subprocess.run(
                argv, capture_output=True, text=True, env=env or self.env, timeout=60
            )
            code, out, err = done.returncode, done.stdout, done.stderr
        where = str(self.base / side)
        modules = json.loads(listed.read_text()) if listed.exists() else None
        return code, out.replace(where, "DIR"), err.replace(where, "DIR"), modules

    def rows(self, side: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        raw = sqlite3.connect(self.db(side))
        raw.row_factory = sqlite3.Row
        try:
            decisions = [dict(r) for r in raw.execute("SELECT * FROM decisions ORDER BY seq")]
            approvals = [dict(r) for r in raw.execute("SELECT * FROM approvals ORDER BY id")]
        finally:
            raw.close()
        return decisions, approvals

    def compare(
        self, *args: str, split: bool = True, **kw: Any
    ) -> tuple[int, str, str, list[str] | None]:
        """Run both sides; assert they agree; return the lean side's result."""
        if split:
            self.split()
        lean_result = self.run("lean", *args, **kw)
        full_result = self.run("full", *args, **kw)
        assert lean_result[:3] == full_result[:3]
        assert full_result[3] is None
        lean_rows, full_rows = self.rows("lean"), self.rows("full")
        assert _timeless(lean_rows) == _timeless(full_rows)
        _rehash(lean_rows[0])
        return lean_result


def _timeless(tables: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> Any:
    decisions, approvals = tables
    drop = {"ts", "hash", "prev_hash", "decided_at"}
    return (
        [{k: v for k, v in r.items() if k not in drop} for r in decisions],
        [{k: v for k, v in r.items() if k not in drop} for r in approvals],
    )


def _rehash(decisions: list[dict[str, Any]]) -> None:
    """Every row's hash, recomputed with the reference RFC 8785 code, links the chain."""
    from overseer.store.chain import FIELDS, GENESIS, row_hash

    prev = GENESIS
    for row in decisions:
        assert row["prev_hash"] == prev
        assert row["hash"] == row_hash(prev, {k: row[k] for k in FIELDS})
        prev = row["hash"]


def offenders(modules: list[str]) -> list[str]:
    baseline = set(_bare_modules())
    return sorted(
        m
        for m in modules
        if m not in baseline and any(m == f or m.startswith(f + ".") for f in FORBIDDEN)
    )


def _bare_modules() -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", "import json, sys; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    # json itself was imported to print the list; the interpreter's own start-up set is what
    # counts (a site hook that imports re, say, is not the lean path's doing).
    return [m for m in json.loads(done.stdout) if m != "json" and not m.startswith("json.")]


@pytest.fixture
def twin(tmp_path: Path) -> Twin:
    return Twin(tmp_path)


def _took_lean(result: tuple[int, str, str, list[str] | None]) -> None:
    assert result[3] is not None, "the lean path handed over"
    assert offenders(result[3]) == []


# ------------------------------------------------------------------- the lean path's cases


def test_approve(twin: Twin) -> None:
    approval = twin.approval()
    result = twin.compare(approval, "approve", "--db", "{db}")
    assert result[0] == 0 and result[1].startswith(f"{approval} approved by ")
    _took_lean(result)


def test_deny_with_reason_and_operator(twin: Twin) -> None:
    approval = twin.approval()
    result = twin.compare(
        "--operator=alice", approval, "deny", "--reason", "  not on a Friday – café  ",
        "--db={db}",
    )  # fmt: skip
    assert result[:2] == (0, f"{approval} denied by alice (audit seq 1)\n")
    _took_lean(result)
    decisions, approvals = twin.rows("lean")
    assert decisions[0]["reason"] == approvals[0]["reason"] == "not on a Friday – café"


def test_db_from_the_environment(twin: Twin) -> None:
    approval = twin.approval()
    twin.split()
    env = twin.env | {"OVERSEER_DB": twin.db("lean"), "USER": "envuser", "LOGNAME": ""}
    result = twin.run("lean", approval, "approve", env=env)
    assert result[:2] == (0, f"{approval} approved by envuser (audit seq 1)\n")
    _took_lean(result)


@pytest.mark.parametrize(
    "tool_input",
    [
        {"command": "ls", "z": [1, -2, True, False, None, {"b": '\x00\x1f\x7f"\\/\n\t'}]},
        {"b": 9007199254740991, "a": -9007199254740991, "B": "", "_": {}, "": []},
        {"command": "printf '%s' \x08\x0c\r done"},
        None,
    ],
)
def test_inputs_the_lean_path_renders(twin: Twin, tool_input: Any) -> None:
    """Its canonical JSON, fingerprint and row hash equal the reference code's."""
    approval = twin.approval(tool_input)
    result = twin.compare(approval, "approve", "--operator", "op", "--db", "{db}")
    assert result[0] == 0
    _took_lean(result)
    row = twin.rows("lean")[0][0]
    assert row["input"] == lean._masked(tool_input)
    assert row["input_fingerprint"] == lean._fingerprint(tool_input)


def test_an_anchor_falls_due_on_the_lean_path(twin: Twin) -> None:
    """The 100th row: the lean path hands the anchoring to the anchor module."""
    with lean.connect(str(twin.src)) as conn:
        for n in range(99):
            lean.append_decision(conn, outcome="auto_allowed", action="allow",
                                 operator="overseer", session="s-0", call_id=f"c{n}")  # fmt: skip
    approval = twin.approval()
    anchors = Path(twin.db("lean") + ".anchors.jsonl")
    twin.split()
    before = anchors.read_text().count("\n") if anchors.exists() else 0
    result = twin.run("lean", approval, "approve", "--db", "{db}")
    assert result[:3] == (
        0,
        f"{approval} approved by {lean.default_operator()} (audit seq 100)\n",
        "",
    )
    assert anchors.read_text().count("\n") == before + 1
    assert json.loads(anchors.read_text().splitlines()[-1])["size"] == 100
    verify = subprocess.run(
        [sys.executable, "-m", "overseer", "audit", "verify", "--db", twin.db("lean")],
        capture_output=True, text=True, env=twin.env,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stderr


# -------------------------------------------------------------- cases it hands to click


@pytest.mark.parametrize(
    "words",
    [
        ["deny", "--db", "{db}"],  # a denial needs a reason
        ["deny", "--reason", "   ", "--db", "{db}"],
        ["approve", "--db", "{db}", "--db", "{db}"],  # repeated: click's rule, not guessed
        ["approve", "--input", '{"command": "ls"}', "--db", "{db}"],
        ["approve", "--grant", "Bash(ls)", "--db", "{db}"],
        ["approve", "--reason", "--db", "{db}"],
        ["maybe", "--db", "{db}"],
        ["approve", "--help"],
    ],
)
def test_what_it_does_not_model_goes_to_click(twin: Twin, words: list[str]) -> None:
    approval = twin.approval()
    result = twin.compare(approval, *words)
    assert result[3] is None


def test_unknown_id(twin: Twin) -> None:
    twin.approval()
    result = twin.compare("ap-0000000000", "approve", "--db", "{db}")
    assert result[:3] == (2, "", "no approval ap-0000000000\n")


def test_already_decided(twin: Twin) -> None:
    approval = twin.approval()
    with lean.connect(str(twin.src)) as conn:
        lean.decide(conn, approval, decision="deny", reason="no", operator="bob")
    result = twin.compare(approval, "approve", "--db", "{db}")
    assert result[0] == 3 and result[2].startswith("already decided by bob at ")


@pytest.mark.parametrize("bad", ["missing", "directory", "not-sqlite", "url"])
def test_a_bad_db(twin: Twin, bad: str) -> None:
    approval = twin.approval()
    target = {
        "missing": "{db}.typo", "directory": str(twin.base), "not-sqlite": "{db}.txt",
        "url": "mysql://nobody@127.0.0.1/x",
    }[bad]  # fmt: skip
    twin.split()
    for side in ("lean", "full"):
        (twin.base / side / "o.db.txt").write_text("not a database\n")
    result = twin.compare(approval, "approve", "--db", target, split=False)
    assert result[0] == 2 and result[1] == "" and result[2].strip()
    assert result[3] is None


@pytest.mark.parametrize(
    "tool_input",
    [
        {"command": "curl -H 'Authorization: Bearer abcdefghijklmnopqrstuvwx' x"},
        {"command": "gh release create v1 --token ghp_" + "a" * 36},
        {"command": "echo café"},
        {"command": "sleep", "seconds": 1.5},
        {"n": 2**60},
    ],
)
def test_inputs_it_does_not_render_go_to_click(twin: Twin, tool_input: Any) -> None:
    """Masking, non-ASCII, floats, big integers: the reference code writes the row."""
    approval = twin.approval(tool_input)
    result = twin.compare(approval, "approve", "--db", "{db}")
    assert result[0] == 0 and result[3] is None


# --------------------------------------------------------- deciding from inside an agent

AGENT = r"""
import json, subprocess, sys
for line in sys.stdin:
    done = subprocess.run(json.loads(line), capture_output=True, text=True)
    print(json.dumps([done.returncode, done.stdout, done.stderr]), flush=True)
"""


class FakeAgent:
    """A process that runs each command it is sent as its own child, as a script the agent
    wrote would run (the same as ``tests/test_oversight_integrity.py``'s)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", AGENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, env=env,
        )  # fmt: skip

    def run(self, *argv: str) -> tuple[int, str, str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(list(argv)) + "\n")
        self.proc.stdin.flush()
        code, out, err = json.loads(self.proc.stdout.readline())
        return int(code), str(out), str(err)

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)


def test_deciding_from_inside_an_agent_is_refused_and_recorded(twin: Twin) -> None:
    from overseer.control import core

    agent = FakeAgent(twin.env)
    try:
        approval = twin.approval()
        with lean.connect(str(twin.src)) as conn:
            core.register_process(conn, "s-1", agent.proc.pid, os.uname().nodename,
                                  agent="dev", task="work")  # fmt: skip
        twin.split()
        results = {}
        for side in ("lean", "full"):
            code, out, err, modules = twin.run(
                side, approval, "approve", "--operator", "alice", "--db", "{db}", parent=agent
            )
            assert modules is None  # handed to the full check
            # the deciding process's own pid differs between the runs
            results[side] = (code, out, re.sub(r"process \d+ descends", "process N descends", err))
        assert results["lean"] == results["full"]
        code, _out, err = results["lean"]
        assert code == 2 and "refused" in err and f"agent process {agent.proc.pid}" in err
        for side in ("lean", "full"):
            decisions, approvals = twin.rows(side)
            assert [r["action"] for r in decisions] == ["refuse"]
            assert approvals[0]["status"] == "pending"
        # the same command from outside the agent (this test's process tree) is not refused
        result = twin.run("lean", approval, "approve", "--operator", "alice", "--db", "{db}")
        assert result[0] == 0
        _took_lean(result)
    finally:
        agent.close()


def test_the_lineage_holds_every_pid_psutil_walks(tmp_path: Path) -> None:
    """Three processes deep: the /proc walk's pids include psutil's (ancestry.lineage)."""
    script = (
        "import json, subprocess, sys\n"
        "if int(sys.argv[1]):\n"
        "    sys.exit(subprocess.run([sys.executable, __file__, str(int(sys.argv[1]) - 1)]).returncode)\n"
        "from overseer.control.ancestry import lineage\n"
        "from overseer.control.lean_decide import lineage_pids\n"
        "print(json.dumps([[p for p, _c in lineage() if p > 1], lineage_pids()]))\n"
    )  # fmt: skip
    path = tmp_path / "walk.py"
    path.write_text(script)
    done = subprocess.run(
        [sys.executable, str(path), "3"], capture_output=True, text=True, check=True
    )
    walked, ours = json.loads(done.stdout)
    assert len(walked) >= 4 and set(walked) <= set(ours)
    assert ours[:4] == walked[:4]


# --------------------------------------------------------------- the copies stay in step


def test_copied_constants_match_their_sources() -> None:
    from overseer import secrets, store
    from overseer.control import ancestry
    from overseer.store import anchor, chain

    assert lean_decide.SCHEMA_VERSION == store.SCHEMA_VERSION
    assert lean_decide.DB_ENV == store.DB_ENV
    assert lean_decide.SQLITE_BUSY_MS == lean.SQLITE_BUSY_MS
    assert lean_decide.GENESIS == chain.GENESIS
    assert lean_decide.FIELDS == chain.FIELDS and lean_decide.COLUMNS == chain.COLUMNS
    assert lean_decide.INSERT_DECISION == lean._INSERT_DECISION
    assert lean_decide.MAX_CHAIN_INPUT == lean.MAX_CHAIN_INPUT
    assert lean_decide.SECRET_HINTS == secrets.SECRET_HINTS
    assert secrets.GITHUB_HINT == r"gh[pousr]_|github_pat_"  # every match holds "gh"
    assert lean_decide.ANCHOR_FORMAT == anchor.ANCHOR_FORMAT
    assert lean_decide.ANCHOR_SUFFIX == anchor._SUFFIX
    assert lean_decide.ANCHOR_EVERY == anchor.DEFAULT_EVERY
    assert lean_decide.ANCHOR_MINUTES == anchor.DEFAULT_MINUTES
    assert lean_decide.ANCHOR_TAIL == anchor._TAIL
    assert lean_decide.MAX_DEPTH == ancestry.MAX_DEPTH


def test_canonical_json_is_rfc8785_for_every_ascii_character() -> None:
    import rfc8785

    text = "".join(map(chr, range(128)))
    value: Any = {text: [text, {"b": 1, "a": None, text[::-1]: True}], "k": -(2**53) + 1}
    for char in text:  # (the whole run holds a secret hint: "gh")
        lean_decide.check_plain({char: [char, 1, True, None]})
    assert lean_decide.canonical_json(value) == rfc8785.dumps(value).decode()


def test_row_json_is_the_chain_rendering() -> None:
    import rfc8785

    row: dict[str, Any] = {f: f"{f} ü \x01 \u2028 ☃ \U0001f600" for f in lean_decide.FIELDS}
    row["seq"] = 7
    assert lean_decide.row_json(row) == rfc8785.dumps(row).decode()


def test_loads_is_json_loads() -> None:
    for text in ['{"a": [1, true, null, "x\\u0001"]}', ' {"a":{"a":1,"a":2}} \n', "[]"]:
        assert lean_decide.loads(text) == json.loads(text)
    for text in ["[1.5]", "[NaN]", "{", '{"a":1} x', "\ufeff{}"]:
        with pytest.raises(lean_decide.Fallback):
            lean_decide.loads(text)


def test_time_text_matches_the_store() -> None:
    from overseer.store import parse_utc_text, utc_text

    for epoch in (0.0, 1.5, 951782400.25, 1767225599.999999, 4102444800.000001):
        text = lean_decide.utc_text(epoch)
        assert text == utc_text(epoch)
        parsed = lean_decide.parse_utc(text)
        assert parsed is not None and abs(parsed - parse_utc_text(text).timestamp()) < 1e-6  # type: ignore[union-attr]
    assert lean_decide.parse_utc("2025-01-31T14:03:22Z") is None  # not the store's form


@pytest.mark.parametrize(
    "env",
    [{"LOGNAME": "a", "USER": "b"}, {"LOGNAME": "", "USER": "b"}, {"USERNAME": "c"}, {}],
)
def test_default_operator_is_the_stores(env: dict[str, str]) -> None:
    base = {
        k: v for k, v in os.environ.items() if k not in ("LOGNAME", "USER", "LNAME", "USERNAME")
    }
    code = (
        "from overseer.store import lean; from overseer.control import lean_decide; "
        "print(lean.default_operator() == lean_decide.default_operator())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=base | env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "True"


@pytest.mark.parametrize("text", ["null", '"abc"', "5", "true", "[]", '{"b": 1, "a": [null]}'])
def test_stored_input_texts_of_any_json_shape(text: str) -> None:
    value = json.loads(text)
    assert lean_decide.input_texts(text) == (lean._masked(value), lean._fingerprint(value))


def test_racing_operators_one_wins_the_other_is_told(twin: Twin) -> None:
    """Both start on the lean path; BEGIN IMMEDIATE lets one write, and the other, finding
    the approval decided, hands over to click, which says by whom (exit 3)."""
    approval = twin.approval()
    twin.split()
    argv = [
        sys.executable,
        "-m",
        "overseer",
        "decide",
        approval,
        "approve",
        "--db",
        twin.db("lean"),
    ]
    procs = [
        subprocess.Popen(
            [*argv, "--operator", who],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=twin.env,
        )
        for who in ("alice", "bob")
    ]
    results = sorted((p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in procs)  # type: ignore[union-attr]
    (won, out, _), (lost, _, err) = results
    assert (won, lost) == (0, 3)
    winner = out.split(" by ")[1].split()[0]
    assert err.startswith(f"already decided by {winner} at ") and err.endswith(": approved\n")
    decisions, _approvals = twin.rows("lean")
    assert [r["operator"] for r in decisions] == [winner]
    _rehash(decisions)
