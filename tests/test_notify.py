"""``[notify]``: pages to an operator who is not looking (issue 17, item 7; docs/notify.md).

Real parts only: HTTP receivers on 127.0.0.1 (one that records, one that answers 500, one
that hangs until released), command notifiers that are small Python scripts, real SQLite
files and PostgreSQL databases, the real gate hook as a subprocess. No test asserts a
wall-clock time: "the gate still answers in time" is shown by the hook answering (and timing
out) while the receiver is still held.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from overseer.config import ConfigError, parse_config
from overseer.control.notify import Notifier, NotifyFeed, build_payload, decide_commands
from overseer.store import SCHEMA_VERSION, lean, open_store
from overseer.store import notifications as notes
from overseer.store.db import Store
from tests.store_support import db, sqlite_db  # noqa: F401  (fixtures)

SECRET = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
AGENTS = """
[agents.dev]
owner = "dev-team@example.com"
autonomy = "autonomous"
default_task = "feature"
match = { cwd = ["/srv/dev/**"] }
[agents.dev.tasks.feature]
allow = ["Read", "Bash(git status)"]
ask = ["Bash(git push:*)"]
default = "ask"
"""


# ---------------------------------------------------------------------------------- receivers


class Receiver:
    """A real HTTP server on 127.0.0.1: ``mode`` is ``ok`` (204), ``fail`` (500) or ``hang``
    (holds every request until :meth:`release`). Every request body is kept."""

    def __init__(self, mode: str = "ok") -> None:
        self.mode = mode
        self.bodies: list[dict[str, Any]] = []
        self.arrived = threading.Condition()
        self.released = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length))
                with outer.arrived:
                    outer.bodies.append(body)
                    outer.arrived.notify_all()
                if outer.mode == "hang":
                    outer.released.wait(60)
                    return  # never answers: the client's timeout ends it
                self.send_response(204 if outer.mode == "ok" else 500)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        end = time.monotonic() + timeout
        with self.arrived:
            while len(self.bodies) < count:
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.bodies)} requests arrived, not {count}")
                self.arrived.wait(left)
            return list(self.bodies)

    def release(self) -> None:
        self.released.set()

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver("ok")
    yield r
    r.close()


@pytest.fixture
def failing() -> Iterator[Receiver]:
    r = Receiver("fail")
    yield r
    r.close()


@pytest.fixture
def hanging() -> Iterator[Receiver]:
    r = Receiver("hang")
    yield r
    r.close()


def command_script(tmp_path: Path, body: str) -> list[str]:
    """A command notifier: a small Python script (argv, JSON on stdin)."""
    script = tmp_path / f"notify_{abs(hash(body)) % 10**8}.py"
    script.write_text("import json, sys, time, os\n" + body)
    return [sys.executable, str(script)]


def recording_command(tmp_path: Path) -> tuple[list[str], Path]:
    out = tmp_path / "pages"
    out.mkdir(exist_ok=True)
    argv = command_script(
        tmp_path,
        "page = json.load(sys.stdin)\n"
        f"path = os.path.join({str(out)!r}, page['delivery'].replace(':', '_') + '.json')\n"
        "fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)\n"  # a repeat would fail
        "os.write(fd, json.dumps(page).encode())\n",
    )
    return argv, out


def config_with(notify: str) -> Any:
    return parse_config(AGENTS + "\n[notify]\n" + notify)


def toml_list(argv: list[str]) -> str:
    return "[" + ", ".join(json.dumps(a) for a in argv) + "]"


def create(store_db: str, *, command: str = "git push origin main", timeout_s: float = 120.0,
           summary: str | None = None, session: str = "s1") -> str:  # fmt: skip
    with lean.connect(store_db) as conn:
        return lean.create_approval(
            conn, session=session, call_id=f"c-{os.urandom(3).hex()}", agent="dev",
            task="feature", tool="Bash", tool_input={"command": command},
            rule="Bash(git push:*)", verdict="ask", summary=summary or command,
            timeout_s=timeout_s,
        )  # fmt: skip


@pytest.fixture
def store(db: str) -> Iterator[Store]:  # noqa: F811
    s = open_store(db)
    yield s
    s.close()


# ------------------------------------------------------------------------------------ config


def test_notify_config_parses() -> None:
    config = config_with(
        'webhook = "https://hooks.example.com/T0/B1?x=1"\ncommand = ["pager", "--json"]\n'
        'before_timeout = "90s"\ntimeout = "2s"\nretries = 4\nevents = ["expiring"]\n'
    )
    n = config.notify
    assert n.enabled and n.webhook == "https://hooks.example.com/T0/B1?x=1"
    assert n.command == ("pager", "--json")
    assert (n.before_timeout, n.timeout, n.retries, n.events) == (90.0, 2.0, 4, ("expiring",))
    assert not parse_config(AGENTS).notify.enabled  # not configured: nothing is sent


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ('webhook = "ftp://example.com/x"', 2, "http:// or https://"),
        ('webhook = "http:///nohost"', 2, "with a host"),
        ('webhook = "http://example.com/a b"', 2, "no blanks"),
        ('webhook = "file:///etc/passwd"', 2, "http:// or https://"),
        ('webhook = "http://example.com:99999/"', 2, "out of range"),
        ('command = "curl -d @- http://x"', 2, "not a shell line"),
        ("command = []", 2, "non-empty list"),
        ('command = ["ok", 3]', 2, "non-empty list"),
        ('webhook = "http://x"\ntimeout = "forever"', 3, "duration"),
        ('webhook = "http://x"\ntimeout = "0s"', 3, "more than 0"),
        ('webhook = "http://x"\nretries = 11', 3, "0 to 10"),
        ('webhook = "http://x"\nretries = true', 3, "0 to 10"),
        ('webhook = "http://x"\nevents = ["created", "decided"]', 3, "unknown event 'decided'"),
        ('webhook = "http://x"\nslack = true', 3, "unknown key 'slack'"),
        ('before_timeout = "60s"', 1, "give a webhook URL or a command"),
    ],
)
def test_notify_config_errors_name_the_line(body: str, line: int, message: str) -> None:
    text = "[notify]\n" + body + "\n"
    with pytest.raises(ConfigError) as info:
        parse_config(text, "cfg.toml")
    (problem,) = info.value.problems
    assert problem.file == "cfg.toml" and problem.line == line, str(problem)
    assert message in problem.message


# ------------------------------------------------------------------------------------- schema


def test_schema_4_store_gains_the_notifications_table(sqlite_db: str) -> None:  # noqa: F811
    open_store(sqlite_db).close()
    with sqlite3.connect(sqlite_db) as raw:
        raw.execute("DROP TABLE notifications")
        raw.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    approval = create(sqlite_db)  # the hook path migrates too (through the store)
    with open_store(sqlite_db) as s:
        assert s.schema_version() == SCHEMA_VERSION >= 5
        assert notes.claim(s, approval, "created", "webhook", notifier="a", lease_s=30)
        assert not notes.claim(s, approval, "created", "webhook", notifier="b", lease_s=30)


# ------------------------------------------------------------------------------ webhook pages


def test_webhook_page_carries_what_the_operator_needs(
    store: Store, receiver: Receiver, tmp_path: Path
) -> None:
    config = config_with(f'webhook = "{receiver.url}"\nbefore_timeout = "60s"\n')
    approval = create(store.db, command=f"git push https://{SECRET}@github.com/o/r main")
    notifier = Notifier(store, config)
    try:
        assert notifier.step() == 1
        assert notifier.wait_idle(30)
    finally:
        notifier.close()
    (page,) = receiver.wait_for(1)
    assert page["event"] == "approval_created" and page["delivery"] == f"{approval}:created"
    assert (page["approval_id"], page["agent"], page["owner"], page["tool"]) == (
        approval, "dev", "dev-team@example.com", "Bash",
    )  # fmt: skip
    assert SECRET not in json.dumps(page)  # masked everywhere, the chat text included
    assert "git push https://" in page["summary"]
    assert 100 < page["time_left_s"] <= 120 and page["deadline"]
    assert isinstance(page["flags"], list)
    assert page["decide"] == decide_commands(approval, store.db)
    assert f"overseer decide {approval} approve --db" in page["text"]
    (row,) = notes.notifications(store, approval_id=approval)
    assert (row.status, row.attempts, row.error) == ("sent", 1, None)
    # The page's own command line decides the approval (`overseer` → this interpreter).
    argv = page["decide"]["deny"].split()
    argv[argv.index("REASON")] = "not-now"
    result = subprocess.run(
        [sys.executable, "-m", "overseer", *argv[1:]], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert store.read_approval(approval)["status"] == "denied"  # type: ignore[index]


def test_flags_of_the_gated_call_are_in_the_page(store: Store, receiver: Receiver) -> None:
    config = config_with(f'webhook = "{receiver.url}"\n')
    create(store.db, command="rm -rf /data/prod")
    notifier = Notifier(store, config)
    notifier.step()
    notifier.close()
    (page,) = receiver.wait_for(1)
    assert "destructive_command" in {f["detector"] for f in page["flags"]}
    assert "destructive_command" in page["text"]


def test_hostile_summary_stays_plain_data(store: Store, receiver: Receiver) -> None:
    """The chat text must not ping a channel or carry escapes; the JSON is ASCII."""
    config = config_with(f'webhook = "{receiver.url}"\n')
    hostile = "<!channel> \x1b]8;;http://evil\x07click\x1b]8;;\x07 & <@U123>"
    create(store.db, summary=hostile)
    notifier = Notifier(store, config)
    notifier.step()
    notifier.close()
    (page,) = receiver.wait_for(1)
    assert "<!channel>" not in page["text"] and "&lt;!channel&gt;" in page["text"]
    assert page["summary"] == hostile  # plain data: a receiver decides how to show it


def test_failing_receiver_is_retried_recorded_and_never_decides(
    store: Store, failing: Receiver
) -> None:
    config = config_with(f'webhook = "{failing.url}"\nretries = 2\ntimeout = "5s"\n')
    approval = create(store.db)
    states: list[str] = []
    notifier = Notifier(store, config, on_health=states.append)
    notifier.step()
    assert notifier.wait_idle(60)
    notifier.close()
    assert len(failing.wait_for(3)) == 3  # one attempt and two retries, then it stops
    (row,) = notes.notifications(store, approval_id=approval)
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.error == "webhook answered HTTP 500"
    assert states[-1] == "failing (webhook: webhook answered HTTP 500)"
    assert store.read_approval(approval)["status"] == "pending"  # type: ignore[index]
    again = Notifier(store, config)  # recorded as failed: not sent again and again
    assert again.step() == 0
    again.close()
    assert len(failing.bodies) == 3


def test_unreachable_webhook_fails_without_stalling(store: Store, tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = config_with(f'webhook = "http://127.0.0.1:{port}/x"\nretries = 1\n')
    approval = create(store.db)
    notifier = Notifier(store, config)
    notifier.step()
    assert notifier.wait_idle(60)
    notifier.close()
    (row,) = notes.notifications(store, approval_id=approval)
    assert row.status == "failed" and row.attempts == 2
    assert row.error is not None and row.error.startswith("webhook unreachable: ConnectError")


# ------------------------------------------------------------------------------ exactly once


def test_racing_notifiers_send_each_page_once(
    store: Store, receiver: Receiver, tmp_path: Path
) -> None:
    """Three notifier loops (two consoles and `overseer notify`, say) on one store, each
    with a webhook and a command: every page arrives exactly once per channel."""
    argv, pages = recording_command(tmp_path)
    config = config_with(f'webhook = "{receiver.url}"\ncommand = {toml_list(argv)}\n')
    ids = [create(store.db, session=f"s{i}") for i in range(12)]
    stores = [open_store(store.db) for _ in range(3)]
    loops = [Notifier(s, config, name=f"n{i}") for i, s in enumerate(stores)]
    stop = threading.Event()
    threads = [threading.Thread(target=n.run, args=(stop,)) for n in loops]
    try:
        for t in threads:
            t.start()
        bodies = receiver.wait_for(len(ids))
        end = time.monotonic() + 30
        while len(list(pages.iterdir())) < len(ids) and time.monotonic() < end:
            time.sleep(0.05)
        for n in loops:
            n.wait_idle(30)
        time.sleep(1.0)  # a few more passes of every loop: nothing more may arrive
    finally:
        stop.set()
        for t in threads:
            t.join(30)
        for n in loops:
            n.close()
        for s in stores:
            s.close()
    deliveries = sorted(b["delivery"] for b in receiver.bodies)
    assert deliveries == sorted(f"{i}:created" for i in ids), bodies
    assert sorted(p.name for p in pages.iterdir()) == sorted(f"{i}_created.json" for i in ids)
    rows = notes.notifications(store)
    assert len(rows) == 2 * len(ids) and {r.status for r in rows} == {"sent"}
    assert len({r.claimed_by for r in rows}) >= 1


def test_a_notifier_that_died_mid_send_is_taken_over(store: Store, receiver: Receiver) -> None:
    """At least once: a claim whose lease passed (its notifier died) is sent by the next."""
    config = config_with(f'webhook = "{receiver.url}"\n')
    approval = create(store.db)
    past = time.time() - 600
    assert notes.claim(store, approval, "created", "webhook", notifier="dead", lease_s=5, now=past)
    alive = Notifier(store, config, name="alive")
    assert alive.step() == 1
    alive.close()
    (page,) = receiver.wait_for(1)
    assert page["delivery"] == f"{approval}:created"
    (row,) = notes.notifications(store, approval_id=approval)
    assert (row.status, row.claimed_by) == ("sent", "alive")
    # A live claim (lease not passed) is left alone.
    other = create(store.db, session="s2")
    assert notes.claim(store, other, "created", "webhook", notifier="busy", lease_s=600)
    late = Notifier(store, config, name="late")
    assert late.step() == 0
    late.close()


# ---------------------------------------------------------------------------------- expiring


def test_expiring_page_fires_once_before_the_timeout(store: Store, receiver: Receiver) -> None:
    config = config_with(f'webhook = "{receiver.url}"\nbefore_timeout = "60s"\n')
    approval = create(store.db, timeout_s=120)
    short = create(store.db, timeout_s=30, session="s2")  # shorter than the lead: no second page
    now = [time.time()]
    notifier = Notifier(store, config, clock=lambda: now[0])
    try:
        assert notifier.step() == 2  # both created pages
        notifier.wait_idle(30)
        assert notifier.step() == 0
        now[0] += 61  # inside the last minute of the 120 s one
        assert notifier.step() == 1
        notifier.wait_idle(30)
        assert notifier.step() == 0
    finally:
        notifier.close()
    bodies = receiver.wait_for(3)
    assert sorted(b["delivery"] for b in bodies) == sorted(
        [f"{approval}:created", f"{short}:created", f"{approval}:expiring"]
    )
    expiring = next(b for b in bodies if b["event"] == "approval_expiring")
    assert expiring["time_left_s"] <= 60


def test_created_page_sent_late_needs_no_expiring_page(store: Store, receiver: Receiver) -> None:
    """No console ran until 10 s before the deadline: one page, not two at once."""
    config = config_with(f'webhook = "{receiver.url}"\nbefore_timeout = "60s"\n')
    approval = create(store.db, timeout_s=120)
    notifier = Notifier(store, config, clock=lambda: time.time() + 110)
    notifier.step()
    notifier.wait_idle(30)
    notifier.step()
    notifier.close()
    assert [b["delivery"] for b in receiver.wait_for(1)] == [f"{approval}:created"]
    time.sleep(0.3)
    assert len(receiver.bodies) == 1
    kinds = {(r.kind, r.status) for r in notes.notifications(store, approval_id=approval)}
    assert kinds == {("created", "sent"), ("expiring", "skipped")}


def test_decided_approvals_are_not_paged(store: Store, receiver: Receiver) -> None:
    config = config_with(f'webhook = "{receiver.url}"\n')
    approval = create(store.db)
    store.decide(approval, decision="approve", reason=None, operator="op")
    notifier = Notifier(store, config)
    assert notifier.step() == 0
    notifier.close()


# ---------------------------------------------------------------------------------- commands


def test_command_notifier_gets_the_json_on_stdin(tmp_path: Path, store: Store) -> None:
    argv, pages = recording_command(tmp_path)
    config = config_with(f"command = {toml_list(argv)}\n")
    approval = create(store.db)
    notifier = Notifier(store, config)
    notifier.step()
    assert notifier.wait_idle(60)
    notifier.close()
    page = json.loads((pages / f"{approval}_created.json").read_text())
    assert page["approval_id"] == approval and page["owner"] == "dev-team@example.com"
    (row,) = notes.notifications(store, approval_id=approval)
    assert (row.channel, row.status) == ("command", "sent")


def test_a_hung_webhook_never_holds_up_the_command_channel(
    tmp_path: Path, store: Store, hanging: Receiver
) -> None:
    """More approvals than the notifier has workers, while the webhook holds every page: each
    channel sends on its own workers, so every command page still goes out (the bench showed a
    shared pool making them wait behind the hung webhook, p95 19.6 s)."""
    argv, pages = recording_command(tmp_path)
    config = config_with(
        f'webhook = "{hanging.url}"\ncommand = {toml_list(argv)}\ntimeout = "30s"\nretries = 0\n'
    )
    notifier = Notifier(store, config, workers=2)
    stop = threading.Event()
    loop = threading.Thread(target=notifier.run, args=(stop,))
    loop.start()
    try:
        made = {create(store.db, session=f"s{i}") for i in range(6)}
        end = time.monotonic() + 30
        while len(list(pages.iterdir())) < len(made) and time.monotonic() < end:
            time.sleep(0.05)
        sent = {p.name.split("_")[0] for p in pages.iterdir()}
        assert sent == made  # all six, while the webhook still holds its first two
        assert not hanging.released.is_set()
    finally:
        hanging.release()
        stop.set()
        loop.join(60)
        notifier.close()


def test_failing_and_hanging_commands_are_recorded(tmp_path: Path, store: Store) -> None:
    failing = command_script(tmp_path, "sys.stderr.write('pager: no route\\n'); sys.exit(3)\n")
    config = config_with(f"command = {toml_list(failing)}\nretries = 1\n")
    approval = create(store.db)
    n = Notifier(store, config)
    n.step()
    n.wait_idle(60)
    n.close()
    (row,) = notes.notifications(store, approval_id=approval)
    assert (row.status, row.attempts) == ("failed", 2)
    assert row.error == "command exited 3: pager: no route"

    marker = tmp_path / "child-still-running"
    hanging = command_script(
        tmp_path,
        # a grandchild too: the timeout ends the command's whole process group
        "import subprocess\n"
        f"grandchild = 'import time, pathlib; time.sleep(3); pathlib.Path(%r).write_text(str(1))'"
        f" % {str(marker)!r}\n"
        "subprocess.Popen([sys.executable, '-c', grandchild])\n"
        "time.sleep(60)\n",
    )
    config = config_with(f'command = {toml_list(hanging)}\nretries = 0\ntimeout = "0.5s"\n')
    second = create(store.db, session="s2")
    n = Notifier(store, config)
    n.step()
    n.wait_idle(60)
    n.close()
    row = notes.notifications(store, approval_id=second)[0]
    assert (row.status, row.error) == ("failed", "command timed out after 0.5s")
    time.sleep(3.5)
    assert not marker.exists()


def test_missing_command_fails_once(tmp_path: Path, store: Store) -> None:
    config = config_with(f'command = ["{tmp_path}/no-such-pager"]\nretries = 3\n')
    approval = create(store.db)
    n = Notifier(store, config)
    n.step()
    n.wait_idle(30)
    n.close()
    (row,) = notes.notifications(store, approval_id=approval)
    assert (row.status, row.attempts) == ("failed", 1)  # retrying cannot make it exist
    assert row.error is not None and row.error.startswith("command cannot run")


# ----------------------------------------------------------- the gate never waits on a page


GATE_CONFIG = (
    """
