"""Gate hook benchmarks (targets in DESIGN.md):

1. An auto-decided call (allowed by a rule), the whole process: the real ``overseer hook
   claude-code`` console script fed Claude-Code-shaped stdin, median wall time over N runs and
   its ratio to a bare ``python -c pass`` (measured interleaved, same machine, same moment).
   Target: under 4×.
2. ``overseer decide ID approve``, the whole process (an operator's answer from a shell or a
   chat-ops bot), on a pending approval of the single-user store: median wall time and its
   ratio to ``python -c pass``, interleaved. Target: under 2×.
3. A gated call: the time from the operator's decision to the hook's exit, p95. Measured two
   ways: from launching ``overseer decide`` (a whole CLI process, when that command exists) and
   from an in-process ``lean.decide`` (what the TUI does on a key press). Target: under 300 ms.

Each is measured in every mode (docs/hardened.md, docs/team.md): **single-user** (the hook
opens the SQLite store itself), **hardened** (the thin client asks an ``overseer serve`` gate
server over a Unix socket; the server runs as this user here, so run the bench as root — a
thin client refuses a server of its own non-root user), **team** (the hook connects to
PostgreSQL as the team-mode hook role and runs only its functions; needs a server on
127.0.0.1:5432 where ``postgres`` may create databases and roles).

Run: ``.venv/bin/python bench/hook.py [--runs 40] [--gated 20] [--modes single,hardened,team]``.
Uses a temp dir, temp DB and (team) a temp database and roles it drops; touches nothing of the
user's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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
match = { cwd = ["/tmp/bench", "/tmp/bench/**"] }

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


HOOK = [*OVERSEER, "hook", "claude-code"]


def auto_decided(
    env: dict[str, str], runs: int, command: str = PLAIN, hook_argv: list[str] | None = None
) -> tuple[float, float]:
    argv = hook_argv or HOOK
    stdin = call("bench-auto", command)
    timed(argv, stdin, env)  # warm: creates the DB, fills caches
    hook, bare = [], []
    for n in range(runs):
        bare.append(timed([sys.executable, "-c", "pass"], b"", env))
        hook.append(timed(argv, call("bench-auto", command, n), env))
    return statistics.median(hook), statistics.median(bare)


def decide_startup(env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall time of ``overseer decide ID approve`` (one pending approval per run, in
    the single-user store) and of ``python -c pass``, interleaved: (decide, bare)."""
    from overseer.store import lean

    with lean.connect(env["OVERSEER_DB"]) as conn:
        ids = [
            lean.create_approval(
                conn,
                session="bench-decide",
                call_id=f"toolu_d{n:06d}",
                agent="bench",
                task="work",
                tool="Bash",
                tool_input={"command": "git push origin main"},
                rule="Bash(git push:*)",
                verdict="ask",
                summary="Bash: git push origin main",
                timeout_s=3600,
            )
            for n in range(runs + 1)
        ]
    timed([*OVERSEER, "decide", ids[0], "approve"], b"", env)  # warm the caches
    decide, bare = [], []
    for approval_id in ids[1:]:
        bare.append(timed([sys.executable, "-c", "pass"], b"", env))
        decide.append(timed([*OVERSEER, "decide", approval_id, "approve"], b"", env))
    return statistics.median(decide), statistics.median(bare)


