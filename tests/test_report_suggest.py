"""``overseer report --suggest-scope``: the tightened scope as an annotated diff.

The evidence is real: the fixtures ingested into a SQLite store, and operators' answers
written through the gate protocol (:mod:`overseer.store.lean`). Asserted: which rules the diff
removes and proposes, the evidence written beside each change, that every proposed rule
parses and does what it says on the calls it was learnt from, that the suggested file still
validates, and that nothing outside the edited arrays changes by a single byte. Then the text
editor itself on the shapes config files take.
"""

from __future__ import annotations

import difflib
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from overseer.cli import cli
from overseer.config import load_config, parse_config
from overseer.policy.rules import CallContext, Rule
from overseer.policy.scope import evaluate
from overseer.report.gather import ReviewQuery, gather
from overseer.report.suggest import Suggestion, suggest_scope
from overseer.report.toml_edit import ArrayEdit, TomlEditError, edit_arrays, scan
from overseer.store import lean, open_store

from .conftest import CONFIG, CORPUS, FIXTURES
from .test_report import ingest

BILLING = "7d1c0f7e-2b4a-4c55-9b1e-3f0a9c1d2e45"  # claude-dev, cwd /home/dev/projects/billing
CWD = "/home/dev/projects/billing"


def _answer(
    conn: Any, outcome: str, tool: str, tool_input: dict[str, Any], *, verdict: str,
    rule: str | None = None, operator: str = "alice", session: str = BILLING,
    agent: str = "claude-dev", task: str = "feature",
) -> None:  # fmt: skip
    approval_id = lean.create_approval(
        conn, session=session, call_id=None, agent=agent, task=task, tool=tool,
        tool_input=tool_input, rule=rule, verdict=verdict, summary=tool, timeout_s=120,
    )  # fmt: skip
    if outcome == "timed_out":
        lean.finish_approval(conn, approval_id, outcome="timed_out", reason="late", operator=None)
    else:
        decision = "approve" if outcome == "approved" else "deny"
        lean.decide(conn, approval_id, decision=decision, reason="review", operator=operator)


@pytest.fixture(scope="module")
def evidence_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("suggest") / "overseer.db"
    ingest(db, FIXTURES)
    with lean.connect(str(db)) as conn:
        for who in ("alice", "bob", "alice"):  # the same command, three times
            _answer(conn, "approved", "Bash", {"command": "make lint"}, verdict="unscoped",
                    operator=who)  # fmt: skip
        for command in ("gh pr view 12", "gh pr view 13 --json title", "cd x && gh pr view 14"):
            _answer(conn, "approved", "Bash", {"command": command}, verdict="unscoped")
        for name in ("a.md", "b.md", "c.md"):
            _answer(conn, "approved", "Write", {"file_path": f"{CWD}/docs/{name}", "content": "x"},
                    verdict="unscoped")  # fmt: skip
        for target in ("dist", "build", "out"):  # a prefix would allow rm -rf anywhere
            _answer(conn, "approved", "Bash", {"command": f"rm -rf {target}"}, verdict="unscoped")
        for _ in range(3):  # gated by an ask rule: an allow rule would change nothing
            _answer(conn, "approved", "Bash", {"command": "git push origin feature/x"},
                    verdict="ask", rule="Bash(git push:*)")  # fmt: skip
        for who in ("bob", "carol", "bob"):
            _answer(conn, "denied", "Bash", {"command": "docker system prune -af"},
                    verdict="ask", rule="Bash(docker:*)", operator=who)  # fmt: skip
        for _ in range(3):  # nobody answered: not evidence of anything
            _answer(conn, "timed_out", "Bash", {"command": "terraform plan"}, verdict="unscoped")
        for _ in range(2):  # below the threshold
            _answer(conn, "approved", "Bash", {"command": "make docs"}, verdict="unscoped")
        for _ in range(3):
            _answer(conn, "approved", "mcp__shop__lookup_order", {"order_id": 1},
                    verdict="unscoped", session="sup-7f3a", agent="support-agent",
                    task="triage")  # fmt: skip
            _answer(conn, "approved", "mcp__db__drop_table", {"table": "tmp"},
                    verdict="unscoped", session="sup-7f3a", agent="support-agent",
                    task="triage")  # fmt: skip
    return db


def suggestion_for(db: Path, *, agent: str | None = None, min_count: int = 3) -> Suggestion:
    config = load_config(str(CONFIG))
    with open_store(str(db)) as store:
        builder, _chain = gather(store, config, ReviewQuery(agent=agent))
    text = CONFIG.read_text(encoding="utf-8")
    return suggest_scope(text, builder, path=str(CONFIG), min_count=min_count, agent=agent)


