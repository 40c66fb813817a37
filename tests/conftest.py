"""Shared fixtures. Paths to bundled data; nothing here touches the user's real config or data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config.toml"
FIXTURES = ROOT / "fixtures"
# The real agent logs live beside the repository (../shared/corpus), not inside it.
CORPUS = Path(os.environ.get("OVERSEER_CORPUS", ROOT.parent / "shared" / "corpus" / "real-logs"))


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may read or write the user's own overseer data or config."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    for var in ("OVERSEER_DB", "OVERSEER_CONFIG", "OVERSEER_AGENT", "OVERSEER_TASK", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)


#: Modules whose module-scoped worlds (a project, an installed hook, an explain server) take
#: seconds to build: each runs on one xdist worker (``make test`` uses ``--dist loadgroup``)
#: instead of being built again on the other.
_ONE_WORKER = ("test_gate_adversary", "test_gate_lead_probes", "test_guard_")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        name = item.nodeid.split("::", 1)[0].rsplit("/", 1)[-1].removesuffix(".py")
        if name.startswith(_ONE_WORKER):
            item.add_marker(pytest.mark.xdist_group(name))
