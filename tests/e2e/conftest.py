"""Fixtures for the conformance suite against the real Claude Code and Codex CLI.

``claude_code`` / ``codex``: the pinned client, installed once per machine (see
:mod:`.clients`), or the test is skipped with the reason. ``rig``: a fresh temp world for one
test (:class:`.rig.Rig`); parametrised tests get it through ``make_rig``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from . import clients
from .rig import Rig

_INSTALLED: dict[str, clients.Client | str] = {}


def _client(name: str) -> clients.Client:
    if name not in _INSTALLED:
        spec = clients.CLAUDE_CODE if name == "claude-code" else clients.CODEX
        try:
            _INSTALLED[name] = clients.install(name, spec)
        except clients.Unavailable as exc:
            _INSTALLED[name] = str(exc)
    found = _INSTALLED[name]
    if isinstance(found, str):
        pytest.skip(f"{name} not available: {found}")
    return found


@pytest.fixture(scope="session")
def claude_code() -> clients.Client:
    return _client("claude-code")


@pytest.fixture(scope="session")
def codex() -> clients.Client:
    return _client("codex")


@pytest.fixture(params=["claude-code", "codex"])
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Rig]:
    """The same test, once per client."""
    made = Rig(_client(request.param), tmp_path)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def claude_rig(tmp_path: Path) -> Iterator[Rig]:
    made = Rig(_client("claude-code"), tmp_path)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def codex_rig(tmp_path: Path) -> Iterator[Rig]:
    made = Rig(_client("codex"), tmp_path)
    try:
        yield made
    finally:
        made.close()


MakeRig = Callable[[str], Rig]
