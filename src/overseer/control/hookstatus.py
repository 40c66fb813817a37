"""``overseer hook status``: is the gate hook installed *and* will the agent run it?

An entry in a settings file is not enough. Claude Code skips every hook when
``disableAllHooks`` is true in any settings file that applies (a project's
``settings.local.json`` is enough, and it wins over the shared ``settings.json``), and runs
ours only for the tools its group's ``matcher`` matches. Codex runs a command hook from a
user or project ``hooks.json`` only when the exact entry is *trusted*: the user's
``config.toml`` keeps, per entry, the hash of what was reviewed
(``[hooks.state."<hooks.json path>:pre_tool_use:<group>:<handler>"] trusted_hash``) and a
changed entry no longer matches it, so Codex skips it until it is trusted again (``/hooks``);
a project's ``.codex/`` layer is not loaded at all unless the project is trusted. Every
check here reads files only (no agent is run) and says which file it read.

The Codex trust hash is computed as Codex computes it (``codex-rs/hooks/src/engine/
discovery.rs``, ``command_hook_hash``; ``codex-rs/config/src/fingerprint.rs``,
``version_for_toml``): the entry's normalised identity — ``event_name`` ``pre_tool_use``,
its group's ``matcher``, and the one handler ``{type: command, command, timeout (default 600,
at least 1), async, statusMessage}`` — serialised to JSON with keys sorted and no spaces,
SHA-256, written ``sha256:<hex>``. Fields that are absent (no matcher, no status message)
are left out, as TOML serialisation leaves out ``None``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from overseer.control.install import MATCH_ALL, is_overseer_handler

ACTIVE = "installed and active"
NOT_INSTALLED = "not installed"
DISABLED = "disabled"
UNTRUSTED = "installed but not trusted (Codex will skip it)"
MODIFIED = "changed since it was trusted (Codex will skip it)"
PARTIAL = "installed for some tools only"
BROKEN = "installed but cannot run"
PROJECT_UNTRUSTED = "project not trusted by Codex (its .codex/ is not loaded)"
UNREADABLE = "settings file unreadable"
#: Worst first: what one word the health bar shows for several files.
SEVERITY = (BROKEN, UNREADABLE, DISABLED, UNTRUSTED, MODIFIED, PROJECT_UNTRUSTED, PARTIAL,
            NOT_INSTALLED, ACTIVE)  # fmt: skip
#: Claude Code's managed settings on Linux (administrators); read when present.
CLAUDE_MANAGED = "/etc/claude-code/managed-settings.json"
CODEX_DEFAULT_TIMEOUT = 600


@dataclass(slots=True)
class FileStatus:
    """One settings file: what our entry there looks like, and why it would or would not run."""

    agent: str  # claude-code | codex
    scope: str  # user | project | local | managed
    path: str
    exists: bool = False
    entries: int = 0
    matcher: str | None = None
    command: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    disables_all: bool = False
    trust: str | None = None  # codex: trusted | untrusted | modified | disabled
    trust_key: str | None = None
    current_hash: str | None = None
    state: str = NOT_INSTALLED

    def as_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent, "scope": self.scope, "path": self.path, "exists": self.exists,
            "state": self.state, "entries": self.entries, "matcher": self.matcher,
            "command": self.command, "options": self.options, "problems": self.problems,
            "disables_all_hooks": self.disables_all, "trust": self.trust,
            "trust_key": self.trust_key, "hash": self.current_hash,
        }  # fmt: skip


@dataclass(slots=True)
class AgentStatus:
    """One agent (Claude Code or Codex) for one place (a project, or the user): the
    overall answer and the files it came from."""

    agent: str
    where: str  # the project directory, or "user"
    state: str
    files: list[FileStatus]
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "where": self.where,
            "state": self.state,
            "reasons": self.reasons,
            "files": [f.as_dict() for f in self.files],
        }


# ------------------------------------------------------------------------- Codex trust hash


def codex_trust_hash(command: str, *, matcher: str | None, timeout: Any, status: Any) -> str:
    """The ``trusted_hash`` Codex keeps for a PreToolUse command entry (module doc)."""
    handler: dict[str, Any] = {
        "type": "command",
        "command": command,
        "timeout": _codex_timeout(timeout),
        "async": False,
    }
    if isinstance(status, str):
        handler["statusMessage"] = status
    identity: dict[str, Any] = {"event_name": "pre_tool_use", "hooks": [handler]}
    if matcher is not None:
        identity["matcher"] = matcher
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _codex_timeout(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return max(value, 1)
    return CODEX_DEFAULT_TIMEOUT


def codex_home(home: Path | None = None) -> Path:
    """``$CODEX_HOME``, else ``~/.codex`` (``home`` given: that directory's ``.codex``)."""
    base = home if home is not None else Path(os.path.expanduser("~"))
    return Path(os.environ.get("CODEX_HOME") or base / ".codex")


# ------------------------------------------------------------------------- reading


def _read_json(path: Path, status: FileStatus) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        status.exists = True
        status.problems.append(f"cannot read: {exc.strerror}")
        status.state = UNREADABLE
        return None
    status.exists = True
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        status.problems.append(f"not valid JSON ({exc}); the agent ignores or rejects it")
        status.state = UNREADABLE
        return None
    if not isinstance(data, dict):
        status.problems.append("top level is not a JSON object")
        status.state = UNREADABLE
        return None
    return data


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _entries(data: Mapping[str, Any], target: str) -> list[tuple[int, int, Any, dict[str, Any]]]:
    """``(group index, handler index, matcher, handler)`` of our PreToolUse handlers."""
    hooks = data.get("hooks")
    groups = hooks.get("PreToolUse") if isinstance(hooks, dict) else None
    found = []
    for g, group in enumerate(groups if isinstance(groups, list) else []):
        if not isinstance(group, dict) or not isinstance(group.get("hooks"), list):
            continue
        for h, handler in enumerate(group["hooks"]):
            if is_overseer_handler(handler, target):
                found.append((g, h, group.get("matcher"), handler))
    return found


def matches_every_tool(matcher: Any) -> bool:
    """Claude Code and Codex both run a group with no matcher, ``""`` or ``*`` for every tool."""
    return matcher is None or (isinstance(matcher, str) and matcher.strip() in ("", MATCH_ALL))


def command_problems(command: str) -> tuple[list[str], dict[str, str]]:
    """Why the installed command could not run (its executable gone, its baked config gone),
    and the options baked into it."""
    problems: list[str] = []
    options: dict[str, str] = {}
    text = command.strip()
    if text.endswith("|| exit 2"):
        text = text[: -len("|| exit 2")].strip()
    try:
        argv = shlex.split(text)
    except ValueError as exc:
        return [f"the command does not parse as a shell command ({exc})"], options
    if not argv:
        return ["the command is empty"], options
    exe = argv[0]
    if not os.path.isabs(exe):
        problems.append(f"{exe!r} is not an absolute path (the agent's PATH decides what runs)")
    elif not os.path.isfile(exe):
        problems.append(f"the executable {exe} does not exist")
    elif not os.access(exe, os.X_OK):
        problems.append(f"the executable {exe} is not executable")
    for i, arg in enumerate(argv):
        name, sep, value = arg.partition("=")
        if name in ("--config", "--db", "--agent", "--task", "--entry-timeout"):
            if not sep:
                value = argv[i + 1] if i + 1 < len(argv) else ""
            options[name[2:]] = value
    config = options.get("config")
    if config and not os.path.isfile(config):
        problems.append(f"the baked config {config} does not exist (every call would be denied)")
    return problems, options


def _inspect(
    agent: str, scope: str, path: Path, target: str
) -> tuple[FileStatus, dict[str, Any] | None]:
    status = FileStatus(agent=agent, scope=scope, path=str(path))
    data = _read_json(path, status)
    if data is None:
        return status, None
    found = _entries(data, target)
    status.entries = len(found)
    if found:
        _g, _h, matcher, handler = found[0]
        status.matcher = matcher if isinstance(matcher, str) else None
        status.command = str(handler.get("command", ""))
        problems, status.options = command_problems(status.command)
        status.problems.extend(problems)
        if problems:
            status.state = BROKEN
        elif not any(matches_every_tool(m) for _g, _h, m, _x in found):
            status.state = PARTIAL
            status.problems.append(
                f"the entry's matcher {status.matcher!r} leaves other tools ungated"
            )
        else:
            status.state = ACTIVE
    return status, data


# ------------------------------------------------------------------------- Claude Code


def claude_status(project: str | None, *, user: bool, home: Path | None = None) -> AgentStatus:
    """Claude Code for a project (its two settings files plus the user's and managed ones,
    all of which apply to a session there) or for the user alone."""
    home = home if home is not None else Path(os.path.expanduser("~"))
    places: list[tuple[str, Path]] = []
    if os.path.isfile(CLAUDE_MANAGED):
        places.append(("managed", Path(CLAUDE_MANAGED)))
    places.append(("user", home / ".claude" / "settings.json"))
    where = "user"
    if not user:
        root = Path(project or ".").resolve()
        where = str(root)
        places += [
            ("project", root / ".claude" / "settings.json"),
            ("local", root / ".claude" / "settings.local.json"),
        ]
    files: list[FileStatus] = []
    disabled_by: list[str] = []
    managed_only = False
    for scope, path in places:
        status, data = _inspect("claude-code", scope, path, "claude-code")
        if data is not None:
            if data.get("disableAllHooks") is True:
                status.disables_all = True
                disabled_by.append(f'"disableAllHooks" is true in {path}')
            if scope == "managed" and data.get("allowManagedHooksOnly") is True:
                managed_only = True
        files.append(status)
    reasons = list(disabled_by)
    usable = [f for f in files if f.state == ACTIVE and (f.scope == "managed" or not managed_only)]
    if managed_only:
        reasons.append(f'"allowManagedHooksOnly" is true in {CLAUDE_MANAGED}')
    if disabled_by:
        state = DISABLED
    elif usable:
        state = ACTIVE
    else:
        state = _worst(f.state for f in files)
        reasons += [f"{f.path}: {p}" for f in files for p in f.problems]
    return AgentStatus("claude-code", where, state, files, reasons)


# ------------------------------------------------------------------------- Codex


def codex_status(project: str | None, *, user: bool, home: Path | None = None) -> AgentStatus:
    """Codex for a project (its ``.codex/hooks.json``) or the user (``$CODEX_HOME``): the
    entry, and whether Codex trusts exactly this entry (the user's ``config.toml``)."""
    home = codex_home(home)
    user_config = _read_toml(home / "config.toml")
    hooks_table = user_config.get("hooks")
    states = hooks_table.get("state") if isinstance(hooks_table, dict) else None
    states = states if isinstance(states, dict) else {}
    features = user_config.get("features")
    if user:
        where, path, scope = "user", home / "hooks.json", "user"
    else:
        root = Path(project or ".").resolve()
        where, path, scope = str(root), root / ".codex" / "hooks.json", "project"
    status, data = _inspect("codex", scope, path, "codex")
    reasons: list[str] = []
    if data is not None and status.entries:
        g, h, matcher, handler = _entries(data, "codex")[0]
        status.current_hash = codex_trust_hash(
            str(handler.get("command", "")),
            matcher=matcher if isinstance(matcher, str) else None,
            timeout=handler.get("timeout"),
            status=handler.get("statusMessage"),
        )
        keys = [f"{p}:pre_tool_use:{g}:{h}" for p in _key_paths(path)]
        status.trust_key = keys[0]
        state: dict[str, Any] = next(
            (states[k] for k in keys if isinstance(states.get(k), dict)), {}
        )
        trusted = state.get("trusted_hash")
        if state.get("enabled") is False:
            status.trust = "disabled"
            status.state = DISABLED
            reasons.append(f"the entry is disabled in {home / 'config.toml'} ({status.trust_key})")
        elif trusted == status.current_hash:
            status.trust = "trusted"
        elif isinstance(trusted, str):
            status.trust = "modified"
            status.state = MODIFIED if status.state == ACTIVE else status.state
            reasons.append(
                f"{home / 'config.toml'} trusts a different version of this entry "
                f"({trusted}, the file's is {status.current_hash}): review it with /hooks, "
                "or re-run `overseer hook install --trust`"
            )
        else:
            status.trust = "untrusted"
            status.state = UNTRUSTED if status.state == ACTIVE else status.state
            reasons.append(
                f"no trusted_hash for {status.trust_key} in {home / 'config.toml'}: "
                "review and trust it with /hooks in Codex, or run `overseer hook install --trust`"
            )
        if not user and status.state in (ACTIVE, PARTIAL, UNTRUSTED, MODIFIED):
            projects = user_config.get("projects")
            entry = projects.get(str(Path(where))) if isinstance(projects, dict) else None
            level = entry.get("trust_level") if isinstance(entry, dict) else None
            if level != "trusted":
                status.state = PROJECT_UNTRUSTED
                reasons.append(
                    f"{where} is not a trusted project in {home / 'config.toml'} "
                    "(Codex loads an untrusted project's .codex/ as a disabled layer)"
                )
    if isinstance(features, dict) and features.get("hooks") is False:
        status.state = DISABLED if status.entries else status.state
        reasons.append(f"[features] hooks = false in {home / 'config.toml'}")
    reasons += [f"{status.path}: {p}" for p in status.problems]
    return AgentStatus("codex", where, status.state, [status], reasons)


def _key_paths(path: Path) -> list[str]:
    """The hooks.json path as Codex writes it in the state key (absolute, normalised; its
    real path too, in case the directory is reached through a symlink)."""
    out = [os.path.normpath(os.path.abspath(path))]
    real = os.path.realpath(path)
    if real not in out:
        out.append(real)
    return out


# ------------------------------------------------------------------------- together


def hook_status(
    project: str | None = None, *, user: bool = False, home: Path | None = None
) -> list[AgentStatus]:
    """Claude Code and Codex, for ``project`` (default: the current directory) or the user
    (``home``: another home directory than ``~``, for tests and other users' checks)."""
    return [
        claude_status(project, user=user, home=home),
        codex_status(project, user=user, home=home),
    ]


def _worst(states: Any) -> str:
    seen = set(states)
    for state in SEVERITY:
        if state in seen:
            return state
    return NOT_INSTALLED


def summary(statuses: list[AgentStatus]) -> str:
    """One compact line for the health bar: ``claude ok · codex untrusted``."""
    short = {
        ACTIVE: "ok", NOT_INSTALLED: "none", DISABLED: "disabled", UNTRUSTED: "untrusted",
        MODIFIED: "changed", PARTIAL: "partial", BROKEN: "broken", UNREADABLE: "unreadable",
        PROJECT_UNTRUSTED: "untrusted project",
    }  # fmt: skip
    names = {"claude-code": "claude", "codex": "codex"}
    if len({s.state for s in statuses}) == 1:  # "ok", "none": the header's room is scarce
        return short.get(statuses[0].state, statuses[0].state)
    return " · ".join(
        f"{names.get(s.agent, s.agent)} {short.get(s.state, s.state)}" for s in statuses
    )


def summary_level(statuses: list[AgentStatus]) -> str:
    """``ok`` when some agent's hook is active and none is broken/disabled/skipped;
    ``none`` when nothing is installed; ``warn`` otherwise."""
    states = {s.state for s in statuses}
    if states <= {NOT_INSTALLED}:
        return "none"
    if states <= {ACTIVE, NOT_INSTALLED}:
        return "ok"
    return "warn"
