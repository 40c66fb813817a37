"""config.toml → validated settings, with every problem reported as ``file:line``.

Hand-validated plain classes rather than pydantic: the gate hook loads this module before
every tool call (pydantic costs ~150 ms to import), and every message must name the line of
the offending key or rule, which generic validators do not know. ``tomllib`` parses; a small
locator (:class:`_Lines`) maps dotted keys and rule strings back to their lines.

The shape is documented in ``config.toml`` itself and in DESIGN.md (*Config shape*).
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Mapping
from typing import Any

from overseer.policy.rules import Rule, RuleSyntaxError
from overseer.policy.scope import GATE_ACTIONS, Scope

AUTONOMY_CLASSES = ("deterministic", "autonomous")
UNKNOWN_AGENT = "unknown"

_TOP_KEYS = {"audit", "defaults", "agents", "gateway", "langfuse", "notify", "server"}
_DEFAULTS_KEYS = {
    "gate_timeout", "idle_after", "bell", "burst_calls", "burst_seconds", "operator", "gated",
}  # fmt: skip
_AGENT_KEYS = {"owner", "autonomy", "default_task", "match", "tasks", "description", "gated"}
_MATCH_KEYS = {"cwd", "source", "users"}
_TASK_KEYS = {"allow", "ask", "deny", "default", "description"}
_GATEWAY_KEYS = {"url", "token_env", "poll_interval"}
_LANGFUSE_KEYS = {"url", "public_key_env", "secret_key_env", "poll_interval"}
_SERVER_KEYS = {"socket", "operators", "store"}
_NOTIFY_KEYS = {"webhook", "command", "before_timeout", "timeout", "retries", "events"}
NOTIFY_EVENTS = ("created", "expiring")
#: An http(s) URL with a host (userinfo, port, path, query allowed), no blank or control
#: character anywhere: checked by hand (``urllib.parse`` is not worth the hook's import), and
#: compiled only when a ``[notify]`` webhook is read (~0.5 ms the hook would pay every call).
_WEBHOOK_URL = (
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?:[^/?#@\s]*@)?"
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%!$&'()*+,;=-]+)(?::(?P<port>\d{1,5}))?"
    r"(?:[/?#][^\s\x00-\x1f\x7f]*)?$"
)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")


class ConfigProblem:
    """One thing wrong with a config file, pinned to a line."""

    __slots__ = ("file", "key", "line", "message")

    def __init__(self, file: str, line: int, key: str, message: str) -> None:
        self.file, self.line, self.key, self.message = file, line, key, message

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.key}: {self.message}"

    def __repr__(self) -> str:
        return f"ConfigProblem({str(self)!r})"


class ConfigError(Exception):
    """The config is invalid; ``problems`` lists every problem found, not just the first."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class Defaults:
    __slots__ = (
        "bell", "burst_calls", "burst_seconds", "gate_timeout", "gated", "idle_after", "operator",
    )  # fmt: skip

    def __init__(self) -> None:
        #: Every agent's tool calls are expected to pass a gate (hook) unless the agent says
        #: ``gated = false``: a call in a transcript with no gate decision is an *ungated call*.
        self.gated = False
        self.gate_timeout = 120.0
        self.idle_after = 300.0
        self.bell = True
        self.burst_calls = 20
        self.burst_seconds = 10.0
        self.operator: str | None = None


class Task:
    __slots__ = ("description", "name", "scope")

    def __init__(self, name: str, scope: Scope, description: str = "") -> None:
        self.name, self.scope, self.description = name, scope, description


class Agent:
    __slots__ = (
        "autonomy", "default_task", "description", "gated", "match_cwd", "match_source",
        "match_users", "name", "owner", "tasks",
    )  # fmt: skip

    def __init__(
        self,
        name: str,
        owner: str,
        autonomy: str,
        default_task: str,
        tasks: dict[str, Task],
        match_cwd: tuple[str, ...] = (),
        match_source: tuple[str, ...] = (),
        description: str = "",
    ) -> None:
        self.name, self.owner, self.autonomy = name, owner, autonomy
        self.default_task, self.tasks = default_task, tasks
        self.match_cwd, self.match_source = match_cwd, match_source
        self.description = description
        #: ``match.users``: the OS users (names or uids, as written) whose calls may be this
        #: agent's. The hardened-mode gate server knows the caller's uid from the kernel, so
        #: there a call from anyone else never resolves to this agent, whatever cwd or
        #: transcript path it claims. Empty: any user (the server warns about it).
        self.match_users: tuple[str | int, ...] = ()
        #: ``gated = true``: this agent runs behind a gate hook, so every tool call its
        #: transcripts show must have a gate decision (None: ``[defaults] gated`` decides).
        self.gated: bool | None = None


