"""A scripted model server on 127.0.0.1 for the real Claude Code and Codex CLI.

Standard library only (``http.server``). It speaks the two streamed APIs the clients use:

* Anthropic's Messages API (``POST /v1/messages``, ``stream: true``): SSE events
  ``message_start``, ``content_block_start`` / ``content_block_delta`` (``text_delta``,
  ``input_json_delta``) / ``content_block_stop``, ``message_delta``, ``message_stop``.
* OpenAI's Responses API (``POST /v1/responses``, ``stream: true``): ``response.created``,
  ``response.output_item.added`` / ``response.output_item.done`` (``message``,
  ``function_call``, ``custom_tool_call``), ``response.completed``.

What the "model" answers is a per-test script: a function of the request (see :class:`Turn`)
returning one :class:`Reply`. The default script plays a list of replies in order, one per
*turn* of the conversation the request carries (``turn`` = how many tool results the client
has sent back so far), and answers a plain ``done`` past its end. Every request body is
kept (:attr:`ModelServer.requests`) so a test can check what the client sent back — the
``tool_result`` or ``function_call_output`` carrying the hook's reason.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# --------------------------------------------------------------------------- replies


@dataclass(frozen=True)
class Reply:
    """One model answer: text, or one tool call (``tool``, ``input``).

    ``freeform``: a Codex custom (freeform) tool call such as ``apply_patch``, whose input is
    a string, not a JSON object."""

    text: str | None = None
    tool: str | None = None
    input: Any = None
    freeform: bool = False


def text(value: str) -> Reply:
    return Reply(text=value)


def tool(name: str, arguments: Any, *, freeform: bool = False) -> Reply:
    return Reply(tool=name, input=arguments, freeform=freeform)


@dataclass
class Turn:
    """What the script sees of one request."""

    api: str  # "anthropic" | "openai"
    body: dict[str, Any]
    turn: int  # tool results in the conversation so far
    results: list[str]  # their texts, oldest first
    system: str  # the system prompt / instructions, flattened

    @property
    def last_result(self) -> str | None:
        return self.results[-1] if self.results else None

    @property
    def tools(self) -> list[str]:
        names = []
        for t in self.body.get("tools") or []:
            if isinstance(t, dict):
                names.append(str(t.get("name") or (t.get("function") or {}).get("name") or ""))
        return names


Script = Callable[[Turn], Reply]


def sequence(*replies: Reply, after: Reply | None = None) -> Script:
    """Answer turn N with ``replies[N]``; past the end, ``after`` (default: text "done")."""
    tail = after or text("done")

    def play(turn: Turn) -> Reply:
        return replies[turn.turn] if turn.turn < len(replies) else tail

    return play


# --------------------------------------------------------------------------- parsing


def _flatten(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(_flatten(c) for c in content)
    if isinstance(content, dict):
        if "text" in content:
            return str(content["text"])
        if "content" in content:
            return _flatten(content["content"])
        if "output" in content:
            return _flatten(content["output"])
    return ""


def anthropic_turn(body: dict[str, Any]) -> Turn:
    results: list[str] = []
    for message in body.get("messages") or []:
        content = message.get("content")
        if message.get("role") == "user" and isinstance(content, list):
            for block in content:
                if isinstance(block, dict) and block.get("type") == "tool_result":
                    results.append(_flatten(block.get("content")))
    return Turn("anthropic", body, len(results), results, _flatten(body.get("system")))


def openai_turn(body: dict[str, Any]) -> Turn:
    results: list[str] = []
    items = body.get("input")
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("type") in (
            "function_call_output",
            "custom_tool_call_output",
        ):
            results.append(_flatten(item.get("output")))
    return Turn("openai", body, len(results), results, _flatten(body.get("instructions")))


# --------------------------------------------------------------------------- server


@dataclass
class Exchange:
    path: str
    body: dict[str, Any]
    turn: Turn | None
    reply: Reply | None
    at: float = field(default_factory=time.monotonic)


class ModelServer:
    """``with ModelServer(script) as server: ...``; ``server.url`` is ``http://127.0.0.1:PORT``."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[Exchange] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def do_GET(self) -> None:
                outer._record(self.path, {}, None, None)
                self._send_json(404, {"error": {"type": "not_found", "message": "offline"}})

            def do_HEAD(self) -> None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                path = self.path.split("?", 1)[0]
                if path.endswith("/messages/count_tokens"):
                    outer._record(self.path, body, None, None)
                    self._send_json(200, {"input_tokens": 100})
                elif path.endswith("/messages"):
                    turn = anthropic_turn(body)
                    reply = outer._decide(turn)
                    outer._record(self.path, body, turn, reply)
                    self._stream(outer._anthropic_events(body, reply))
                elif path.endswith("/responses"):
                    turn = openai_turn(body)
                    reply = outer._decide(turn)
                    outer._record(self.path, body, turn, reply)
                    self._stream(outer._openai_events(body, reply))
                else:
                    outer._record(self.path, body, None, None)
                    self._send_json(404, {"error": {"type": "not_found", "message": "offline"}})

            def _send_json(self, status: int, value: Any) -> None:
                data = json.dumps(value).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, events: list[tuple[str, dict[str, Any]]]) -> None:
                chunks = b"".join(
                    f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events
                )
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Content-Length", str(len(chunks)))
                self.end_headers()
                self.wfile.write(chunks)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def reset(self, script: Script) -> None:
        """A new script, and a clean record, for the next client run."""
        with self._lock:
            self.script = script
            self.requests = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> ModelServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # ------------------------------------------------------------------ bookkeeping

    def _decide(self, turn: Turn) -> Reply:
        try:
            return self.script(turn)
        except Exception as exc:  # a broken script must show in the test, not hang the client
            return text(f"script error: {exc!r}")

    def _record(
        self, path: str, body: dict[str, Any], turn: Turn | None, reply: Reply | None
    ) -> None:
        with self._lock:
            self.requests.append(Exchange(path, body, turn, reply))

    def turns(self) -> list[Turn]:
        with self._lock:
            return [e.turn for e in self.requests if e.turn is not None]

    def results(self) -> list[str]:
        """Every tool result text the client sent back, in the order first seen."""
        seen: list[str] = []
        for turn in self.turns():
            for r in turn.results:
                if r not in seen:
                    seen.append(r)
        return seen

    def tool_call_times(self) -> list[float]:
        """When each tool call was sent (monotonic), for latency measurements."""
        with self._lock:
            return [e.at for e in self.requests if e.reply is not None and e.reply.tool]

    # ------------------------------------------------------------------ Anthropic

    def _anthropic_events(
        self, body: dict[str, Any], reply: Reply
    ) -> list[tuple[str, dict[str, Any]]]:
        n = next(self._ids)
        model = str(body.get("model") or "claude-sonnet-4-5")
        usage = {"input_tokens": 100, "output_tokens": 1, "cache_creation_input_tokens": 0,
                 "cache_read_input_tokens": 0}  # fmt: skip
        events: list[tuple[str, dict[str, Any]]] = [
            ("message_start", {"type": "message_start", "message": {
                "id": f"msg_e2e_{n:06d}", "type": "message", "role": "assistant", "model": model,
                "content": [], "stop_reason": None, "stop_sequence": None, "usage": usage}}),
        ]  # fmt: skip
        if reply.tool:
            block = {
                "type": "tool_use",
                "id": f"toolu_e2e_{n:06d}",
                "name": reply.tool,
                "input": {},
            }
            args = json.dumps(reply.input if reply.input is not None else {})
            events += [
                ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": block}),
                ("content_block_delta", {"type": "content_block_delta", "index": 0,
                    "delta": {"type": "input_json_delta", "partial_json": args[: len(args) // 2]}}),
                ("content_block_delta", {"type": "content_block_delta", "index": 0,
                    "delta": {"type": "input_json_delta", "partial_json": args[len(args) // 2 :]}}),
                ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            ]  # fmt: skip
            stop = "tool_use"
        else:
            events += [
                ("content_block_start", {"type": "content_block_start", "index": 0,
                    "content_block": {"type": "text", "text": ""}}),
                ("content_block_delta", {"type": "content_block_delta", "index": 0,
                    "delta": {"type": "text_delta", "text": reply.text or ""}}),
                ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            ]  # fmt: skip
            stop = "end_turn"
        events += [
            ("message_delta", {"type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None}, "usage": {"output_tokens": 5}}),
            ("message_stop", {"type": "message_stop"}),
        ]  # fmt: skip
        return events

    # ------------------------------------------------------------------ OpenAI

    def _openai_events(
        self, body: dict[str, Any], reply: Reply
    ) -> list[tuple[str, dict[str, Any]]]:
        n = next(self._ids)
        rid = f"resp_e2e_{n:06d}"
        model = str(body.get("model") or "gpt-5.5")
        if reply.tool and reply.freeform:
            item: dict[str, Any] = {"type": "custom_tool_call", "id": f"ctc_e2e_{n:06d}",
                "call_id": f"call_e2e_{n:06d}", "name": reply.tool, "input": str(reply.input),
                "status": "completed"}  # fmt: skip
        elif reply.tool:
            item = {"type": "function_call", "id": f"fc_e2e_{n:06d}",
                "call_id": f"call_e2e_{n:06d}", "name": reply.tool,
                "arguments": json.dumps(reply.input if reply.input is not None else {}),
                "status": "completed"}  # fmt: skip
        else:
            item = {"type": "message", "id": f"msg_e2e_{n:06d}", "role": "assistant",
                "status": "completed", "content": [
                    {"type": "output_text", "text": reply.text or "", "annotations": []}]}  # fmt: skip
        base = {"id": rid, "object": "response", "created_at": int(time.time()), "model": model,
                "status": "in_progress", "output": []}  # fmt: skip
        usage = {"input_tokens": 100, "input_tokens_details": {"cached_tokens": 0},
                 "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 0},
                 "total_tokens": 105}  # fmt: skip
        done = {**base, "status": "completed", "output": [item], "usage": usage}
        return [
            ("response.created", {"type": "response.created", "response": base}),
            ("response.output_item.added", {"type": "response.output_item.added",
                "output_index": 0, "item": item}),
            ("response.output_item.done", {"type": "response.output_item.done",
                "output_index": 0, "item": item}),
            ("response.completed", {"type": "response.completed", "response": done}),
        ]  # fmt: skip
