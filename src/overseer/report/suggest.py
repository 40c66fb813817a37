"""Least privilege from behaviour: the tightened scope the evidence supports, as a unified
diff against the current ``config.toml``. Nothing is applied: a human reads the diff, checks
the evidence written beside each change, and edits the file (or pipes the diff to
``patch``).

Per agent and task, over the sessions reviewed:

* **unused rules removed** — ``allow`` rules that decided no call. Unused ``ask`` rules go too,
  unless an allow rule names the same tool (removing the gate could then let the call
  through: that would widen authority, not narrow it). ``deny`` rules are guardrails and are
  never removed. Tasks with no session in the period are left alone: no evidence.
* **repeatedly approved calls proposed as ``allow``** — an operator approved the same kind of
  call at least ``min_count`` times. "The same kind": the same program and subcommand
  (:func:`~overseer.policy.autonomy.action_label`) for shell commands, generalised to the
  longest word prefix every approved command shares (``Bash(gh release create:*)``), or the
  exact command when they were all identical; the parent directory for file tools; the host
  for ``WebFetch``; the tool name otherwise. A proposal is dropped (and said so) when it
  would also allow a destructive probe command (:data:`DESTRUCTIVE_PROBES`), a destructive
  tool name, or a call a human denied; when an ask rule would still gate those calls, the
  allow rule would change nothing, and that is said instead.
* **repeatedly denied calls proposed as ``deny``** — denied by an operator, or rejected by a
  human in the agent's own UI, at least ``min_count`` times; never a rule that would also
  deny a call someone approved. Timeouts are not denials and count for nothing.

Every proposed rule is parsed with :class:`~overseer.policy.rules.Rule` and checked to match
its evidence; the suggested file is validated with :func:`overseer.config.parse_config`.
"""

from __future__ import annotations

import difflib
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from overseer.config import UNKNOWN_AGENT, Config, ConfigError, parse_config
from overseer.engine import infer_home
from overseer.labels import call_label
from overseer.policy.autonomy import DESTRUCTIVE_PROBES, destructive_tool_name
from overseer.policy.rules import (
    PATH_TOOLS,
    SHELL_TOOLS,
    URL_TOOLS,
    CallContext,
    Rule,
    RuleSyntaxError,
    canonical_tool,
    path_of,
    resolve_path,
    split_shell,
)
from overseer.policy.scope import Scope, evaluate
from overseer.report.review import Evidence, ReviewBuilder, iso
from overseer.report.toml_edit import ArrayEdit, TomlEditError, edit_arrays, scan
from overseer.untrusted import neutralise

#: Shell commands that only set the stage (``cd x && make``): never proposed as rules.
_SETUP = frozenset({"cd", "pushd", "popd", "export", "set", "source", ".", "unset", "true"})
DEFAULT_MIN_COUNT = 3


class Change:
    """One proposed edit of one list of one task, with its evidence in words."""

    __slots__ = ("action", "evidence", "list", "rule")

    def __init__(self, action: str, list_name: str, rule: str, evidence: str) -> None:
        self.action, self.list, self.rule, self.evidence = action, list_name, rule, evidence

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "list": self.list,
            "rule": neutralise(self.rule),
            "evidence": neutralise(self.evidence, limit=1000),
        }

    def __repr__(self) -> str:
        return f"Change({self.action!r}, {self.list!r}, {self.rule!r})"


class TaskSuggestion:
    """What the evidence supports for one agent's task."""

    __slots__ = ("agent", "calls", "changes", "notes", "sessions", "task")

    def __init__(self, agent: str, task: str, sessions: int, calls: int) -> None:
        self.agent, self.task, self.sessions, self.calls = agent, task, sessions, calls
        self.changes: list[Change] = []
        self.notes: list[str] = []

    def as_dict(self) -> dict[str, Any]:
        return {
            "agent": neutralise(self.agent),
            "task": neutralise(self.task),
            "sessions_reviewed": self.sessions,
            "calls_reviewed": self.calls,
            "changes": [c.as_dict() for c in self.changes],
            "notes": [neutralise(n, limit=1000) for n in self.notes],
        }


