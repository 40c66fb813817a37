"""The command lines the agents' runtimes start by themselves, read from their settings.

Claude Code and Codex run programs outside any tool call: a settings hook's ``command``, the
status line, ``apiKeyHelper`` (in ``/bin/sh``), ``awsAuthRefresh``, ``awsCredentialExport``,
``otelHeadersHelper``. :func:`settings_programs` lists them as command
lines, each with the directory it runs in and the guarded directory its files are as much a
part of as a hook; :func:`overseer.control.protected.hook_scripts` reads each one through
``command_reach`` (a program and its arguments → the project files it runs).

Read once per call (the guard's ``guarded_links``, the first time a path is resolved), each
file once, a file without any key that names a program is never parsed (a byte search). A
file that exists but cannot
be read as its format is :data:`UNREAD`: its reach is not modelled, so the project it would
run in is guarded whole (the gate fails closed: a write there is asked).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

#: Keys of Claude Code's settings whose string it runs through ``/bin/sh`` itself.
SHELL_KEYS = frozenset({
    "command", "apiKeyHelper", "awsAuthRefresh", "awsCredentialExport", "otelHeadersHelper",
})  # fmt: skip
#: A command line whose reach is never modelled (an expansion): a settings file that could
#: not be parsed. ``command_reach`` answers it with the whole project.
UNREAD = "${settings file not parsed}"
#: Bytes one of which a file that names a program holds (``\\u`` : a JSON key spelled with
#: escapes). Without any, the file is not parsed.
_TRIGGERS = (b"command", b"Helper", b"awsAuth", b"awsCredential", b"\\u")
_LIMIT = 1 << 20
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
    jsons.append(("/etc/claude-code/managed-settings.json", ""))
    for name, guarded in dict.fromkeys(jsons):
        guarded = guarded or os.path.join(os.path.dirname(name), "hooks")
        data = _load(name, _LIMIT, "json")
        if data is _MISSING:
            continue
        if data is _BROKEN:
            found.append((guarded, UNREAD, None))
            continue
        found += [(guarded, c, b) for c, b in _programs(data, project, 0)]
    return found


_MISSING: Any = object()  # no such file, or one that names no program
_BROKEN: Any = object()  # there, and not readable as its format


def _load(path: str, limit: int, kind: str) -> Any:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(limit + 1)
    except FileNotFoundError:
        return _MISSING
    except IsADirectoryError:
        return _BROKEN
    except (OSError, ValueError):
        return _MISSING if not os.path.lexists(path) else _BROKEN
    if len(raw) > limit:
        return _BROKEN
    if not any(t in raw for t in _TRIGGERS):
        return _MISSING
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _BROKEN


def _programs(value: Any, project: str | None, depth: int) -> Iterator[tuple[str, str | None]]:
    """``(command line, working directory)`` for each program a settings tree names: a
    :data:`SHELL_KEYS` string."""
    if depth > 16:
        return
    if isinstance(value, dict):
        for key, item in list(value.items())[:1000]:
            if key in SHELL_KEYS and isinstance(item, str):
                yield item, None
            else:
                yield from _programs(item, project, depth + 1)
    elif isinstance(value, list):
        for item in value[:1000]:
            yield from _programs(item, project, depth + 1)
