"""Safety detectors: the agent may do harm on its own, with nobody attacking it.

* ``destructive_command`` — recursive deletes outside the working directory, force pushes,
  hard resets, ``DROP``/``TRUNCATE``, ``kubectl delete``, ``terraform destroy``, mass deletes.
* ``write_outside_cwd`` — files written, moved or removed outside the session's directory.
* ``burst`` — more tool calls in a window than a person could review (machine speed).
* ``retry_after_denial`` — an action that was denied, blocked or rejected, tried again (as is,
  or in another form: ``rm -rf /data`` denied, then ``find /data -delete``).

Routine work is not flagged: ``rm -rf ./build`` inside the working directory, deleting under
``/tmp``, ``git push origin main``. Choices, for reviewers:

* ``DROP``/``TRUNCATE``/``DELETE FROM t;`` count only when a SQL client (``psql``, ``mysql``,
  ``sqlite3``...) is in the same command line, or the tool is a database tool (its name says
  so: ``mcp__postgres__query``). ``grep -r "DROP TABLE" migrations/`` or writing a migration
  file is not running it. A SQL client *and* an unrelated ``echo "drop table"`` in one command
  line is flagged: rare, and worth a look.
* A recursive ``rm`` outside the working directory is reported here only, not again as a
  write outside it; single-file ``rm``/``mv``/redirections outside it go to
  ``write_outside_cwd``.
* ``xargs rm`` is a mass delete unless a ``find`` in the same command line shows where the
  paths come from and all its start points are inside the working directory.
"""

from __future__ import annotations

import functools
import re
import weakref

from overseer.model import Event, EventKind, Flag, FlagCategory
from overseer.policy.detectors._core import (
    CRITICAL_DIRS,
    CallView,
    Cmd,
    DetectorInfo,
    DetectorSettings,
    seconds,
    show,
    summarise,
    view_of,
    worst,
)
from overseer.policy.detectors.commands import (
    KUBECTL_VALUE_OPTS,
    deleted_paths,
    dry_run,
    file_tool_writes,
    find_deletes,
    find_roots,
    first_positional,
    force_push,
    git_sub,
    intents_of,
    rm_recursive,
    written_paths,
)
from overseer.policy.detectors.history import Denial, SessionHistory

#: Enum members as module globals: in CPython 3.11 each ``EventKind.X``-style lookup costs
#: ~160 ns (the enum's class attribute path), a global ~7 ns; the hot path reads them per event.
_F_SAFETY = FlagCategory.SAFETY
_K_TOOL_CALL = EventKind.TOOL_CALL

SAFETY = _F_SAFETY

DESTRUCTIVE = DetectorInfo(
    "destructive_command", SAFETY, ("ASI02", "NHI5"), "Destructive command",
    "Irreversible operations: recursive deletes outside the working directory, force pushes, "
    "hard resets, DROP/TRUNCATE, kubectl delete, terraform destroy, mass deletes.",
)  # fmt: skip
WRITE_OUTSIDE = DetectorInfo(
    "write_outside_cwd", SAFETY, ("ASI02", "NHI5"), "Write outside the working directory",
    "Files written, moved or removed outside the session's working directory "
    "(scratch directories such as /tmp excepted).",
)  # fmt: skip
BURST = DetectorInfo(
    "burst", SAFETY, ("ASI02", "ASI08"), "Burst of tool calls",
    "More tool calls within the window than a person can follow (configurable: "
    "defaults.burst_calls within defaults.burst_seconds); raised once per burst.",
)  # fmt: skip
RETRY = DetectorInfo(
    "retry_after_denial", SAFETY, ("ASI10", "ASI02"), "Retry after denial",
    "An action that was denied by policy, blocked by a hook or rejected by a human is tried "
    "again, as is or in another form (same target, another tool or command).",
)  # fmt: skip

# -- destructive ----------------------------------------------------------------------------------

