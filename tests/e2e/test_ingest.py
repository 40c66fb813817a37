"""Ingest what the real client itself wrote (Claude Code's transcript, Codex's rollout) into
the hook's store: 0 problems, every call counted once, each matched with its gate decision."""

from __future__ import annotations

import json

import pytest

from .modelserver import sequence, text
from .rig import Rig
from .test_gate import GATED, install, shell

pytestmark = pytest.mark.e2e


def ingest(rig: Rig) -> dict[str, object]:
    files = [str(p) for p in rig.transcripts()]
    assert files, "the client wrote no transcript / rollout"
    done = rig.overseer(
        "ingest", "--db", str(rig.db), "--config", str(rig.config), "--json", *files
    )
    return dict(json.loads(done.stdout))


def _two_calls(rig: Rig) -> str:
    install(rig)
    run = rig.run(
        sequence(
            shell(rig, "touch allowed-1.txt"), shell(rig, "mkdir denied-dir"), text("finished")
        )
    )
    assert run.returncode == 0, run.describe()
    (session,) = rig.session_ids()
    return session


def test_ingest_counts_every_call_once(rig: Rig) -> None:
    session = _two_calls(rig)
    stats = ingest(rig)
    assert stats["problems"] == 0, stats
    assert stats["tool_calls"] == 2, stats
    assert "ungated_calls" not in stats, stats  # each call has its gate decision
    calls = rig.query(
        "SELECT call_id, tool FROM events WHERE kind = 'tool_call' AND session = ?", session
    )
    assert len(calls) == 2 and len({c["call_id"] for c in calls}) == 2, [dict(c) for c in calls]
    (row,) = rig.query("SELECT tool_calls FROM sessions WHERE id = ?", session)
    assert row["tool_calls"] == 2
    # the hook's decisions and the transcript's calls are the same calls
    decided = {
        r["call_id"] for r in rig.query("SELECT call_id FROM decisions WHERE session = ?", session)
    }
    assert decided == {c["call_id"] for c in calls}
    again = ingest(rig)  # nothing new: nothing counted twice
    assert again["tool_calls"] == 0 and again["problems"] == 0, again


def test_ingest_keeps_the_session_the_hook_recorded(rig: Rig) -> None:
    session = _two_calls(rig)
    before = rig.query("SELECT agent, task FROM sessions WHERE id = ?", session)[0]
    assert (before["agent"], before["task"]) == ("e2e", "e2e")
    ingest(rig)
    after = rig.query("SELECT agent, task FROM sessions WHERE id = ?", session)[0]
    assert (after["agent"], after["task"]) == ("e2e", "e2e")
    events = rig.query(
        "SELECT DISTINCT agent FROM events WHERE session = ? AND kind = 'tool_call'", session
    )
    assert [e["agent"] for e in events] == ["e2e"]


def test_report_shows_the_operators_edit(claude_rig: Rig) -> None:
    rig = claude_rig
    install(rig)
    run = rig.start(sequence(shell(rig, GATED), text("finished")))
    approval = rig.wait_pending(run)
    edited = {"command": "echo edited > edited.txt", "description": "the operator's edit"}
    rig.decide(approval["id"], "approve", "--reason", "only this", "--input", json.dumps(edited))
    run.wait()
    assert (rig.project / "edited.txt").exists(), run.describe()
    ingest(rig)
    report = rig.overseer(
        "report", "--db", str(rig.db), "--config", str(rig.config), "--format", "json"
    ).stdout
    assert "echo edited > edited.txt" in report


def test_report_shows_an_edit_a_deny_rule_refused_as_not_run(rig: Rig) -> None:
    """The operator approved an edit that a deny rule then refused: the report must not list
    it as a plain approval (nothing ran)."""
    install(rig)
    run = rig.start(sequence(shell(rig, GATED), text("finished")))
    approval = rig.wait_pending(run)
    rig.decide(approval["id"], "approve", "--input", json.dumps({"command": "mkdir sneaky"}))
    run.wait()
    assert not (rig.project / "sneaky").exists(), run.describe()
    ingest(rig)
    report = json.loads(
        rig.overseer(
            "report", "--db", str(rig.db), "--config", str(rig.config), "--format", "json"
        ).stdout
    )
    (item,) = [i for i in report["decisions"]["items"] if i["outcome"] == "approved"]
    assert item["edited_summary"] == "mkdir sneaky", item
    assert item["outcome_label"] == (
        "approved with edit — edit denied by rule Bash(mkdir:*); nothing ran"
    ), item


def test_a_session_stopped_by_overseer_reads_as_stopped_from_its_transcript(
    claude_rig: Rig,
) -> None:
    rig = claude_rig
    install(rig)
    run = rig.start(
        sequence(shell(rig, "touch allowed-1.txt"), shell(rig, GATED), text("finished"))
    )
    approval = rig.wait_pending(run)
    rig.overseer(
        "kill", approval["session"], "--db", str(rig.db), "--no-signal", "--reason", "e2e stop"
    )
    run.wait()
    assert "hook_stopped" in "".join(p.read_text() for p in rig.transcripts())
    # the transcript alone (`overseer review LOGS`, another store): it says why it ended
    fresh = rig.tmp / "review.db"
    files = [str(p) for p in rig.transcripts()]
    rig.overseer("ingest", "--db", str(fresh), "--config", str(rig.config), "--json", *files)
    rig.db = fresh
    (row,) = rig.query("SELECT status, end_reason FROM sessions WHERE id = ?", approval["session"])
    assert row["status"] == "killed" or "overseer" in (row["end_reason"] or ""), dict(row)
    assert row["status"] in ("stopped", "killed"), dict(row)  # not a session that finished
