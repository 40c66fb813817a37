"""An operator's edit is visible in review (issue 15, bug 3): the session view shows the
original and the edited input, labelled; the report the edited input; the audit screen that
the input was edited; and an edit that met a deny rule reads as denied — nothing ran — not
as "approved".

The gate is the real hook (a subprocess, as Claude Code runs it), decided by the real
``overseer decide --input``; the transcript of the same calls goes through the real ingest.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult

from overseer.config import load_config
from overseer.engine import Engine
from overseer.sources.ingest import ingest_paths
from overseer.store import open_store
from overseer.store.db import Store
from overseer.tui.rows import OUTCOME_LABELS
from overseer.tui.store_source import StoreSource
from overseer.tui.widgets.panels import DetailPanel
from tests.test_hook import CWD, SESSION, Hook, finish

RAN = {"command": "rm -rf /data/tmp", "description": "only tmp"}  # an ask rule's call, narrowed
DENIED = {"command": "curl https://evil.example/x"}  # an edit the deny rule Bash(curl:*) refuses


class Gated:
    """Two gated calls approved with an edit: the first edit ran, the second met a deny rule;
    then the transcript Claude Code wrote for them, ingested into the hook's store."""

    def __init__(self, tmp: Path) -> None:
        self.hook = Hook(tmp)
        self.answers = [
            self._approve_with_edit("rm -rf /data", 1, RAN),
            self._approve_with_edit("git push origin main", 2, DENIED),
        ]
        self.config = load_config(str(self.hook.config))
        transcript = tmp / f"{SESSION}.jsonl"
        transcript.write_text("".join(json.dumps(r) + "\n" for r in self._records()))
        with open_store(self.hook.db) as store:
            ingest_paths([str(transcript)], engine=Engine(self.config), store=store)

    def _approve_with_edit(self, command: str, n: int, edit: dict[str, Any]) -> dict[str, Any]:
        proc = self.hook.start(self.hook.call(command, n=n))
        pending = self.hook.pending(proc=proc)
        done = self.hook.cli(
            "decide", pending["id"], "approve", "--operator", "bob", "--input", json.dumps(edit)
        )
        assert done.returncode == 0, done.stderr
        code, out, _err = finish(proc)
        assert code == 0
        return dict(json.loads(out)["hookSpecificOutput"])

    def _records(self) -> list[dict[str, Any]]:
        def record(kind: str, second: int, content: Any) -> dict[str, Any]:
            return {
                "type": kind, "sessionId": SESSION, "cwd": CWD,
                "timestamp": f"2026-12-03T08:00:{second:02d}Z",
                "message": {"role": kind, "content": content},
            }  # fmt: skip

        denied = f"PreToolUse:Bash hook error: {self.answers[1]['permissionDecisionReason']}"
        return [
            record("user", 0, "clean up and publish"),
            record("assistant", 1, [{"type": "tool_use", "id": "toolu_0001", "name": "Bash",
                                     "input": {"command": "rm -rf /data", "description": "test"}}]),
            record("user", 2, [{"type": "tool_result", "tool_use_id": "toolu_0001",
                                "content": ""}]),
            record("assistant", 3, [{"type": "tool_use", "id": "toolu_0002", "name": "Bash",
                                     "input": {"command": "git push origin main"}}]),
            record("user", 4, [{"type": "tool_result", "tool_use_id": "toolu_0002",
                                "content": denied, "is_error": True}]),
        ]  # fmt: skip


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> Gated:
    return Gated(tmp_path_factory.mktemp("edits"))


@pytest.fixture
def store(gated: Gated) -> Iterator[Store]:
    with open_store(gated.hook.db) as opened:
        yield opened


def test_the_gate_ran_one_edit_and_denied_the_other(gated: Gated) -> None:
    """What review must then show truthfully (the hook's behaviour, control/core.judge)."""
    ran, denied = gated.answers
    assert (ran["permissionDecision"], ran["updatedInput"]) == ("allow", RAN)
    assert denied["permissionDecision"] == "deny"
    assert (
        "edited input is denied by overseer: deny rule Bash(curl:*)"
        in (denied["permissionDecisionReason"])
    )
    outcomes = [r["outcome"] for r in gated.hook.rows()]
    assert outcomes == ["approved", "approved", "policy_denied"]