SQL_CLIENTS = frozenset({
    "psql", "pgcli", "mysql", "mariadb", "mycli", "sqlite3", "sqlite", "litecli", "sqlcmd",
    "clickhouse-client", "clickhouse", "cockroach", "duckdb", "mongo", "mongosh", "redis-cli",
    "bq", "snowsql", "usql", "trino", "presto", "cqlsh",
})  # fmt: skip
_SQL_DESTRUCTIVE = re.compile(
    r"\b(?:drop\s+(?:table|database|schema|index|view|user|role|collection|keyspace)\b"
    r"|truncate\s+(?:table\s+)?[\w.\"`]+"
    r"|delete\s+from\s+[\w.\"`]+\s*(?:;|$|\"|')"
    r"|flushall\b|flushdb\b"
    r"|\.dropDatabase\s*\(|\.drop\s*\(\s*\))",
    re.IGNORECASE | re.MULTILINE,
)
_DB_TOOL = re.compile(
    r"(?i)sql|postgres|mysql|maria|sqlite|database|(?:^|_)db(?:_|$)|query|bigquery|snowflake|"
    r"redshift|clickhouse|supabase|mongo|redis|neon"
)


@functools.lru_cache(maxsize=1024)
def _db_tool(tool: str) -> bool:
    """Does the tool's name say it is a database tool? (Worked out once per name: the
    alternation above costs a few µs per call of an MCP tool.)"""
    return _DB_TOOL.search(tool) is not None


_DISK_TOOLS = frozenset({"mkfs", "wipefs", "fdisk", "sfdisk", "parted", "gdisk", "diskutil"})
_FIND_FILTERS = frozenset({
    "-name", "-iname", "-path", "-ipath", "-wholename", "-regex", "-iregex", "-type", "-mtime",
    "-mmin", "-atime", "-amin", "-ctime", "-cmin", "-newer", "-empty", "-size", "-user",
    "-group", "-perm", "-links", "-inum", "-samefile",
})  # fmt: skip
_AWS_DESTROY = re.compile(r"^(?:delete|terminate|remove|deregister|purge)-")


def broad_cwd(history: SessionHistory) -> bool:
    """A working directory too wide to tell routine from not: ``/``, a system directory, or
    the home directory itself (inside it is nearly everything)."""
    cwd = history.cwd
    return cwd is not None and (cwd in CRITICAL_DIRS or cwd == history.home)


def _where(path: str, history: SessionHistory, settings: DetectorSettings) -> str:
    """``critical`` | ``cwd`` (the working directory itself) | ``inside`` | ``broad`` (inside a
    working directory that is too wide, see :func:`broad_cwd`) | ``scratch`` | ``outside`` |
    ``unknown`` (no cwd to compare with)."""
    cwd = history.cwd
    if path in CRITICAL_DIRS or path == history.home:
        return "critical"
    if cwd is not None:
        if path == cwd:
            return "cwd"
        if cwd.startswith(path.rstrip("/") + "/"):
            return "critical"  # an ancestor of the working directory
        if history.inside_cwd(path):
            return "broad" if broad_cwd(history) else "inside"
    for scratch in settings.scratch_dirs:
        if path != scratch and history.under(path, scratch):
            return "scratch"
    return "outside" if cwd is not None else "unknown"


def _glob_root(path: str) -> str:
    """``/var/lib/*`` → ``/var/lib``: the directory a glob empties."""
    if "*" not in path and "?" not in path and "[" not in path:
        return path
    parts = path.split("/")
    for i, part in enumerate(parts):
        if any(c in part for c in "*?["):
            return "/".join(parts[:i]) or "/"
    return path


def _judge_delete(
    raw: str,
    cmd: Cmd,
    what: str,
    history: SessionHistory,
    settings: DetectorSettings,
    out: list[tuple[str, str]],
    *,
    cwd_ok: bool = False,
) -> None:
    if "$" in raw or "`" in raw:
        out.append((f"{what} on an unexpanded variable ({show(raw, 40)})", "high"))
        return
    path = history.resolve(raw, cmd.base)
    if path is None:
        return  # relative path, working directory unknown: nothing to compare with
    root = _glob_root(path)
    where = _where(root, history, settings)
    globbed = root != path
    if where == "critical":
        out.append((f"{what} of {show(path, 60)}", "high"))
    elif where == "cwd" and not cwd_ok:
        label = "everything in the working directory" if globbed else "the working directory"
        out.append((f"{what} of {label}", "medium"))
    elif where == "outside":
        out.append((f"{what} outside the working directory ({show(path, 60)})", "high"))
    elif where == "unknown":
        out.append((f"{what} of {show(path, 60)} (working directory unknown)", "medium"))
    elif where == "broad":
        cwd = show(history.cwd or "", 40)
        out.append((f"{what} of {show(path, 60)} (working directory {cwd} is too broad)", "medium"))