class Suggestion:
    """The whole proposal: per-task changes, the suggested text and its diff."""

    __slots__ = ("diff", "errors", "path", "tasks", "text")

    def __init__(
        self, path: str, tasks: list[TaskSuggestion], text: str, diff: str, errors: list[str]
    ) -> None:
        self.path, self.tasks, self.text, self.diff, self.errors = path, tasks, text, diff, errors

    @property
    def valid(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "config": neutralise(self.path),
            "tasks": [t.as_dict() for t in self.tasks],
            "changes": sum(len(t.changes) for t in self.tasks),
            "valid": self.valid,
            "errors": [neutralise(e, limit=1000) for e in self.errors],
            "diff": self.diff,
        }


# ------------------------------------------------------------------------------ candidates


class _Atom:
    """One piece of one evidence call a rule would have to cover."""

    __slots__ = ("evidence", "material", "tool")

    def __init__(self, evidence: Evidence, tool: str, material: str) -> None:
        self.evidence, self.tool, self.material = evidence, tool, material


def _ctx(ev: Evidence) -> CallContext:
    return CallContext(ev.cwd, infer_home(ev.cwd, None))


def _atoms(ev: Evidence, scope: Scope) -> list[tuple[tuple[str, str], _Atom]]:
    """Group keys and atoms for one evidence call: shell commands split into their simple
    commands (those the scope already allows on their own drop out), paths by parent dir."""
    tool = ev.tool
    family = canonical_tool(tool)
    tool_input = ev.tool_input or {}
    if family in SHELL_TOOLS:
        parts = [
            p
            for p in split_shell(tool_input) or ()
            if posixpath.basename(p.split(" ")[0]) not in _SETUP
        ]
        if ev.kind != "approved":
            # A "no" is to the command the call was for, not to the "| head" after it.
            parts = parts[:1]
        out = []
        for part in parts:
            decision = evaluate(scope, tool, {"command": part}, _ctx(ev))
            if ev.kind == "approved" and decision.effective == "allow":
                continue  # already allowed on its own: nothing to learn
            out.append(((family, call_label(tool, {"command": part})), _Atom(ev, tool, part)))
        return out
    if family in PATH_TOOLS:
        path = path_of(tool_input)
        if path is None:
            return [((family, "*"), _Atom(ev, tool, ""))]
        resolved = resolve_path(path, _ctx(ev))
        return [((family, posixpath.dirname(resolved)), _Atom(ev, tool, resolved))]
    if family in URL_TOOLS:
        url = tool_input.get("url")
        host = urlsplit(url).hostname if isinstance(url, str) else None
        return [((family, host or "*"), _Atom(ev, tool, host or ""))]
    return [((tool, tool), _Atom(ev, tool, tool))]


_OPERATOR_CHARS = ("|", "&", ";", "\n", "$(", "`", "<", ">")


def _plain_words(command: str) -> list[str]:
    """The words of a command up to the first one a rule cannot hold (a redirection such as
    ``2>&1``, a pipe left in quotes): a rule is a prefix, so what follows is covered by ``*``."""
    out: list[str] = []
    for word in command.split(" "):
        if any(op in word for op in _OPERATOR_CHARS):
            if out and out[-1].isdigit():  # the fd of "2 >& 1"
                out.pop()
            break
        out.append(word)
    return out


def _common_words(commands: Sequence[str]) -> list[str]:
    split = [_plain_words(c) for c in commands]
    prefix: list[str] = []
    for words in zip(*split, strict=False):
        if len(set(words)) != 1:
            break
        prefix.append(words[0])
    return prefix