def gated(
    env: dict[str, str],
    runs: int,
    *,
    via_cli: bool,
    hook_argv: list[str] | None = None,
    store: str | None = None,
    decide: Callable[[str, bool], None] | None = None,
) -> list[float]:
    """``decide(approval_id, via_cli)`` decides as the mode's operator (default: the
    single-user store, by ``lean.decide`` or the ``overseer decide`` CLI)."""
    from overseer.store import lean

    conn = lean.connect(store or env["OVERSEER_DB"])
    latencies = []
    for n in range(runs):
        session = f"bench-gated-{'cli' if via_cli else 'lib'}-{n}-{os.urandom(3).hex()}"
        hook = subprocess.Popen(
            hook_argv or HOOK,
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
        if decide is not None:
            decide(approval["id"], via_cli)
        elif via_cli:
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


@contextlib.contextmanager
def hardened_server(tmp: str, env: dict[str, str]) -> Iterator[tuple[str, str]]:
    """An ``overseer serve`` gate server on a socket in ``tmp``: yields (socket, store)."""
    base = Path(tmp) / "hardened"
    (base / "run").mkdir(parents=True, mode=0o755)
    (base / "etc").mkdir(mode=0o755)
    sock, store = str(base / "run" / "gate.sock"), str(base / "state" / "server.db")
    config = base / "etc" / "config.toml"
    config.write_text(
        CONFIG + f'\n[server]\nsocket = "{sock}"\nstore = "{store}"\noperators = [{os.getuid()}]\n'
    )
    config.chmod(0o644)
    server = subprocess.Popen(
        [*OVERSEER, "serve", "--config", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(sock):
            if server.poll() is not None or time.monotonic() > deadline:
                err = server.stderr.read().decode() if server.stderr else ""
                raise SystemExit(f"the gate server did not start: {err[-500:]}")
            time.sleep(0.02)
        yield sock, store
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


class Measured:
    """One mode's figures: the auto-decided medians and the gated latencies per method."""

    def __init__(self, hook: float, bare: float) -> None:
        self.hook, self.bare = hook, bare
        self.gated: dict[str, list[float]] = {}


def measure_hardened(env: dict[str, str], tmp: str, runs: int, gated_runs: int) -> Measured | str:
    """Hardened mode's figures, or why they could not be taken."""
    from overseer.control import thin

    if os.getuid() != 0:
        return "run as root: the thin client refuses a gate server of its own non-root user"
    # the server places the session where the kernel says the hook runs, not where the
    # request says: the hook must run in the agent's directory, as the agents start it
    os.makedirs("/tmp/bench", exist_ok=True)
    here = os.getcwd()
    os.chdir("/tmp/bench")
    try:
        return _measure_hardened(env, tmp, runs, gated_runs, thin)
    finally:
        os.chdir(here)


def _measure_hardened(
    env: dict[str, str], tmp: str, runs: int, gated_runs: int, thin: Any
) -> Measured | str:
    with hardened_server(tmp, env) as (sock, store):
        argv = [*HOOK, "--server", sock]
        measured = Measured(*auto_decided(env, runs, hook_argv=argv))

        def decide(approval_id: str, via_cli: bool) -> None:
            if via_cli:
                argv = [*OVERSEER, "decide", approval_id, "approve", "--server", sock]
                subprocess.run(argv, capture_output=True, env=env, check=True)
            else:  # what an operator's console does: one request on the socket
                thin.request(sock, {"op": "decide", "id": approval_id, "decision": "approve"})

        methods = (("one socket request", False), ("`overseer decide --server` CLI", True))
        for label, via_cli in methods:
            measured.gated[label] = gated(
                env, gated_runs, via_cli=via_cli, hook_argv=argv, store=store, decide=decide
            )
    return measured


def measure_team(env: dict[str, str], runs: int, gated_runs: int) -> Measured | str:
    """Team mode's figures (a temp database and roles, dropped after), or why not."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    suffix = os.urandom(4).hex()
    name, hook_role = f"overseer_bench_{suffix}", f"bench_hook_{suffix}"
    op_role = f"bench_op_{suffix}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as pg:
            pg.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        return f"no PostgreSQL at 127.0.0.1:5432 ({str(exc).strip()[:120]})"
    owner = f"postgresql://postgres@127.0.0.1:5432/{name}"
    operator_db = f"postgresql://{op_role}@127.0.0.1:5432/{name}"
    try:
        init = [*OVERSEER, "team", "init", "--db", owner, "--hook-role", hook_role]
        done = subprocess.run(
            [*init, "--operator-role", op_role, "--login"], capture_output=True, env=env
        )
        if done.returncode != 0:
            return f"team init failed: {done.stderr.decode()[-300:]}"
        team_env = env | {"OVERSEER_DB": f"postgresql://{hook_role}@127.0.0.1:5432/{name}"}
        measured = Measured(*auto_decided(team_env, runs))

        def decide(approval_id: str, via_cli: bool) -> None:
            if via_cli:
                argv = [*OVERSEER, "decide", approval_id, "approve", "--db", operator_db]
                subprocess.run(argv, capture_output=True, env=env, check=True)
                return
            from overseer.store import lean

            conn = lean.connect(operator_db)
            try:
                lean.decide(conn, approval_id, decision="approve", reason=None, operator=None)
            finally:
                conn.close()

        methods = (("operator role, in process", False), ("operator role, CLI", True))
        for label, via_cli in methods:
            measured.gated[label] = gated(
                team_env, gated_runs, via_cli=via_cli, store=owner, decide=decide
            )
        return measured
    finally:
        with psycopg.connect(admin, autocommit=True) as pg:
            pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for role in (hook_role, op_role):
                pg.execute(f'DROP ROLE IF EXISTS "{role}"')


def print_mode(mode: str, measured: Measured | str, runs: int) -> None:
    if isinstance(measured, str):
        print(f"{mode}: skipped ({measured})")
        return
    report(f"{mode}, auto-decided hook call: median {measured.hook * 1000:.1f} ms",
           measured.hook, measured.bare, runs)  # fmt: skip
    for label, lat in measured.gated.items():
        report_gated(f"{mode}, {label}", lat)


def report(label: str, hook: float, bare: float, runs: int) -> None:
    ratio = hook / bare
    print(f"{label} over {runs} runs; python -c pass: {bare * 1000:.1f} ms; ratio "
          f"{ratio:.2f}x (target < 4x: {'ok' if ratio < 4 else 'MISSED'})")  # fmt: skip


def report_gated(label: str, lat: list[float]) -> None:
    p95 = pct(lat, 95)
    print(f"decision → gated hook exit, {label}: p95 {p95 * 1000:.0f} ms, "
          f"median {statistics.median(lat) * 1000:.0f} ms over {len(lat)} runs "
          f"(target p95 < 300 ms: {'ok' if p95 < 0.3 else 'MISSED'})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=40, help="auto-decided runs (default 40)")
    parser.add_argument("--gated", type=int, default=20, help="gated runs per method (default 20)")
    parser.add_argument(
        "--modes", default="single,hardened,team", help="comma-separated: single, hardened, team"
    )
    args = parser.parse_args()
    modes = {m.strip() for m in args.modes.split(",") if m.strip()}
    with tempfile.TemporaryDirectory(prefix="overseer-bench-") as tmp:
        env = make_env(tmp)
        if "single" in modes:
            run_single(env, args)
        if "hardened" in modes:
            measured = measure_hardened(env, tmp, args.runs, args.gated)
            print_mode("hardened (thin client → gate server)", measured, args.runs)
        if "team" in modes:
            print_mode("team (hook role on PostgreSQL)", measure_team(env, args.runs, args.gated),
                       args.runs)  # fmt: skip


def run_single(env: dict[str, str], args: argparse.Namespace) -> None:
    hook, bare = auto_decided(env, args.runs)
    report(f"single-user, auto-decided hook call: median {hook * 1000:.1f} ms", hook, bare,
           args.runs)  # fmt: skip
    decide, bare = decide_startup(env, args.runs)
    print(f"`overseer decide` start-up, whole process: median {decide * 1000:.1f} ms over "
          f"{args.runs} runs; python -c pass: {bare * 1000:.1f} ms; ratio {decide / bare:.2f}x "
          f"(target < 2x: {'ok' if decide / bare < 2 else 'MISSED'})")  # fmt: skip
    for label, via_cli in (("in-process lean.decide (TUI key press)", False),
                           ("`overseer decide` CLI process", True)):  # fmt: skip
        report_gated(f"single-user, {label}", gated(env, args.gated, via_cli=via_cli))


if __name__ == "__main__":
    main()
