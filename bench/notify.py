"""``[notify]`` page latency (docs/notify.md): from a gate writing its pending approval to the
page arriving at a receiver on 127.0.0.1, p50 and p95 over N approvals, with a notifier loop
running on a SQLite store (as ``overseer notify`` or a console's worker does).

Two rows: a webhook that answers at once; and a command notifier while a second channel, a
webhook that never answers, holds its sends (the command's pages must not wait for it).

Run: ``.venv/bin/python bench/notify.py [--n 40]``. Temp dir and store; touches nothing else.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def _receiver(hang: bool, arrived: dict[str, float]) -> ThreadingHTTPServer:
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
            arrived[body["approval_id"]] = time.perf_counter()
            if hang:
                release.wait(30)
                return
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.release = release  # type: ignore[attr-defined]
    return server


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def measure(n: int, *, command_with_hanging_webhook: bool) -> tuple[float, float]:
    from overseer.config import parse_config
    from overseer.control.notify import Notifier
    from overseer.store import lean, open_store

    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "o.db")
        arrived: dict[str, float] = {}
        server = _receiver(command_with_hanging_webhook, arrived)
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        notify = f'webhook = "{url}"\nretries = 0\ntimeout = "20s"\n'
        if command_with_hanging_webhook:
            stamp = Path(tmp) / "stamps"
            stamp.mkdir()
            script = Path(tmp) / "page.py"
            script.write_text(
                "import json, sys, pathlib\npage = json.load(sys.stdin)\n"
                f"pathlib.Path({str(stamp)!r}, page['approval_id']).write_text('')\n"
            )
            notify += f"command = {json.dumps([sys.executable, str(script)])}\n"
        config = parse_config("[notify]\n" + notify)
        lean.connect(db).close()
        store = open_store(db)
        notifier = Notifier(store, config, workers=8)
        stop = threading.Event()
        loop = threading.Thread(target=notifier.run, args=(stop,))
        loop.start()
        samples = []
        try:
            for i in range(n):
                start = time.perf_counter()
                with lean.connect(db) as conn:
                    approval = lean.create_approval(
                        conn, session=f"s{i}", call_id=f"c{i}", agent="dev", task=None,
                        tool="Bash", tool_input={"command": "git push"}, rule=None,
                        verdict="ask", summary="git push", timeout_s=120,
                    )  # fmt: skip
                end = time.monotonic() + 30
                while time.monotonic() < end:
                    if command_with_hanging_webhook:
                        if (stamp / approval).exists():
                            samples.append(time.perf_counter() - start)
                            break
                    elif approval in arrived:
                        samples.append(arrived[approval] - start)
                        break
                    time.sleep(0.001)
        finally:
            stop.set()
            server.release.set()  # type: ignore[attr-defined]
            loop.join(30)
            notifier.stop()
            store.close()
            server.shutdown()
    return _percentiles(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40)
    args = parser.parse_args()
    rows = [
        ("webhook page, approval written → received", False),
        ("command page while the webhook hangs", True),
    ]
    print("| what | p50 | p95 |\n|---|---|---|")
    for what, hanging in rows:
        p50, p95 = measure(args.n, command_with_hanging_webhook=hanging)
        print(f"| {what} | {p50 * 1000:.0f} ms | {p95 * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
