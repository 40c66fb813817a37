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
        if low == "init.templatedir":
            self.unseen.append(f"git copies hooks from {value[:60]} (init.templateDir)")
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
        _global_option(runs, words, i)
        i += 2 if words[i][0] in _VALUED or words[i][0] in ("-c", "--config-env") else 1
    _subcommand(runs, words[i:])
    return runs


def _global_option(runs: GitRuns, words: Sequence[tuple[str, bool]], i: int) -> None:
    """Read the global option at ``words[i]`` (``-c K=V``, ``--config-env``,
    ``--exec-path=DIR``) into ``runs``."""
    word, static = words[i]
    if word == "-c" or word.startswith("--config-env"):
        if word in ("-c", "--config-env"):
            if i + 1 >= len(words):
                return
            item, static = words[i + 1]
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


#: Subcommand options whose value is a command git runs (through the shell, or as a
#: program on the other end: ``--upload-pack``): ``git rebase -x CMD``.
_COMMAND_OPTIONS: dict[str, frozenset[str]] = {
    "rebase": frozenset({"-x", "--exec"}),
    "difftool": frozenset({"-x", "--extcmd"}),
    "filter-branch": frozenset(
        {
            "--tree-filter",
            "--index-filter",
            "--msg-filter",
            "--env-filter",
            "--commit-filter",
            "--parent-filter",
            "--tag-name-filter",
        }
    ),
    "fetch": frozenset({"--upload-pack"}),
    "pull": frozenset({"--upload-pack"}),
    "clone": frozenset({"-u", "--upload-pack"}),
    "ls-remote": frozenset({"--upload-pack"}),
    "push": frozenset({"--receive-pack", "--exec"}),
    "archive": frozenset({"--exec"}),
    "send-email": frozenset({"--sendmail-cmd", "--smtp-server"}),
}
#: Subcommands whose remaining words are one command line git runs.
_COMMAND_TAILS = {"submodule": "foreach", "bisect": "run"}


def _subcommand(runs: GitRuns, words: Sequence[tuple[str, bool]]) -> None:
    """The commands a subcommand is told to run (``rebase -x``, ``submodule foreach``)."""
    if not words:
        return
    sub = words[0][0]
    rest = words[1:]
    tail = _COMMAND_TAILS.get(sub)
    if tail is not None:
        for k, (word, _) in enumerate(rest):
            if word == tail:
                cmd = rest[k + 1 :]
                while cmd and cmd[0][0].startswith("--"):  # foreach --recursive
                    cmd = cmd[1:]
                if any(not static for _, static in cmd):
                    runs.unseen.append(f"git {sub} {tail} runs a command known only at run time")
                elif cmd:
                    text = cmd[0][0] if sub == "submodule" and len(cmd) == 1 else None
                    runs.texts.append((f"{sub} {tail}", text or shlex.join(w for w, _ in cmd)))
                return
    if sub in ("init", "clone") and any(w.startswith("--template") for w, _ in rest):
        runs.unseen.append(f"git {sub} --template copies hooks from a directory it names")
    options = _COMMAND_OPTIONS.get(sub)
    if not options:
        return
    for k, (word, static) in enumerate(rest):
        name, eq, value = word.partition("=")
        if name in options and eq:
            text, known = value, static
        elif word in options and k + 1 < len(rest):
            text, known = rest[k + 1]
        elif any(word.startswith(o) and len(o) == 2 and len(word) > 2 for o in options):
            text, known = word[2:], static  # -xCMD
        else:
            continue
        if not known:
            runs.unseen.append(f"git {sub} {name} runs a command known only at run time")
        else:
            runs.texts.append((f"{sub} {name}", text))