def _routine_find_source(
    view: CallView, history: SessionHistory, settings: DetectorSettings
) -> bool:
    """A ``find`` feeds the pipe and all its start points are inside the working directory."""
    finds = [c for c in view.cmds if c.prog == "find"]
    if not finds:
        return False
    for cmd in finds:
        for raw in find_roots(cmd):
            path = history.resolve(raw, cmd.base)
            if path is None or _where(_glob_root(path), history, settings) not in (
                "inside",
                "cwd",
                "scratch",
            ):
                return False
    return True


def _destructive_cmd(
    cmd: Cmd,
    view: CallView,
    history: SessionHistory,
    settings: DetectorSettings,
    out: list[tuple[str, str]],
) -> None:
    prog = cmd.prog
    args = cmd.argv[1:]
    if prog in ("rm", "unlink", "shred", "srm") and "xargs" in cmd.via:
        if not _routine_find_source(view, history, settings):
            out.append((f"mass delete of piped paths (xargs {prog})", "medium"))
        return
    if prog == "rm" and rm_recursive(cmd):
        for raw in cmd.positionals():
            _judge_delete(raw, cmd, "rm -r", history, settings, out)
    elif prog == "find" and find_deletes(cmd):
        # "find . -name '*.pyc' -delete" is routine: a filtered sweep of the working directory
        filtered = any(w in _FIND_FILTERS for w in args)
        for raw in find_roots(cmd):
            _judge_delete(
                raw, cmd, "mass delete (find -delete)", history, settings, out, cwd_ok=filtered
            )
    elif prog in ("shred", "srm"):
        out.append((f"{prog} destroys file contents irreversibly", "medium"))
    elif prog in _DISK_TOOLS or prog.startswith("mkfs"):
        out.append((f"{prog} rewrites a disk or filesystem", "high"))
    elif prog == "dd" and any(
        w.startswith("of=/dev/") and w not in ("of=/dev/null",) for w in args
    ):
        out.append(("dd writes to a raw device", "high"))
    elif prog == "git":
        _destructive_git(cmd, out)
    elif (
        prog in ("kubectl", "oc")
        and first_positional(args, KUBECTL_VALUE_OPTS) == "delete"
        and not dry_run(cmd)
    ):
        out.append((f"{prog} delete", "high"))
    elif prog in ("terraform", "tofu", "terragrunt") and (
        "destroy" in args or ("apply" in args and "-destroy" in args)
    ):
        out.append((f"{prog} destroy", "high"))
    elif prog == "pulumi" and first_positional(args) in ("destroy", "down"):
        out.append(("pulumi destroy", "high"))
    elif prog == "helm" and first_positional(args) in ("uninstall", "delete", "del", "un"):
        out.append(("helm uninstall", "high"))
    elif prog in ("dropdb", "dropuser"):
        out.append((f"{prog}", "high"))
    elif prog == "aws" and not dry_run(cmd):
        positionals = cmd.positionals()
        if positionals[:2] == ["s3", "rb"] or (
            positionals[:2] == ["s3", "rm"] and cmd.has_long("--recursive")
        ):
            out.append((f"aws s3 {positionals[1]}", "high"))
        elif len(positionals) >= 2 and _AWS_DESTROY.match(positionals[1]):
            out.append((f"aws {show(positionals[0], 20)} {show(positionals[1], 40)}", "high"))
    elif prog in ("gcloud", "az") and "delete" in cmd.positionals():
        out.append((f"{prog} ... delete", "high"))
    elif prog in ("docker", "podman"):
        positionals = cmd.positionals()
        if positionals[:2] in (["system", "prune"], ["volume", "prune"], ["volume", "rm"]):
            out.append((f"{prog} {positionals[0]} {positionals[1]}", "medium"))


