"""The gate hook's view of the config, cached between runs.

The hook starts a fresh interpreter for every tool call, and importing ``tomllib`` plus
parsing and validating the file costs about 5 ms of a ~45 ms budget (DESIGN.md: the whole
hook process under 4× a bare ``python -c pass``; ``bench/hook.py`` measures it). So the
*validated* result — the gate timeout and every agent's match globs and rule texts, nothing
else — is kept in a small ``marshal`` file keyed by the config file's identity (absolute path,
size, mtime, ctime, inode, device) and overseer's version. Any change to the file changes the
key, and the next run validates it again (a file edited in the last two seconds is not cached
at all, so coarse timestamps cannot hide a quick second edit); rules are re-parsed from their
text on every load, so the cache never holds compiled matchers.

Trust: the cache lives in the operator's cache directory (``$XDG_CACHE_HOME/overseer/hook``,
mode 0600) and is used only for a config file the same user owns, so it is exactly as trusted
as the config itself — an agent running as that user could edit either. A config owned by
someone else (a root-managed policy) is always read and validated afresh. Scope both out of
the agent's reach (docs/hooks.md shows deny rules);
``OVERSEER_HOOK_CACHE=0`` turns the cache off.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import time

from overseer import __version__
from overseer.config import Agent, Config, Defaults, Task, load_config
from overseer.policy.scope import Scope

CACHE_FORMAT = 1
CACHE_ENV = "OVERSEER_HOOK_CACHE"
#: A file modified this recently is not cached: on a file system with coarse timestamps a
#: second edit within the same tick would keep size and mtime, and the cache would go stale
#: (git's "racy clean" problem). Once the file is older, any later edit changes its mtime.
RACY_SECONDS = 2.0


def load(path: str | None) -> Config:
    """The config at ``path`` (an empty one for ``None``); raises ``ConfigError`` like
    :func:`overseer.config.load_config`. The result carries only what the gate uses."""
    if path is None:
        return Config()
    if os.environ.get(CACHE_ENV, "").strip() == "0":
        return load_config(path)
    try:
        st = os.stat(path)
    except OSError:
        return load_config(path)  # reports the unreadable file with its reason
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        # A config the user cannot change (root-managed policy) must not be stood in for by
        # a cache file in the user's own directory, which an agent running as them can write.
        return load_config(path)
    key = (
        CACHE_FORMAT, __version__, os.path.abspath(path),
        st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev,
    )  # fmt: skip
    cache = cache_file(key[2])
    try:
        with open(cache, "rb") as fh:
            stored = marshal.loads(fh.read())
        if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == key:
            return thaw(path, stored[1])
    except Exception:
        pass  # missing, stale or damaged: validate the file again
    config = load_config(path)
    if time.time() - st.st_mtime >= RACY_SECONDS:
        with contextlib.suppress(OSError, ValueError):  # a read-only cache dir only costs speed
            _write(cache, marshal.dumps((key, freeze(config))))  # type: ignore[arg-type]
    return config


def cache_file(config_path: str) -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "overseer", "hook", f"config-{_fnv1a(config_path):016x}.marshal")


def freeze(config: Config) -> tuple[object, ...]:
    """The gate's part of a validated config as plain marshal-able tuples."""
    agents = tuple(
        (
            a.name, a.owner, a.autonomy, a.default_task, tuple(a.match_cwd), tuple(a.match_source),
            tuple(
                (
                    t.name,
                    tuple(r.text for r in t.scope.allow),
                    tuple(r.text for r in t.scope.ask),
                    tuple(r.text for r in t.scope.deny),
                    t.scope.default,
                )
                for t in a.tasks.values()
            ),
        )
        for a in config.agents.values()
    )  # fmt: skip
    return (float(config.defaults.gate_timeout), agents)


def thaw(path: str, frozen: tuple[object, ...]) -> Config:
    gate_timeout, agents = frozen
    defaults = Defaults()
    defaults.gate_timeout = float(gate_timeout)  # type: ignore[arg-type]
    built: dict[str, Agent] = {}
    for name, owner, autonomy, default_task, match_cwd, match_source, tasks in agents:  # type: ignore[attr-defined]
        built[name] = Agent(
            name, owner, autonomy, default_task,
            {
                t_name: Task(t_name, Scope.parse(allow, ask, deny, default))
                for t_name, allow, ask, deny, default in tasks
            },
            tuple(match_cwd), tuple(match_source),
        )  # fmt: skip
    return Config(path, defaults, built)


def _write(target: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
    tmp = f"{target}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(tmp, target)


def _fnv1a(text: str) -> int:
    """A stable 64-bit name for the cache file (``hash()`` is salted per process)."""
    value = 0xCBF29CE484222325
    for byte in text.encode("utf-8", "surrogateescape"):
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value