def changes(s: Suggestion, agent: str, task: str) -> set[tuple[str, str, str]]:
    found = next(t for t in s.tasks if (t.agent, t.task) == (agent, task))
    return {(c.action, c.list, c.rule) for c in found.changes}


def notes(s: Suggestion, agent: str, task: str) -> list[str]:
    return next(t for t in s.tasks if (t.agent, t.task) == (agent, task)).notes


def changed_old_lines(old: str, new: str) -> set[int]:
    matcher = difflib.SequenceMatcher(a=old.splitlines(), b=new.splitlines(), autojunk=False)
    out: set[int] = set()
    for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if tag != "equal":
            out.update(range(i1, max(i2, i1 + 1)))
    return out


def array_lines(text: str) -> set[int]:
    """0-based lines of every allow/ask/deny array (key line to closing bracket), and the
    line just before each (where comments above a key go in)."""
    doc = scan(text)
    lines: set[int] = set()
    for path, span in doc.arrays.items():
        if path[-1] in ("allow", "ask", "deny"):
            first = text.count("\n", 0, span.key_start)
            last = text.count("\n", 0, span.close)
            lines.update(range(first - 1, last + 2))
    return lines


def test_suggestion_from_evidence(evidence_db: Path) -> None:
    s = suggestion_for(evidence_db)
    assert s.valid, s.errors
    dev = changes(s, "claude-dev", "feature")
    added = {(lst, rule) for action, lst, rule in dev if action == "add"}
    assert added == {
        ("allow", "Bash(make lint)"),
        ("allow", "Bash(gh pr view:*)"),
        ("allow", "Write(./docs/*)"),
        ("deny", "Bash(docker system prune -af)"),
    }
    removed = {(lst, rule) for action, lst, rule in dev if action == "remove"}
    assert ("allow", "LS") in removed
    # The hostile session's command names a program by a glob (`\x1b[2J...`), which the
    # analyser does not model: one shell call was not judged, so no shell rule is called unused.
    assert ("allow", "Bash(git status)") not in removed
    assert any("1 shell calls could not be parsed" in n for n in notes(s, "claude-dev", "feature"))
    assert ("allow", "Read") not in removed and ("allow", "Bash(pytest:*)") not in removed
    assert ("ask", "WebFetch") not in removed  # it decided a call
    assert not any(lst == "deny" for lst, _ in removed)  # guardrails stay
    dev_notes = " ".join(notes(s, "claude-dev", "feature"))
    assert "Bash(rm -rf:*)" in dev_notes and "recursive delete" in dev_notes
    assert "Bash(git push:*) gates these calls" in dev_notes
    assert "terraform" not in " ".join(str(c) for c in dev) + dev_notes
    assert "make docs" not in " ".join(r for _, _, r in dev)

    support = changes(s, "support-agent", "triage")
    assert ("add", "allow", "mcp__shop__lookup_order") in support
    assert not any("drop_table" in rule for _, _, rule in support)
    assert "destroys something" in " ".join(notes(s, "support-agent", "triage"))

    # Every change carries its evidence, as a TOML comment in the diff.
    assert (
        '+  "Bash(make lint)",  # Bash(make lint): approved 3 times by alice, bob in 1 session'
        in s.diff
    )
    assert "+  # removed LS: unused, no call in 2 sessions, 13 calls reviewed" in s.diff
    assert "Bash(docker system prune -af): denied 3 times (3 by an operator)" in s.diff
    assert "-allow = [\n" not in s.diff  # multi-line arrays are edited, not rewritten