class Server:
    """``[server]``: the hardened-mode gate server (``overseer serve``, docs/hardened.md).

    ``operators`` are user names or uids as written; the server resolves names to uids when
    it starts (a lookup is I/O, and this module does none). Only they may decide, grant, kill
    and list approvals through the socket.
    """

    __slots__ = ("operators", "socket", "store")

    def __init__(
        self,
        socket: str | None = None,
        operators: tuple[str | int, ...] = (),
        store: str | None = None,
    ) -> None:
        self.socket, self.operators, self.store = socket, operators, store


_AUDIT_KEYS = {"anchor_every", "anchor_minutes"}


class Audit:
    """``[audit]``: how often the audit chain is anchored automatically (a checkpoint kept
    outside the chain, :mod:`overseer.store.anchor`): after every ``anchor_every`` chain rows,
    or once ``anchor_minutes`` have passed with new rows, whichever comes first."""

    __slots__ = ("anchor_every", "anchor_minutes")

    def __init__(self, anchor_every: int = 100, anchor_minutes: float = 10.0) -> None:
        self.anchor_every, self.anchor_minutes = anchor_every, anchor_minutes


class Notify:
    """``[notify]``: page an operator who is not looking (docs/notify.md).

    ``webhook`` gets a JSON POST, ``command`` (an argv list, never a shell line) the same JSON
    on stdin, for each event in ``events``: ``created`` (an approval is waiting) and
    ``expiring`` (``before_timeout`` seconds are left before it times out). Each attempt has
    ``timeout`` seconds; a failed one is tried again up to ``retries`` more times.
    """

    __slots__ = ("before_timeout", "command", "events", "retries", "timeout", "webhook")

    def __init__(
        self,
        webhook: str | None = None,
        command: tuple[str, ...] = (),
        before_timeout: float = 60.0,
        timeout: float = 5.0,
        retries: int = 2,
        events: tuple[str, ...] = NOTIFY_EVENTS,
    ) -> None:
        self.webhook, self.command = webhook, command
        self.before_timeout, self.timeout, self.retries = before_timeout, timeout, retries
        self.events = events

    @property
    def enabled(self) -> bool:
        """Anything to send to (an empty ``[notify]`` is not configured)."""
        return bool(self.webhook or self.command)


class Config:
    """The validated configuration. An empty one (no agents) is valid: everything is unscoped."""

    __slots__ = ("agents", "audit", "defaults", "gateway", "langfuse", "notify", "path", "server")

    def __init__(
        self,
        path: str | None = None,
        defaults: Defaults | None = None,
        agents: dict[str, Agent] | None = None,
        gateway: dict[str, Any] | None = None,
        langfuse: dict[str, Any] | None = None,
        server: Server | None = None,
    ) -> None:
        self.path = path
        self.audit = Audit()
        self.defaults = defaults or Defaults()
        self.agents = agents or {}
        self.gateway = gateway or {}
        self.langfuse = langfuse or {}
        self.server = server or Server()
        self.notify = Notify()

    def is_gated(self, agent: str | None) -> bool:
        """Whether ``agent``'s tool calls are all expected to have a gate decision: its own
        ``gated`` setting, else ``[defaults] gated`` (``unknown`` and unconfigured agents
        follow the defaults). Why a setting: a hook removed before a session starts never
        records that session, so "sessions the hook has seen" alone would miss it."""
        found = self.agents.get(agent or "")
        if found is not None and found.gated is not None:
            return found.gated
        return self.defaults.gated

    def scope_for(self, agent: str | None, task: str | None = None) -> Scope | None:
        """The scope of ``agent``'s ``task`` (its default task if None); None when unknown."""
        found = self.agents.get(agent or "")
        if found is None:
            return None
        chosen = found.tasks.get(task or found.default_task)
        return chosen.scope if chosen else None

    def resolve(
        self,
        *,
        agent: str | None = None,
        task: str | None = None,
        cwd: str | None = None,
        source: str | None = None,
        home: str | None = None,
        user: tuple[str, int] | None = None,
    ) -> tuple[str, str | None]:
        """Map a session to ``(agent, task)``.

        An explicit agent (a native log's field, ``OVERSEER_AGENT``) wins; then a
        ``match.source`` glob on the log file's path; then a ``match.cwd`` glob. The task is
        the explicit one, else the agent's default. No match gives ``("unknown", None)``.
        ``user`` — ``(name, uid)`` as the kernel says, in the gate server — leaves out every
        agent whose ``match.users`` does not name it.
        """
        name = agent or None
        if name is None and source:
            name = self._match("source", source, home, user)
        if name is None and cwd:
            name = self._match("cwd", cwd, home, user)
        if name is None:
            return UNKNOWN_AGENT, task or None
        found = self.agents.get(name)
        if found is None:
            return name, task or None
        return name, task or found.default_task

    def _match(
        self, field: str, value: str, home: str | None, user: tuple[str, int] | None = None
    ) -> str | None:
        for agent in self.agents.values():
            if user is not None and agent.match_users and not set(user) & set(agent.match_users):
                continue
            globs = agent.match_cwd if field == "cwd" else agent.match_source
            if any(glob_match(value, g, home) for g in globs):
                return agent.name
        return None