def _rule_for(key: tuple[str, str], atoms: Sequence[_Atom]) -> str | None:
    """The narrowest rule text covering every atom of a group, or None."""
    family = key[0]
    if family in SHELL_TOOLS:
        commands = sorted({a.material for a in atoms})
        if len(commands) == 1 and _plain_words(commands[0]) == commands[0].split(" "):
            return f"{family}({commands[0]})"
        prefix = _common_words(commands)
        if not prefix:
            return None
        return f"{family}({' '.join(prefix)}:*)"
    if family in PATH_TOOLS:
        paths = sorted({a.material for a in atoms})
        if not paths or not paths[0]:
            return family
        cwd = atoms[0].evidence.cwd
        base = posixpath.normpath(cwd) if cwd else None

        def pattern(path: str) -> str:
            if base and (path == base or path.startswith(base.rstrip("/") + "/")):
                return "./" + posixpath.relpath(path, base)
            return "/" + path  # //abs: from the filesystem root

        if base is not None and base in paths:
            return family  # the working directory itself (Glob, LS): the tool as a whole
        if len(paths) == 1:
            return f"{family}({pattern(paths[0])})"
        directory = key[1]
        return f"{family}({pattern(directory).rstrip('/')}/*)"
    if family in URL_TOOLS:
        host = atoms[0].material
        return f"{family}(domain:{host})" if host else None
    return key[0]


def _atom_input(atom: _Atom) -> Mapping[str, Any]:
    if canonical_tool(atom.tool) in SHELL_TOOLS:
        return {"command": atom.material}
    return atom.evidence.tool_input or {}


def _covers(rule: Rule, atom: _Atom) -> bool:
    ev = atom.evidence
    family = canonical_tool(atom.tool)
    if family in SHELL_TOOLS:
        return rule.matches_tool(atom.tool) and rule.matches_command(atom.material)
    return rule.matches(atom.tool, ev.tool_input or {}, _ctx(ev))


def _parse(text: str) -> Rule | None:
    try:
        return Rule(text)
    except RuleSyntaxError:
        return None


def _too_broad(rule: Rule) -> str | None:
    """Why an allow rule would grant destructive authority, or None."""
    if rule.tool in SHELL_TOOLS or canonical_tool(rule.tool) in SHELL_TOOLS:
        for capability, command in DESTRUCTIVE_PROBES:
            if rule.kind == "tool" or (rule.kind == "shell" and rule.matches_command(command)):
                return f"it would also allow {capability} ({command})"
        return None
    if destructive_tool_name(rule.tool):
        return "its name says it destroys something: keep it gated"
    return None


def _when(value: datetime | None) -> str:
    text = iso(value)
    return text[:16].replace("T", " ") + "Z" if text else "unknown time"


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _describe(kind: str, evidence: Sequence[Evidence]) -> str:
    sessions = len({e.session for e in evidence})
    last = max((e.ts for e in evidence if e.ts is not None), default=None)
    if kind == "allow":
        who = sorted({neutralise(e.operator, limit=40) for e in evidence if e.operator})
        by = f" by {', '.join(who[:3])}{' and others' if len(who) > 3 else ''}" if who else ""
        return (
            f"approved {_times(len(evidence))}{by} in {sessions} session"
            f"{'s' if sessions != 1 else ''}, last {_when(last)}"
        )
    denied = sum(1 for e in evidence if e.kind == "denied")
    rejected = len(evidence) - denied
    how = []
    if denied:
        how.append(f"{denied} by an operator")
    if rejected:
        how.append(f"{rejected} rejected in the agent's UI")
    return (
        f"denied {_times(len(evidence))} ({', '.join(how)}) in {sessions} session"
        f"{'s' if sessions != 1 else ''}, last {_when(last)}"
    )


def _unique(evidence: Iterable[Evidence]) -> list[Evidence]:
    seen: set[int] = set()
    out = []
    for ev in evidence:
        if id(ev) not in seen:
            seen.add(id(ev))
            out.append(ev)
    return out


