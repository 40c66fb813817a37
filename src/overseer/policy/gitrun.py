"""The commands a ``git`` command line makes git run through its config, for the guard.

``git -c alias.st='!overseer decide x approve' st`` runs ``overseer``: git hands an alias
that starts with ``!`` to the shell, and runs ``core.pager``, ``core.editor``,
``core.sshCommand``, ``diff.external``, filter drivers and credential helpers the same way.
The config reaches git four ways besides its files: ``-c KEY=VALUE``, ``--config-env
KEY=ENVVAR`` (the value is in the environment, unseen), ``GIT_CONFIG_PARAMETERS`` (what
``-c`` itself sets for git's children), and ``GIT_CONFIG_COUNT`` with ``GIT_CONFIG_KEY_n``
and ``GIT_CONFIG_VALUE_n``; some variables are commands themselves (``GIT_PAGER``,
``GIT_SSH_COMMAND``…), and some name more config or programs to run (``include.path``,
``core.hooksPath``, ``GIT_CONFIG_GLOBAL``, ``--exec-path``).

:func:`git_runs` lists, for one command line, the shell text each such value makes git
run (an alias without ``!`` is a git command line: ``git`` is put before it), and why what
it runs cannot be seen. Every value is listed, not only those of keys known to run
programs: git has many such keys, and a value that runs nothing (``user.name=A B``) is a
harmless command line to the caller. Pure and stdlib-only.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

#: Variables whose value git runs as a command.
_COMMAND_ENV = frozenset({
    "GIT_PAGER", "PAGER", "GIT_EDITOR", "EDITOR", "VISUAL", "GIT_SEQUENCE_EDITOR", "GIT_SSH",
    "GIT_SSH_COMMAND", "GIT_ASKPASS", "SSH_ASKPASS", "GIT_EXTERNAL_DIFF", "GIT_PROXY_COMMAND",
})  # fmt: skip
#: Variables that name files of config, templates (hooks) or programs git reads and runs.
_FILE_ENV = frozenset({
    "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG", "GIT_EXEC_PATH", "GIT_TEMPLATE_DIR",
})  # fmt: skip
#: git's global options that take the next word as their value.
_VALUED = frozenset({"-C", "--git-dir", "--work-tree", "--namespace", "--super-prefix",
                     "--list-cmds", "--attr-source"})  # fmt: skip
#: A file value that reads nothing: ``core.hooksPath=/dev/null`` turns hooks off.
_NOTHING = ("/dev/null", "")


class GitRuns:
    """What one git command line runs through its config: ``texts`` — ``(key, shell
    text)`` — and ``unseen``: why more may run (empty when nothing unseen does)."""

    __slots__ = ("texts", "unseen")

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []
        self.unseen: list[str] = []

    def value(self, key: str, value: str) -> None:
        low = key.lower()
        if low == "include.path" or (low.startswith("includeif.") and low.endswith(".path")):
            if value not in _NOTHING:
                self.unseen.append(f"git reads more config from {value[:60]} ({key[:40]})")
            return
        if low == "core.hookspath":
            if value not in _NOTHING:
                self.unseen.append(f"git runs hooks from {value[:60]} (core.hooksPath)")
            return
        if low.startswith("alias."):
            self.texts.append((key, value[1:] if value.startswith("!") else "git " + value))
            return
        self.texts.append((key, value))


def git_runs(words: Sequence[tuple[str, bool]], env: Sequence[tuple[str, str, bool]]) -> GitRuns:
    """``words``: the words after ``git`` as ``(value, static)``; ``env``: the command's
    ``NAME=value`` prefixes as ``(name, value, static)``."""
    runs = GitRuns()
    counted: dict[str, str] = {}
    for name, value, static in env:
        watched = name in _COMMAND_ENV or name == "GIT_CONFIG_PARAMETERS"
        if not static and (watched or name.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"))):
            runs.unseen.append(f"{name} is known only when bash runs it")
            continue
        if name in _COMMAND_ENV:
            runs.texts.append((name, value))
        elif name in _FILE_ENV and value not in _NOTHING:
            runs.unseen.append(f"{name} names files git reads config or programs from")
        elif name == "GIT_CONFIG_PARAMETERS":
            try:
                items = shlex.split(value)
            except ValueError:
                runs.unseen.append("GIT_CONFIG_PARAMETERS is not read as git reads it")
                continue
            for item in items:
                key, _, val = item.partition("=")
                runs.value(key, val)
        elif name.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_")):
            counted[name] = value
    for name, key in counted.items():
        if name.startswith("GIT_CONFIG_KEY_"):
            runs.value(key, counted.get("GIT_CONFIG_VALUE_" + name[len("GIT_CONFIG_KEY_") :], ""))
    i = 0
    while i < len(words) and words[i][0].startswith("-"):
        word, static = words[i]
        if word == "-c" or word.startswith("--config-env"):
            if word in ("-c", "--config-env"):
                i += 1
                if i >= len(words):
                    break
                item, static = words[i]
            else:
                item = word.partition("=")[2]
            if not static:
                runs.unseen.append(f"git {word} is given a value known only when bash runs it")
            elif word != "-c":
                runs.unseen.append(f"git --config-env takes {item[:60]} from the environment")
            else:
                key, _, val = item.partition("=")
                runs.value(key, val)
        elif word.startswith("--exec-path="):
            runs.unseen.append("git --exec-path runs its commands from another directory")
        elif word in _VALUED:
            i += 1
        i += 1
    return runs
