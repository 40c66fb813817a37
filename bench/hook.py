"""Gate hook benchmarks (targets in DESIGN.md):

1. An auto-decided call (allowed by a rule), the whole process: the real ``overseer hook
   claude-code`` console script fed Claude-Code-shaped stdin, median wall time over N runs and
   its ratio to a bare ``python -c pass`` (measured interleaved, same machine, same moment).
   Target: under 4×.
2. A gated call: the time from the operator's decision to the hook's exit, p95. Measured two
   ways: from launching ``overseer decide`` (a whole CLI process, when that command exists) and
   from an in-process ``lean.decide`` (what the TUI does on a key press). Target: under 300 ms.

Run: ``.venv/bin/python bench/hook.py [--runs 40] [--gated 20]``. Uses a temp dir and temp DB;
touches nothing of the user's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
OVERSEER = (
    [str(BIN / "overseer")] if (BIN / "overseer").exists() else [sys.executable, "-m", "overseer"]
)

CONFIG = """
[defaults]
gate_timeout = "60s"

[agents.bench]
owner = "bench@example.com"
autonomy = "autonomous"
default_task = "work"

[agents.bench.tasks.work]
allow = ["Read", "Bash(git status)", "Bash(ls *)", "Bash(grep *)"]
ask = ["Bash(git push:*)"]
deny = ["Bash(rm:*)"]
default = "ask"
"""


def call(session: str, command: str, n: int = 0) -> bytes:
    return json.dumps(
        {
            "session_id": session,
            "transcript_path": f"/tmp/bench/{session}.jsonl",
            "cwd": "/tmp/bench",
            "permission_mode": "default",
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": command, "description": "bench"},
            "tool_use_id": f"toolu_{n:06d}",
        }
    ).encode()


def timed(argv: list[str], stdin: bytes, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, input=stdin, capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{argv} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


#: A plain command skips the bash grammar; a compound one loads and runs it.
PLAIN, COMPOUND = "git status", "git status && ls -la | grep -c x"


def auto_decided(env: dict[str, str], runs: int, command: str = PLAIN) -> tuple[float, float]:
    stdin = call("bench-auto", command)
    timed([*OVERSEER, "hook", "claude-code"], stdin, env)  # warm: creates the DB, fills caches
    hook, bare = [], []
    for n in range(runs):
        bare.append(timed([sys.executable, "-c", "pass"], b"", env))
        hook.append(timed([*OVERSEER, "hook", "claude-code"], call("bench-auto", command, n), env))
    return statistics.median(hook), statistics.median(bare)


def decide_cli_available(env: dict[str, str]) -> bool:
    probe = subprocess.run(
        [*OVERSEER, "decide", "--help"], capture_output=True, env=env, check=False
    )
    return probe.returncode == 0


def gated(env: dict[str, str], runs: int, *, via_cli: bool) -> list[float]:
    from overseer.store import lean

    conn = lean.connect(env["OVERSEER_DB"])
    latencies = []
    for n in range(runs):
        session = f"bench-gated-{'cli' if via_cli else 'lib'}-{n}"
        hook = subprocess.Popen(
            [*OVERSEER, "hook", "claude-code"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert hook.stdin is not None
        hook.stdin.write(call(session, "git push origin main", n))
        hook.stdin.close()
        approval = None
        deadline = time.monotonic() + 30
        while approval is None and time.monotonic() < deadline:
            approval = next(
                (a for a in lean.pending_approvals(conn) if a["session"] == session), None
            )
            if approval is None:
                time.sleep(0.005)
        if approval is None:
            hook.kill()
            raise SystemExit("the gated hook never created its approval")
        time.sleep(0.05)  # let the hook settle into its wait, as it would while a human reads
        start = time.perf_counter()
        if via_cli:
            subprocess.run(
                [*OVERSEER, "decide", approval["id"], "approve", "--reason", "bench"],
                capture_output=True,
                env=env,
                check=True,
            )
        else:
            lean.decide(conn, approval["id"], decision="approve", reason="bench", operator="bench")
        hook.wait(timeout=30)
        latencies.append(time.perf_counter() - start)
        out = hook.stdout.read() if hook.stdout else b""
        if b'"allow"' not in out:
            raise SystemExit(f"gated hook did not allow after approval: {out!r}")
    conn.close()
    return latencies


def make_env(tmp: str) -> dict[str, str]:
    """The hooks' environment: config and DB in ``tmp``, nothing of the user's."""
    config = Path(tmp) / "config.toml"
    config.write_text(CONFIG)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OVERSEER_")}
    # Measure what an installed package does: pip compiles bytecode at install time. This
    # dev environment sets PYTHONDONTWRITEBYTECODE=1, which would recompile every overseer
    # module from source on every run; cache the bytecode in the temp dir instead.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env |= {
        "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache"),
        "OVERSEER_CONFIG": str(config),
        "OVERSEER_DB": str(Path(tmp) / "bench.db"),
        "OVERSEER_AGENT": "bench",
        "XDG_CACHE_HOME": str(Path(tmp) / "cache"),
    }
    return env


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=40, help="auto-decided runs (default 40)")
    parser.add_argument("--gated", type=int, default=20, help="gated runs per method (default 20)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="overseer-bench-") as tmp:
        env = make_env(tmp)
        hook, bare = auto_decided(env, args.runs)
        ratio = hook / bare
        print(f"auto-decided hook call: median {hook * 1000:.1f} ms over {args.runs} runs; "
              f"python -c pass: {bare * 1000:.1f} ms; ratio {ratio:.2f}x "
              f"(target < 4x: {'ok' if ratio < 4 else 'MISSED'})")  # fmt: skip
        methods = [("in-process lean.decide (TUI key press)", False)]
        if decide_cli_available(env):
            methods.append(("`overseer decide` CLI process", True))
        else:
            print("`overseer decide` is not available yet: measuring the in-process decision only")
        for label, via_cli in methods:
            lat = gated(env, args.gated, via_cli=via_cli)
            p95 = pct(lat, 95)
            print(f"decision → gated hook exit, {label}: p95 {p95 * 1000:.0f} ms, "
                  f"median {statistics.median(lat) * 1000:.0f} ms over {len(lat)} runs "
                  f"(target p95 < 300 ms: {'ok' if p95 < 0.3 else 'MISSED'})")  # fmt: skip


if __name__ == "__main__":
    main()