def _proposals(
    kind: str,
    groups: Mapping[tuple[str, str], list[_Atom]],
    opposite: Sequence[_Atom],
    min_count: int,
    notes: list[str],
) -> list[tuple[str, list[Evidence], list[_Atom]]]:
    """Rules for the groups with enough evidence (``kind`` is ``allow`` or ``deny``), each
    with the calls and the parts of calls it was learnt from."""
    out: list[tuple[str, list[Evidence], list[_Atom]]] = []
    for key, atoms in sorted(groups.items()):
        evidence = _unique(a.evidence for a in atoms)
        if len(evidence) < min_count:
            continue
        text = _rule_for(key, atoms)
        problem = _check(kind, _parse(text) if text else None, atoms, opposite)
        if problem is None and text is not None:
            out.append((text, evidence, list(atoms)))
            continue
        fallbacks: dict[str, list[_Atom]] = {}
        if key[0] in SHELL_TOOLS:  # too broad as a prefix: each exact command, if it has enough
            for atom in atoms:
                fallbacks.setdefault(atom.material, []).append(atom)
        fallbacks = {
            c: g for c, g in fallbacks.items() if len(_unique(a.evidence for a in g)) >= min_count
        }
        if not fallbacks or (len(fallbacks) == 1 and text == f"{key[0]}({next(iter(fallbacks))})"):
            notes.append(f"not proposed as {kind}: {text or key[1]} — {problem}")
            continue
        for command, group in sorted(fallbacks.items()):
            exact = f"{key[0]}({command})"
            why = _check(kind, _parse(exact), group, opposite)
            if why is None:
                out.append((exact, _unique(a.evidence for a in group), group))
            else:
                notes.append(f"not proposed as {kind}: {exact} — {why}")
    return out


def _check(
    kind: str, rule: Rule | None, atoms: Sequence[_Atom], opposite: Sequence[_Atom]
) -> str | None:
    if rule is None:
        return "no rule can be written for it"
    if not all(_covers(rule, a) for a in atoms):
        return "the rule would not match its own evidence"
    if kind == "allow":
        broad = _too_broad(rule)
        if broad:
            return broad
    clash = next((a for a in opposite if _covers(rule, a)), None)
    if clash is not None:
        verb = "denied" if kind == "allow" else "approved"
        return f"it would also cover a call a human {verb}"
    return None


# ------------------------------------------------------------------------------ per task


