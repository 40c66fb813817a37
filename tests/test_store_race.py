"""Two operators decide the same approval at the same moment, from two real processes, a
hundred times: exactly one wins each time, the loser is told who won, and the chain verifies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from overseer.store import lean
from overseer.store.audit import verify
from tests.store_support import db  # noqa: F401  (fixture)

ROUNDS = 100
ROOT = Path(__file__).resolve().parent.parent

# One long-lived process per operator (100 interpreter start-ups would measure Python, not
# the store). Each line on stdin names the approval and the instant to fire at, so both
# processes call decide() at the same moment rather than in the order their pipes were written.
WORKER = """
import json, sys, time
from overseer.store import AlreadyDecided, lean
db, name = sys.argv[1], sys.argv[2]
conn = lean.connect(db, create=False)
print("ready", flush=True)
for line in sys.stdin:
    approval_id, fire_at = line.split()
    while time.time() < float(fire_at):
        pass
    try:
        decided = lean.decide(conn, approval_id, decision="approve" if name == "alice" else "deny",
                              reason="race by " + name, operator=name)
        out = {"won": True, "seq": decided["decision_seq"]}
    except AlreadyDecided as lost:
        out = {"won": False, "by": lost.by, "outcome": lost.outcome}
    print(json.dumps(out), flush=True)
"""


def test_two_processes_race_to_decide(db: str) -> None:  # noqa: F811
    conn = lean.connect(db)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    workers = {
        name: subprocess.Popen(
            [sys.executable, "-c", WORKER, db, name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name in ("alice", "bob")
    }
    wins = {"alice": 0, "bob": 0}
    try:
        for proc in workers.values():
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        for round_no in range(ROUNDS):
            approval_id = lean.create_approval(
                conn, session="race", call_id=f"c{round_no}", agent="bot", task=None,
                tool="Bash", tool_input={"command": f"deploy {round_no}"}, rule=None,
                verdict="ask", summary="deploy", timeout_s=60,
            )  # fmt: skip
            fire_at = time.time() + 0.01
            order = list(workers.values())
            for proc in order if round_no % 2 else reversed(order):
                assert proc.stdin is not None
                proc.stdin.write(f"{approval_id} {fire_at}\n")
                proc.stdin.flush()
            answers = {}
            for name, proc in workers.items():
                assert proc.stdout is not None
                answers[name] = json.loads(proc.stdout.readline())
            winners = [name for name, answer in answers.items() if answer["won"]]
            assert len(winners) == 1, (round_no, answers)
            winner = winners[0]
            loser = "bob" if winner == "alice" else "alice"
            expected = "approved" if winner == "alice" else "denied"
            assert answers[loser] == {"won": False, "by": winner, "outcome": expected}
            stored = lean.read_approval(conn, approval_id)
            assert stored is not None
            assert (stored["status"], stored["decided_by"]) == (expected, winner)
            wins[winner] += 1
    finally:
        for proc in workers.values():
            assert proc.stdin is not None
            proc.stdin.close()
        for proc in workers.values():
            proc.wait(timeout=30)
    assert sum(wins.values()) == ROUNDS
    per_approval = conn.execute(
        "SELECT approval_id, count(*) FROM decisions GROUP BY approval_id HAVING count(*) <> 1"
    ).fetchall()
    assert per_approval == []
    result = verify(conn)
    assert result.ok and result.rows == ROUNDS, result.message()
    conn.close()


def test_two_cli_deciders_one_wins(db: str) -> None:  # noqa: F811
    """The same race through `overseer decide` itself: exit 0 for one, 3 for the other."""
    with lean.connect(db) as conn:
        approval_id = lean.create_approval(
            conn, session="race", call_id="c1", agent=None, task=None, tool="Bash",
            tool_input={"command": "x"}, rule=None, verdict="ask", summary="x", timeout_s=60,
        )  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "overseer",
                "decide",
                approval_id,
                decision,
                "--reason",
                "cli race",
                "--operator",
                name,
                "--db",
                db,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name, decision in (("alice", "approve"), ("bob", "deny"))
    ]
    outcomes = [(p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    assert sorted(code for code, _, _ in outcomes) == [0, 3], outcomes
    _, loser_out, loser_err = next(o for o in outcomes if o[0] == 3)
    assert loser_err.startswith("already decided by ") and loser_err.count("\n") == 1
    assert "Traceback" not in loser_err + loser_out
