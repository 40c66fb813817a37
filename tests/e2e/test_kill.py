"""`overseer kill` while the real client waits on a gated call: the call is refused, the
client process is signalled, and nothing after the kill runs."""

from __future__ import annotations

import pytest

from .modelserver import sequence, text
from .rig import Rig
from .test_gate import GATED, install, shell

pytestmark = pytest.mark.e2e


def test_kill_during_a_later_gated_call_stops_the_client(rig: Rig) -> None:
    install(rig)
    run = rig.start(
        sequence(
            shell(rig, "touch allowed-first.txt"),  # the first call registers the agent's pid
            shell(rig, GATED),
            shell(rig, "touch allowed-after-kill.txt"),
            text("finished"),
        )
    )
    approval = rig.wait_pending(run)
    assert (rig.project / "allowed-first.txt").exists()
    result = rig.kill(approval["session"])
    assert result["pid"] is not None, result
    assert result["process"] in ("terminated", "killed"), result
    run.wait(timeout=30)
    assert run.returncode != 0 or "stop" in run.stdout.lower(), run.describe()
    assert not (rig.project / "gated.txt").exists()
    assert not (rig.project / "allowed-after-kill.txt").exists(), run.describe()
    assert "killed" in rig.outcomes()


def _kill_first_call(rig: Rig) -> tuple[dict[str, object], object]:
    install(rig)
    run = rig.start(
        sequence(shell(rig, GATED), shell(rig, "touch allowed-after-kill.txt"), text("finished"))
    )
    approval = rig.wait_pending(run)
    result = rig.kill(approval["session"])
    run.wait(timeout=30)
    assert not (rig.project / "gated.txt").exists()
    assert not (rig.project / "allowed-after-kill.txt").exists(), run.describe()
    return result, run


def test_kill_during_the_first_gated_call_stops_the_client(rig: Rig) -> None:
    """BUG 15.1: the hook registered the agent's pid only after judging returned (and never for
    a killed call), so `overseer kill` answered `process: no_process`; Codex, which only the
    signal stops, kept going."""
    result, _run = _kill_first_call(rig)
    assert result["pid"] is not None, result
    assert result["process"] in ("terminated", "killed"), result