def _task_suggestion(
    agent: str,
    task: str,
    scope: Scope,
    builder: ReviewBuilder,
    evidence: Sequence[Evidence],
    min_count: int,
) -> TaskSuggestion | None:
    stats = builder.tasks.get((agent, task))
    if stats is None or not stats.sessions:
        return None
    out = TaskSuggestion(agent, task, len(stats.sessions), stats.calls)
    period = (
        f"{len(stats.sessions)} session{'s' if len(stats.sessions) != 1 else ''}, "
        f"{stats.calls} calls reviewed"
    )
    # unused rules
    kept_shell: list[str] = []
    for list_name in ("allow", "ask"):
        for rule in getattr(scope, list_name):
            hits = stats.hits.get((list_name, rule.text))
            if hits is not None and hits.count:
                continue
            if stats.unjudged_shell and rule.kind == "shell":
                kept_shell.append(rule.text)
                continue
            if any(c.rule == rule.text and c.list == list_name for c in out.changes):
                continue
            if list_name == "ask":
                overlap = next((a for a in scope.allow if _may_overlap(a, rule)), None)
                if overlap is not None:
                    out.notes.append(
                        f"unused ask rule {rule.text} kept: allow rule {overlap.text} may match "
                        "the same calls, so removing the gate could let them through"
                    )
                    continue
            out.changes.append(
                Change(
                    "remove",
                    list_name,
                    rule.text,
                    f"removed {rule.text}: unused, no call in {period}",
                )
            )
    if kept_shell:
        out.notes.append(
            f"{stats.unjudged_shell} shell calls could not be parsed (or were redacted), so no "
            f"shell rule could have matched them: unused shell rules kept ({', '.join(kept_shell)})"
        )
    # approvals and denials
    approve_groups: dict[tuple[str, str], list[_Atom]] = {}
    deny_groups: dict[tuple[str, str], list[_Atom]] = {}
    for ev in evidence:
        target = approve_groups if ev.kind == "approved" else deny_groups
        for key, atom in _atoms(ev, scope):
            target.setdefault(key, []).append(atom)
    approved_atoms = [a for atoms in approve_groups.values() for a in atoms]
    denied_atoms = [a for atoms in deny_groups.values() for a in atoms]
    existing = {name: {r.text for r in getattr(scope, name)} for name in ("allow", "ask", "deny")}
    for text, used, atoms in _proposals(
        "allow", approve_groups, denied_atoms, min_count, out.notes
    ):
        if text in existing["allow"]:
            continue
        trial = Scope([*scope.allow, Rule(text)], scope.ask, scope.deny, scope.default)
        # Judged part by part: "cd x && gh pr view 1" needs a rule for gh, not for cd.
        decisions = [evaluate(trial, a.tool, _atom_input(a), _ctx(a.evidence)) for a in atoms]
        gates = {d.rule for d in decisions if d.effective != "allow"}
        if gates:
            named = ", ".join(sorted(str(g) for g in gates if g)) or "the task's default"
            out.notes.append(
                f"{_describe('allow', used)}: {text} would change nothing while {named} "
                "gates these calls (ask is evaluated before allow); remove that gate by hand "
                "if it is no longer wanted"
            )
            continue
        out.changes.append(Change("add", "allow", text, f"{text}: {_describe('allow', used)}"))
    for text, used, _atoms_used in _proposals(
        "deny", deny_groups, approved_atoms, min_count, out.notes
    ):
        if text in existing["deny"]:
            continue
        rule = Rule(text)
        if rule.kind == "tool":
            ran = sum(u.allowed for t, u in stats.tools.items() if rule.matches_tool(t))
            if ran:
                out.notes.append(
                    f"not proposed as deny: {text} — {_describe('deny', used)}, but {ran} "
                    f"call{'s' if ran != 1 else ''} to it were allowed by a rule in the period"
                )
                continue
        out.changes.append(Change("add", "deny", text, f"{text}: {_describe('deny', used)}"))
    return out


def _same_family(a: Rule, b: Rule) -> bool:
    if "*" in a.tool and "*" in b.tool:
        return True
    if "*" in b.tool:
        a, b = b, a
    names = {b.tool, canonical_tool(b.tool)}
    return any(a.matches_tool(n) for n in names) or canonical_tool(a.tool) in names


_SAMPLE_CTX = CallContext("/sample-cwd", "/sample-home")


def _samples(rule: Rule) -> list[dict[str, Any]] | None:
    """Inputs this rule matches (a few), to test whether another rule matches them too;
    ``None`` when no sample can be made (the caller then assumes an overlap)."""
    spec = rule.spec or ""
    filled = spec.replace("**", "x/y").replace("*", "x")
    if rule.kind == "shell":
        if spec.endswith(":*"):
            prefix = spec[:-2].replace("*", "x")
            return [{"command": prefix}, {"command": prefix + " x"}]
        return [{"command": filled}]
    if rule.kind == "path":
        if filled.startswith("//"):
            return [{"file_path": filled[1:]}]
        return [{"file_path": filled}]
    if rule.kind == "url" and spec.startswith("domain:"):
        return [{"url": "https://" + spec[len("domain:") :].replace("*", "x") + "/"}]
    return None


def _may_overlap(a: Rule, b: Rule) -> bool:
    """Could some call match both rules? Conservative: True when unsure."""
    if not _same_family(a, b):
        return False
    if a.kind == "tool" or b.kind == "tool" or a.kind != b.kind:
        return True
    for first, second in ((a, b), (b, a)):
        samples = _samples(first)
        if samples is None:
            return True
        tool = second.tool if "*" not in second.tool else first.tool
        try:
            if any(second.matches(tool, sample, _SAMPLE_CTX) for sample in samples):
                return True
        except Exception:  # a sample the matcher cannot take: assume the worst
            return True
    return False


