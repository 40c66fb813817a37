"""The command lines the agents' runtimes start by themselves, read from their settings.

Claude Code and Codex run programs outside any tool call: a settings hook's ``command``, the
status line, ``apiKeyHelper`` (in ``/bin/sh``), ``awsAuthRefresh``, ``awsCredentialExport``,
``otelHeadersHelper``, the MCP servers of ``.mcp.json`` and ``~/.claude.json`` (``command``
and ``args``, an HTTP server's ``headersHelper``), and Codex's ``config.toml``: ``notify``,
``[mcp_servers.*]``, inline ``[hooks]``. :func:`settings_programs` lists them as command
lines, each with the directory it runs in and the guarded directory its files are as much a
part of as a hook; :func:`overseer.control.protected.hook_scripts` reads each one through
``command_reach`` (a program and its arguments → the project files it runs).

Read once per call (the guard's ``guarded_links``, the first time a path is resolved), each
file once, a file without any key that names a program is never parsed (a byte search), and
``tomllib`` is imported only for a ``config.toml`` that has one. A file that exists but cannot
be read as its format is :data:`UNREAD`: its reach is not modelled, so the project it would
run in is guarded whole (the gate fails closed: a write there is asked).
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Iterator
from typing import Any

#: Keys of Claude Code's settings whose string it runs through ``/bin/sh`` itself.
SHELL_KEYS = frozenset({
    "command", "apiKeyHelper", "awsAuthRefresh", "awsCredentialExport", "otelHeadersHelper",
    "headersHelper",
})  # fmt: skip
#: Keys holding MCP servers (name → server): Claude Code's and Codex's spelling.
SERVER_KEYS = frozenset({"mcpServers", "mcp_servers"})
#: A "command line" that is a directory tree the runtime loads programs from (a plugin
#: marketplace in a local directory: its plugins' hooks and MCP servers): the text after
#: this prefix is the path, and the tree is guarded whole.
TREE = "\x00tree:"
#: A command line whose reach is never modelled (an expansion): a settings file that could
#: not be parsed. ``command_reach`` answers it with the whole project.
UNREAD = "${settings file not parsed}"
#: Bytes one of which a file that names a program holds (``\\u`` : a JSON key spelled with
#: escapes). Without any, the file is not parsed.
_TRIGGERS = (
    b"command", b"Helper", b"awsAuth", b"awsCredential", b"notify", b'"source"', b'"env"',
    b"\\u",
)  # fmt: skip
_LIMIT = 1 << 20
#: ``~/.claude.json`` holds every project's history and grows past a megabyte: it is parsed
#: only when a server has a program (``"command"`` as a key: in a string of the history its
#: quotes are escaped) or a ``headersHelper``. Claude Code writes it; the guard asks for any
#: other writer, so a key spelled with escapes is not looked for there.
_BIG_LIMIT = 16 << 20
_SERVER_TRIGGERS = (b'"command"', b'"headersHelper"')
#: An MCP server's environment variables that choose the code its program loads.
_CODE_ENV = re.compile(
    r"^(?:PATH|LD_\w+|DYLD_\w+|NODE_\w+|PYTHON\w*|BASH_ENV|ENV|ZDOTDIR|PERL\w*|RUBY\w*|"
    r"GEM_\w+|BUNDLE_\w+|npm_config_\w+|NPM_CONFIG_\w+|UV_\w+|VIRTUAL_ENV|CONDA_\w+|"
    r"JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|CLASSPATH|GIT_\w+|DENO_\w+|BUN_\w+|"
    r"LUA_\w+|TCLLIBPATH|R_\w+|SHELLOPTS|BASHOPTS|PS4|PROMPT_COMMAND|IFS)$"
)

Program = tuple[str, str, str | None]  # (guarded directory, command line, working dir)


def settings_programs(
    home: str | None, places: tuple[str, ...], hook_settings: tuple[str, ...]
) -> list[Program]:
    """Every command line the runtimes' settings in view start on their own: ``(guarded
    directory, command line, working directory)``; the working directory None: the session's
    project. ``hook_settings``: the JSON settings names under the home and each place
    (``.claude/settings.json``…), their programs guarded under the ``hooks`` directory
    beside them."""
    project = places[-1] if places else None
    found: list[Program] = []
    jsons: list[tuple[str, str]] = []
    for base in ([home] if home else []) + list(places):
        jsons += [(os.path.join(base, n), "") for n in hook_settings]
    config_dir = os.environ.get("CLAUDE_CONFIG_DIR") or ""  # Claude Code's ~/.claude, moved
    if config_dir:
        jsons += [
            (os.path.join(config_dir, n), "") for n in ("settings.json", "settings.local.json")
        ]
    jsons.append(("/etc/claude-code/managed-settings.json", ""))
    jsons.append(("/etc/claude-code/managed-mcp.json", "/etc/claude-code/hooks"))
    for place in places:
        jsons.append((os.path.join(place, ".mcp.json"), os.path.join(place, ".claude", "hooks")))
    for where in ([os.path.join(home, ".claude")] if home else []) + (
        [config_dir] if config_dir else []
    ):  # the marketplaces registered with /plugin marketplace add
        name = os.path.join(where, "plugins", "known_marketplaces.json")
        jsons.append((name, os.path.join(where, "hooks")))
    assignments: list[str] = []  # the settings' env that chooses the code programs load
    for name, guarded in dict.fromkeys(jsons):
        guarded = guarded or os.path.join(os.path.dirname(name), "hooks")
        data = _load(name, _LIMIT, "json")
        if data is _MISSING:
            continue
        if data is _BROKEN:
            found.append((guarded, UNREAD, None))
            continue
        found += [(guarded, c, b) for c, b in _programs(data, project, 0)]
        if isinstance(data, dict) and isinstance(data.get("env"), dict):
            for key, value in list(data["env"].items())[:256]:
                if key == "PATH" and isinstance(value, str):
                    found += [(guarded, TREE + e, None) for e in _own_entries(value, home, places)]
                elif isinstance(key, str) and _CODE_ENV.match(key) and isinstance(value, str):
                    assignments.append(f"{key}={value}")
    # ~/.claude.json beside ~/.claude; with $CLAUDE_CONFIG_DIR, its .claude.json inside it
    claude_jsons = [(home, os.path.join(home, ".claude"))] if home else []
    claude_jsons += [(config_dir, config_dir)] if config_dir else []
    for where, guarded_dir in dict.fromkeys(claude_jsons):
        name = os.path.join(where, ".claude.json")
        found += _claude_json(name, os.path.join(guarded_dir, "hooks"), places, project)
    if assignments:  # Claude Code starts its hooks, helpers and servers with the env
        prefix = " ".join(shlex.quote(a) for a in assignments) + " "
        found = [(g, c if c.startswith(TREE) else prefix + c, b) for g, c, b in found]
    tomls = [os.environ.get("CODEX_HOME") or "", os.path.join(home, ".codex") if home else ""]
    tomls = [t for t in tomls if t] + ["/etc/codex"]  # the user's (either home), the system's
    for place in places:  # a project's .codex, and each one above it (Codex looks upwards)
        up = place
        for _ in range(32):
            tomls.append(os.path.join(up, ".codex"))
            if os.path.dirname(up) == up:
                break
            up = os.path.dirname(up)
    for where in dict.fromkeys(tomls):
        data = _load(os.path.join(where, "config.toml"), _LIMIT, "toml")
        guarded = os.path.join(where, "hooks")
        if data is _MISSING:
            continue
        if data is _BROKEN:
            found.append((guarded, UNREAD, None))
            continue
        found += [(guarded, c, b) for c, b in _programs(data, project, 0)]
    return found


_MISSING: Any = object()  # no such file, or one that names no program
_BROKEN: Any = object()  # there, and not readable as its format


def _load(path: str, limit: int, kind: str, triggers: tuple[bytes, ...] = _TRIGGERS) -> Any:
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > limit:
                return _BROKEN  # too big to read on the hook's path: not modelled
            raw = handle.read(limit + 1)
    except FileNotFoundError:
        return _MISSING
    except IsADirectoryError:
        return _BROKEN
    except (OSError, ValueError):
        return _MISSING if not os.path.lexists(path) else _BROKEN
    if len(raw) > limit:
        return _BROKEN
    if not any(t in raw for t in triggers):
        return _MISSING
    try:
        if kind == "toml":
            import tomllib

            return tomllib.loads(raw.decode("utf-8"))
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _BROKEN


def _programs(value: Any, project: str | None, depth: int) -> Iterator[tuple[str, str | None]]:
    """``(command line, working directory)`` for each program a settings tree names: a
    :data:`SHELL_KEYS` string, a ``notify`` argument vector, an MCP server."""
    if depth > 16:
        return
    if isinstance(value, dict):
        for key, item in list(value.items())[:1000]:
            if key in SHELL_KEYS and isinstance(item, str):
                yield item, None
            elif key in SHELL_KEYS and _is_argv(item):
                yield shlex.join(item), None  # Codex: command = ["prog", "arg"]
            elif key == "notify" and _is_argv(item):
                yield shlex.join(item), None
            elif key == "source" and isinstance(item, dict) and _is_local(item):
                yield TREE + _local_root(item["path"], item["source"]), None
            elif key == "installLocation" and isinstance(item, str) and item:
                yield TREE + item, None  # a registered marketplace's copy (or its directory)
            elif key in SERVER_KEYS and isinstance(item, dict):
                for server in list(item.values())[:200]:
                    yield from server_programs(server, project)
            else:
                yield from _programs(item, project, depth + 1)
    elif isinstance(value, list):
        for item in value[:1000]:
            yield from _programs(item, project, depth + 1)


def _own_entries(path: str, home: str | None, places: tuple[str, ...]) -> list[str]:
    """The entries of a ``PATH`` a settings file sets that are relative (from where a
    program runs) or inside the home or a place: the programs found there are theirs."""
    found: list[str] = []
    for entry in path.split(os.pathsep)[:64]:
        mine = [*places, *([home] if home else [])]
        if not entry.startswith("/") or any(
            entry == p or entry.startswith(p.rstrip("/") + "/") for p in mine
        ):
            found.append(entry or ".")
    return found


def _is_local(source: dict[str, Any]) -> bool:
    """A plugin marketplace source that is a path here (``{"source": "directory", "path":
    "./plugins"}``, or a ``file`` source naming its ``marketplace.json``)."""
    kind, path = source.get("source"), source.get("path")
    return kind in ("directory", "file", "local") and isinstance(path, str) and bool(path)


def _local_root(path: str, kind: str) -> str:
    """The tree a local marketplace's plugins come from: the directory, or for a ``file``
    source the directory its ``marketplace.json`` is in (above ``.claude-plugin``)."""
    if kind != "file":
        return path
    where = os.path.dirname(path) or "."
    return os.path.dirname(where) or "." if os.path.basename(where) == ".claude-plugin" else where


def _is_argv(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def server_programs(server: Any, project: str | None) -> Iterator[tuple[str, str | None]]:
    """An MCP server's command lines: its program and ``args`` (started without a shell),
    each of its ``env`` values that names a path, and an HTTP server's ``headersHelper``.
    An ``env`` variable that chooses the code the program loads (``NODE_OPTIONS``,
    ``PYTHONPATH``…) is put before the command, where ``command_reach`` reads it as not
    modelled. ``cwd``: where it runs (from the project when relative)."""
    if not isinstance(server, dict):
        return
    base: str | None = None
    cwd = server.get("cwd")
    if isinstance(cwd, str) and cwd:
        base = os.path.normpath(os.path.join(project or "/nonexistent-project", cwd))
    helper = server.get("headersHelper")
    if isinstance(helper, str):
        yield helper, base
    command: Any = server.get("command")
    argv: list[str] = []
    if isinstance(command, str) and command:
        argv = [command]
    elif _is_argv(command):
        argv = list(command)
    args: Any = server.get("args")
    if argv and _is_argv(args):
        argv += args[:256]
    env = server.get("env")
    prefix: list[str] = []
    if isinstance(env, dict):
        for key, val in list(env.items())[:256]:
            if not isinstance(key, str) or not isinstance(val, str):
                continue
            if _CODE_ENV.match(key):
                prefix.append(f"{key}={val}")
            elif "/" in val:
                yield f": {shlex.quote(val)}", base  # a path it is handed: a word, not run
    if argv:
        yield shlex.join([*prefix, *argv]), base
        if isinstance(command, str) and not _is_argv(args) and len(command.split()) > 1:
            yield " ".join([*map(shlex.quote, prefix), command]), base  # "node x.js": a shell's
    elif prefix:
        yield UNREAD, base


def _claude_json(
    name: str, guarded: str, places: tuple[str, ...], project: str | None
) -> list[Program]:
    """``~/.claude.json``: the user's MCP servers (top-level ``mcpServers``, run in the
    session's project) and each project's (``projects.<dir>.mcpServers``, run in ``<dir>``):
    those of a place, of a directory above or below one, and any other naming a place."""
    data = _load(name, _BIG_LIMIT, "json", _SERVER_TRIGGERS)
    if data is _MISSING:
        return []
    if data is _BROKEN or not isinstance(data, dict):
        return [(guarded, UNREAD, None)]
    found: list[Program] = []
    servers = data.get("mcpServers")
    if isinstance(servers, dict):
        for server in list(servers.values())[:200]:
            found += [(guarded, c, b) for c, b in server_programs(server, project)]
    projects = data.get("projects")
    if not isinstance(projects, dict):
        return found
    for where, entry in list(projects.items())[:4096]:
        if not isinstance(entry, dict) or not isinstance(where, str):
            continue
        servers = entry.get("mcpServers")
        if not isinstance(servers, dict) or not servers:
            continue
        if not where.startswith("/"):
            continue
        where = os.path.normpath(where)
        near = any(_related(where, place) for place in places)
        for server in list(servers.values())[:200]:
            for command, base in server_programs(server, where):
                if near or any(place in command for place in places):
                    found.append((guarded, command, base or where))
    return found


def _related(a: str, b: str) -> bool:
    """Is one of the directories ``a``, ``b`` the other or below it."""
    a, b = a.rstrip("/") + "/", b.rstrip("/") + "/"
    return a.startswith(b) or b.startswith(a)