def _is_user(value: Any) -> bool:
    """A user name (non-empty text) or a uid (a non-negative integer, not a bool)."""
    if isinstance(value, str):
        return bool(value)
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def glob_match(path: str, pattern: str, home: str | None = None) -> bool:
    """``fnmatch`` over a normalised path; ``~/`` expands to ``home``; ``dir/**`` also
    matches ``dir`` itself."""
    if pattern.startswith("~/") and home:
        pattern = home.rstrip("/") + pattern[1:]
    path = os.path.normpath(path)
    if pattern.endswith("/**") and path == os.path.normpath(pattern[:-3]):
        return True
    return fnmatch.fnmatchcase(path, pattern)


def parse_duration(value: Any) -> float:
    """``"120s"``, ``"5m"``, ``"250ms"``, ``"1h"`` or a number of seconds → seconds."""
    if isinstance(value, bool):
        raise ValueError('expected a duration such as "120s" or "5m"')
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            number, unit = float(match.group(1)), match.group(2) or "s"
            return number * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[unit]
    raise ValueError(f'expected a duration such as "120s" or "5m", got {value!r}')


# --------------------------------------------------------------------------- loading


def default_config_path() -> str | None:
    """``$OVERSEER_CONFIG``, else ``./config.toml`` if present, else None (an empty config)."""
    env = os.environ.get("OVERSEER_CONFIG")
    if env:
        return env
    return "config.toml" if os.path.exists("config.toml") else None


def load_config(path: str | None) -> Config:
    """Read and validate ``path``; raise :class:`ConfigError` listing every problem."""
    if path is None:
        return Config()
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise ConfigError(
            [ConfigProblem(path, 0, "(file)", f"cannot read: {exc.strerror}")]
        ) from None
    return parse_config(data.decode("utf-8", "replace"), path)


def parse_config(text: str, path: str = "config.toml") -> Config:
    """Validate TOML text; raise :class:`ConfigError` listing every problem with its line."""
    import tomllib

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        line = int(match.group(1)) if match else 1
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError(
            [ConfigProblem(path, line, "(syntax)", f"invalid TOML: {message}")]
        ) from None
    return _Validator(path, text).validate(raw)


