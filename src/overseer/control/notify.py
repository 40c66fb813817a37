"""Page the operator who is not looking: ``[notify]`` (docs/notify.md).

A :class:`Notifier` reads the pending approvals from the store and, for each event the
config asks for — ``created`` (an approval is waiting) and ``expiring`` (``before_timeout``
is left before it times out) — claims the page in the store
(:mod:`overseer.store.notifications`) and sends it: a JSON POST to ``webhook`` (httpx, a
timeout per attempt, retries with backoff) and/or ``command`` run with the same JSON on
stdin. The store decides who sends: several consoles and ``overseer notify`` on one store
send each page once; a notifier that died mid-send is taken over when its lease passes
(at least once, never lost).

The gate never waits on any of this: hooks only write the pending approval, as before; the
notifier is a separate loop (a worker of ``overseer watch``, or ``overseer notify`` alone).
Sends run on a small thread pool per channel, so a receiver that hangs holds one of its
channel's workers for at most its timeouts, never the loop, and never the other channel's
pages (a hung webhook must not hold up the command that pages the same operator another way).
A failed page is recorded (``failed``, with attempts and the error) and shown as the console's
health; it never touches an approval.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from overseer.config import Config, Notify
from overseer.secrets import mask
from overseer.store import StoreError, parse_utc_text
from overseer.store import notifications as notes
from overseer.store.db import Store
from overseer.store.lean import _redact

#: Payload ``event`` per kind.
EVENTS = {"created": "approval_created", "expiring": "approval_expiring"}
#: Seconds between passes when nothing in the store changed (the ``expiring`` clock).
TICK_S = 0.5
#: Concurrent sends (a hanging receiver holds one of these, at most for its timeouts).
WORKERS = 4
#: Backoff before retry n (seconds): 0.5, 1, 2, 4, capped.
BACKOFF_S = (0.5, 1.0, 2.0, 4.0)
#: How much of a failing command's stderr is kept.
STDERR_TAIL = 300
#: Payload version: receivers can tell a later shape from this one.
PAYLOAD_VERSION = 1


class NotifyFailed(Exception):
    """One attempt failed; the message is one line (kept in the store)."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


# ----------------------------------------------------------------------------------- payload


def decide_commands(approval_id: str, db: str, server: str | None = None) -> dict[str, str]:
    """The exact ``overseer decide`` lines that reach this store (a URL's password is left
    out: give it as ``PGPASSWORD`` or in ``~/.pgpass``)."""
    where = ["--server", server] if server else ["--db", _redact(db)]
    base = ["overseer", "decide", approval_id]
    return {
        "approve": shlex.join([*base, "approve", *where]),
        "deny": shlex.join([*base, "deny", "--reason", "REASON", *where]),
    }


def _chat_escape(text: str) -> str:
    """Slack-style escaping for the ``text`` field (``<!channel>`` in an agent's input must
    not ping a whole channel): ``&``, ``<``, ``>`` as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _left(seconds: float | None) -> str:
    if seconds is None:
        return "no deadline"
    whole = max(0, int(seconds))
    return f"{whole // 60}m{whole % 60:02d}s left" if whole >= 60 else f"{whole}s left"


def build_payload(
    approval: Mapping[str, Any],
    kind: str,
    *,
    config: Config,
    db: str,
    flags: list[dict[str, str]],
    now: float,
    server: str | None = None,
) -> dict[str, Any]:
    """The JSON a webhook receives (and a command reads on stdin). Agent-written fields are
    plain data: the summary is the display form neutralised at ingest, secrets masked."""
    agent = approval.get("agent") or "unknown"
    found = config.agents.get(agent)
    deadline = parse_utc_text(approval.get("deadline"))
    left = None if deadline is None else max(0.0, deadline.timestamp() - now)
    summary = mask(str(approval.get("summary") or ""))
    tool = str(approval.get("tool") or "")
    commands = decide_commands(str(approval["id"]), db, server)
    flag_names = ", ".join(f["detector"] for f in flags)
    head = "expiring" if kind == "expiring" else "approval needed"
    text = (
        f"overseer {head}: {agent} ({found.owner if found else 'no owner'}) wants {tool}: "
        f"{summary}" + (f" [flags: {flag_names}]" if flag_names else "") + f" — {_left(left)}."
        f" Approve: {commands['approve']}"
    )
    return {
        "version": PAYLOAD_VERSION,
        "event": EVENTS[kind],
        "delivery": f"{approval['id']}:{kind}",
        "approval_id": approval["id"],
        "session": approval.get("session"),
        "agent": agent,
        "owner": found.owner if found else None,
        "task": approval.get("task"),
        "tool": tool,
        "summary": summary,
        "rule": approval.get("rule"),
        "flags": flags,
        "created_at": approval.get("created_at"),
        "deadline": approval.get("deadline"),
        "time_left_s": None if left is None else round(left, 1),
        "decide": commands,
        "text": _chat_escape(text),
    }


def approval_flags(
    store: Store, config: Config, approval: Mapping[str, Any]
) -> list[dict[str, str]]:
    """The detectors' flags on the gated call itself (what the console shows beside it)."""
    from overseer.control.protected import protected_files
    from overseer.model import Event, EventKind
    from overseer.policy.detectors import DetectorSettings, SessionHistory, run_detectors

    tool_input = approval.get("input") if isinstance(approval.get("input"), dict) else {}
    session = store.get_session(approval["session"])
    settings = DetectorSettings.from_defaults(
        config.defaults, protected=protected_files(config.path, store.db)
    )
    event = Event(
        kind=EventKind.TOOL_CALL,
        session=approval["session"],
        ts=parse_utc_text(approval.get("created_at")) or datetime.now(UTC),
        tool=approval.get("tool"),
        call_id=approval.get("call_id"),
        input=tool_input,
        summary=approval.get("summary") or "",
        verdict=approval.get("verdict"),
        rule=approval.get("rule"),
    )
    scope = config.scope_for(approval.get("agent"), approval.get("task"))
    history = SessionHistory(
        session=approval["session"], cwd=session.cwd if session else None, home=None, scope=scope
    )
    out = []
    for flag in run_detectors(event, history, settings):
        out.append(
            {
                "detector": str(flag.detector),
                "category": str(getattr(flag.category, "value", flag.category)),
                "message": mask(str(flag.message)),
                "severity": str(flag.severity),
            }
        )
    return out


