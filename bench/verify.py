"""``overseer audit verify`` over 1,000,000 decisions (target in DESIGN.md: under 10 s).

Builds a real store file (schema, append-only triggers) in a temp dir, fills its audit chain
with N valid rows by bulk insert (the setup is not what is measured: rows are hashed exactly
as the gate protocol hashes them, then inserted in large transactions), and times:

1. the whole command, ``overseer audit verify --db FILE`` (process start included);
2. ``overseer audit verify --checkpoint`` against a checkpoint of the same chain;
3. the pure-Python fallback path (no database-side JSON rendering), in process.

Run: ``.venv/bin/python bench/verify.py [--rows 1000000] [--keep FILE]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from overseer.store import open_store
from overseer.store.chain import COLUMNS, FIELDS, GENESIS, fast_json, make_checkpoint, verify_rows

TARGET_S = 10.0
BIN = Path(sys.executable).parent
OVERSEER = (
    [str(BIN / "overseer")] if (BIN / "overseer").exists() else [sys.executable, "-m", "overseer"]
)
OUTCOMES = ("auto_allowed",) * 6 + ("policy_denied", "approved", "denied", "timed_out")


def build(path: str, rows: int) -> tuple[str, float]:
    """Create the store and append ``rows`` valid chain rows; returns (head, seconds)."""
    start = time.perf_counter()
    open_store(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    insert = (
        f"INSERT INTO decisions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    )
    sha = hashlib.sha256
    prev = GENESIS
    chunk: list[tuple[object, ...]] = []
    for seq in range(1, rows + 1):
        outcome = OUTCOMES[seq % len(OUTCOMES)]
        gated = outcome in ("approved", "denied", "timed_out")
        values = (
            "decide" if gated else "gate",  # action
            f"agent-{seq % 37}",  # agent
            f"ap-{seq:010x}" if gated else None,  # approval_id
            f"toolu_{seq:024d}",  # call_id
            json.dumps({"command": f"git push origin v1.{seq}", "description": "release"}),
            sha(str(seq).encode()).hexdigest(),  # input_fingerprint
            "alice" if gated else "hook",  # operator
            outcome,
            "not during the freeze" if outcome == "denied" else None,  # reason
            "Bash(git push origin v*)",  # rule
            seq,
            f"session-{seq // 1000:06d}",
            "release",  # task
            "Bash",  # tool
            f"2025-01-31T{seq // 3600 % 24:02d}:{seq // 60 % 60:02d}:{seq % 60:02d}.000000Z",
            None,  # updated_input
        )
        json_text = fast_json(values)
        assert json_text is not None
        digest = sha((prev + json_text).encode("utf-8")).hexdigest()
        chunk.append((*values, prev, digest))
        prev = digest
        if len(chunk) == 50_000:
            conn.execute("BEGIN")
            conn.executemany(insert, chunk)
            conn.execute("COMMIT")
            chunk.clear()
    if chunk:
        conn.execute("BEGIN")
        conn.executemany(insert, chunk)
        conn.execute("COMMIT")
    conn.close()
    assert FIELDS[0] == "action"  # the tuple above follows chain.FIELDS order
    return prev, time.perf_counter() - start


def timed(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", default=None, help="Build here and keep the file.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="overseer-bench-") as tmp:
        path = args.keep or os.path.join(tmp, "overseer.db")
        if args.keep and os.path.exists(path):
            sys.exit(f"{path} exists; remove it or choose another --keep")
        print(f"building {args.rows:,} chain rows in {path} ...", flush=True)
        head, build_s = build(path, args.rows)
        size_mb = os.path.getsize(path) / 1e6
        print(f"  built in {build_s:.1f} s ({size_mb:.0f} MB)")

        elapsed, done = timed([*OVERSEER, "audit", "verify", "--db", path])
        print(f"overseer audit verify:                {elapsed:6.2f} s  -> {done.stdout.strip()}")
        if done.returncode != 0:
            print(done.stderr.strip(), file=sys.stderr)
            return 1

        checkpoint = Path(tmp) / "checkpoint.json"
        checkpoint.write_text(json.dumps(make_checkpoint(args.rows, head, "bench")))
        cp_s, done = timed(
            [*OVERSEER, "audit", "verify", "--db", path, "--checkpoint", str(checkpoint)]
        )
        print(f"overseer audit verify --checkpoint:   {cp_s:6.2f} s  -> exit {done.returncode}")

        conn = sqlite3.connect(path)
        start = time.perf_counter()
        cur = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM decisions ORDER BY seq")
        python_result = verify_rows(cur)
        python_s = time.perf_counter() - start
        conn.close()
        print(f"pure-Python fallback path:          {python_s:6.2f} s  -> ok={python_result.ok}")

    per_million = elapsed * 1_000_000 / max(args.rows, 1)
    verdict = "MEETS" if per_million < TARGET_S else "MISSES"
    print(
        f"\n{verdict} the target: {per_million:.2f} s per 1,000,000 decisions "
        f"(target < {TARGET_S:.0f} s, DESIGN.md)"
    )
    return 0 if per_million < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