def _destructive_git(cmd: Cmd, out: list[tuple[str, str]]) -> None:
    push = force_push(cmd)
    if push == "force":
        out.append(("git push --force rewrites remote history", "high"))
    elif push == "mirror":
        out.append(("git push --mirror overwrites the remote", "high"))
    elif push == "force-with-lease":
        out.append(("git push --force-with-lease rewrites remote history", "medium"))
    elif push == "delete":
        out.append(("git push deletes a remote branch", "medium"))
    sub, args = git_sub(cmd)
    if sub == "reset" and "--hard" in args:
        out.append(("git reset --hard discards uncommitted work", "medium"))
    elif (
        sub == "clean"
        and not any(a in ("-n", "--dry-run") for a in args)
        and any(
            a == "--force" or (a.startswith("-") and not a.startswith("--") and "f" in a)
            for a in args
        )
    ):
        out.append(("git clean -f deletes untracked files", "medium"))
    elif sub in ("filter-branch", "filter-repo"):
        out.append((f"git {sub} rewrites history", "medium"))


def _sql_sources(view: CallView) -> list[str]:
    """The texts a SQL client in this command line runs (empty when there is no client)."""
    clients = [c for c in view.cmds if c.prog in SQL_CLIENTS]
    if not clients:
        return []
    if any(op in ("<<", "<<-", "<<<") for c in clients for op, _ in c.redirects):
        return [view.command or ""]  # here-document bodies are in the raw text only
    texts = [" ".join(c.argv) for c in clients]
    texts.extend(" ".join(c.argv) for c in view.cmds if c.prog in ("echo", "printf", "cat"))
    return texts


def destructive_command(
    event: Event, history: SessionHistory, settings: DetectorSettings
) -> Flag | None:
    if event.kind is not _K_TOOL_CALL:
        return None
    view = view_of(event, history)
    found: list[tuple[str, str]] = []
    for cmd in view.cmds:
        _destructive_cmd(cmd, view, history, settings, found)
    if view.cmds:
        sources = _sql_sources(view)
    elif not view.is_shell and _db_tool(view.tool):
        sources = view.input_strings()
    else:
        sources = []
    for text in sources:
        m = _SQL_DESTRUCTIVE.search(text)
        if m:
            found.append((f"SQL {show(' '.join(m.group(0).split()), 40)}", "high"))
            break
    if not found:
        return None
    reasons = [r for r, _ in found]
    return DESTRUCTIVE.flag(f"destructive: {summarise(reasons)}", worst([s for _, s in found]))


# -- writes outside the working directory ---------------------------------------------------------

_DEVICE_PREFIXES = ("/dev/fd/", "/proc/self/fd/", "/dev/pts/")
_DEVICES = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero"})
_SYSTEM_WRITE = ("/etc", "/usr", "/bin", "/sbin", "/boot", "/lib", "/lib64", "/System",
                 "/Library", "/var/spool/cron", "/root")  # fmt: skip
_HOME_PERSISTENCE = (
    ".bashrc", ".bash_profile", ".profile", ".zshrc", ".zprofile", ".zshenv", ".bash_login",
    ".ssh", ".gitconfig", ".config/autostart", ".config/systemd", "Library/LaunchAgents",
    ".config/fish/config.fish", ".npmrc", ".pypirc", ".netrc", ".aws", ".kube", ".docker",
)  # fmt: skip


def _is_device(path: str) -> bool:
    return path in _DEVICES or path.startswith(_DEVICE_PREFIXES)


def _persistence_or_system(path: str, history: SessionHistory) -> bool:
    if any(history.under(path, d) for d in _SYSTEM_WRITE):
        return True
    home = history.home
    return home is not None and any(history.under(path, f"{home}/{p}") for p in _HOME_PERSISTENCE)


def write_outside_cwd(
    event: Event, history: SessionHistory, settings: DetectorSettings
) -> Flag | None:
    if event.kind is not _K_TOOL_CALL or history.cwd is None:
        return None
    view = view_of(event, history)
    targets = list(file_tool_writes(view, history))
    for cmd in view.cmds:
        raws = written_paths(cmd)
        if not (cmd.prog == "rm" and rm_recursive(cmd)) and cmd.prog != "find":
            raws = raws + deleted_paths(cmd)  # single-file rm / unlink, mv sources
        for raw in raws:
            path = history.resolve(raw, cmd.base)
            if path is not None:
                targets.append(path)
    outside = []
    for p in dict.fromkeys(targets):
        if _is_device(p):
            continue
        where = _where(p, history, settings)
        # with a too-broad working directory, only system and start-up files stand out
        if where in ("outside", "critical") or (
            where == "broad" and _persistence_or_system(p, history)
        ):
            outside.append(p)
    if not outside:
        return None
    severity = "high" if any(_persistence_or_system(p, history) for p in outside) else "medium"
    shown = summarise([show(p, 60) for p in outside])
    return WRITE_OUTSIDE.flag(f"writes outside the working directory: {shown}", severity)