# ----------------------------------------------------------------------------------- senders


class WebhookSender:
    """A JSON POST; a 2xx answer is delivered. 5xx, 408, 429, timeouts and connection
    errors are tried again; other answers (a 4xx, a redirect) fail at once."""

    channel = "webhook"

    def __init__(self, url: str, timeout: float) -> None:
        import httpx

        self.url = url
        self._httpx = httpx
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False
        )

    def send(self, body: bytes) -> None:
        httpx = self._httpx
        try:
            response = self._client.post(
                self.url,
                content=body,
                headers={"content-type": "application/json", "user-agent": "overseer-notify"},
            )
        except httpx.TimeoutException as exc:
            raise NotifyFailed(f"webhook timed out ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise NotifyFailed(f"webhook unreachable: {type(exc).__name__}: {exc}"[:200]) from None
        if 200 <= response.status_code < 300:
            return
        retry = response.status_code >= 500 or response.status_code in (408, 429)
        raise NotifyFailed(f"webhook answered HTTP {response.status_code}", retry=retry)

    def close(self) -> None:
        self._client.close()


class CommandSender:
    """``argv`` run with the JSON on stdin (no shell); exit 0 is delivered. A command still
    running after ``timeout`` is killed (its whole process group) and fails."""

    channel = "command"

    def __init__(self, argv: tuple[str, ...], timeout: float) -> None:
        self.argv, self.timeout = argv, timeout
        self._procs: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()

    def send(self, body: bytes) -> None:
        try:
            proc = subprocess.Popen(
                list(self.argv),
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,  # a timeout kills what it started too
            )
        except OSError as exc:
            raise NotifyFailed(f"command cannot run: {exc.strerror or exc}", retry=False) from None
        with self._lock:
            self._procs.add(proc)
        try:
            try:
                _out, err = proc.communicate(body, timeout=self.timeout)
            except subprocess.TimeoutExpired:
                _kill(proc)
                proc.communicate()
                raise NotifyFailed(f"command timed out after {self.timeout:g}s") from None
        finally:
            with self._lock:
                self._procs.discard(proc)
        if proc.returncode != 0:
            tail = err.decode("utf-8", "replace").strip()[-STDERR_TAIL:]
            detail = f": {tail}" if tail else ""
            raise NotifyFailed(f"command exited {proc.returncode}{detail}")

    def close(self) -> None:
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            _kill(proc)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


# ---------------------------------------------------------------------------------- notifier


def notifier_name() -> str:
    """Who claims: host, pid and a few random bits (stored in ``claimed_by``)."""
    return f"{socket.gethostname()}:{os.getpid()}:{os.urandom(2).hex()}"


class Notifier:
    """One notifier loop over one store. :meth:`step` is one pass (claim what is due, hand
    it to the pool); :meth:`run` loops until stopped, woken by store changes."""

    def __init__(
        self,
        store: Store,
        config: Config,
        *,
        name: str | None = None,
        on_health: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
        server: str | None = None,
        workers: int = WORKERS,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.store, self.config, self.settings = store, config, config.notify
        self.name = name or notifier_name()
        self.on_health, self.clock, self.server, self.log = on_health, clock, server, log
        self.senders: list[WebhookSender | CommandSender] = []
        n: Notify = self.settings
        if n.webhook:
            self.senders.append(WebhookSender(n.webhook, n.timeout))
        if n.command:
            self.senders.append(CommandSender(n.command, n.timeout))
        self.lease_s = self._worst_case() + 30.0
        self._pools = {
            sender.channel: ThreadPoolExecutor(
                max_workers=workers, thread_name_prefix=f"notify-{sender.channel}"
            )
            for sender in self.senders
        }
        self._inflight: dict[tuple[str, str, str], Future[None]] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._flags: dict[str, list[dict[str, str]]] = {}
        #: Team mode (an operator login): pages are written through the database's function.
        self.team: bool | None = None
        #: channel → "ok" / the last error; "store" when the store refused a claim.
        self.health: dict[str, str] = {}
        self._shown: str | None = None
        self.sent = 0
        self.failed = 0

    def _worst_case(self) -> float:
        """Longest one page can take: every attempt timing out, plus the backoffs."""
        n = self.settings
        waits = sum(BACKOFF_S[min(i, len(BACKOFF_S) - 1)] for i in range(n.retries))
        return (n.retries + 1) * (n.timeout + 2.0) + waits

    # -- what is due

    def due(self, approval: Mapping[str, Any], now: float) -> list[str]:
        """The kinds this approval is due for at ``now`` (before asking the store)."""
        kinds = []
        deadline = parse_utc_text(approval.get("deadline"))
        end = None if deadline is None else deadline.timestamp()
        if "created" in self.settings.events:
            kinds.append("created")
        if "expiring" in self.settings.events and end is not None:
            timeout_s = approval.get("timeout_s")
            before = self.settings.before_timeout
            longer = timeout_s is None or float(timeout_s) > before
            if longer and end - before <= now:
                kinds.append("expiring")
        return kinds

    def step(self) -> int:
        """One pass: claim and start every page that is due; returns how many started."""
        try:
            if self.team is None:
                login = notes.team_login(self.store)
                if login == "hook":
                    raise StoreError("a team-mode hook login cannot send pages")
                self.team = login == "operator"
            pending = self.store.pending_approvals()
            ids = [str(a["id"]) for a in pending]
            done = notes.settled(self.store, ids)
        except StoreError as exc:
            self._set_health("store", f"store: {exc}")
            return 0
        now = self.clock()
        started = 0
        for approval in pending:
            if self._stopped.is_set():
                break
            for kind in self.due(approval, now):
                for sender in self.senders:
                    key = (str(approval["id"]), kind, sender.channel)
                    if key in done or key in self._inflight:
                        continue
                    try:
                        started += self._start(approval, kind, sender, now)
                    except StoreError as exc:
                        self._set_health("store", f"store: {exc}")
                        return started
        if self.health.get("store", "ok") != "ok":
            self._set_health("store", "ok")
        return started

    def _start(
        self, approval: Mapping[str, Any], kind: str, sender: WebhookSender | CommandSender,
        now: float,
    ) -> int:  # fmt: skip
        approval_id = str(approval["id"])
        deadline = parse_utc_text(approval.get("deadline"))
        if deadline is not None and deadline.timestamp() <= now:
            notes.skip(self.store, approval_id, kind, sender.channel, notifier=self.name,
                       why="the deadline had passed", team=bool(self.team))  # fmt: skip
            return 0
        if kind == "expiring" and deadline is not None:
            window = deadline.timestamp() - self.settings.before_timeout
            first = parse_utc_text(notes.first_claimed(self.store, approval_id, "created"))
            if first is not None and first.timestamp() >= window:
                # The first page already went out inside the window: it said the time left.
                notes.skip(self.store, approval_id, kind, sender.channel, notifier=self.name,
                           why="the created page was sent inside the expiring window",
                           team=bool(self.team))  # fmt: skip
                return 0
        if not notes.claim(
            self.store, approval_id, kind, sender.channel, notifier=self.name,
            lease_s=self.lease_s, now=now, team=bool(self.team),
        ):  # fmt: skip
            return 0
        flags = self._flags.get(approval_id)
        if flags is None:
            try:
                flags = approval_flags(self.store, self.config, approval)
            except Exception as exc:  # a detector's fault must not lose the page
                flags = [{"detector": "unavailable", "category": "", "severity": "",
                          "message": f"flags not computed: {type(exc).__name__}"}]  # fmt: skip
            self._flags[approval_id] = flags
        payload = build_payload(
            approval, kind, config=self.config, db=self.store.db, flags=flags, now=now,
            server=self.server,
        )  # fmt: skip
        body = json.dumps(payload, ensure_ascii=True).encode("ascii")
        key = (approval_id, kind, sender.channel)
        with self._lock:
            self._inflight[key] = self._pools[sender.channel].submit(self._send, key, sender, body)
        return 1

    # -- sending (pool threads)

    def _send(
        self, key: tuple[str, str, str], sender: WebhookSender | CommandSender, body: bytes
    ) -> None:
        attempts, error = 0, None
        try:
            for attempt in range(self.settings.retries + 1):
                if self._stopped.is_set():
                    return  # left "sending": the lease passes and the next notifier sends
                if attempt and self._stopped.wait(BACKOFF_S[min(attempt - 1, len(BACKOFF_S) - 1)]):
                    return  # stopped while backing off: left to the lease, as above
                attempts += 1
                try:
                    sender.send(body)
                    error = None
                    break
                except NotifyFailed as exc:
                    error = str(exc)
                    if not exc.retry:
                        break
                except Exception as exc:  # never let a sender's surprise kill the pool
                    error = f"{type(exc).__name__}: {exc}"[:200]
            if self._stopped.is_set() and error is not None:
                return
            approval_id, kind, channel = key
            try:
                notes.finish(self.store, approval_id, kind, channel, notifier=self.name,
                             sent=error is None, attempts=attempts, error=error,
                             team=bool(self.team))  # fmt: skip
            except StoreError as exc:
                self._set_health("store", f"store: {exc}")
            with self._lock:
                if error is None:
                    self.sent += 1
                else:
                    self.failed += 1
            self._set_health(channel, "ok" if error is None else error)
            if error is not None and self.log is not None:
                self.log(f"{approval_id} {kind} via {channel} failed after "
                         f"{attempts} attempt(s): {error}")  # fmt: skip
        finally:
            with self._lock:
                self._inflight.pop(key, None)

    # -- health

    def _set_health(self, part: str, state: str) -> None:
        with self._lock:
            self.health[part] = state
            bad = [f"{k}: {v}" for k, v in self.health.items() if v != "ok"]
            shown = "ok" if not bad else "failing (" + "; ".join(bad) + ")"
            changed = shown != self._shown
            self._shown = shown
        if changed and self.on_health is not None:
            self.on_health(shown)

    @property
    def state(self) -> str:
        return self._shown or "ok"

    # -- loop

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait for every page started so far to be sent or recorded failed."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                futures = list(self._inflight.values())
            if not futures:
                return True
            for future in futures:
                remaining = None if end is None else max(0.0, end - time.monotonic())
                try:
                    future.result(timeout=remaining)
                except Exception:
                    if end is not None and time.monotonic() >= end:
                        return False

    def run(self, stop: threading.Event | None = None) -> None:
        """Pass after pass until :meth:`stop` (or ``stop`` is set): at once when the store
        changes, at least every :data:`TICK_S` for the ``expiring`` clock."""
        watcher = None
        try:
            while not self._stopped.is_set() and not (stop is not None and stop.is_set()):
                self.step()
                if watcher is None:
                    try:
                        watcher = self.store.watch()
                    except StoreError as exc:
                        self._set_health("store", f"store: {exc}")
                        self._stopped.wait(TICK_S)
                        continue
                watcher.wait(TICK_S)
        finally:
            if watcher is not None:
                watcher.close()

    def stop(self) -> None:
        """Stop claiming; sends in flight are abandoned (their lease passes, another notifier
        sends them) and running commands are killed. Returns at once."""
        self._stopped.set()
        for pool in self._pools.values():
            pool.shutdown(wait=False, cancel_futures=True)
        for sender in self.senders:
            sender.close()

    def close(self) -> None:
        """Let sends in flight finish, then release everything."""
        for pool in self._pools.values():
            pool.shutdown(wait=True)
        self._stopped.set()
        for sender in self.senders:
            sender.close()


class NotifyFeed:
    """The notifier as a live feed of ``overseer watch`` (an App worker with ``stop()``): its
    state goes to ``health["notify"]``, which the header shows; no widget is touched."""

    def __init__(self, store: Store, config: Config, health: dict[str, str]) -> None:
        self.health = health
        self.health["notify"] = "ok"
        self._wake: Callable[[set[str], int], None] | None = None
        self.notifier = Notifier(store, config, on_health=self._health)

    def _health(self, state: str) -> None:
        self.health["notify"] = state
        if self._wake is not None:
            self._wake(set(), 0)  # the app re-reads its snapshot: the header shows it

    async def __call__(self, notify: Callable[[set[str], int], None]) -> None:
        import asyncio

        self._wake = notify
        try:
            await asyncio.to_thread(self.notifier.run)
        finally:
            self.stop()

    def stop(self) -> None:
        self.notifier.stop()
