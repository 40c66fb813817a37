"""One-shot ingest benchmark (issue 16): ``overseer ingest`` of a native file into a fresh
SQLite store, the whole process, against bare ``orjson.loads`` over the same file.

The file is ``bench.ingest.make_lines`` (two agents of ``config.toml``: MCP support calls and
an ETL job's shell commands, results of 50 B to 4 KB, messages), written once to a temp file.
Each run starts ``python -m overseer ingest FILE --db FRESH --config config.toml --json`` as a
new process on a store that does not exist yet (start-up, config, parsing, verdicts, flags,
the store's writes, the ungated-call pass, closing: everything a user waits for). The anchor,
``orjson.loads`` of every line of the file, is timed in this process, interleaved with the runs
(a busy machine slows both alike). Target: at least 1/15 of the anchor's lines per second.

``--against SRC`` also runs the same ingest with another checkout's ``src`` first on
``PYTHONPATH`` (e.g. ``git archive HEAD~3 | tar -x -C /tmp/old``), interleaved, so that two
versions are compared in one run on the same machine load. ``--profile`` prints cProfile's
top entries of one in-process ingest (``overseer.sources.ingest.ingest_paths``). ``--store``
times the store's own share alone: ``Store.record_batch`` of the batches the pipeline made
(built once, beforehand), and the ungated-call pass (``--store --profile``: cProfile it).

Run: ``.venv/bin/python -m bench.oneshot [--lines 200000] [--runs 3] [--against DIR]``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config.toml"
TARGET = 1 / 15


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _bare(path: Path) -> float:
    """Seconds for ``orjson.loads`` of every line of the file (read into memory first)."""
    lines = path.read_bytes().splitlines()
    loads = orjson.loads
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        for raw in lines:
            loads(raw)
        return time.perf_counter() - start
    finally:
        gc.enable()


def _ingest(path: Path, tmp: Path, src: str | None, run: int) -> tuple[float, dict[str, Any]]:
    """Seconds for one ``overseer ingest`` process into a fresh store, and its JSON counts."""
    db = tmp / f"run-{run}-{'other' if src else 'this'}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    env = {**os.environ, "HOME": str(tmp)}
    env.pop("OVERSEER_DB", None)
    env.pop("OVERSEER_CONFIG", None)
    if src:
        env["PYTHONPATH"] = src
    argv = [sys.executable, "-m", "overseer", "ingest", str(path), "--db", str(db)]
    argv += ["--config", str(CONFIG), "--json"]
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"overseer ingest failed: {done.stderr[-800:]}")
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    counts["cpu_s"] = cpu
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return elapsed, counts


def profile(path: Path, tmp: Path) -> None:
    """cProfile of one in-process ingest (what the process does, minus start-up)."""
    from overseer.config import load_config
    from overseer.engine import Engine
    from overseer.sources.ingest import ingest_paths
    from overseer.store import open_store
    from overseer.store.ungated import flag_ungated

    config = load_config(str(CONFIG))
    store = open_store(str(tmp / "profile.db"))
    prof = cProfile.Profile()
    prof.enable()
    ingest_paths([str(path)], engine=Engine(config, home=str(tmp)), store=store)
    flag_ungated(store, config.is_gated)
    prof.disable()
    store.close()
    stats = pstats.Stats(prof, stream=sys.stderr)
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(30)


class _Recorder:
    """A :class:`overseer.sources.ingest.Sink` that keeps every batch it is handed."""

    def __init__(self) -> None:
        self.batches: list[tuple[Any, ...]] = []

    def load_offset(self, source: str) -> None:
        return None

    def offsets_of_file(self, dev: int, ino: int) -> list[Any]:
        return []

    def reassign_offsets(self, moves: dict[str, str]) -> int:
        return 0

    def record_batch(self, *args: Any) -> None:
        self.batches.append(args)


def store_only(path: Path, tmp: Path, runs: int, profile_it: bool = False) -> dict[str, Any]:
    """The store's own share: the file parsed and judged once in this process (batches as
    ``ingest_paths`` makes them), then ``Store.record_batch`` of those same batches into a
    fresh SQLite store, timed alone (best of ``runs``), and the ungated-call pass after it."""
    from overseer.config import load_config
    from overseer.engine import Engine
    from overseer.sources.ingest import ingest_paths
    from overseer.store import open_store
    from overseer.store.ungated import flag_ungated

    config = load_config(str(CONFIG))
    recorder = _Recorder()
    ingest_paths([str(path)], engine=Engine(config, home=str(tmp)), store=recorder)  # type: ignore[arg-type]
    events = sum(len(b[4]) for b in recorder.batches)
    best: dict[str, float] = {}
    for run in range(runs):
        db = tmp / f"store-{run}.db"
        store = open_store(str(db))
        prof = cProfile.Profile() if profile_it and run == 0 else None
        gc.collect()
        start = time.perf_counter()
        if prof is not None:
            prof.enable()
        for batch in recorder.batches:
            store.record_batch(*batch)
        written = time.perf_counter()
        flag_ungated(store, config.is_gated)
        done = time.perf_counter()
        if prof is not None:
            prof.disable()
        store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        log(
            f"  run {run + 1}: record_batch {written - start:.2f} s "
            f"({(written - start) / events * 1e6:.1f} µs an event), "
            f"flag_ungated {done - written:.2f} s"
        )
        best["record_batch_s"] = min(best.get("record_batch_s", 1e9), written - start)
        best["ungated_s"] = min(best.get("ungated_s", 1e9), done - written)
        if prof is not None:
            stats = pstats.Stats(prof, stream=sys.stderr)
            stats.sort_stats("tottime").print_stats(25)
    return {
        "events": events,
        "batches": len(recorder.batches),
        **best,
        "us_per_event": best["record_batch_s"] / events * 1e6,
    }


def measure(lines: int = 200_000, runs: int = 3, against: str | None = None) -> dict[str, Any]:
    """Best of ``runs`` of the anchor and of each version's whole-process ingest."""
    from bench.ingest import make_lines

    with tempfile.TemporaryDirectory(prefix="overseer-oneshot-") as name:
        tmp = Path(name)
        path = tmp / "bench.jsonl"
        path.write_bytes(b"\n".join(make_lines(lines)) + b"\n")
        log(f"  {lines:,} native lines, {path.stat().st_size / 1e6:.1f} MB in {path}")
        bare: list[float] = []
        this: list[float] = []
        other: list[float] = []
        this_cpu: list[float] = []
        other_cpu: list[float] = []
        counts: dict[str, Any] = {}
        for run in range(runs):
            bare.append(_bare(path))
            elapsed, counts = _ingest(path, tmp, None, run)
            this.append(elapsed)
            this_cpu.append(counts["cpu_s"])
            line = (
                f"  run {run + 1}: orjson.loads {bare[-1]:.2f} s, overseer ingest {elapsed:.1f} s"
                f" ({this_cpu[-1]:.1f} s CPU)"
            )
            if against:
                elapsed_other, other_counts = _ingest(path, tmp, against, run)
                other.append(elapsed_other)
                other_cpu.append(other_counts["cpu_s"])
                line += f", against {elapsed_other:.1f} s ({other_cpu[-1]:.1f} s CPU)"
            log(line)
    bare_rate = lines / min(bare)
    out: dict[str, Any] = {
        "lines": lines,
        "events": counts.get("events"),
        "bare_s": min(bare),
        "bare_rate": bare_rate,
        "ingest_s": min(this),
        "ratio": (lines / min(this)) / bare_rate,
        "runs": [round(t, 2) for t in this],
        "cpu_s": min(this_cpu),
        "cpu_ratio": (lines / min(this_cpu)) / bare_rate,
    }
    if other:
        out.update(
            against_s=min(other),
            against_ratio=(lines / min(other)) / bare_rate,
            against_runs=[round(t, 2) for t in other],
            against_cpu_s=min(other_cpu),
            against_cpu_ratio=(lines / min(other_cpu)) / bare_rate,
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--against", metavar="SRC", default=None, help="another checkout's src")
    parser.add_argument("--profile", action="store_true", help="cProfile one in-process ingest")
    parser.add_argument(
        "--store",
        action="store_true",
        help="time Store.record_batch alone on pre-built batches (with --profile: cProfile it)",
    )
    args = parser.parse_args()
    if args.store:
        from bench.ingest import make_lines

        with tempfile.TemporaryDirectory(prefix="overseer-oneshot-") as name:
            tmp = Path(name)
            path = tmp / "bench.jsonl"
            path.write_bytes(b"\n".join(make_lines(args.lines)) + b"\n")
            print(json.dumps(store_only(path, tmp, args.runs, args.profile)))
        return 0
    if args.profile:
        from bench.ingest import make_lines

        with tempfile.TemporaryDirectory(prefix="overseer-oneshot-") as name:
            tmp = Path(name)
            path = tmp / "bench.jsonl"
            path.write_bytes(b"\n".join(make_lines(args.lines)) + b"\n")
            profile(path, tmp)
        return 0
    r = measure(args.lines, args.runs, args.against)
    print(
        f"| one-shot `overseer ingest`, {r['lines']:,} native lines ({r['events']:,} events), "
        f"fresh SQLite store, whole process | ≥ 1/15 of bare `orjson.loads` | "
        f"1/{1 / r['ratio']:.0f} ({r['ingest_s']:.1f} s vs {r['bare_s']:.2f} s; "
        f"{r['lines'] / r['ingest_s']:,.0f} lines/s; best of {args.runs}: {r['runs']}; "
        f"CPU {r['cpu_s']:.1f} s, 1/{1 / r['cpu_ratio']:.0f}) |"
    )
    if "against_s" in r:
        print(
            f"| … {args.against} | | 1/{1 / r['against_ratio']:.0f} ({r['against_s']:.1f} s; "
            f"best of {args.runs}: {r['against_runs']}; CPU {r['against_cpu_s']:.1f} s, "
            f"1/{1 / r['against_cpu_ratio']:.0f}) |"
        )
    print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
