"""Install the gate hook into Claude Code's ``settings.json`` and Codex's ``hooks.json``.

The merge never loses anything: every existing setting, permission and hook stays as it was,
the old file is copied aside before it is replaced (atomically, same mode), and a second run
changes nothing. The file is refused, untouched, when it is not the JSON shape we expect —
guessing at a broken settings file could silently drop someone's deny rules.

Why the hook entry's own ``timeout`` matters: both agents treat a hook that runs past its
timeout as a *non-blocking* failure and let the tool call through. The gate waits up to
``gate_timeout`` for an operator, so the entry's timeout is set well above it and the gate
always answers (deny, ``timed_out``) first. Sources: docs/hooks.md.

The installed command ends in ``|| exit 2``: if overseer cannot even start (interpreter
missing, broken install), the shell turns that failure into exit 2, which both agents treat
as "block the call", with the error text as the reason. The hook itself always exits 0.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGETS = ("claude-code", "codex")
#: Seconds the hook entry's timeout exceeds the gate timeout: start-up, store latency, and
#: the hook's own watchdog (see ``overseer.control.hook``) all fit well inside it.
HOOK_TIMEOUT_MARGIN = 30
MATCH_ALL = "*"
_OURS = re.compile(r"overseer\S*['\"]?\s+(?:-m\s+overseer\s+)?hook\s+(claude-code|codex)\b")


class InstallError(Exception):
    """The settings file cannot be merged safely; nothing was written."""


class InstallPlan:
    """What installing into one file would do: the file before and after, and why."""

    __slots__ = ("after", "before", "changes", "exists", "path", "target", "warnings")

    def __init__(
        self,
        target: str,
        path: Path,
        before: str,
        after: str,
        changes: list[str],
        warnings: list[str],
        exists: bool,
    ) -> None:
        self.target, self.path = target, path
        self.before, self.after = before, after
        self.changes, self.warnings = changes, warnings
        self.exists = exists

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        """A unified diff of the file, for the operator to read before trusting it."""
        lines = difflib.unified_diff(
            self.before.splitlines(keepends=True),
            self.after.splitlines(keepends=True),
            fromfile=f"{self.path} (before)" if self.exists else "/dev/null",
            tofile=f"{self.path} (after)",
        )
        return "".join(lines)


# --------------------------------------------------------------------------- where


def claude_settings_path(*, project: str | None = None, user: bool = False) -> Path:
    """``~/.claude/settings.json`` for ``user``, else ``PROJECT/.claude/settings.json``."""
    if user:
        return Path(os.path.expanduser("~")) / ".claude" / "settings.json"
    return Path(project or ".").resolve() / ".claude" / "settings.json"


def codex_hooks_path(*, project: str | None = None, user: bool = False) -> Path:
    """``$CODEX_HOME/hooks.json`` (default ``~/.codex``) for ``user``, else
    ``PROJECT/.codex/hooks.json``: Codex reads ``hooks.json`` next to each config layer."""
    if user:
        home = os.environ.get("CODEX_HOME") or os.path.join(os.path.expanduser("~"), ".codex")
        return Path(home) / "hooks.json"
    return Path(project or ".").resolve() / ".codex" / "hooks.json"


def settings_path(target: str, *, project: str | None = None, user: bool = False) -> Path:
    if target == "claude-code":
        return claude_settings_path(project=project, user=user)
    if target == "codex":
        return codex_hooks_path(project=project, user=user)
    raise ValueError(f"unknown target {target!r} (expected one of {TARGETS})")


# --------------------------------------------------------------------------- what


def overseer_executable() -> list[str]:
    """The argv prefix that runs overseer: the console script beside this interpreter (the
    lean path, no ``runpy``), else ``python -I -m overseer``. Absolute, because hooks run with
    the agent's PATH, not the operator's. ``-I``: a bare ``-m`` puts the hook's working
    directory — the agent's project — first on ``sys.path``, so a ``json.py`` the agent wrote
    there would run inside the gate; isolated mode adds no such path and ignores the
    ``PYTHON*`` variables of the environment the hook inherits."""
    script = Path(sys.executable).parent / "overseer"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    found = shutil.which("overseer")
    if found:
        return [os.path.abspath(found)]
    return [sys.executable, "-I", "-m", "overseer"]


def installation_paths(executable: list[str] | None = None) -> list[str]:
    """Files whose contents decide what the installed hook runs: the overseer executable,
    its interpreter (a console script's shebang) and overseer's own package directory."""
    argv = executable or overseer_executable()
    found = [argv[0]]
    try:
        with open(argv[0], "rb") as fh:
            first = fh.readline(4096)
        if first.startswith(b"#!"):
            interpreter = first[2:].strip().split(b" ", 1)[0].decode("utf-8", "replace")
            if interpreter:
                found.append(interpreter)
    except OSError:
        pass
    found.append(sys.executable)
    found.append(str(Path(__file__).resolve().parent.parent))  # the overseer package
    return found


def inside(path: str, directory: str) -> bool:
    """Does ``path`` (as given or where its symlinks lead) lie in ``directory``?"""
    base = os.path.realpath(directory)
    for candidate in {os.path.abspath(path), os.path.realpath(path)}:
        if candidate == base or candidate.startswith(base.rstrip(os.sep) + os.sep):
            return True
    return False


def in_agent_tree(
    project: str, *, config: str | None, db: str | None, executable: list[str] | None = None
) -> list[str]:
    """Why this install would let the agent change its own gate: the config, the store or
    the code the hook runs lies in the project directory, the tree the agent can write.
    An agent that can edit the config grants itself anything; one that can write the
    store approves itself; one that can rewrite the hook's code needs neither."""
    problems = []
    if config and inside(config, project):
        problems.append(f"the config {os.path.abspath(config)} is inside the project {project}")
    if db and "://" not in db:
        for path in (db, f"{db}-wal", f"{db}-shm"):
            if inside(path, project):
                problems.append(f"the store {os.path.abspath(db)} is inside the project {project}")
                break
    for path in installation_paths(executable):
        if inside(path, project):
            problems.append(
                f"overseer's installation ({os.path.abspath(path)}) is inside the project "
                f"{project} (a .venv there is the agent's to rewrite)"
            )
            break
    return problems


def hook_command(
    target: str,
    *,
    config: str | None = None,
    db: str | None = None,
    agent: str | None = None,
    task: str | None = None,
    executable: list[str] | None = None,
    entry_timeout: int | None = None,
    server: str | None = None,
) -> str:
    """The shell command the agent runs before each tool call. ``entry_timeout``: the hook
    entry's own timeout, so the hook always answers before it (see ``hook.capped_by_entry``).
    ``server``: hardened mode, the gate server's socket (docs/hardened.md)."""
    argv = [*(executable or overseer_executable()), "hook", target]
    if server:
        argv += ["--server", os.path.abspath(server)]
    if config:
        argv += ["--config", os.path.abspath(config)]
    if db:
        argv += ["--db", db if "://" in db else os.path.abspath(db)]
    if agent:
        argv += ["--agent", agent]
    if task:
        argv += ["--task", task]
    if entry_timeout is not None:
        argv += ["--entry-timeout", str(entry_timeout)]
    return " ".join(shlex.quote(a) for a in argv) + " || exit 2"


def hook_timeout(gate_timeout: float) -> int:
    """Seconds for the hook entry's own ``timeout``: strictly above the gate timeout."""
    return math.ceil(gate_timeout) + HOOK_TIMEOUT_MARGIN


def is_overseer_handler(handler: Any, target: str) -> bool:
    """Whether a hook handler is one we installed (any config/db arguments)."""
    if not isinstance(handler, dict) or handler.get("type") != "command":
        return False
    match = _OURS.search(str(handler.get("command", "")))
    return bool(match and match.group(1) == target)


# --------------------------------------------------------------------------- how


def plan_install(target: str, path: Path, command: str, timeout: int) -> InstallPlan:
    """Compute the merged file without writing anything.

    Raises :class:`InstallError` when the existing file is not valid JSON or not shaped like a
    settings file (``hooks`` an object, ``hooks.PreToolUse`` a list of matcher groups).
    """
    exists = path.exists()
    before = path.read_text(encoding="utf-8") if exists else ""
    if exists and before.strip():
        try:
            data = json.loads(before)
        except json.JSONDecodeError as exc:
            raise InstallError(
                f"{path}:{exc.lineno}: not valid JSON ({exc.msg}); not changed"
            ) from None
        if not isinstance(data, dict):
            raise InstallError(f"{path}: top level is not a JSON object; not changed")
    else:
        data = {}
    changes: list[str] = []
    warnings: list[str] = []
    hooks = data.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise InstallError(f'{path}: "hooks" is not an object; not changed')
    groups = hooks.setdefault("PreToolUse", [])
    if not isinstance(groups, list):
        raise InstallError(f'{path}: "hooks.PreToolUse" is not a list; not changed')

    wanted = {"type": "command", "command": command, "timeout": timeout}
    found = 0
    for group in groups:
        if not isinstance(group, dict) or not isinstance(group.get("hooks"), list):
            continue
        kept: list[Any] = []
        for handler in group["hooks"]:
            if not is_overseer_handler(handler, target):
                kept.append(handler)
                continue
            found += 1
            if found > 1:
                changes.append("removed a duplicate overseer PreToolUse hook")
                continue
            for key, value in wanted.items():
                if handler.get(key) != value:
                    old = handler.get(key)
                    handler[key] = value
                    changes.append(
                        f"set {key} of the overseer PreToolUse hook: {old!r} → {value!r}"
                    )
            kept.append(handler)
            matcher = group.get("matcher")
            if matcher not in (None, "", MATCH_ALL):
                warnings.append(
                    f"the overseer hook sits under matcher {matcher!r}: tools it does not match "
                    'are not gated (left as is; use "*" to gate every tool)'
                )
        group["hooks"] = kept
    if found == 0:
        groups.append({"matcher": MATCH_ALL, "hooks": [wanted]})
        changes.append(f"added a PreToolUse hook for every tool (timeout {timeout} s): {command}")
    # A duplicate's group may now be empty; drop only groups we emptied.
    hooks["PreToolUse"] = [g for g in groups if not (isinstance(g, dict) and g.get("hooks") == [])]

    if target == "claude-code" and data.get("disableAllHooks") is True:
        warnings.append('"disableAllHooks" is true in this file: Claude Code will not run the gate')
    after = _dump(data, before) if changes else before
    return InstallPlan(target, path, before, after, changes, warnings, exists)


def apply_plan(plan: InstallPlan) -> Path | None:
    """Write the merged file atomically (same mode as before); return the backup's path."""
    if not plan.changed:
        return None
    target = Path(os.path.realpath(plan.path))  # keep a symlinked settings file a symlink
    target.parent.mkdir(parents=True, exist_ok=True)
    backup: Path | None = None
    mode = 0o600
    if plan.exists:
        mode = target.stat().st_mode & 0o7777
        stamp = time.strftime("%Y%m%dT%H%M%S")
        backup = target.with_name(f"{target.name}.overseer-backup-{stamp}")
        n = 1
        while backup.exists():
            backup = target.with_name(f"{target.name}.overseer-backup-{stamp}-{n}")
            n += 1
        shutil.copy2(target, backup)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=str(target.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(plan.after)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return backup


def _dump(data: dict[str, Any], original: str) -> str:
    """Serialise with the original file's indentation, so a diff shows only our change."""
    indent: int | str = 2
    match = re.search(r"^([ \t]+)\"", original, re.MULTILINE)
    if match:
        ws = match.group(1)
        indent = ws if "\t" in ws else len(ws)
    return json.dumps(data, indent=indent, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- Codex trust


def codex_config_path() -> Path:
    """The user's Codex ``config.toml`` (``$CODEX_HOME``, else ``~/.codex``): where Codex
    keeps the trusted hash of each reviewed hook entry, whichever ``hooks.json`` it is in."""
    home = os.environ.get("CODEX_HOME") or os.path.join(os.path.expanduser("~"), ".codex")
    return Path(home) / "config.toml"


class CodexTrust:
    """What Codex needs to run our entry of ``hooks_path`` as it is in ``hooks_text``: the
    state key, the hash, and what the user's config says now."""

    __slots__ = ("config", "current", "digest", "enabled", "key", "project_trusted")

    def __init__(
        self,
        key: str,
        digest: str,
        config: Path,
        current: str | None,
        enabled: bool,
        project_trusted: bool | None,
    ) -> None:
        self.key, self.digest, self.config = key, digest, config
        self.current, self.enabled = current, enabled
        self.project_trusted = project_trusted  # None: a user install, no project layer

    @property
    def trusted(self) -> bool:
        return self.current == self.digest and self.enabled

    def snippet(self) -> str:
        return f"[hooks.state.{_toml_key(self.key)}]\ntrusted_hash = {_toml_key(self.digest)}\n"


def codex_trust(
    hooks_path: Path, hooks_text: str, *, project: str | None = None
) -> CodexTrust | None:
    """The trust Codex needs for our entry in ``hooks_text`` (``None``: no entry there).
    The hash is Codex's own (``overseer.control.hookstatus.codex_trust_hash``)."""
    from overseer.control.hookstatus import codex_trust_hash

    data = json.loads(hooks_text) if hooks_text.strip() else {}
    groups = (data.get("hooks") or {}).get("PreToolUse") if isinstance(data, dict) else None
    for g, group in enumerate(groups if isinstance(groups, list) else []):
        if not isinstance(group, dict) or not isinstance(group.get("hooks"), list):
            continue
        for h, handler in enumerate(group["hooks"]):
            if not is_overseer_handler(handler, "codex"):
                continue
            matcher = group.get("matcher")
            digest = codex_trust_hash(
                str(handler.get("command", "")),
                matcher=matcher if isinstance(matcher, str) else None,
                timeout=handler.get("timeout"),
                status=handler.get("statusMessage"),
            )
            key = f"{os.path.normpath(os.path.abspath(hooks_path))}:pre_tool_use:{g}:{h}"
            config = codex_config_path()
            parsed = _read_codex_config(config)
            state = ((parsed.get("hooks") or {}).get("state") or {}).get(key)
            state = state if isinstance(state, dict) else {}
            current = state.get("trusted_hash")
            project_trusted = None
            if project is not None:
                entry = (parsed.get("projects") or {}).get(str(Path(project).resolve()))
                project_trusted = isinstance(entry, dict) and entry.get("trust_level") == "trusted"
            return CodexTrust(
                key,
                digest,
                config,
                current if isinstance(current, str) else None,
                state.get("enabled") is not False,
                project_trusted,
            )
    return None


def plan_codex_trust(trust: CodexTrust) -> InstallPlan:
    """Set ``[hooks.state."KEY"] trusted_hash`` in Codex's config.toml, changing nothing else.

    Raises :class:`InstallError` (nothing written) when the file is not valid TOML or keeps
    the entry's state in a shape this edit cannot change safely (then the user adds the
    two lines :meth:`CodexTrust.snippet` prints, or trusts the hook with ``/hooks``)."""
    path = trust.config
    exists = path.exists()
    before = path.read_text(encoding="utf-8") if exists else ""
    _parse_toml(before, path)
    changes: list[str] = []
    if trust.current == trust.digest:
        return InstallPlan("codex", path, before, before, changes, [], exists)
    after = _set_trusted_hash(before, trust.key, trust.digest)
    try:
        parsed = _parse_toml(after, path)
    except InstallError:
        parsed = {}
    got = ((parsed.get("hooks") or {}).get("state") or {}).get(trust.key)
    if not isinstance(got, dict) or got.get("trusted_hash") != trust.digest:
        raise InstallError(
            f"{path}: cannot set the trusted hash of {trust.key} safely (its state is written in "
            f"a form this edit does not change); not changed. Add this yourself:\n{trust.snippet()}"
        )
    old = f" (was {trust.current})" if trust.current else ""
    changes.append(f"trusted the overseer hook {trust.key}: {trust.digest}{old}")
    return InstallPlan("codex", path, before, after, changes, [], exists)


def _read_codex_config(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _parse_toml(text: str, path: Path) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InstallError(f"{path}: not valid TOML ({exc}); not changed") from None


def _toml_key(value: str) -> str:
    """A TOML basic string: JSON's escapes (``\\"``, ``\\\\``, ``\\uXXXX``) are TOML's too."""
    return json.dumps(value, ensure_ascii=False)


def _header_path(line: str) -> list[str] | None:
    """The keys of a ``[table]`` header line (``None``: not a plain table header)."""
    import tomllib

    stripped = line.strip()
    if not stripped.startswith("[") or stripped.startswith("[["):
        return None
    try:
        parsed: Any = tomllib.loads(stripped)
    except tomllib.TOMLDecodeError:
        return None
    keys: list[str] = []
    while isinstance(parsed, dict) and len(parsed) == 1:
        ((key, parsed),) = parsed.items()
        keys.append(key)
    return keys if parsed == {} else None


def _set_trusted_hash(text: str, key: str, digest: str) -> str:
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if "\r\n" in text else "\n"
    value = f"trusted_hash = {_toml_key(digest)}{newline}"
    for i, line in enumerate(lines):
        if _header_path(line) != ["hooks", "state", key]:
            continue
        j = i + 1
        while j < len(lines) and not lines[j].lstrip().startswith("["):
            if re.match(r"\s*trusted_hash\s*=", lines[j]):
                lines[j] = value
                return "".join(lines)
            j += 1
        lines.insert(i + 1, value)
        return "".join(lines)
    if text and not text.endswith("\n"):
        text += newline
    sep = newline if text.strip() else ""
    return f"{text}{sep}[hooks.state.{_toml_key(key)}]{newline}{value}"