class _Validator:
    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = _Lines(text)
        self.problems: list[ConfigProblem] = []

    def fail(self, key: str, message: str, value: str | None = None) -> None:
        line = self.lines.line_of(key, value)
        self.problems.append(ConfigProblem(self.path, line, key, message))

    def unknown_keys(self, prefix: str, table: Mapping[str, Any], allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                where = f"{prefix}.{key}" if prefix else key
                expected = ", ".join(sorted(allowed))
                self.fail(where, f"unknown key {key!r} (expected one of: {expected})")

    def table(self, key: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(key, f"must be a table, not {type(value).__name__}")
            return {}
        return value

    def string(self, key: str, value: Any) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "must be a non-empty string")
            return None
        return value

    def string_list(self, key: str, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, "must be a list of strings")
            return []
        return list(value)

    def validate(self, raw: dict[str, Any]) -> Config:
        self.unknown_keys("", raw, _TOP_KEYS)
        defaults = self.defaults(self.table("defaults", raw.get("defaults", {})))
        agents: dict[str, Agent] = {}
        for name, body in self.table("agents", raw.get("agents", {})).items():
            agent = self.agent(name, self.table(f"agents.{name}", body))
            if agent is not None:
                agents[name] = agent
        gateway = self.table("gateway", raw.get("gateway", {}))
        self.unknown_keys("gateway", gateway, _GATEWAY_KEYS)
        if "token" in gateway:
            pass  # reported as unknown above: tokens never live in the file
        langfuse = self.table("langfuse", raw.get("langfuse", {}))
        self.unknown_keys("langfuse", langfuse, _LANGFUSE_KEYS)
        server = self.server(self.table("server", raw.get("server", {})))
        audit = self.audit(self.table("audit", raw.get("audit", {})))
        notify = self.notify(self.table("notify", raw.get("notify", {})))
        if self.problems:
            self.problems.sort(key=lambda p: p.line)
            raise ConfigError(self.problems)
        config = Config(self.path, defaults, agents, gateway, langfuse, server)
        config.audit = audit
        config.notify = notify
        return config

    def notify(self, table: dict[str, Any]) -> Notify:
        """``[notify]``: an http(s) ``webhook`` and/or a ``command`` argv list, durations for
        ``before_timeout`` and ``timeout``, ``retries`` a small count, ``events`` a subset of
        :data:`NOTIFY_EVENTS`."""
        self.unknown_keys("notify", table, _NOTIFY_KEYS)
        out = Notify()
        if "webhook" in table:
            value = self.string("notify.webhook", table["webhook"])
            if value is not None:
                match = re.match(_WEBHOOK_URL, value)
                if match is None or match.group("scheme").lower() not in ("http", "https"):
                    self.fail(
                        "notify.webhook",
                        "must be an http:// or https:// URL with a host (no blanks)",
                    )
                elif match.group("port") and not 0 < int(match.group("port")) < 65536:
                    self.fail("notify.webhook", f"port {match.group('port')} is out of range")
                else:
                    out.webhook = value
        if "command" in table:
            value = table["command"]
            if isinstance(value, str):
                self.fail(
                    "notify.command",
                    'must be a list (argv), not a shell line: command = ["prog", "arg"]',
                )
            elif (
                not isinstance(value, list)
                or not value
                or not all(isinstance(v, str) for v in value)
                or not value[0].strip()
                or any("\x00" in v for v in value)
            ):
                self.fail("notify.command", "must be a non-empty list of strings (argv)")
            else:
                out.command = tuple(value)
        for key in ("before_timeout", "timeout"):
            if key in table:
                try:
                    seconds = parse_duration(table[key])
                except ValueError as exc:
                    self.fail(f"notify.{key}", str(exc))
                    continue
                if key == "timeout" and not 0 < seconds <= 300:
                    self.fail("notify.timeout", "must be more than 0 and at most 5m")
                    continue
                setattr(out, key, seconds)
        if "retries" in table:
            value = table["retries"]
            if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10:
                out.retries = value
            else:
                self.fail("notify.retries", "must be an integer from 0 to 10")
        if "events" in table:
            events = self.string_list("notify.events", table["events"])
            bad = [e for e in events if e not in NOTIFY_EVENTS]
            if bad:
                self.fail(
                    "notify.events",
                    f"unknown event {bad[0]!r} (expected {' or '.join(NOTIFY_EVENTS)})",
                    value=bad[0],
                )
            else:
                out.events = tuple(e for e in NOTIFY_EVENTS if e in events)
        if table and not ("webhook" in table or "command" in table):
            self.fail("notify", "give a webhook URL or a command (or remove [notify])")
        return out

    def server(self, table: dict[str, Any]) -> Server:
        """``[server]``: an absolute socket path, operators as names or uids, the store."""
        self.unknown_keys("server", table, _SERVER_KEYS)
        out = Server()
        if "socket" in table:
            value = self.string("server.socket", table["socket"])
            if value is not None and not value.startswith("/"):
                # relative to wherever the server or a hook happens to start: never that
                self.fail("server.socket", f"must be an absolute path, not {value!r}")
            elif value is not None:
                out.socket = value
        if "store" in table:
            value = self.string("server.store", table["store"])
            if value is not None and not (value.startswith("/") or "://" in value):
                self.fail("server.store", f"must be an absolute path or a URL, not {value!r}")
            elif value is not None:
                out.store = value
        if "operators" in table:
            items = table["operators"]
            operators: list[str | int] = []
            if not isinstance(items, list):
                self.fail("server.operators", "must be a list of user names or uids")
                items = []
            for item in items:
                if isinstance(item, bool) or not isinstance(item, str | int):
                    self.fail("server.operators", f"{item!r} is not a user name or a uid")
                elif isinstance(item, int) and not 0 <= item < 2**32 - 1:
                    self.fail("server.operators", f"{item} is not a valid uid")
                elif isinstance(item, str) and (not item.strip() or item != item.strip()):
                    self.fail("server.operators", f"{item!r} is not a user name")
                elif item not in operators:
                    operators.append(item)
            out.operators = tuple(operators)
        return out

    def audit(self, table: dict[str, Any]) -> Audit:
        """``[audit]``: ``anchor_every`` a positive number of chain rows, ``anchor_minutes`` a
        positive number of minutes (automatic anchoring cannot be switched off)."""
        self.unknown_keys("audit", table, _AUDIT_KEYS)
        out = Audit()
        if "anchor_every" in table:
            value = table["anchor_every"]
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                out.anchor_every = value
            else:
                self.fail("audit.anchor_every", "must be a positive integer (chain rows)")
        if "anchor_minutes" in table:
            value = table["anchor_minutes"]
            if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
                out.anchor_minutes = float(value)
            else:
                self.fail("audit.anchor_minutes", "must be a positive number of minutes")
        return out

    def defaults(self, table: dict[str, Any]) -> Defaults:
        out = Defaults()
        self.unknown_keys("defaults", table, _DEFAULTS_KEYS)
        for key in ("gate_timeout", "idle_after", "burst_seconds"):
            if key in table:
                try:
                    setattr(out, key, parse_duration(table[key]))
                except ValueError as exc:
                    self.fail(f"defaults.{key}", str(exc))
        if "bell" in table:
            if isinstance(table["bell"], bool):
                out.bell = table["bell"]
            else:
                self.fail("defaults.bell", "must be true or false")
        if "burst_calls" in table:
            value = table["burst_calls"]
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                out.burst_calls = value
            else:
                self.fail("defaults.burst_calls", "must be a positive integer")
        if "operator" in table:
            out.operator = self.string("defaults.operator", table["operator"])
        if "gated" in table:
            if isinstance(table["gated"], bool):
                out.gated = table["gated"]
            else:
                self.fail("defaults.gated", "must be true or false")
        return out

    def agent(self, name: str, table: dict[str, Any]) -> Agent | None:
        prefix = f"agents.{name}"
        self.unknown_keys(prefix, table, _AGENT_KEYS)
        ok = True
        owner = autonomy = default_task = None
        if "owner" not in table:
            self.fail(prefix, "owner is required (the accountable human or team)")
            ok = False
        else:
            owner = self.string(f"{prefix}.owner", table["owner"])
        if "autonomy" not in table:
            self.fail(prefix, "autonomy is required (deterministic or autonomous)")
            ok = False
        elif table["autonomy"] not in AUTONOMY_CLASSES:
            self.fail(
                f"{prefix}.autonomy",
                f"unknown autonomy class {table['autonomy']!r} "
                "(expected deterministic or autonomous)",
            )
            ok = False
        else:
            autonomy = table["autonomy"]
        tasks: dict[str, Task] = {}
        for task_name, body in self.table(f"{prefix}.tasks", table.get("tasks", {})).items():
            task = self.task(
                f"{prefix}.tasks.{task_name}",
                task_name,
                self.table(f"{prefix}.tasks.{task_name}", body),
            )
            if task is not None:
                tasks[task_name] = task
        if not table.get("tasks"):
            self.fail(prefix, "at least one task is required ([agents.NAME.tasks.TASK])")
            ok = False
        if "default_task" not in table:
            self.fail(prefix, "default_task is required")
            ok = False
        else:
            default_task = self.string(f"{prefix}.default_task", table["default_task"])
            if default_task and default_task not in table.get("tasks", {}):
                self.fail(
                    f"{prefix}.default_task",
                    f"task {default_task!r} is referenced but not defined "
                    f"(add [agents.{name}.tasks.{default_task}])",
                )
                ok = False
        match = self.table(f"{prefix}.match", table.get("match", {}))
        self.unknown_keys(f"{prefix}.match", match, _MATCH_KEYS)
        match_cwd = self.string_list(f"{prefix}.match.cwd", match.get("cwd", []))
        match_source = self.string_list(f"{prefix}.match.source", match.get("source", []))
        match_users = match.get("users", [])
        if not isinstance(match_users, list) or not all(_is_user(u) for u in match_users):
            self.fail(f"{prefix}.match.users", "must be a list of user names or uids")
            match_users = []
        description = table.get("description", "")
        gated = table.get("gated")
        if gated is not None and not isinstance(gated, bool):
            self.fail(f"{prefix}.gated", "must be true or false")
            gated = None
        if not ok or owner is None or autonomy is None or default_task is None:
            return None
        agent = Agent(
            name, owner, autonomy, default_task, tasks,
            tuple(match_cwd), tuple(match_source), str(description),
        )  # fmt: skip
        agent.gated = gated
        agent.match_users = tuple(match_users)
        return agent

    def task(self, prefix: str, name: str, table: dict[str, Any]) -> Task | None:
        self.unknown_keys(prefix, table, _TASK_KEYS)
        lists: dict[str, list[Rule]] = {}
        ok = True
        for list_name in ("allow", "ask", "deny"):
            rules: list[Rule] = []
            for text in self.string_list(f"{prefix}.{list_name}", table.get(list_name, [])):
                try:
                    rules.append(Rule(text))
                except RuleSyntaxError as exc:
                    self.fail(f"{prefix}.{list_name}", f"bad rule {text!r}: {exc}", value=text)
                    ok = False
            lists[list_name] = rules
        default = table.get("default", "ask")
        if default not in GATE_ACTIONS:
            self.fail(f"{prefix}.default", f"must be allow, ask or deny, not {default!r}")
            ok = False
        if not ok:
            return None
        scope = Scope(lists["allow"], lists["ask"], lists["deny"], default)
        return Task(name, scope, str(table.get("description", "")))


class _Lines:
    """Maps dotted TOML keys (and string values under them) to 1-based line numbers.

    Only for error messages: it understands table headers, ``key = value`` lines (dotted and
    quoted keys), inline tables and multi-line arrays, which is what config files use. When
    unsure it answers with the nearest enclosing table's line rather than a wrong one.
    """

    _HEADER = re.compile(r"^\s*\[\[?\s*(.+?)\s*\]\]?\s*(?:#.*)?$")
    _KEY = re.compile(
        r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*="
    )
    _INLINE_KEY = re.compile(r"([A-Za-z0-9_-]+)\s*=")

    def __init__(self, text: str) -> None:
        self.text_lines = text.splitlines()
        self.keys: dict[str, int] = {}
        table: list[str] = []
        depth = 0
        for number, line in enumerate(self.text_lines, start=1):
            if depth > 0:
                depth += _bracket_balance(line)
                continue
            header = self._HEADER.match(line)
            if header and not self._KEY.match(line):
                table = _split_key(header.group(1))
                self.keys.setdefault(".".join(table), number)
                continue
            key = self._KEY.match(line)
            if key:
                path = table + _split_key(key.group(1))
                self.keys.setdefault(".".join(path), number)
                rest = line[key.end() :]
                if rest.lstrip().startswith("{"):
                    for inner in self._INLINE_KEY.finditer(rest):
                        self.keys.setdefault(".".join([*path, inner.group(1)]), number)
                depth = max(0, _bracket_balance(rest))

    def line_of(self, key: str, value: str | None = None) -> int:
        parts = key.split(".")
        while parts:
            line = self.keys.get(".".join(parts))
            if line is not None:
                if value is not None:
                    for offset, text in enumerate(self.text_lines[line - 1 :]):
                        if f'"{value}"' in text or f"'{value}'" in text:
                            return line + offset
                return line
            parts.pop()
        return 1


def _split_key(dotted: str) -> list[str]:
    return [p.strip().strip("\"'") for p in re.findall(r"\"[^\"]*\"|'[^']*'|[^.]+", dotted)]


def _bracket_balance(text: str) -> int:
    """Net count of '[' minus ']' outside strings and comments."""
    balance, quote = 0, ""
    for ch in text:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        elif ch == "[":
            balance += 1
        elif ch == "]":
            balance -= 1
    return balance
