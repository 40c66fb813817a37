"""What shell commands and tool calls *do*: which paths they delete, write and read, which
hosts they reach, what they download, and the "intents" a denial is remembered by.

Pure classification, no judgement: whether a path is outside the working directory, or a
host outside the scope, is decided by the detectors in :mod:`.safety` and :mod:`.security`.
Paths returned here are raw words; resolve them with :meth:`SessionHistory.resolve` against
``cmd.base``.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from typing import TYPE_CHECKING

from overseer.policy.detectors._core import CallView, Cmd, show
from overseer.policy.shell import patch_paths as paths_in_patch

if TYPE_CHECKING:
    from overseer.policy.detectors.history import SessionHistory

#: File tools, by what they do to their path.
READ_TOOLS = frozenset({"Read", "NotebookRead", "Grep"})
WRITE_TOOLS = frozenset({"Write", "Edit", "MultiEdit", "NotebookEdit"})

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_HOSTLIKE = re.compile(r"^(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?::\d+)?(?:/\S*)?$")
_SCP_LIKE = re.compile(r"^(?:[^@/\s:]+@)?(?P<host>[A-Za-z0-9][A-Za-z0-9.-]*):(?!//)")
_FILE_SUFFIX = re.compile(
    r"\.(?:json|ya?ml|txt|md|html?|xml|csv|tar|gz|tgz|zip|sh|py|js|ts|log|out|bin|deb|rpm)$", re.I
)

# -- option tables --------------------------------------------------------------------------------

CURL_VALUE_OPTS = frozenset({
    "-o", "--output", "-d", "--data", "--data-raw", "--data-binary", "--data-urlencode",
    "--data-ascii", "--json", "-H", "--header", "-u", "--user", "-X", "--request", "-A",
    "--user-agent", "-e", "--referer", "-F", "--form", "-T", "--upload-file", "-w",
    "--write-out", "-m", "--max-time", "--connect-timeout", "--retry", "-b", "--cookie", "-c",
    "--cookie-jar", "--cacert", "--cert", "-E", "--key", "-x", "--proxy", "--resolve", "-r",
    "--range", "-K", "--config", "-z", "-C", "--limit-rate", "-Y", "-y", "--output-dir",
    "--url", "--retry-delay", "--retry-max-time", "--max-filesize", "--interface",
})  # fmt: skip
WGET_VALUE_OPTS = frozenset({
    "-O", "--output-document", "-o", "--output-file", "-a", "-P", "--directory-prefix",
    "-U", "--user-agent", "--header", "-t", "--tries", "-T", "--timeout", "-w", "--wait",
    "--user", "--password", "-e", "--execute", "-i", "--input-file", "--post-data",
    "--post-file", "-Q", "--quota", "-l", "--level",
})  # fmt: skip
NC_VALUE_OPTS = frozenset(
    {"-p", "-s", "-w", "-i", "-q", "-x", "-X", "-e", "-c", "-I", "-O", "-T", "-V"}
)
SSH_VALUE_OPTS = frozenset({
    "-p", "-i", "-l", "-o", "-F", "-J", "-L", "-R", "-D", "-b", "-c", "-E", "-e", "-m", "-O",
    "-Q", "-S", "-W", "-w", "-B", "-P",
})  # fmt: skip
KUBECTL_VALUE_OPTS = frozenset({
    "-n", "--namespace", "--context", "--kubeconfig", "--cluster", "--user", "-s", "--server",
    "--token", "-l", "--selector", "--as", "--as-group", "-f", "--filename", "-o", "--output",
})  # fmt: skip
GIT_GLOBAL_VALUE_OPTS = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace"})

WRITE_REDIRECTS = frozenset({">", ">>", ">|", "&>", "&>>", "<>", ">&"})
FETCHERS = frozenset({"curl", "wget", "aria2c", "fetch", "http", "https", "xh", "httpie", "curlie"})
NET_CLIENTS = frozenset({"nc", "ncat", "netcat", "telnet", "socat"})
REMOTE_SHELLS = frozenset({"ssh", "scp", "sftp", "rsync", "mosh"})

#: Programs whose first positional is a pattern or script, not a file.
_PATTERN_FIRST = frozenset({
    "grep", "egrep", "fgrep", "rg", "ag", "ack", "awk", "gawk", "mawk", "sed", "jq", "yq", "gojq",
})  # fmt: skip
_PATTERN_GIVEN = frozenset({"-e", "-f", "--regexp", "--file", "--expression", "--from-file"})
_GREP_VALUE_OPTS = frozenset({
    "-A", "-B", "-C", "-m", "--max-count", "-g", "--glob", "-t", "--type", "--include",
    "--exclude", "-d", "-D", "--color", "--colour", "-e", "-f", "--regexp", "--file",
    "--expression", "-F", "-v", "--arg", "--argjson",
})  # fmt: skip
#: Programs that read the files they are given.
READERS = frozenset({
    "cat", "tac", "less", "more", "most", "head", "tail", "bat", "batcat", "nl", "strings",
    "xxd", "hexdump", "od", "base64", "base32", "view", "vi", "vim", "nvim", "nano", "emacs",
    "cut", "sort", "uniq", "diff", "cmp", "paste", "column", "fold", "tr", "iconv", "dos2unix",
    "gpg", "source", ".", "zip", "tar", "gzip", "bzip2", "xz", "zstd", "7z", "cp", "scp",
    "rsync", "install", "ln", "mail", "sendmail",
    *_PATTERN_FIRST,
})  # fmt: skip
#: Programs whose last positional is a destination (the rest are read).
_COPIERS = frozenset({"cp", "scp", "rsync", "install", "ln", "mv"})


# -- small helpers --------------------------------------------------------------------------------


def host_of(url: str) -> str | None:
    """The host a URL (or bare ``host/path``) points at, lower-cased."""
    from urllib.parse import urlsplit

    text = url if _URL.match(url) else "http://" + url
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    return host.lower().rstrip(".") if host else None


def git_sub(cmd: Cmd) -> tuple[str, list[str]]:
    """``git -C dir push -f origin`` → ``("push", ["-f", "origin"])``."""
    argv = cmd.argv
    i = 1
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] in GIT_GLOBAL_VALUE_OPTS else 1
    if i >= len(argv):
        return "", []
    return argv[i], argv[i + 1 :]


def first_positional(args: list[str], takes_value: frozenset[str] = frozenset()) -> str:
    skip = False
    for word in args:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in takes_value
        else:
            return word
    return ""


def _option_values(cmd: Cmd, names: frozenset[str]) -> list[str]:
    """Values of options in ``names`` (``-o file``, ``--output=file``, ``-ofile``)."""
    out: list[str] = []
    argv = cmd.argv
    for i, word in enumerate(argv[1:], start=1):
        if word in names:
            if i + 1 < len(argv):
                out.append(argv[i + 1])
        elif word.startswith("--") and "=" in word:
            name, _, value = word.partition("=")
            if name in names:
                out.append(value)
        elif len(word) > 2 and word[0] == "-" and word[1] != "-" and word[:2] in names:
            out.append(word[2:])
    return out


# -- deletes --------------------------------------------------------------------------------------


def rm_recursive(cmd: Cmd) -> bool:
    return cmd.has_short("r") or cmd.has_short("R") or cmd.has_long("--recursive")


_FIND_EXPR_START = re.compile(r"^[-(!)]|^\\?[()!]$")


def find_roots(cmd: Cmd) -> list[str]:
    """The start paths of a ``find`` (``.`` when none is given)."""
    roots: list[str] = []
    for word in cmd.argv[1:]:
        if word in ("-H", "-L", "-P") and not roots:
            continue
        if _FIND_EXPR_START.match(word):
            break
        roots.append(word)
    return roots or ["."]


def find_deletes(cmd: Cmd) -> bool:
    """``find ... -delete`` or ``find ... -exec rm ...``."""
    argv = cmd.argv
    for i, word in enumerate(argv):
        if word == "-delete":
            return True
        if (
            word in ("-exec", "-execdir", "-ok", "-okdir")
            and i + 1 < len(argv)
            and posixpath.basename(argv[i + 1]) in ("rm", "unlink", "shred", "rmdir")
        ):
            return True
    return False


def deleted_paths(cmd: Cmd) -> list[str]:
    """Raw paths a command removes (empty for ``xargs rm``: the paths come from a pipe)."""
    prog = cmd.prog
    if "xargs" in cmd.via:
        return []
    if prog in ("rm", "unlink", "rmdir", "shred", "srm"):
        return cmd.positionals()
    if prog == "find" and find_deletes(cmd):
        return find_roots(cmd)
    if prog == "mv":
        return cmd.positionals()[:-1]
    return []


# -- writes ---------------------------------------------------------------------------------------


def written_paths(cmd: Cmd) -> list[str]:
    """Raw paths a command creates or modifies (deletes excluded: see :func:`deleted_paths`)."""
    out = [t for op, t in cmd.redirects if op in WRITE_REDIRECTS]
    prog = cmd.prog
    if prog in ("tee", "touch", "mkdir", "truncate"):
        out.extend(cmd.positionals(frozenset({"-m", "-s", "--size", "-r", "--reference"})))
    elif prog in _COPIERS:
        target_dir = _option_values(cmd, frozenset({"-t", "--target-directory"}))
        if target_dir:
            out.extend(target_dir)
        else:
            positionals = cmd.positionals(frozenset({"-S", "--suffix", "-m", "-o", "-g"}))
            if len(positionals) >= 2 and not _SCP_LIKE.match(positionals[-1]):
                out.append(positionals[-1])
    elif prog == "dd":
        out.extend(w[3:] for w in cmd.argv[1:] if w.startswith("of="))
    elif prog == "sed" and (cmd.has_short("i") or cmd.has_long("--in-place")):
        out.extend(cmd.positionals(frozenset({"-e", "-f", "--expression", "--file"}))[1:])
    elif prog in ("curl", "wget"):
        out.extend(p for p in download_targets(cmd) if p != "-")
    return out


# -- reads ----------------------------------------------------------------------------------------


def read_paths(cmd: Cmd) -> list[str]:
    """Raw paths whose *content* a command reads (listing a directory is not reading)."""
    out = [t for op, t in cmd.redirects if op in ("<", "<>")]
    prog = cmd.prog
    if prog in READERS:
        positionals = cmd.positionals(_GREP_VALUE_OPTS if prog in _PATTERN_FIRST else frozenset())
        if prog in _PATTERN_FIRST and not any(
            w in _PATTERN_GIVEN or w.startswith(("--regexp=", "--expression=", "--file="))
            for w in cmd.argv[1:]
        ):
            positionals = positionals[1:]
        if prog in _COPIERS and len(positionals) >= 2:
            positionals = positionals[:-1]
        out.extend(positionals)
    elif prog == "openssl":
        out.extend(_option_values(cmd, frozenset({"-in", "-inkey", "-key"})))
    elif prog == "ssh-keygen" and cmd.has_short("y"):
        out.extend(_option_values(cmd, frozenset({"-f"})))
    elif prog in ("curl", "http", "xh"):
        out.extend(upload_paths(cmd))
    return out


_UPLOAD_OPTS = frozenset({
    "-d", "--data", "--data-binary", "--data-raw", "--data-urlencode", "--data-ascii", "--json",
    "-F", "--form",
})  # fmt: skip


def upload_paths(cmd: Cmd) -> list[str]:
    """Files a curl command sends: ``-d @file``, ``-F x=@file``, ``-T file``."""
    out: list[str] = []
    data = _option_values(cmd, _UPLOAD_OPTS)
    for value in data:
        if value.startswith("@"):
            out.append(value[1:])
        elif "=@" in value:
            out.append(value.split("=@", 1)[1].split(";", 1)[0])
    out.extend(_option_values(cmd, frozenset({"-T", "--upload-file"})))
    return out


# -- network --------------------------------------------------------------------------------------


def fetch_urls(cmd: Cmd) -> list[str]:
    """URLs an HTTP client command requests."""
    prog = cmd.prog
    if prog not in FETCHERS:
        return []
    urls = [w for w in cmd.argv[1:] if _URL.match(w)]
    takes_value = WGET_VALUE_OPTS if prog == "wget" else CURL_VALUE_OPTS
    for word in cmd.positionals(takes_value):
        if not _URL.match(word) and _HOSTLIKE.match(word) and not _FILE_SUFFIX.search(word):
            urls.append(word)
    urls.extend(_option_values(cmd, frozenset({"--url"})))
    return urls


def egress_hosts(cmd: Cmd) -> list[str]:
    """Hosts a command connects to (HTTP clients, nc, ssh/scp/rsync, git remotes by URL)."""
    prog = cmd.prog
    hosts: list[str] = []
    if prog in FETCHERS:
        hosts.extend(h for u in fetch_urls(cmd) if (h := host_of(u)))
    elif prog in NET_CLIENTS:
        if not (cmd.has_short("l") and prog != "socat"):
            if prog == "socat":
                for word in cmd.argv[1:]:
                    m = re.match(r"(?i)^(?:tcp|udp|ssl|openssl)[46]?(?:-connect)?:([^:,]+):", word)
                    if m:
                        hosts.append(m.group(1).lower())
            else:
                host = first_positional(cmd.argv[1:], NC_VALUE_OPTS)
                if host:
                    hosts.append(host.lower())
    elif prog in REMOTE_SHELLS:
        if prog in ("ssh", "mosh"):
            target = first_positional(cmd.argv[1:], SSH_VALUE_OPTS)
            if target:
                hosts.append(target.rsplit("@", 1)[-1].lower())
        else:
            for word in cmd.positionals(SSH_VALUE_OPTS):
                if _URL.match(word):
                    if h := host_of(word):
                        hosts.append(h)
                elif m := _SCP_LIKE.match(word):
                    hosts.append(m.group("host").lower())
    elif prog == "git":
        sub, args = git_sub(cmd)
        if sub in ("clone", "fetch", "pull", "push", "ls-remote", "remote", "submodule"):
            for word in args:
                if _URL.match(word) and not word.startswith("file:"):
                    if h := host_of(word):
                        hosts.append(h)
                elif (m := _SCP_LIKE.match(word)) and "@" in word:
                    hosts.append(m.group("host").lower())
    return hosts


# -- downloads ------------------------------------------------------------------------------------


def _bundled_value(cmd: Cmd, letter: str, long: str) -> list[str]:
    """Values of a short option that may be bundled: ``-O f``, ``-qO-``, ``-qOf``, ``--long=f``."""
    out: list[str] = []
    argv = cmd.argv
    pattern = re.compile(rf"^-[A-Za-z]*{letter}(.*)$")
    for i, word in enumerate(argv[1:], start=1):
        if word == long or word.startswith(long + "="):
            value = (
                word.partition("=")[2]
                if "=" in word
                else (argv[i + 1] if i + 1 < len(argv) else "")
            )
            out.append(value)
        elif not word.startswith("--") and (m := pattern.match(word)):
            value = m.group(1) or (argv[i + 1] if i + 1 < len(argv) else "")
            out.append(value)
    return out


def download_targets(cmd: Cmd) -> list[str]:
    """Raw paths a fetch writes (``-`` is stdout)."""
    prog = cmd.prog
    out: list[str] = []
    if prog == "curl":
        out.extend(_bundled_value(cmd, "o", "--output"))
        if cmd.has_short("O") or cmd.has_long("--remote-name"):
            out.extend(_url_basename(u) for u in fetch_urls(cmd))
    elif prog == "wget":
        named = _bundled_value(cmd, "O", "--output-document")
        if named:
            out.extend(named)
        else:
            prefix = (_option_values(cmd, frozenset({"-P", "--directory-prefix"})) or [""])[0]
            for url in fetch_urls(cmd):
                name = _url_basename(url) or "index.html"
                out.append(posixpath.join(prefix, name) if prefix else name)
    if prog in FETCHERS:
        out.extend(t for op, t in cmd.redirects if op in (">", ">>", ">|", "&>"))
    return [p for p in out if p]


def _url_basename(url: str) -> str:
    path = url.split("?", 1)[0].split("#", 1)[0]
    if "://" in path:
        path = path.split("://", 1)[1]
    _, _, tail = path.partition("/")
    return posixpath.basename(tail)


def downloads_of(view: CallView, history: SessionHistory) -> list[tuple[str, str]]:
    """``(resolved path, display-safe URL)`` of files this call downloads."""
    out: list[tuple[str, str]] = []
    for cmd in view.cmds:
        if cmd.prog not in FETCHERS:
            continue
        urls = fetch_urls(cmd)
        source = show(urls[0], 60) if urls else cmd.prog
        for raw in download_targets(cmd):
            if raw == "-":
                continue
            path = history.resolve(raw, cmd.base)
            if path:
                out.append((path, source))
    return out


# -- destructive operations that are not file deletes ---------------------------------------------


def force_push(cmd: Cmd) -> str | None:
    """``"force"`` / ``"force-with-lease"`` / ``"mirror"`` / ``"delete"`` for a history-rewriting
    or branch-deleting ``git push``, else None."""
    if cmd.prog != "git":
        return None
    sub, args = git_sub(cmd)
    if sub != "push":
        return None
    kind: str | None = None
    for word in args:
        if word == "--":
            break
        if word in ("--force", "-f") or (
            word.startswith("-") and not word.startswith("--") and "f" in word[1:]
        ):
            return "force"
        if word.startswith("--force-with-lease") or word == "--force-if-includes":
            kind = "force-with-lease"
        elif word == "--mirror":
            return "mirror"
        elif word in ("--delete", "-d") and kind is None:
            kind = "delete"
    positionals = [w for w in args if not w.startswith("-")]
    if any(w.startswith("+") for w in positionals[1:]):
        return "force"
    if kind is None and any(w.startswith(":") and len(w) > 1 for w in positionals[1:]):
        kind = "delete"
    return kind


def dry_run(cmd: Cmd) -> bool:
    for word in cmd.argv[1:]:
        if word == "--dry-run" or (word.startswith("--dry-run=") and word != "--dry-run=none"):
            return True
        if word in ("--what-if", "--plan", "-n") and cmd.prog in ("terraform",):
            return True
    return False


# -- intents: what a denial is remembered by ------------------------------------------------------


def _exact_key(view: CallView) -> str:
    if view.cmds:
        body = " ; ".join(" ".join(c.argv) for c in view.cmds)
    elif view.command is not None:
        body = " ".join(view.command.split())
    else:
        body = json.dumps(view.input, sort_keys=True, default=str)
    digest = hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{view.canonical}:{digest}"


def patch_paths(view: CallView) -> list[str]:
    """Files an ``apply_patch`` call touches (``*** Update File: path`` headers)."""
    out: list[str] = []
    for text in view.input_strings():
        if "*** " in text:
            out.extend(paths_in_patch(text))
    return out


def file_tool_writes(view: CallView, history: SessionHistory) -> list[str]:
    """Resolved paths a file tool (Write, Edit, apply_patch...) writes."""
    if view.canonical not in WRITE_TOOLS:
        return []
    if view.path is not None:
        return [view.path]
    out: list[str] = []
    for raw in view.extra_paths or patch_paths(view):
        path = history.resolve(raw, view.base)
        if path:
            out.append(path)
    return out


def intents_of(
    view: CallView, history: SessionHistory, cmds: list[Cmd] | None = None
) -> frozenset[tuple[str, str]]:
    """What a call tries to do, as ``(kind, target)`` keys a later call can be compared with.

    ``("exact", ...)`` is the call itself (wrappers such as ``sudo`` stripped); ``delete``,
    ``write``, ``read`` carry resolved paths; ``egress`` a host; the rest name a destructive
    operation (``force-push``, ``hard-reset``, ``k8s-delete``, ``infra-destroy``...).
    ``cmds`` limits the shell part to some of the call's commands (the ones a deny rule hit).
    """
    if cmds is None and view.intents is not None:
        return view.intents
    out: set[tuple[str, str]] = {("exact", _exact_key(view))}
    canonical = view.canonical
    if canonical in READ_TOOLS and view.path:
        out.add(("read", view.path))
    for path in file_tool_writes(view, history):
        out.add(("write", path))
    if canonical == "WebFetch":
        url = view.input.get("url")
        host = host_of(url) if isinstance(url, str) else None
        if host:
            out.add(("egress", host))
    for cmd in view.cmds if cmds is None else cmds:
        for kind, paths in (
            ("delete", deleted_paths(cmd)),
            ("write", written_paths(cmd)),
            ("read", read_paths(cmd)),
        ):
            for raw in paths:
                resolved = history.resolve(raw, cmd.base)
                if resolved:
                    out.add((kind, resolved))
        for name in egress_hosts(cmd):
            out.add(("egress", name))
        op = operation_of(cmd)
        if op:
            out.add((op, ""))
    result = frozenset(out)
    if cmds is None:
        view.intents = result
    return result


def operation_of(cmd: Cmd) -> str | None:
    """A name for destructive operations that are not about one path."""
    prog = cmd.prog
    if prog == "git":
        if force_push(cmd):
            return "force-push"
        sub, args = git_sub(cmd)
        if sub == "reset" and "--hard" in args:
            return "hard-reset"
        if sub == "clean":
            return "git-clean"
    elif (
        prog in ("kubectl", "oc") and first_positional(cmd.argv[1:], KUBECTL_VALUE_OPTS) == "delete"
    ):
        return "k8s-delete"
    elif prog in ("terraform", "tofu", "terragrunt", "pulumi") and (
        "destroy" in cmd.argv[1:] or ("apply" in cmd.argv[1:] and "-destroy" in cmd.argv)
    ):
        return "infra-destroy"
    elif prog == "helm" and first_positional(cmd.argv[1:]) in ("uninstall", "delete", "del", "un"):
        return "helm-uninstall"
    elif "xargs" in cmd.via and prog in ("rm", "unlink", "shred"):
        return "mass-delete"
    return None
