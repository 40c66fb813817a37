"""The reference gateway: ``docs/gateway-api.md`` served from native JSONL logs.

Standard library only (``http.server.ThreadingHTTPServer``): it must start in milliseconds in
every test, on ``127.0.0.1`` and a free port, and it must be simple enough to trust as the
other end of the contract. State lives in memory; the logs are re-read (appended lines only)
on every request, so a demo agent writing a log is seen live.

It behaves like a small real gateway:

* sessions and their events come from the log records (``session_start`` gives the metadata,
  ``session_end`` ends a session); the event cursor is opaque (base64 of a position);
* an ``approval_request`` record opens a pending approval; a later ``tool_result`` for the
  same call settles it from the log (so replayed logs do not leave stale approvals behind);
* decisions and kills are accepted once; a second decision is a ``409`` naming who decided;
  an ``Idempotency-Key`` seen before replays the first answer (a client retrying after a
  dropped answer must not be told it lost a race against itself);
* a kill ends the session (a ``session_end`` record is appended to its stream) and settles
  its pending approvals as ``killed``.

Fault injection (:meth:`ReferenceGateway.inject`) makes it misbehave on purpose: a status
code (``429`` with ``Retry-After``, ``5xx``), malformed JSON, JSON of the wrong shape, a
cursor that does not advance, a connection dropped mid-response, an authentication failure,
a slow answer.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

#: Request bodies above this are refused (413): decisions and kills are small.
MAX_BODY = 1 << 20
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
FAULT_KINDS = (
    "status", "malformed", "bad_shape", "stuck_cursor", "drop", "drop_answer", "auth", "slow",
)  # fmt: skip
#: What the log says happened to a call → the settled approval status.
_SETTLED_BY_RESULT = {"rejected": "denied", "blocked": "denied"}

Response = tuple[int, Any, dict[str, str]]


def _now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _first(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def encode_cursor(position: int) -> str:
    """Opaque to clients: they may only hand it back."""
    return base64.urlsafe_b64encode(f"v1:{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    prefix, _, number = text.partition(":")
    if prefix != "v1" or not number.isdigit():
        return None
    return int(number)


@dataclass
class Fault:
    """One injected misbehaviour, applied to the next ``times`` matching requests
    (``None``: until :meth:`ReferenceGateway.clear_faults`).

    ``kind``: ``status`` (answer ``status``, with ``Retry-After`` when given), ``malformed``
    (200 with truncated JSON), ``bad_shape`` (200 with JSON of the wrong shape),
    ``stuck_cursor`` (events answered with ``next_cursor`` equal to ``after``), ``drop``
    (half an answer, then the connection is closed; the request is not processed),
    ``drop_answer`` (the request *is* processed, then its answer is cut the same way: a
    client cannot tell whether it took effect), ``auth`` (401 whatever the token), ``slow``
    (answer after ``delay`` seconds).
    """

    kind: str
    status: int = 503
    retry_after: str | None = None
    method: str | None = None
    path: str | None = None  # a prefix of the request path
    times: int | None = 1
    delay: float = 0.0
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.path is None or path.startswith(self.path)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], gateway: ReferenceGateway) -> None:
        self.gateway = gateway
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Cut kept-alive connections too: a stopped gateway must look unreachable, not keep
        answering the clients that were already connected."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up (the tests' pollers do it on purpose) are not errors."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    server_version = "overseer-reference-gateway/1"
    # Headers and body leave in one segment: with Nagle's algorithm and delayed ACKs, a
    # kept-alive connection would otherwise wait ~40 ms on every answer.
    disable_nagle_algorithm = True
    wbufsize = 1 << 16

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: a request log is where bearer tokens leak from."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        gateway = self.server.gateway
        url = urlsplit(self.path)
        path = url.path
        body: bytes = b""
        if method == "POST":
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY:
                self.close_connection = True
                self._send(413 if length > MAX_BODY else 400, {"error": "bad Content-Length"})
                return
            body = self.rfile.read(length)
        gateway._note(method, path)
        fault = gateway._take_fault(method, path)
        stuck = cut = False
        if fault is not None:
            if fault.kind == "slow":
                time.sleep(fault.delay)
            elif fault.kind == "stuck_cursor":
                stuck = True
            elif fault.kind == "drop_answer":
                cut = True
            else:
                self._fault(fault)
                return
        if not gateway._authorised(self.headers.get("Authorization")):
            self._send(401, {"error": "unauthorized"}, {"WWW-Authenticate": "Bearer"})
            return
        try:
            status, payload, headers = gateway._handle(
                method,
                path,
                parse_qs(url.query),
                body,
                self.headers.get("Idempotency-Key"),
                stuck=stuck,
            )
        except Exception as exc:  # a bug here must answer 500, not hang the client
            status, payload, headers = 500, {"error": type(exc).__name__}, {}
        if cut:
            self._cut(status, json.dumps(payload).encode())
            return
        self._send(status, payload, headers)

    def _send(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self._raw(status, data, headers)

    def _raw(
        self,
        status: int,
        data: bytes,
        headers: Mapping[str, str] | None = None,
        *,
        length: int | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data) if length is None else length))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _fault(self, fault: Fault) -> None:
        if fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            self._send(fault.status, {"error": "injected fault"}, headers)
        elif fault.kind == "auth":
            self._send(401, {"error": "unauthorized"}, {"WWW-Authenticate": "Bearer"})
        elif fault.kind == "malformed":
            self._raw(200, b'{"sessions": [{"id": "s1", "events": [{"kind": ')
        elif fault.kind == "bad_shape":
            self._send(200, {"sessions": "none", "events": 42, "approvals": None})
        elif fault.kind == "drop":
            self._cut(200, json.dumps({"sessions": [], "events": [], "pad": "x" * 4096}).encode())
        else:  # unknown kinds are refused by inject(); be safe anyway
            self._send(500, {"error": "unknown fault"})

    def _cut(self, status: int, data: bytes) -> None:
        """Announce the whole answer, send half of it, close the connection."""
        self._raw(status, data[: len(data) // 2], length=len(data))
        self.wfile.flush()
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class ReferenceGateway:
    """The reference gateway server (module docstring). ``with ReferenceGateway(logs) as gw:``
    starts it on ``127.0.0.1`` and a free port; ``gw.url`` is its base URL."""

    def __init__(
        self,
        logs: Iterable[str | os.PathLike[str]] = (),
        *,
        token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        approval_timeout: float | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.token = token
        self.approval_timeout = approval_timeout
        self._lock = threading.RLock()
        self._logs: dict[str, int] = {os.fspath(p): 0 for p in logs}
        self._order: list[str] = []
        self.sessions: dict[str, dict[str, Any]] = {}
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.approvals: dict[str, dict[str, Any]] = {}
        self._deadlines: dict[str, float] = {}
        #: Decisions and kills accepted, in order (what reached "the agents").
        self.decisions: list[dict[str, Any]] = []
        self.kills: list[dict[str, Any]] = []
        #: Every request received, as (method, path): tests count polls and retries.
        self.requests: list[tuple[str, str]] = []
        #: The same requests with when each arrived (``time.monotonic()``, method, path):
        #: tests measure how soon a client came back after an outage (:meth:`first_since`).
        self.arrivals: list[tuple[float, str, str]] = []
        self._faults: list[Fault] = []
        self._idempotent: dict[str, Response] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ReferenceGateway:
        """Listen (again, on the same port after :meth:`stop`: state is kept)."""
        server = _Server((self.host, self.port), self)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name=f"reference-gateway:{self.port}",
        )  # fmt: skip
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: clients now get "connection refused" (state is kept)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.close_connections()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ReferenceGateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ test controls

    def inject(
        self,
        kind: str,
        *,
        status: int = 503,
        retry_after: str | None = None,
        method: str | None = None,
        path: str | None = None,
        times: int | None = 1,
        delay: float = 0.0,
    ) -> Fault:
        """Misbehave on the next ``times`` requests matching ``method``/``path`` (see
        :class:`Fault`)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r} (one of: {', '.join(FAULT_KINDS)})")
        fault = Fault(kind, status, retry_after, method, path, times, delay)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def add_event(self, record: Mapping[str, Any]) -> None:
        """Append one native record (as if an agent had just logged it)."""
        with self._lock:
            self._add(dict(record))

    def add_events(self, records: Iterable[Mapping[str, Any]]) -> None:
        with self._lock:
            for record in records:
                self._add(dict(record))

    def count(self, method: str, prefix: str) -> int:
        with self._lock:
            return sum(1 for m, p in self.requests if m == method and p.startswith(prefix))

    def first_since(
        self, since: float, method: str | None = None, prefix: str = "/"
    ) -> float | None:
        """When the first request matching ``method``/``prefix`` arrived at or after
        ``since`` (both ``time.monotonic()``), or None if none has yet."""
        with self._lock:
            for when, m, p in self.arrivals:
                if when >= since and method in (None, m) and p.startswith(prefix):
                    return when
        return None

    # ------------------------------------------------------------------ state

    def _note(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((method, path))
            self.arrivals.append((time.monotonic(), method, path))

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.hits += 1
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def _authorised(self, header: str | None) -> bool:
        if self.token is None:
            return True
        expected = f"Bearer {self.token}".encode()
        return hmac.compare_digest((header or "").encode(), expected)

    def _refresh(self) -> None:
        """Read lines appended to the logs since the last request (complete lines only)."""
        for path, offset in list(self._logs.items()):
            try:
                with open(path, "rb") as handle:
                    size = os.fstat(handle.fileno()).st_size
                    if size < offset:
                        offset = 0  # truncated: the demo restarted its log
                    handle.seek(offset)
                    data = handle.read()
            except OSError:
                continue
            end = data.rfind(b"\n")
            if end < 0:
                continue
            for line in data[: end + 1].splitlines():
                try:
                    record = json.loads(line)
                except (ValueError, RecursionError):
                    continue
                if isinstance(record, dict):
                    self._add(record)
            self._logs[path] = offset + end + 1

    def _add(self, record: dict[str, Any]) -> None:
        sid = record.get("session")
        if not isinstance(sid, str) or not sid:
            return
        session = self.sessions.get(sid)
        if session is None:
            session = self.sessions[sid] = {
                "id": sid, "agent": None, "task": None, "status": "live", "cwd": None,
                "pid": None, "host": None, "started_at": record.get("ts"),
            }  # fmt: skip
            self._order.append(sid)
            self.events[sid] = []
        self.events[sid].append(record)
        for key in ("agent", "task", "cwd"):
            if isinstance(record.get(key), str):
                session[key] = record[key]
        kind = record.get("kind")
        if kind == "session_start":
            session["started_at"] = record.get("ts", session["started_at"])
            for key in ("pid", "host"):
                if record.get(key) is not None:
                    session[key] = record[key]
        elif kind == "session_end" and session["status"] != "killed":
            session["status"] = "ended"
        elif kind == "approval_request":
            self._open_approval(sid, record)
        elif kind == "tool_result":
            self._settle_from_log(sid, record)

    def _open_approval(self, sid: str, record: dict[str, Any]) -> None:
        approval_id = record.get("approval_id")
        if not isinstance(approval_id, str) or not approval_id or approval_id in self.approvals:
            return
        expires = record.get("expires_at")
        if expires is None and self.approval_timeout is not None:
            deadline = time.time() + self.approval_timeout
            self._deadlines[approval_id] = deadline
            expires = datetime.fromtimestamp(deadline, UTC).isoformat().replace("+00:00", "Z")
        self.approvals[approval_id] = {
            "id": approval_id, "session": sid, "call_id": record.get("call_id"),
            "tool": record.get("tool"), "input": record.get("input", {}), "status": "pending",
            "requested_at": record.get("ts"), "expires_at": expires, "decided_by": None,
            "reason": record.get("reason"),
        }  # fmt: skip

    def _settle_from_log(self, sid: str, record: dict[str, Any]) -> None:
        call_id = record.get("call_id")
        for approval in self.approvals.values():
            if (
                approval["status"] == "pending"
                and approval["session"] == sid
                and approval["call_id"] == call_id
            ):
                approval["status"] = _SETTLED_BY_RESULT.get(str(record.get("status")), "approved")
                approval["decided_by"] = "agent log"

    def _expire(self) -> None:
        now = time.time()
        for approval_id, deadline in list(self._deadlines.items()):
            if deadline <= now:
                del self._deadlines[approval_id]
                approval = self.approvals[approval_id]
                if approval["status"] == "pending":
                    approval["status"], approval["decided_by"] = "expired", "gateway timeout"

    # ------------------------------------------------------------------ routes

    def _handle(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        body: bytes,
        key: str | None,
        *,
        stuck: bool = False,
    ) -> Response:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        with self._lock:
            self._refresh()
            self._expire()
            if method == "GET":
                if parts == ["v1", "sessions"]:
                    return 200, {"sessions": [self.sessions[s] for s in self._order]}, {}
                if len(parts) == 4 and parts[:2] == ["v1", "sessions"] and parts[3] == "events":
                    return self._events(parts[2], query, stuck)
                if parts == ["v1", "approvals"]:
                    wanted = _first(query, "status")
                    rows = [a for a in self.approvals.values() if wanted in (None, a["status"])]
                    return 200, {"approvals": rows}, {}
                if len(parts) == 3 and parts[:2] == ["v1", "approvals"]:
                    approval = self.approvals.get(parts[2])
                    if approval is None:
                        return 404, {"error": "no such approval"}, {}
                    return 200, approval, {}
                if parts == ["healthz"]:
                    return 200, {"ok": True}, {}
            elif method == "POST":
                if key and key in self._idempotent:
                    return self._idempotent[key]
                answer: Response | None = None
                if len(parts) == 4 and parts[:2] == ["v1", "approvals"] and parts[3] == "decision":
                    answer = self._decide(parts[2], body)
                elif len(parts) == 4 and parts[:2] == ["v1", "sessions"] and parts[3] == "kill":
                    answer = self._kill(parts[2], body)
                if answer is not None:
                    if key and answer[0] < 500:
                        self._idempotent[key] = answer
                    return answer
        return 404, {"error": "not found"}, {}

    def _events(self, sid: str, query: dict[str, list[str]], stuck: bool) -> Response:
        events = self.events.get(sid)
        if events is None:
            return 404, {"error": "no such session"}, {}
        after = _first(query, "after")
        start = 0
        if after:
            decoded = decode_cursor(after)
            if decoded is None:
                return 400, {"error": "bad cursor"}, {}
            start = min(decoded, len(events))
        try:
            limit = int((query.get("limit") or [str(DEFAULT_LIMIT)])[0])
        except ValueError:
            return 400, {"error": "bad limit"}, {}
        limit = max(1, min(limit, MAX_LIMIT))
        page = events[start : start + limit]
        next_cursor = after if stuck else encode_cursor(start + len(page))
        if not page and after:
            next_cursor = after  # nothing new: the same cursor back
        return 200, {"events": page, "next_cursor": next_cursor}, {}

    def _decide(self, approval_id: str, body: bytes) -> Response:
        approval = self.approvals.get(approval_id)
        if approval is None:
            return 404, {"error": "no such approval"}, {}
        try:
            request = json.loads(body or b"{}")
        except (ValueError, RecursionError):
            return 400, {"error": "body is not JSON"}, {}
        if not isinstance(request, dict) or request.get("decision") not in ("approve", "deny"):
            return 400, {"error": "decision must be 'approve' or 'deny'"}, {}
        updated = request.get("updated_input")
        if updated is not None and not isinstance(updated, dict):
            return 400, {"error": "updated_input must be an object"}, {}
        if approval["status"] != "pending":
            return 409, {
                "error": "already decided", "status": approval["status"],
                "decided_by": approval["decided_by"],
            }, {}  # fmt: skip
        operator = request.get("operator") if isinstance(request.get("operator"), str) else None
        reason = request.get("reason") if isinstance(request.get("reason"), str) else None
        approval["status"] = "approved" if request["decision"] == "approve" else "denied"
        approval["decided_by"] = operator or "unknown"
        approval["reason"] = reason
        approval["decided_at"] = _now_text()
        if updated is not None:
            approval["updated_input"] = updated
        self._deadlines.pop(approval_id, None)
        self.decisions.append(
            {"id": approval_id, "decision": request["decision"], "reason": reason,
             "operator": operator, "updated_input": updated}
        )  # fmt: skip
        return 200, {"id": approval_id, "status": approval["status"]}, {}

    def _kill(self, sid: str, body: bytes) -> Response:
        session = self.sessions.get(sid)
        if session is None:
            return 404, {"error": "no such session"}, {}
        try:
            request = json.loads(body or b"{}")
        except (ValueError, RecursionError):
            return 400, {"error": "body is not JSON"}, {}
        if not isinstance(request, dict):
            return 400, {"error": "body must be an object"}, {}
        reason = request.get("reason") if isinstance(request.get("reason"), str) else None
        self.kills.append({"session": sid, "reason": reason, "operator": request.get("operator")})
        if session["status"] != "killed":
            session["status"] = "killed"
            for approval in self.approvals.values():
                if approval["session"] == sid and approval["status"] == "pending":
                    approval["status"], approval["decided_by"] = "killed", "kill"
            self._add({"kind": "session_end", "session": sid, "ts": _now_text(),
                       "reason": f"killed: {reason}" if reason else "killed"})  # fmt: skip
            session["status"] = "killed"
        return 200, {"id": sid, "status": "killed"}, {}
