"""The ``overseer`` console script.

The gate hook runs before every tool call of every agent, so ``overseer hook claude-code``
and ``overseer hook codex`` are dispatched here, before click (or anything else heavy) is
imported. Every other command goes through :mod:`overseer.cli`.
"""

from __future__ import annotations

import sys

HOOK_FLAVOURS = ("claude-code", "codex")


def main() -> None:
    argv = sys.argv[1:]
    if len(argv) >= 2 and argv[0] == "hook" and argv[1] in HOOK_FLAVOURS:
        from overseer.control.hook import run_hook

        sys.exit(run_hook(argv[1], argv[2:]))
    from overseer.cli import cli

    cli(prog_name="overseer")


if __name__ == "__main__":
    main()
