"""Shell judgement benchmarks (DESIGN.md: time is linear in the input; no line stalls ingest).

1. Judging one huge command: a 1 MiB command is refused unread (too large: the gate asks,
   ingest records it as not judged); a command just under the cap is parsed, and twice its
   size costs about twice the time (the ratio is printed: ~2 means linear).
2. The hostile transcript: a Claude Code transcript of ordinary calls, ingested (parse +
   verdict + flags) with and without one extra line carrying a 2 MiB command. Target: at most
   2× the time of the file without it.

Run: ``.venv/bin/python bench/shell.py``. CPU time, best of a few runs; no files written.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if os.fspath(ROOT / "src") not in sys.path:
    sys.path.insert(0, os.fspath(ROOT / "src"))

from overseer.config import load_config  # noqa: E402
from overseer.engine import Engine  # noqa: E402
from overseer.model import Event  # noqa: E402
from overseer.policy.rules import CallContext  # noqa: E402
from overseer.policy.scope import evaluate  # noqa: E402
from overseer.policy.shell import MAX_COMMAND_CHARS  # noqa: E402
from overseer.sources.formats import make_parser  # noqa: E402

CONFIG = ROOT / "config.toml"


def best(runs: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def judge_rows() -> dict[str, float]:
    scope = load_config(str(CONFIG)).scope_for("claude-dev", "feature")
    ctx = CallContext("/workspace/shop", "/home/dev")
    unit = "echo 'a b' | grep -c a > /dev/null; "

    def command(size: int) -> str:
        return (unit * (size // len(unit) + 1))[:size]

    def judge(text: str) -> Callable[[], object]:
        return lambda: evaluate(scope, "Bash", {"command": text}, ctx)

    huge = command(1 << 20)
    half, full = command(MAX_COMMAND_CHARS // 2), command(MAX_COMMAND_CHARS - 10)
    return {
        "huge_s": best(3, judge(huge)),
        "half_s": best(3, judge(half)),
        "full_s": best(3, judge(full)),
        "verdict_huge": 0.0
        if evaluate(scope, "Bash", {"command": huge}, ctx).effective != "allow"
        else 1.0,
    }


def shape_rows() -> dict[str, float]:
    """The shapes tree-sitter-bash parses in more than linear time, just under the caps
    (``shell.MAX_PIPES``, ``shell.MAX_NESTING``) and padded to just under the size cap: the
    most one line may cost the analyser."""
    from overseer.policy.shell import MAX_NESTING, MAX_PIPES, analyse

    def padded(text: str) -> str:
        return text + " x" * ((MAX_COMMAND_CHARS - 10 - len(text)) // 2)

    half = MAX_NESTING // 2
    shapes = {
        "pipeline": padded("ls -r x|" * MAX_PIPES + "rm -rf /"),
        "pipe-amp": padded("ls -r x|&" * (MAX_PIPES // 2) + "rm"),
        "arithmetic": padded("echo " + "$((1+" * half + "1" + "))" * half),
        "subshells": ("(ls -r x);" * (MAX_COMMAND_CHARS // 10))[: MAX_COMMAND_CHARS - 10],
    }
    return {name: best(3, lambda text=text: analyse(text)) for name, text in shapes.items()}


def transcript(n: int, hostile: bool) -> list[bytes]:
    lines = []
    for i in range(n):
        ordinary = f"git diff HEAD~{i % 9} -- src/app.py | head -{i % 50 + 1}"
        use = {
            "type": "assistant",
            "sessionId": "s1",
            "cwd": "/workspace/shop",
            "timestamp": "2026-03-02T14:00:00Z",
            "uuid": f"u{i}",
            "message": {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": f"toolu_{i}", "name": "Bash",
                             "input": {"command": ordinary}}],
            },
        }  # fmt: skip
        lines.append(json.dumps(use).encode())
        if hostile and i == n // 2:
            big = dict(use, uuid="huge")
            huge = "echo " + "$(x) 'a' \\ ; " * (2 * 1024 * 1024 // 14)
            big["message"] = {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "toolu_huge", "name": "Bash",
                             "input": {"command": huge}}],
            }  # fmt: skip
            lines.append(json.dumps(big).encode())
    return lines


def ingest_time(lines: list[bytes]) -> float:
    config = load_config(str(CONFIG))

    def run() -> None:
        parser = make_parser("claude_code", "/home/dev/.claude/projects/-workspace-shop/s1.jsonl")
        engine = Engine(config, home="/home/dev")
        batch = [
            item
            for number, raw in enumerate(lines, start=1)
            for item in parser.feed(raw, number)
            if isinstance(item, Event)
        ]
        engine.process(batch, "s1.jsonl")

    return best(3, run)


def hostile_rows(n: int = 5000) -> dict[str, float]:
    plain = ingest_time(transcript(n, False))
    hostile = ingest_time(transcript(n, True))
    return {"plain_s": plain, "hostile_s": hostile, "ratio": hostile / plain}


def main() -> int:
    judged = judge_rows()
    print(
        f"judge a 1 MiB command: {judged['huge_s'] * 1000:.1f} ms CPU (refused as too large; "
        f"{'not allowed' if judged['verdict_huge'] == 0 else 'ALLOWED'})"
    )
    full, half = judged["full_s"], judged["half_s"]
    print(
        f"judge a {MAX_COMMAND_CHARS // 1000}k-character command: {full * 1000:.0f} ms; "
        f"half that size: {half * 1000:.0f} ms (ratio {full / half:.2f}: 2 is linear)"
    )
    shapes = shape_rows()
    worst = max(shapes, key=lambda name: shapes[name])
    print(
        "slowest shapes just under the caps: "
        + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in shapes.items())
        + f" (worst: {worst})"
    )
    hostile = hostile_rows()
    print(
        f"hostile transcript (2 MiB command): {hostile['hostile_s']:.2f} s vs "
        f"{hostile['plain_s']:.2f} s without it: {hostile['ratio']:.2f}x (target <= 2x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