def test_suggested_config_validates_and_does_what_it_says(evidence_db: Path) -> None:
    s = suggestion_for(evidence_db)
    old = CONFIG.read_text(encoding="utf-8")
    config = parse_config(s.text, "suggested.toml")
    for t in s.tasks:
        for change in t.changes:
            Rule(change.rule)  # parses
    scope = config.scope_for("claude-dev", "feature")
    assert scope is not None
    ctx = CallContext(CWD, "/home/dev")
    assert evaluate(scope, "Bash", {"command": "make lint"}, ctx).effective == "allow"
    assert evaluate(scope, "Bash", {"command": "gh pr view 99"}, ctx).effective == "allow"
    assert evaluate(scope, "Write", {"file_path": f"{CWD}/docs/new.md"}, ctx).effective == "allow"
    # Write(src/**) was unused: Edit(src/**) covers Write as Claude Code does, so it still is
    assert evaluate(scope, "Write", {"file_path": f"{CWD}/src/x.py"}, ctx).rule == "Edit(src/**)"
    assert evaluate(scope, "Write", {"file_path": f"{CWD}/x.py"}, ctx).effective != "allow"
    assert evaluate(scope, "Bash", {"command": "docker system prune -af"}, ctx).verdict == "deny"
    assert evaluate(scope, "Bash", {"command": "rm -rf dist"}, ctx).effective != "allow"
    assert evaluate(scope, "Bash", {"command": "pytest -q"}, ctx).effective == "allow"  # kept
    # Byte-identical outside the edited arrays; tasks without sessions are untouched.
    assert changed_old_lines(old, s.text) <= array_lines(old)
    hotfix = tomllib.loads(s.text)["agents"]["claude-dev"]["tasks"]["hotfix"]
    assert hotfix == tomllib.loads(old)["agents"]["claude-dev"]["tasks"]["hotfix"]
    release = tomllib.loads(s.text)["agents"]["release-bot"]
    assert release == tomllib.loads(old)["agents"]["release-bot"]
    # Applying the diff to the original gives the suggested text.
    assert _apply(old, s.diff) == s.text


def _apply(old: str, diff: str) -> str:
    """A minimal unified-diff applier (the diff's own hunks, in order)."""
    lines = old.splitlines(keepends=True)
    out: list[str] = []
    pos = 0
    body = diff.splitlines(keepends=True)[2:]
    i = 0
    while i < len(body):
        header = body[i]
        assert header.startswith("@@")
        start = int(header.split()[1].split(",")[0][1:]) - 1
        out.extend(lines[pos:start])
        pos = start
        i += 1
        while i < len(body) and not body[i].startswith("@@"):
            tag, text = body[i][0], body[i][1:]
            if tag in " -":
                assert lines[pos] == text
                pos += 1
            if tag in " +":
                out.append(text)
            i += 1
    out.extend(lines[pos:])
    return "".join(out)


def test_thresholds_and_agent_filter(evidence_db: Path) -> None:
    lower = suggestion_for(evidence_db, min_count=2)
    assert ("add", "allow", "Bash(make docs)") in changes(lower, "claude-dev", "feature")
    only = suggestion_for(evidence_db, agent="support-agent")
    assert {(t.agent, t.task) for t in only.tasks} == {("support-agent", "triage")}
    assert "claude-dev" not in only.diff