[defaults]
gate_timeout = "120s"
"""
    + AGENTS
)


def hook_env(tmp_path: Path, notify: str, db_path: str) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text(GATE_CONFIG + "\n[notify]\n" + notify)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OVERSEER_")}
    return env | {"OVERSEER_CONFIG": str(config), "OVERSEER_DB": db_path}


def start_hook(env: dict[str, str], command: str, n: int, **extra: str) -> subprocess.Popen[str]:
    payload = {
        "session_id": f"sess-{n}", "cwd": "/srv/dev/app", "hook_event_name": "PreToolUse",
        "tool_name": "Bash", "tool_input": {"command": command}, "tool_use_id": f"toolu_{n}",
        "transcript_path": f"/home/dev/.claude/projects/x/sess-{n}.jsonl",
    }  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "overseer", "hook", "claude-code"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env | extra,
    )  # fmt: skip
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(payload))
    proc.stdin.close()
    proc.stdin = None
    return proc


def test_gate_answers_and_times_out_while_the_receiver_hangs(
    tmp_path: Path, hanging: Receiver
) -> None:
    """The receiver holds every page; meanwhile a gated call is approved through `overseer
    decide` and another times out on its own deadline — both hooks answer while the webhook
    is still held, and the command channel's page went out regardless."""
    db_path = str(tmp_path / "o.db")
    argv, pages = recording_command(tmp_path)
    env = hook_env(
        tmp_path,
        f'webhook = "{hanging.url}"\ncommand = {toml_list(argv)}\ntimeout = "30s"\nretries = 0\n',
        db_path,
    )
    lean.connect(db_path).close()
    store = open_store(db_path)
    config = parse_config((tmp_path / "config.toml").read_text())
    stop = threading.Event()
    notifier = Notifier(store, config)
    loop = threading.Thread(target=notifier.run, args=(stop,))
    loop.start()
    try:
        approved = start_hook(env, "git push origin main", 1)
        timing_out = start_hook(env, "git push origin dev", 2, OVERSEER_GATE_TIMEOUT="2")
        first = hanging.wait_for(1)[0]  # a page is held by the receiver from here on
        pending = {a["session"]: a["id"] for a in store.pending_approvals()}
        if "sess-1" not in pending:  # its page may be the second one held
            hanging.wait_for(2)
            pending = {a["session"]: a["id"] for a in store.pending_approvals()}
        decided = subprocess.run(
            [sys.executable, "-m", "overseer", *first["decide"]["approve"].split()[1:]]
            if first["session"] == "sess-1"
            else [sys.executable, "-m", "overseer", "decide", pending["sess-1"], "approve",
                  "--db", db_path],
            capture_output=True, text=True, timeout=60, env=env,
        )  # fmt: skip
        assert decided.returncode == 0, decided.stderr
        out1, _ = approved.communicate(timeout=60)
        out2, _ = timing_out.communicate(timeout=60)
        assert not hanging.released.is_set()  # both answered while the receiver held on
        assert json.loads(out1)["hookSpecificOutput"]["permissionDecision"] == "allow"
        answer2 = json.loads(out2)["hookSpecificOutput"]
        assert answer2["permissionDecision"] == "deny"
        assert "timed out" in answer2["permissionDecisionReason"]
        end = time.monotonic() + 30
        while len(list(pages.iterdir())) < 2 and time.monotonic() < end:
            time.sleep(0.05)
        assert len(list(pages.iterdir())) == 2  # the other channel was not held up
    finally:
        hanging.release()
        stop.set()
        loop.join(60)
        notifier.close()
        store.close()
    with lean.connect(db_path) as conn:
        outcomes = sorted(
            r[0]
            for r in conn.execute("SELECT outcome FROM decisions WHERE approval_id IS NOT NULL")
        )
    assert outcomes == ["approved", "timed_out"]  # a page never made a decision


