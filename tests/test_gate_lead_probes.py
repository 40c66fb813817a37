"""The gate against a hostile agent: the lead's own probes of 2026-12-07 (issue 13).

Spellings tried by hand against round 5's world and scope (``Read(./.env)`` denied,
``Bash(cat *)`` / ``Bash(echo *)`` allowed), each checked against bash 5.2 first (the file
really is read). Every call goes through ``overseer scope explain`` **and** the real hook,
which must agree (:mod:`tests.test_gate_adversary_round5_scope`).

``cat <>.env``: tree-sitter-bash has no ``<>`` operator when no descriptor number precedes
it; it reports an ERROR for the ``<`` and a ``>`` redirection, so the analyser saw a write
only and the call was asked where the read's deny must hold. bash opens the file to read and
write on descriptor 0 and ``cat`` prints it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_gate_adversary_round3 import World3
from tests.test_gate_adversary_round5_scope import _bash, _check, world

__all__ = ["world"]  # the module fixture, shared with round 5

READ_WRITE = [
    _bash("cat <>.env", "deny"),
    _bash("cat 0<>.env", "deny"),
    _bash("cat 1<>.env", "deny"),
    _bash("cat 3<>.env <&3", "deny"),
    _bash("ls; cat <>./.env", "deny"),
    _bash('echo "$(cat <>.env)"', "deny"),
    _bash("cat \\\\<>.env", "deny"),  # cat \\<>.env: a word '\', then <> opens .env
    _bash("cat < >.env", "ask"),  # a syntax error to bash: never allowed
    # a quoted or escaped '<' is a word: the line writes .env (Edit(./**)), reads nothing
    _bash('cat "<">.env', "allow"),
]


@pytest.mark.parametrize(("tool", "tool_input", "want"), READ_WRITE)
def test_read_write_redirection_without_a_descriptor(
    world: World3, tool: str, tool_input: dict[str, Any], want: str
) -> None:
    _check(world, tool, tool_input, want)