def test_cli_suggest_scope(evidence_db: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes(CONFIG.read_bytes())
    result: Result = CliRunner().invoke(
        cli, ["report", "--suggest-scope", "--db", str(evidence_db), "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("# Scope suggestion for")
    assert "# claude-dev / feature: 2 sessions, 13 calls reviewed — " in out
    assert f"--- {config}\n+++ {config} (suggested)\n" in out
    assert config.read_bytes() == CONFIG.read_bytes()  # nothing applied
    as_json = CliRunner().invoke(
        cli, ["report", "--suggest-scope", "--db", str(evidence_db), "--config", str(config),
              "--format", "json", "--agent", "support-agent"],
    )  # fmt: skip
    data = json.loads(as_json.stdout)
    assert data["valid"] is True and data["errors"] == []
    assert [t["agent"] for t in data["tasks"]] == ["support-agent"]
    assert {c["rule"] for c in data["tasks"][0]["changes"] if c["action"] == "add"} == {
        "mcp__shop__lookup_order"
    }
    html = CliRunner().invoke(
        cli, ["report", "--suggest-scope", "--db", str(evidence_db), "--config", str(config),
              "--format", "html"],
    )  # fmt: skip
    assert html.exit_code == 2


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")
def test_corpus_suggestion(tmp_path: Path) -> None:
    db = tmp_path / "overseer.db"
    ingest(db, CORPUS)
    s = suggestion_for(db, min_count=1)
    assert s.valid, s.errors
    parse_config(s.text)
    dev = changes(s, "claude-dev", "feature")
    # One Glob call was rejected in the Claude Code UI, but Glob ran fine elsewhere.
    assert ("remove", "allow", "Glob") not in dev
    assert ("remove", "allow", "Bash(git status)") in dev
    removed = {(lst, r) for a, lst, r in dev if a == "remove"}
    assert len(removed) == 26  # 18 of 23 allow rules, 8 of 9 ask rules: none overlaps an allow
    # The human's "no" to `mix phx.server 2>&1 | head -80` is a deny for mix, not for head.
    assert {(lst, r) for a, lst, r in dev if a == "add"} == {("deny", "Bash(mix phx.server)")}
    assert any(
        "Glob" in n and "2 calls to it were allowed" in n for n in notes(s, "claude-dev", "feature")
    )
    # Codex's commands are redacted in the corpus: unused shell rules prove nothing there.
    refactor = changes(s, "codex-refactor", "refactor")
    assert refactor == {("remove", "allow", "Edit(src/**)")}
    assert "117 shell calls could not be parsed" in notes(s, "codex-refactor", "refactor")[0]
    assert changed_old_lines(CONFIG.read_text(encoding="utf-8"), s.text) <= array_lines(
        CONFIG.read_text(encoding="utf-8")
    )


# ------------------------------------------------------------------------------ the editor


def _edit(text: str, edits: list[ArrayEdit], **kw: Any) -> str:
    new = edit_arrays(text, edits, **kw)
    tomllib.loads(new)
    return new


def test_edit_multiline_array_line_by_line() -> None:
    text = (
        "# top [not, a, table]\n"
        "[t]  # the table\n"
        'note = """a [bracket] in a string\n  and "quotes" ]"""\n'
        "allow = [\n"
        '  "A", "B",  # first two\n'
        '  "C",\n'
        "  'D'\n"
        "]\n"
        "after = 1\n"
    )
    new = _edit(text, [ArrayEdit(("t", "allow"), {"B": "gone B", "D": "gone D"}, [("E", "new E")])])
    assert tomllib.loads(new)["t"]["allow"] == ["A", "C", "E"]
    assert new == (
        "# top [not, a, table]\n"
        "[t]  # the table\n"
        'note = """a [bracket] in a string\n  and "quotes" ]"""\n'
        "allow = [\n"
        "  # gone B\n"
        '  "A",  # first two\n'
        '  "C",\n'
        "  # gone D\n"
        '  "E",  # new E\n'
        "]\n"
        "after = 1\n"
    )


def test_edit_single_line_and_new_key_and_quoted_tables() -> None:
    text = (
        '[agents."my bot".tasks.t]\n'
        'allow = ["A", "B"]   # trailing\n'
        'default = "ask"\n'
        "\n"
        "[other]\n"
        "x = 1\n"
    )
    new = _edit(
        text,
        [ArrayEdit(("agents", "my bot", "tasks", "t", "allow"), {"A": "gone A"}, [("C", "c!")])],
        new_keys=[(("agents", "my bot", "tasks", "t"), "deny", [("Bash(rm:*)", "denied 3x")])],
    )
    assert new == (
        '[agents."my bot".tasks.t]\n'
        "# gone A\n"
        "# c!\n"
        'allow = ["B", "C"]   # trailing\n'
        'default = "ask"\n'
        "# denied 3x\n"
        'deny = ["Bash(rm:*)"]\n'
        "\n"
        "[other]\n"
        "x = 1\n"
    )


def test_edit_bracket_glued_crlf_dotted_and_escapes() -> None:
    text = '[a]\r\ntasks.t.allow = ["A",\r\n   "B"]\r\nz = 2\r\n'
    new = _edit(text, [ArrayEdit(("a", "tasks", "t", "allow"), {}, [('Bash(echo "x\\y")', "q")])])
    assert tomllib.loads(new)["a"]["tasks"]["t"]["allow"] == ["A", "B", 'Bash(echo "x\\y")']
    assert new.endswith("z = 2\r\n") and "\r\n# q\r\n" in new
    assert "\n" not in new.replace("\r\n", "")  # line endings kept
    emptied = _edit('[a]\nallow = [\n  "A",\n  "B"\n]\n', [ArrayEdit(("a", "allow"), {"B": "x"})])
    assert tomllib.loads(emptied)["a"]["allow"] == ["A"]
    empty = _edit("[a]\nallow = []\n", [ArrayEdit(("a", "allow"), {}, [("N", "n")])])
    assert tomllib.loads(empty)["a"]["allow"] == ["N"]
    # a comment cannot smuggle a line break into the file
    sneaky = _edit("[a]\nallow = []\n", [ArrayEdit(("a", "allow"), {}, [("N", "x\n[evil]\ny=1")])])
    assert tomllib.loads(sneaky) == {"a": {"allow": ["N"]}}


def test_edit_refuses_what_it_cannot_do() -> None:
    with pytest.raises(TomlEditError, match="no array"):
        edit_arrays("[a]\nallow = { x = 1 }\n", [ArrayEdit(("a", "allow"), {"x": "y"})])
    with pytest.raises(TomlEditError, match="no \\[b\\] table"):
        edit_arrays("[a]\n", [], new_keys=[(("b",), "deny", [("X", "x")])])
    with pytest.raises(TomlEditError):
        scan('[a]\nallow = ["unterminated\n')