# ------------------------------------------------------------------------------ entry point


def suggest_scope(
    config_text: str,
    builder: ReviewBuilder,
    *,
    path: str = "config.toml",
    min_count: int = DEFAULT_MIN_COUNT,
    agent: str | None = None,
) -> Suggestion:
    """The suggestion for every configured agent (or ``agent``) with sessions reviewed."""
    config: Config = builder.config
    evidence_by_task: dict[tuple[str, str | None], list[Evidence]] = {}
    for ev in builder.evidence:
        evidence_by_task.setdefault((ev.agent, ev.task), []).append(ev)
    tasks: list[TaskSuggestion] = []
    for name, configured in config.agents.items():
        if name == UNKNOWN_AGENT or (agent is not None and name != agent):
            continue
        for task_name, task in configured.tasks.items():
            found = _task_suggestion(
                name,
                task_name,
                task.scope,
                builder,
                evidence_by_task.get((name, task_name), []),
                min_count,
            )
            if found is not None:
                tasks.append(found)
    errors: list[str] = []
    edits: list[ArrayEdit] = []
    new_keys: list[tuple[tuple[str, ...], str, list[tuple[str, str]]]] = []
    text = config_text
    try:
        doc = scan(config_text)
        for t in tasks:
            table = ("agents", t.agent, "tasks", t.task)
            for list_name in ("allow", "ask", "deny"):
                mine = [c for c in t.changes if c.list == list_name]
                remove = {c.rule: c.evidence for c in mine if c.action == "remove"}
                add = [(c.rule, c.evidence) for c in mine if c.action == "add"]
                if not remove and not add:
                    continue
                key = (*table, list_name)
                if key in doc.arrays:
                    edits.append(ArrayEdit(key, remove, add))
                elif not remove and table in doc.tables:
                    new_keys.append((table, list_name, add))
                else:
                    errors.append(
                        f"{'.'.join(key)} is not written as key = [...] under "
                        f"[{'.'.join(table)}]: edit it by hand"
                    )
        text = edit_arrays(config_text, edits, new_keys=new_keys)
    except TomlEditError as exc:
        errors.append(f"{path}: cannot edit the config text: {exc}")
        text = config_text
    if text != config_text:
        try:
            parse_config(text, path)
        except ConfigError as exc:
            errors.extend(str(p) for p in exc.problems)
    diff = "".join(
        difflib.unified_diff(
            config_text.splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=path,
            tofile=f"{path} (suggested)",
        )
    )
    return Suggestion(path, tasks, text, diff, errors)


def render_text(suggestion: Suggestion) -> str:
    """The suggestion for a terminal: a summary per agent and task, then the diff."""
    lines = [f"# Scope suggestion for {neutralise(suggestion.path)} (nothing has been applied)"]
    if not suggestion.tasks:
        lines.append("# No configured task has sessions in the period: no evidence to act on.")
    for t in suggestion.tasks:
        removed = sum(1 for c in t.changes if c.action == "remove")
        allow = sum(1 for c in t.changes if c.action == "add" and c.list == "allow")
        deny = sum(1 for c in t.changes if c.action == "add" and c.list == "deny")
        lines.append(
            f"# {neutralise(t.agent)} / {neutralise(t.task)}: {t.sessions} sessions, "
            f"{t.calls} calls reviewed — {removed} unused rules removed, {allow} allow and "
            f"{deny} deny rules proposed"
        )
        for note in t.notes:
            lines.append(f"#   note: {neutralise(note, limit=1000)}")
    for error in suggestion.errors:
        lines.append(f"# ERROR: {neutralise(error, limit=1000)}")
    if not suggestion.diff:
        lines.append("# No change to propose.")
    out = "\n".join(lines) + "\n"
    return out + suggestion.diff