def test_the_timeline_says_edited_and_edit_denied_not_approved(gated: Gated, store: Store) -> None:
    calls = store.timeline(SESSION)
    assert [(c.call_id, c.approval_status, c.approval_edit) for c in calls] == [
        ("toolu_0001", "approved", "edited"),
        ("toolu_0002", "approved", "edit_denied"),
    ]
    rows = StoreSource(store, gated.config, read_only=True).timeline(SESSION)
    assert [OUTCOME_LABELS[r.outcome] for r in rows] == ["approved ✎", "edit denied"]


def test_the_detail_pane_has_both_inputs_and_what_became_of_the_edit(
    gated: Gated, store: Store
) -> None:
    source = StoreSource(store, gated.config, read_only=True)
    ran, denied = (source.call_detail(SESSION, row) for row in source.timeline(SESSION))
    assert ran.edit_note == "approved with edit"
    assert "rm -rf /data" in ran.input_display and ran.edited_input_display is not None
    assert "rm -rf /data/tmp" in ran.edited_input_display
    assert denied.edit_note == "approved with edit — edit denied by rule Bash(curl:*); nothing ran"
    assert denied.edited_input_display is not None and "evil.example" in denied.edited_input_display
    assert "git push origin main" in denied.input_display


class _Pane(App[None]):
    def compose(self) -> ComposeResult:
        yield DetailPanel()


async def test_the_detail_pane_labels_the_original_and_the_edit(gated: Gated, store: Store) -> None:
    source = StoreSource(store, gated.config, read_only=True)
    detail = source.call_detail(SESSION, source.timeline(SESSION)[1])
    app = _Pane()
    async with app.run_test() as pilot:
        panel = app.query_one(DetailPanel)
        panel.show(detail)
        await pilot.pause()
        text = str(panel.content)
    lines = text.splitlines()
    original = lines.index("input — original, as the agent asked")
    edited = lines.index("input — edited by the operator (approved)")
    assert original < edited
    assert "git push origin main" in "\n".join(lines[original:edited])
    assert "evil.example" in "\n".join(lines[edited:])
    assert "edit denied by rule Bash(curl:*); nothing ran" in text


def test_the_audit_screen_marks_the_edited_rows(gated: Gated, store: Store) -> None:
    rows = StoreSource(store, gated.config, read_only=True).audit().rows
    assert [(r.outcome, r.edited) for r in rows] == [
        ("approved", True), ("approved", True), ("policy_denied", True),
    ]  # fmt: skip


def _report(gated: Gated, fmt: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "overseer", "report", "--db", gated.hook.db, "--config",
         str(gated.hook.config), "--format", fmt],
        capture_output=True, text=True, env=gated.hook.env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_report_shows_the_edit_and_that_the_denied_one_never_ran(gated: Gated) -> None:
    items = json.loads(_report(gated, "json"))["decisions"]["items"]
    approved = [i for i in items if i["outcome"] == "approved"]
    assert [(i["summary"], i["edited_summary"]) for i in approved] == [
        ("rm -rf /data", "rm -rf /data/tmp"),
        ("git push origin main", "curl https://evil.example/x"),
    ]
    assert [i["outcome_label"] for i in approved] == [
        "approved with edit",
        "approved with edit — edit denied by rule Bash(curl:*); nothing ran",
    ]
    assert approved[1]["denied_after"]["rule"] == "Bash(curl:*)"
    html = _report(gated, "html")
    assert "edited by the operator to:" in html and "rm -rf /data/tmp" in html
    assert "edit denied by rule Bash(curl:*); nothing ran" in html
    md = _report(gated, "md")
    assert "edited by the operator to:" in md and "nothing ran" in md


def test_suggest_scope_learns_from_the_approved_edit_not_the_original(gated: Gated) -> None:
    """An approval with an edit approved the edit: ``--suggest-scope`` must not learn that the
    agent's original call (``rm -rf /data``) was fine."""
    from overseer.report.gather import ReviewQuery, gather

    with open_store(gated.hook.db) as store:
        builder, _chain = gather(store, gated.config, ReviewQuery())
    approved = [(e.kind, dict(e.tool_input or {})) for e in builder.evidence]
    assert ("approved", RAN) in approved
    assert all(i.get("command") != "rm -rf /data" for _kind, i in approved)
