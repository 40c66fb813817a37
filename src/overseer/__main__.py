"""The ``overseer`` console script.

The gate hook runs before every tool call of every agent, so ``overseer hook claude-code``
and ``overseer hook codex`` are dispatched here, before click (or anything else heavy) is
imported. So is ``overseer decide``, an operator's answer that an agent may be waiting on: its
plain case is done by :mod:`overseer.control.lean_decide`, which hands anything else back
(having written nothing) to the click command. Every other command goes through
:mod:`overseer.cli`.
"""

from __future__ import annotations

import sys

HOOK_FLAVOURS = ("claude-code", "codex")


def main() -> None:
    argv = sys.argv[1:]
    if len(argv) >= 2 and argv[0] == "hook" and argv[1] in HOOK_FLAVOURS:
        from overseer.control.hook import run_hook

        sys.exit(run_hook(argv[1], argv[2:]))
    if argv and argv[0] == "decide":
        from overseer.control.lean_decide import run

        code = run(argv[1:])
        if code is not None:
            _exit_now(code)
    from overseer.cli import cli

    cli(prog_name="overseer")


def _exit_now(code: int) -> None:
    """Exit without tearing the interpreter down (a millisecond or two of a ~20 ms command):
    the decision is committed, the store closed and the output flushed; this path registers
    no exit handlers."""
    import os

    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = code or 1
    os._exit(code)


if __name__ == "__main__":
    main()
