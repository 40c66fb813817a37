"""Screen benchmarks (targets in DESIGN.md), the real app headless (``App.run_test``):

1. **Append → on screen** — a native JSON line appended to a watched log, until the call is in
   the open session screen's ``#timeline`` rows: the real Tailer (watchfiles), Engine, SQLite
   store, live feeds and the app's reload path. p50/p95 over N appends. Target: p95 < 100 ms.
2. **Scale** — a store with 1,000 sessions and 1,000,000 events (one session of 100,000
   calls), bulk-built once into a cache file under the temp dir (setup, not measured). Then,
   in a fresh process: app start → fleet table filled (target < 2 s), the process's peak RSS
   (target < 400 MB), opening the 100k-call session, and the time per key press of
   ``pagedown`` × 50 and ``end`` (CPU time from the key to the app idle again, repaint
   included; "smooth" — p95 reported).

Run: ``.venv/bin/python -m bench.screen [--samples 60] [--sessions 1000 --events 1000000]``.
Prints a human summary, and with ``--json`` one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config.toml"
BIG = "big-100k"
CACHE_VERSION = 1


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------- append → on screen


async def _append_latency(tmp: Path, samples: int) -> list[float]:
    from overseer.config import load_config
    from overseer.engine import Engine
    from overseer.sources.tail import Tailer
    from overseer.store import open_store, utc_text
    from overseer.tui.app import OverseerApp
    from overseer.tui.live import store_feed, tail_feed
    from overseer.tui.store_source import StoreSource

    config = load_config(str(CONFIG))
    logs = tmp / "logs"
    logs.mkdir()
    path = logs / "agent.jsonl"
    session = "lat-1"
    path.write_bytes(
        orjson.dumps(
            {"kind": "session_start", "session": session, "ts": utc_text(),
             "agent": "etl-nightly", "cwd": "/srv/etl"}
        ) + b"\n"
    )  # fmt: skip
    store = open_store(str(tmp / "screen.db"))
    tailer = Tailer([str(logs)], engine=Engine(config), store=store)
    app = OverseerApp(
        StoreSource(store, config), operator="bench", bell=False,
        live=[tail_feed(tailer), store_feed(store)],
    )  # fmt: skip
    loop = asyncio.get_running_loop()

    async def until(predicate: Any, timeout: float = 10.0) -> None:
        end = loop.time() + timeout
        while not predicate():
            if loop.time() > end:
                raise RuntimeError(f"timed out waiting for {predicate}")
            await asyncio.sleep(0.001)

    def line(n: int) -> bytes:
        return orjson.dumps(
            {"kind": "tool_call", "session": session, "ts": utc_text(), "agent": "etl-nightly",
             "call_id": f"c{n}", "tool": "Bash", "input": {"command": "ls -la data/"}}
        ) + b"\n"  # fmt: skip

    latencies: list[float] = []
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            with path.open("ab") as fh:
                fh.write(line(0))
                fh.flush()
                await until(lambda: app.snapshot and app.snapshot.sessions)
                app.open_session(session)
                timeline = await _timeline(app, until)
                await until(lambda: len(timeline.rows) >= 1)
                await pilot.pause(0.3)
                for n in range(1, samples + 1):
                    want = f"c{n}"
                    start = time.perf_counter()
                    fh.write(line(n))
                    fh.flush()
                    await until(lambda: timeline.rows and timeline.rows[-1].call_id == want)  # noqa: B023
                    latencies.append(time.perf_counter() - start)
                    if n % 20 == 0:
                        log(f"  append → screen: {n}/{samples}")
                    await asyncio.sleep(0.05 + (n % 5) * 0.01)  # agents pause between calls
    finally:
        store.close()
    return latencies


async def _timeline(app: Any, until: Any) -> Any:
    """The open session screen's timeline, once the screen is composed."""
    from overseer.tui.screens.session import SessionScreen
    from overseer.tui.widgets.timeline import Timeline

    await until(lambda: isinstance(app.screen, SessionScreen) and app.screen.query(Timeline))
    return app.screen.query_one("#timeline", Timeline)


def append_latency(samples: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="overseer-bench-") as tmp:
        lat = asyncio.run(_append_latency(Path(tmp), samples))
    return {
        "p50_ms": statistics.median(lat) * 1000,
        "p95_ms": pct(lat, 95) * 1000,
        "samples": len(lat),
    }


# ---------------------------------------------------------------------- the store at scale

_TOOLS = [
    ("Bash", "command", "python -m etl.load --table orders --file data/orders.parquet"),
    ("Read", "file_path", "data/part-17.csv"),
    ("mcp__zendesk__get_ticket", "ticket_id", 48213),
    ("Grep", "pattern", "def refund"),
]
_OUTPUT = "2026-03-02 02:03:12 INFO processed batch 17/48 (1000 rows, 0 rejected) in 0.83s"