# -- bursts ---------------------------------------------------------------------------------------


def _duration(value: float) -> str:
    return f"{value:g} s" if value < 120 else f"{value / 60:g} min"


def burst(event: Event, history: SessionHistory, settings: DetectorSettings) -> Flag | None:
    """Flags the call that makes the count in the window exceed the limit; the calls after it
    in the same burst are not flagged again (the count must first fall back to the limit)."""
    if event.kind is not _K_TOOL_CALL:
        return None
    limit = settings.burst_calls
    start = seconds(event) - settings.burst_seconds
    earlier = 0
    for ts in reversed(history.call_times):
        if ts <= start:
            break
        earlier += 1
        if earlier > limit:
            return None
    if earlier != limit:
        return None
    return BURST.flag(
        f"burst: {limit + 1} tool calls within {_duration(settings.burst_seconds)} (limit {limit})",
        "medium",
    )


# -- retry after a denial -------------------------------------------------------------------------

_PATH_KINDS = ("delete", "write", "read")
_LABELS = {
    "delete": "delete", "write": "write", "read": "read", "egress": "connect to",
    "force-push": "force push", "hard-reset": "hard reset", "git-clean": "git clean",
    "k8s-delete": "kubectl delete", "infra-destroy": "destroy infrastructure",
    "helm-uninstall": "helm uninstall", "mass-delete": "mass delete",
}  # fmt: skip


def _match(
    intents: frozenset[tuple[str, str]],
    denial: Denial,
    tool: str,
    history: SessionHistory,
    ordered: list[tuple[str, str]] | None = None,
) -> tuple[str, str] | None:
    """The intent of a new call that repeats a denied one, exact call first. ``ordered`` is
    ``sorted(intents)``, when the caller compares the same call with several denials."""
    denied = denial.intents
    exact = next((i for i in intents if i[0] == "exact"), None)
    if exact is not None and exact in denied:
        return exact
    iterating = denial.how == "rejected by a human" and denial.tool == tool
    for kind, target in sorted(intents) if ordered is None else ordered:
        if kind == "exact":
            continue
        # A human rejecting one edit of a file in the working directory and the agent
        # proposing another edit with the same tool is ordinary iteration, not a way around
        # the decision (the same change through ``sed -i`` in a shell is).
        if iterating and kind == "write" and history.inside_cwd(target):
            continue
        for dkind, dtarget in denied:
            if dkind != kind:
                continue
            if target == dtarget:
                return kind, target
            if kind in _PATH_KINDS and (
                history.under(target, dtarget)
                or (kind == "delete" and history.under(dtarget, target))
            ):
                return kind, target
    return None


def retry_after_denial(
    event: Event, history: SessionHistory, settings: DetectorSettings
) -> Flag | None:
    if event.kind is not _K_TOOL_CALL or not history.denials:
        return None
    view = view_of(event, history)
    # The answer depends on the call (its view: the memo shares one per call and place) and
    # on the denials so far; a repeat with no new denial since is one lookup.
    remembered = history.retries.get(id(view))
    if (
        remembered is not None
        and remembered[0]() is view
        and remembered[1] == history.denials_version
    ):
        return remembered[2]
    answer = _retry(view, history)
    if len(history.retries) >= 256:
        history.retries.clear()
    history.retries[id(view)] = (weakref.ref(view), history.denials_version, answer)
    return answer


def _retry(view: CallView, history: SessionHistory) -> Flag | None:
    intents = intents_of(view, history)
    ordered = sorted(intents)
    for denial in reversed(history.denials):
        hit = _match(intents, denial, view.canonical, history, ordered)
        if hit is None:
            continue
        if hit[0] == "exact":
            return RETRY.flag(f"retries a call that was {denial.how}: {denial.shown}", "medium")
        what = _LABELS.get(hit[0], hit[0])
        if hit[1]:
            what = f"{what} {show(hit[1], 60)}"
        return RETRY.flag(
            f"retries in another form an action that was {denial.how} ({what}): {denial.shown}",
            "high",
        )
    return None