def test_the_hook_loads_nothing_of_the_notifier(tmp_path: Path, receiver: Receiver) -> None:
    from tests.test_hook_lean import loaded_by_hook, offenders

    db_path = str(tmp_path / "o.db")
    lean.connect(db_path).close()
    env = hook_env(tmp_path, f'webhook = "{receiver.url}"\n', db_path)
    env |= {"OVERSEER_AGENT": "dev", "OVERSEER_GATE_TIMEOUT": "0"}
    stdin = json.dumps(
        {"session_id": "s-lean", "cwd": "/tmp", "hook_event_name": "PreToolUse",
         "tool_name": "Bash", "tool_input": {"command": "git push"}, "tool_use_id": "t1"}
    )  # fmt: skip
    loaded = loaded_by_hook(tmp_path, stdin, env, "gated")
    assert offenders(loaded) == []
    assert not any(m.startswith("overseer.control.notify") for m in loaded)
    assert receiver.bodies == []  # the gate itself pages nobody


# ----------------------------------------------------------------------------- the command


def test_overseer_notify_once(tmp_path: Path, receiver: Receiver, failing: Receiver) -> None:
    db_path = str(tmp_path / "o.db")
    approval = create(db_path)
    env = hook_env(tmp_path, f'webhook = "{receiver.url}"\n', db_path)
    run = [sys.executable, "-m", "overseer", "notify", "--db", db_path]
    result = subprocess.run([*run, "--once"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "sent 1, failed 0"
    assert [b["delivery"] for b in receiver.bodies] == [f"{approval}:created"]
    again = subprocess.run([*run, "--once"], capture_output=True, text=True, env=env, timeout=60)
    assert (again.returncode, again.stdout.strip()) == (0, "sent 0, failed 0")
    listed = subprocess.run([*run, "--list"], capture_output=True, text=True, env=env, timeout=60)
    assert f"{approval}  created   webhook  sent" in listed.stdout

    second = create(db_path, session="s2")
    env = hook_env(tmp_path, f'webhook = "{failing.url}"\nretries = 0\n', db_path)
    bad = subprocess.run([*run, "--once"], capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == 1 and bad.stdout.strip() == "sent 0, failed 1"
    assert f"{second} created via webhook failed after 1 attempt(s)" in bad.stderr

    env = hook_env(tmp_path, 'webhook = "gopher://x"\n', db_path)
    invalid = subprocess.run([*run, "--once"], capture_output=True, text=True, env=env, timeout=60)
    assert invalid.returncode == 2 and "config.toml:" in invalid.stderr
    assert "notify.webhook" in invalid.stderr


def test_overseer_notify_runs_until_stopped(tmp_path: Path, receiver: Receiver) -> None:
    """`overseer notify` alone: nothing is lost while no console runs."""
    import signal

    db_path = str(tmp_path / "o.db")
    lean.connect(db_path).close()
    env = hook_env(tmp_path, f'webhook = "{receiver.url}"\n', db_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "overseer", "notify", "--db", db_path],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        approval = create(db_path)
        (page,) = receiver.wait_for(1)
        assert page["approval_id"] == approval
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


# ------------------------------------------------------------------------------ the console


def test_console_shows_a_failing_notifier_in_the_header(tmp_path: Path, failing: Receiver) -> None:
    import asyncio

    from overseer.tui.app import OverseerApp
    from overseer.tui.live import store_feed
    from overseer.tui.store_source import StoreSource
    from tests.tui_support import settle

    db_path = str(tmp_path / "o.db")
    config = parse_config(AGENTS + f'\n[notify]\nwebhook = "{failing.url}"\nretries = 0\n')
    store = open_store(db_path)
    source = StoreSource(store, config)
    feed = NotifyFeed(store, config, source.health)
    app = OverseerApp(source, live=[store_feed(store), feed], bell=False)

    async def scenario() -> str:
        async with app.run_test(size=(160, 30)) as pilot:
            await settle(pilot)
            create(db_path)
            for _ in range(300):
                await asyncio.sleep(0.05)
                text = str(app.screen.query_one("StatusHeader").render())
                if "failing" in text:
                    return text
            return str(app.screen.query_one("StatusHeader").render())

    try:
        text = asyncio.run(scenario())
    finally:
        store.close()
    assert "notify: failing (webhook: webhook answered HTTP 500)" in text
    assert len(failing.bodies) == 1  # the console's worker sent it, once


def test_payload_without_owner_or_deadline() -> None:
    config = parse_config("")
    approval = {"id": "ap-1", "agent": None, "tool": "mcp__x__y", "summary": "a=1",
                "deadline": None, "session": "s"}  # fmt: skip
    page = build_payload(approval, "created", config=config, db="/tmp/o.db", flags=[], now=0.0)
    assert page["owner"] is None and page["time_left_s"] is None and page["agent"] == "unknown"
    assert "no deadline" in page["text"]
    with_pw = decide_commands("ap-1", "postgresql://op:s3cret@db.example/overseer")
    assert "s3cret" not in with_pw["approve"]
    assert (
        with_pw["approve"]
        == "overseer decide ap-1 approve --db postgresql://op@db.example/overseer"
    )


def test_overseer_watch_pages_through_its_worker(tmp_path: Path, receiver: Receiver) -> None:
    """The real console in a pseudo-terminal: with [notify] configured it pages a new
    approval (once), and quits cleanly with the notifier running."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    db_path = str(tmp_path / "o.db")
    lean.connect(db_path).close()
    env = hook_env(tmp_path, f'webhook = "{receiver.url}"\n', db_path)
    env |= {"TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "overseer", "watch"], stdin=child, stdout=child, stderr=child,
        env=env, close_fds=True,
    )  # fmt: skip
    os.close(child)
    out = bytearray()

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([main], [], [], 0.05)
            if ready:
                try:
                    out.extend(os.read(main, 65536))
                except OSError:
                    return

    try:
        end = time.monotonic() + 30
        while b"sources" not in out and time.monotonic() < end:
            pump(0.2)
        assert b"sources" in out  # the header names the notifier's health ("sources ok")
        approval = create(db_path)
        (page,) = receiver.wait_for(1)
        assert page["approval_id"] == approval
        os.write(main, b"q")
        end = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < end:
            pump(0.1)
        assert proc.returncode == 0, bytes(out[-2000:])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main)
    assert [b["delivery"] for b in receiver.bodies] == [f"{approval}:created"]
    assert b"Traceback" not in out


# -------------------------------------------------------------------------------- team mode


@pytest.mark.postgres
def test_team_mode_operators_page_through_the_database_function(receiver: Receiver) -> None:
    """An operator login writes no table: two of its notifiers claim through
    ``overseer_op_notify`` (one page), a direct INSERT is still refused, and a hook login's
    notifier sends nothing."""
    import psycopg

    from tests.store_support import PG_ADMIN_URL, pg_unreachable
    from tests.test_team_mode import Team, overseer

    reason = pg_unreachable()
    if reason:
        pytest.skip(reason)
    suffix = os.urandom(5).hex()
    team = Team(f"overseer_notify_{suffix}", suffix)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{team.name}"')
    try:
        done = overseer(
            "team", "init", "--db", team.owner, "--hook-role", team.hook_role,
            "--operator-role", team.op_role, "--login",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr.decode()
        approval = create(team.owner)
        config = config_with(f'webhook = "{receiver.url}"\n')
        stores = [open_store(team.operator), open_store(team.operator)]
        loops = [Notifier(s, config, name=f"console{i}") for i, s in enumerate(stores)]
        started = [0, 0]
        barrier = threading.Barrier(2)

        def race(i: int) -> None:
            barrier.wait()
            started[i] = loops[i].step()

        threads = [threading.Thread(target=race, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for n in loops:
            n.wait_idle(30)
            n.close()
        assert sorted(started) == [0, 1] and all(n.team for n in loops)
        assert [b["delivery"] for b in receiver.wait_for(1)] == [f"{approval}:created"]
        (row,) = notes.notifications(stores[0])
        assert row.status == "sent" and row.claimed_by.startswith(f"{team.op_role}/console")
        with (
            team.connect(team.operator) as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege),
        ):
            conn.execute(
                "INSERT INTO notifications VALUES ('x', 'created', 'webhook', 'sent', 'me',"
                " 'z', 0, 'z', 'z', NULL)"
            )
        notes.skip(stores[0], approval, "expiring", "webhook", notifier="c", why="late", team=True)
        kinds = {(r.kind, r.status, r.error) for r in notes.notifications(stores[0])}
        assert kinds == {("created", "sent", None), ("expiring", "skipped", "late")}
        for s in stores:
            s.close()
        hook_store = open_store(team.hook)
        try:
            hooked = Notifier(hook_store, config)
            assert hooked.step() == 0
            hooked.close()
            assert hooked.health["store"] == "store: a team-mode hook login cannot send pages"
        finally:
            hook_store.close()
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{team.name}" WITH (FORCE)')
            for role in (team.hook_role, team.op_role):
                admin.execute(f'DROP ROLE IF EXISTS "{role}"')