def build_scale(path: Path, sessions: int, events: int, big_calls: int) -> float:
    """Bulk-insert ``sessions`` sessions and ``events`` events (calls and their results) into
    a fresh store file; session ``big-100k`` has ``big_calls`` calls. Returns seconds."""
    from overseer.store import open_store, utc_text

    start = time.perf_counter()
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    open_store(str(tmp)).close()
    conn = sqlite3.connect(tmp, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA journal_mode=OFF")
    cols = (
        "session, kind, ts, seq, agent, task, tool, call_id, input, output, is_error, status, "
        "verdict, rule, flags_safety, flags_security, summary, input_display, output_display, "
        "source, line, output_truncated"
    )
    insert = f"INSERT INTO events ({cols}) VALUES ({', '.join('?' * 22)})"
    s_cols = (
        "id, agent, task, status, source, started_at, ended_at, end_reason, last_event_at, "
        "event_count, tool_calls, last_tool, last_tool_at, flags_safety, flags_security, cwd"
    )
    s_insert = f"INSERT INTO sessions ({s_cols}) VALUES ({', '.join('?' * 16)})"
    big_events = min(2 * big_calls, events)
    rest = events - big_events
    per_session = rest // max(1, sessions - 1)
    base = time.time() - 7 * 86400
    chunk: list[tuple[Any, ...]] = []
    session_rows: list[tuple[Any, ...]] = []
    agents = ["etl-nightly", "support-agent", "claude-dev", "release-bot"]
    for s in range(sessions):
        sid = BIG if s == 0 else f"s-{s:05d}"
        n_events = big_events if s == 0 else per_session + (1 if s <= rest % (sessions - 1) else 0)
        agent = agents[s % len(agents)]
        t0 = base + s * 500
        source = f"/var/log/agents/{sid}.jsonl"
        calls = n_events // 2
        last_tool = None
        ts = t0
        for c in range(calls):
            tool, key, value = _TOOLS[c % len(_TOOLS)]
            ts = t0 + c * 0.5
            call_id = f"c-{c}"
            summary = f"{value} #{c}" if isinstance(value, str) else f"{key}={value}"
            raw = json.dumps({key: value})
            chunk.append(
                (sid, "tool_call", utc_text(ts), 2 * c, agent, "work", tool, call_id, raw, None,
                 0, "ok", "allow", f"{tool}(*)", 0, 0, summary, summary, "", source, 2 * c + 1, 0)
            )  # fmt: skip
            chunk.append(
                (sid, "tool_result", utc_text(ts + 0.2), 2 * c + 1, agent, "work", tool, call_id,
                 None, _OUTPUT, 0, "ok", None, None, 0, 0, _OUTPUT[:80], "", _OUTPUT, source,
                 2 * c + 2, 0)
            )  # fmt: skip
            last_tool = tool
            if len(chunk) >= 50_000:
                conn.execute("BEGIN")
                conn.executemany(insert, chunk)
                conn.execute("COMMIT")
                chunk.clear()
        session_rows.append(
            (sid, agent, "work", "ended" if s % 10 else "live", source, utc_text(t0),
             utc_text(ts + 1) if s % 10 else None, "completed" if s % 10 else None,
             utc_text(ts + 0.2), 2 * calls, calls, last_tool, utc_text(ts), s % 3, s % 7 == 0,
             "/srv/work")
        )  # fmt: skip
        if s % 100 == 0:
            log(f"  building the scale store: session {s}/{sessions}")
    conn.execute("BEGIN")
    conn.executemany(insert, chunk)
    conn.executemany(s_insert, session_rows)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    tmp.rename(path)
    return time.perf_counter() - start


def scale_store(sessions: int, events: int, big_calls: int) -> Path:
    cache = Path(tempfile.gettempdir()) / "overseer-bench-cache"
    cache.mkdir(exist_ok=True)
    path = cache / f"scale-v{CACHE_VERSION}-{sessions}s-{events}e-{big_calls}c.db"
    if path.exists():
        log(f"  using the cached scale store {path}")
    else:
        log(f"  building {sessions:,} sessions / {events:,} events in {path} (once) ...")
        seconds = build_scale(path, sessions, events, big_calls)
        log(f"  built in {seconds:.0f} s ({path.stat().st_size / 1e6:.0f} MB)")
    return path


async def _scale_child(
    db: str, sessions: int, big_calls: int, keys: int, launched: float
) -> dict[str, Any]:
    from overseer.config import load_config
    from overseer.store import open_store
    from overseer.tui.app import OverseerApp
    from overseer.tui.store_source import StoreSource

    loop = asyncio.get_running_loop()

    async def until(predicate: Any, timeout: float = 120.0) -> None:
        end = loop.time() + timeout
        while not predicate():
            if loop.time() > end:
                raise RuntimeError(f"timed out waiting for {predicate}")
            await asyncio.sleep(0.002)

    start = time.perf_counter()
    config = load_config(str(CONFIG))
    store = open_store(db)
    app = OverseerApp(
        StoreSource(store, config), operator="bench", bell=False, refresh_interval=None
    )
    out: dict[str, Any] = {}
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            table: Any = None

            def fleet_filled() -> bool:
                nonlocal table
                if app.snapshot is None:
                    return False
                if table is None:
                    table = app.screen.query_one("#fleet-table")
                return bool(table.row_count >= sessions)

            await until(fleet_filled)
            await pilot.pause()
            out["first_screen_s"] = time.perf_counter() - start
            out["first_screen_cold_s"] = time.time() - launched  # process start, imports too
            log(f"  first screen in {out['first_screen_s']:.2f} s")

            start = time.perf_counter()
            app.open_session(BIG)
            timeline = await _timeline(app, until)
            await until(lambda: len(timeline.rows) >= big_calls)
            await pilot.pause()
            out["open_session_s"] = time.perf_counter() - start
            log(f"  opened the {big_calls:,}-call session in {out['open_session_s']:.2f} s")

            await pilot.press("home")
            await pilot.pause()
            # Per key: the CPU time the process spends on it (key handled, timeline moved,
            # screen repainted), from press until the app is idle again. Wall time would
            # mostly measure the test pilot's idle detection (it sleeps in steps); nothing
            # else runs here (no live feeds, no periodic refresh).
            page: list[float] = []
            for _ in range(keys):
                t = time.process_time()
                await pilot.press("pagedown")
                await pilot.pause()
                page.append(time.process_time() - t)
            end_keys: list[float] = []
            for _ in range(max(5, keys // 5)):
                await pilot.press("home")
                await pilot.pause()
                t = time.process_time()
                await pilot.press("end")
                await pilot.pause()
                end_keys.append(time.process_time() - t)
            out["pagedown_ms"] = {"p50": statistics.median(page) * 1000,
                                  "p95": pct(page, 95) * 1000, "n": len(page)}  # fmt: skip
            out["end_ms"] = {"p50": statistics.median(end_keys) * 1000,
                             "p95": pct(end_keys, 95) * 1000, "n": len(end_keys)}  # fmt: skip
            out["cursor_at_end"] = timeline.cursor == len(timeline.rows) - 1
    finally:
        store.close()
    out["rss_mb"] = peak_rss_mb()
    return out


def peak_rss_mb() -> float:
    """Peak RSS of this process. Linux's ``ru_maxrss`` carries over the parent's RSS copied
    by fork (exec records the old image's peak), so a big parent inflates it; ``VmHWM`` in
    /proc is this process image's own high-water mark."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scale(sessions: int, events: int, big_calls: int, keys: int) -> dict[str, Any]:
    db = scale_store(sessions, events, big_calls)
    log("  measuring first screen / RSS / scrolling in a fresh process ...")
    done = subprocess.run(
        [sys.executable, "-m", "bench.screen", "--child", str(db), "--sessions", str(sessions),
         "--big-calls", str(big_calls), "--keys", str(keys), "--launched", repr(time.time())],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])},
    )  # fmt: skip
    sys.stderr.write(done.stderr[-3000:])
    if done.returncode != 0:
        raise RuntimeError(f"scale child failed ({done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result |= {"sessions": sessions, "events": events, "big_calls": big_calls}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--samples", type=int, default=60, help="appends timed (default 60)")
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--big-calls", type=int, default=100_000)
    parser.add_argument("--keys", type=int, default=50, help="pagedown presses (default 50)")
    parser.add_argument("--skip-append", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--launched", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    args = parser.parse_args(argv)
    if args.child:
        result = asyncio.run(
            _scale_child(args.child, args.sessions, args.big_calls, args.keys, args.launched)
        )
        print(json.dumps(result))
        return 0
    results: dict[str, Any] = {}
    if not args.skip_append:
        results["append"] = r = append_latency(args.samples)
        print(f"append → on screen: p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms "
              f"over {r['samples']} appends (target p95 < 100 ms)")  # fmt: skip
    if not args.skip_scale:
        results["scale"] = s = scale(args.sessions, args.events, args.big_calls, args.keys)
        print(f"{s['sessions']:,} sessions / {s['events']:,} events: first screen "
              f"{s['first_screen_s']:.2f} s (target < 2 s), peak RSS {s['rss_mb']:.0f} MB "
              f"(target < 400 MB)")  # fmt: skip
        page, end = s["pagedown_ms"], s["end_ms"]
        print(f"{s['big_calls']:,}-call session: opened in {s['open_session_s']:.2f} s; "
              f"pagedown p50 {page['p50']:.1f} ms p95 {page['p95']:.1f} ms; "
              f"end p50 {end['p50']:.1f} ms p95 {end['p95']:.1f} ms (CPU per key)")  # fmt: skip
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
