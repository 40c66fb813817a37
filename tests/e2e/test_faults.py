"""Fail closed through the real clients: when the hook cannot read its store, its config is
broken, or its store cannot be reached, the call is denied with the reason and never runs."""

from __future__ import annotations

import pytest

from .modelserver import sequence, text
from .rig import Rig
from .test_gate import shell

pytestmark = pytest.mark.e2e

ALLOWED = "touch allowed-fault.txt"  # allowed by the scope: only the fault can stop it


def _trust(rig: Rig) -> list[str]:
    return ["--trust"] if rig.client.name == "codex" else []


def _denied_closed(rig: Rig, why: str) -> None:
    run = rig.run(sequence(shell(rig, ALLOWED), text("finished")))
    assert run.returncode == 0, run.describe()
    assert not (rig.project / "allowed-fault.txt").exists(), run.describe()
    told = run.result_text()
    assert "overseer could not decide this call" in told and "failing closed" in told, told
    assert why in told, told


def test_store_unreadable_denies(rig: Rig) -> None:
    rig.install(*_trust(rig))
    rig.db.write_bytes(b"this is not an SQLite database, whatever the agent hoped\n" * 200)
    _denied_closed(rig, "not a database")


def test_config_broken_denies(rig: Rig) -> None:
    rig.install(*_trust(rig))
    rig.config.write_text("[defaults\ngate_timeout = \n")
    _denied_closed(rig, "invalid overseer config")


def test_store_unreachable_denies(rig: Rig) -> None:
    # a PostgreSQL store on a port where nothing listens
    rig.install(*_trust(rig), db="postgresql://e2e@127.0.0.1:9/overseer?connect_timeout=2")
    _denied_closed(rig, "127.0.0.1")
