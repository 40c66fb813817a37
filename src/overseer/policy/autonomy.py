"""Autonomy by behaviour: does an agent follow a fixed path like a script, or choose its own?

An agent is *declared* ``deterministic`` or ``autonomous`` in config.toml; this module
*observes* which it is from the tools it actually called, per agent across its sessions:

* **distinct tools** — how many different tools it used;
* **distinct sequences** — how many different whole-session tool sequences (signatures) it
  produced, and their ratio to the number of sessions;
* **novelty** — the share of tool-to-tool transitions in later sessions never seen in earlier
  ones: a script repeats its path, so after its first run almost nothing is new.

Sequences are compared with consecutive repeats collapsed (``Read Read Read Edit`` →
``Read Edit``): a script that reads three files one day and five the next has not changed
path. Feed :func:`action_label` values rather than bare tool names where you can: an agent
that does everything through ``Bash`` chooses *commands*, and ``Bash:git``, ``Bash:pytest``
show it.

Classification (thresholds in :class:`AutonomySettings`, each explained in ``reasons``):

* fewer than ``min_sessions`` sessions with tool calls → ``undetermined``;
* ``novelty ≥ novelty_threshold`` (0.20) → ``autonomous``: later sessions keep taking paths
  never taken before;
* ``distinct_sequences ≥ min_distinct_sequences`` (3) and ``sequence_ratio ≥
  sequence_ratio_threshold`` (0.60) → ``autonomous``: most sessions take a path of their own,
  even when built from known steps;
* otherwise ``deterministic``. A script with a success path and a couple of failure branches
  stays deterministic: few distinct sequences, little novelty after the first runs.

Findings (``AutonomyFinding``, convertible to a :class:`~overseer.model.Flag`):

* ``autonomy_mismatch`` — declared ``deterministic`` (or not declared) but observed
  ``autonomous``: "classified as deterministic, behaves autonomously: review its controls";
* ``ungated_destructive`` — an agent declared or observed ``autonomous`` whose scope lets a
  destructive action through without a gate: a probe set of destructive commands
  (:data:`DESTRUCTIVE_PROBES`) is judged with the real scope evaluator, so ``Bash``,
  ``Bash(rm:*)``, ``Bash(kubectl:*)`` or ``Bash(git push:*)`` with a deny for ``--force`` but
  not for ``-f`` are all caught; destructive-named tools (``mcp__db__drop_table``) allowed
  by name or glob are too.

Pure: no I/O. Reports pass in what the store holds.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from overseer.model import Flag, FlagCategory
from overseer.policy.rules import SHELL_TOOLS, CallContext, canonical_tool, split_shell
from overseer.policy.scope import Scope, evaluate

DETERMINISTIC = "deterministic"
AUTONOMOUS = "autonomous"
UNDETERMINED = "undetermined"

START, END = "^", "$"

#: Destructive commands an ungated scope must not let through: (capability, command).
DESTRUCTIVE_PROBES: tuple[tuple[str, str], ...] = (
    ("recursive delete outside the working directory", "rm -rf /var/lib/data"),
    ("recursive delete outside the working directory", "sudo rm -rf /var/lib/data"),
    ("mass delete", "find /var/lib/data -delete"),
    ("force push", "git push --force origin main"),
    ("force push", "git push -f origin main"),
    ("force push", "git push origin +main"),
    ("hard reset", "git reset --hard HEAD~5"),
    ("git clean", "git clean -fdx"),
    ("kubectl delete", "kubectl delete namespace production"),
    ("terraform destroy", "terraform destroy -auto-approve"),
    ("terraform destroy", "terraform apply -destroy -auto-approve"),
    ("helm uninstall", "helm uninstall production"),
    ("SQL drop", "psql -c 'DROP TABLE users'"),
    ("cloud delete", "aws s3 rm s3://production-data --recursive"),
)

_DESTRUCTIVE_VERBS = frozenset({
    "delete", "drop", "destroy", "remove", "rm", "truncate", "purge", "wipe", "terminate",
    "erase", "uninstall", "deprovision", "teardown",
})  # fmt: skip
_NAME_TOKENS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_MULTIPLEXERS = frozenset({
    "git", "npm", "pnpm", "yarn", "npx", "docker", "podman", "kubectl", "helm", "cargo", "go",
    "gh", "terraform", "tofu", "uv", "pip", "poetry", "make", "aws", "gcloud", "az", "bun",
    "dotnet", "mvn", "gradle", "systemctl", "brew", "apt", "apt-get",
})  # fmt: skip
_GLOBAL_VALUE_OPTS = {
    "git": frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace"}),
    "kubectl": frozenset({"-n", "--namespace", "--context", "--kubeconfig", "--cluster"}),
    "helm": frozenset({"-n", "--namespace", "--kube-context"}),
    "docker": frozenset({"-H", "--host", "--context", "-c", "--config"}),
    "terraform": frozenset({"-chdir"}),
    "make": frozenset({"-C", "-f", "-j"}),
    "npm": frozenset({"--prefix", "-w", "--workspace"}),
}
_SETUP = frozenset({"cd", "pushd", "export", "set", "source", ".", "unset"})
_WRAPPERS = frozenset({"sudo", "doas", "env", "nohup", "time", "timeout", "nice", "command"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


class AutonomySettings:
    """Thresholds of the behavioural classification (see the module docstring)."""

    __slots__ = (
        "min_distinct_sequences", "min_sessions", "novelty_threshold", "sequence_ratio_threshold",
    )  # fmt: skip

    def __init__(
        self,
        min_sessions: int = 3,
        novelty_threshold: float = 0.20,
        sequence_ratio_threshold: float = 0.60,
        min_distinct_sequences: int = 3,
    ) -> None:
        self.min_sessions = min_sessions
        self.novelty_threshold = novelty_threshold
        self.sequence_ratio_threshold = sequence_ratio_threshold
        self.min_distinct_sequences = min_distinct_sequences


# ---------------------------------------------------------------------------------------------
# labels


def action_label(tool: str, tool_input: Mapping[str, Any] | None = None) -> str:
    """What a call did, at the grain autonomy is judged on: the tool name, and for shell tools
    the program (``Bash:pytest``), with the subcommand for multiplexers (``Bash:git push``)."""
    family = canonical_tool(tool)
    if family not in SHELL_TOOLS or not isinstance(tool_input, Mapping):
        return tool
    parts = split_shell(tool_input)
    if not parts:
        return family
    # "cd src && pytest" is pytest: skip the set-up commands in front
    main = next((p for p in parts if p.split(" ", 1)[0] not in _SETUP), parts[0])
    words = main.split(" ")
    while words and (
        posixpath.basename(words[0]) in _WRAPPERS
        or _ASSIGNMENT.match(words[0])
        or (words[0].startswith("-") and len(words) > 1)
    ):
        words = words[1:]
    if not words:
        return family
    prog = posixpath.basename(words[0]).lower()
    if prog in _MULTIPLEXERS:
        takes_value = _GLOBAL_VALUE_OPTS.get(prog, frozenset())
        sub, skip = "", False
        for word in words[1:]:
            if skip:
                skip = False
            elif word.startswith("-"):
                skip = word in takes_value
            else:
                sub = word
                break
        if sub and re.fullmatch(r"[a-z][a-z0-9:_-]*", sub):
            return f"{family}:{prog} {sub}"
    return f"{family}:{prog}"


# ---------------------------------------------------------------------------------------------
# sequence statistics


def collapse(sequence: Iterable[str]) -> tuple[str, ...]:
    """Consecutive repeats folded: ``A A B A`` → ``A B A``."""
    out: list[str] = []
    for item in sequence:
        if not out or out[-1] != item:
            out.append(item)
    return tuple(out)


def transitions(sequence: Sequence[str]) -> set[tuple[str, str]]:
    """The tool-to-tool steps of one (collapsed) session, with start and end markers."""
    path = (START, *sequence, END)
    return {(path[i], path[i + 1]) for i in range(len(path) - 1)}


class SequenceStats:
    """How much an agent's tool sequences vary across its sessions (oldest session first)."""

    __slots__ = (
        "calls", "distinct_sequences", "distinct_tools", "distinct_transitions",
        "empty_sessions", "later_transitions", "new_transitions", "novelty", "sequence_ratio",
        "sessions", "tools",
    )  # fmt: skip

    def __init__(self, sessions: Sequence[Sequence[str]]) -> None:
        used = [list(s) for s in sessions if len(s) > 0]
        self.empty_sessions = len(sessions) - len(used)
        self.sessions = len(used)
        self.calls = sum(len(s) for s in used)
        self.tools: tuple[str, ...] = tuple(sorted({t for s in used for t in s}))
        self.distinct_tools = len(self.tools)
        signatures = [collapse(s) for s in used]
        self.distinct_sequences = len(set(signatures))
        self.sequence_ratio = self.distinct_sequences / self.sessions if self.sessions else 0.0
        seen: set[tuple[str, str]] = set()
        new = later = 0
        for i, signature in enumerate(signatures):
            steps = transitions(signature)
            if i > 0:
                later += len(steps)
                new += len(steps - seen)
            seen |= steps
        self.distinct_transitions = len(seen)
        self.new_transitions = new
        self.later_transitions = later
        self.novelty = new / later if later else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions,
            "empty_sessions": self.empty_sessions,
            "calls": self.calls,
            "distinct_tools": self.distinct_tools,
            "tools": list(self.tools),
            "distinct_sequences": self.distinct_sequences,
            "sequence_ratio": round(self.sequence_ratio, 4),
            "distinct_transitions": self.distinct_transitions,
            "new_transitions": self.new_transitions,
            "later_transitions": self.later_transitions,
            "novelty": round(self.novelty, 4),
        }


def sequence_stats(sessions: Sequence[Sequence[str]]) -> SequenceStats:
    return SequenceStats(sessions)


def classify(
    stats: SequenceStats, settings: AutonomySettings | None = None
) -> tuple[str, list[str]]:
    """The observed class and the reasons for it, one readable line each."""
    s = settings or AutonomySettings()
    if stats.sessions < s.min_sessions:
        return UNDETERMINED, [
            f"{stats.sessions} session(s) with tool calls; at least {s.min_sessions} are needed "
            "to tell a fixed path from a chosen one"
        ]
    novelty = (
        f"novelty {stats.novelty:.2f} ({stats.new_transitions} of {stats.later_transitions} "
        "transitions in later sessions never seen before)"
    )
    variety = (
        f"{stats.distinct_sequences} distinct tool sequences in {stats.sessions} sessions "
        f"(ratio {stats.sequence_ratio:.2f})"
    )
    reasons: list[str] = []
    if stats.novelty >= s.novelty_threshold:
        reasons.append(
            f"{novelty} ≥ {s.novelty_threshold:.2f}: later sessions keep taking new paths"
        )
    if (
        stats.distinct_sequences >= s.min_distinct_sequences
        and stats.sequence_ratio >= s.sequence_ratio_threshold
    ):
        reasons.append(
            f"{variety} ≥ {s.sequence_ratio_threshold:.2f} with at least "
            f"{s.min_distinct_sequences}: most sessions take a path of their own"
        )
    if reasons:
        return AUTONOMOUS, reasons
    return DETERMINISTIC, [
        f"{novelty} < {s.novelty_threshold:.2f} and {variety} below "
        f"{s.sequence_ratio_threshold:.2f} (or fewer than {s.min_distinct_sequences}): "
        "repeats a fixed path"
    ]


# ---------------------------------------------------------------------------------------------
# ungated destructive authority


class UngatedAction:
    """A destructive action a scope lets through without a gate, and the rules that do."""

    __slots__ = ("capability", "example", "rules", "tool")

    def __init__(self, capability: str, example: str, rules: tuple[str, ...], tool: str) -> None:
        self.capability = capability
        self.example = example
        self.rules = rules  # rule texts, or ("default = allow",)
        self.tool = tool

    def as_dict(self) -> dict[str, Any]:
        return {
            "capability": self.capability,
            "example": self.example,
            "rules": list(self.rules),
            "tool": self.tool,
        }

    def __repr__(self) -> str:
        return f"UngatedAction({self.capability!r}, {self.example!r}, rules={self.rules!r})"


def destructive_tool_name(tool: str) -> bool:
    """``mcp__db__drop_table``, ``deleteCustomer``, ``purge-cache``: a name that says it."""
    tokens = {t.lower() for t in _NAME_TOKENS.findall(tool)}
    return bool(tokens & _DESTRUCTIVE_VERBS)


def ungated_destructive(scope: Scope, tools: Iterable[str] = ()) -> list[UngatedAction]:
    """Destructive actions ``scope`` allows without asking: every probe command
    (:data:`DESTRUCTIVE_PROBES`, through each shell tool the scope names) and every
    destructive-named tool among the scope's rules and ``tools`` (tool names seen in use)."""
    ctx = CallContext("/nonexistent-cwd", "/nonexistent-home")
    named = {r.tool for _, r in scope.rules() if r.tool in SHELL_TOOLS and r.tool != "Bash"}
    shells = ["Bash", *sorted(named)]
    out: list[UngatedAction] = []
    for shell in shells:
        for capability, command in DESTRUCTIVE_PROBES:
            decision = evaluate(scope, shell, {"command": command}, ctx)
            if decision.effective == "allow":
                rules = decision.rules or ("default = allow",)
                out.append(UngatedAction(capability, command, rules, shell))
    names = {r.tool for _, r in scope.rules() if "*" not in r.tool and r.spec is None}
    names.update(tools)
    for name in sorted(names):
        if canonical_tool(name) in SHELL_TOOLS or not destructive_tool_name(name):
            continue
        decision = evaluate(scope, name, {}, ctx)
        if decision.effective == "allow":
            rules = decision.rules or ("default = allow",)
            out.append(UngatedAction("destructive tool", name, rules, name))
    return out


# ---------------------------------------------------------------------------------------------
# findings and the per-agent verdict


class AutonomyFinding:
    """Something a reviewer should act on about one agent (and task)."""

    __slots__ = ("actions", "agent", "category", "kind", "message", "owasp", "rules", "severity",
                 "task")  # fmt: skip

    def __init__(
        self,
        kind: str,
        agent: str,
        message: str,
        *,
        severity: str,
        owasp: tuple[str, ...],
        category: FlagCategory = FlagCategory.SAFETY,
        task: str | None = None,
        rules: tuple[str, ...] = (),
        actions: tuple[UngatedAction, ...] = (),
    ) -> None:
        self.kind = kind
        self.agent = agent
        self.message = message
        self.severity = severity
        self.owasp = owasp
        self.category = category
        self.task = task
        self.rules = rules
        self.actions = actions

    def as_flag(self) -> Flag:
        return Flag(self.kind, self.category, self.message, self.owasp, self.severity)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "agent": self.agent,
            "task": self.task,
            "category": self.category.value,
            "severity": self.severity,
            "owasp": list(self.owasp),
            "message": self.message,
            "rules": list(self.rules),
            "actions": [a.as_dict() for a in self.actions],
        }

    def __repr__(self) -> str:
        return f"AutonomyFinding({self.kind!r}, {self.agent!r}, task={self.task!r})"


MISMATCH_MESSAGE = "classified as deterministic, behaves autonomously: review its controls"
UNDECLARED_MESSAGE = (
    "no autonomy class declared, behaves autonomously: classify it and review its controls"
)


class AgentAutonomy:
    """Declared versus observed autonomy of one agent, with the evidence and findings."""

    __slots__ = ("agent", "declared", "findings", "observed", "reasons", "stats")

    def __init__(
        self,
        agent: str,
        declared: str | None,
        observed: str,
        stats: SequenceStats,
        reasons: list[str],
        findings: list[AutonomyFinding],
    ) -> None:
        self.agent = agent
        self.declared = declared
        self.observed = observed
        self.stats = stats
        self.reasons = reasons
        self.findings = findings

    @property
    def effective(self) -> str:
        """``autonomous`` if declared *or* observed so: the class its controls must fit."""
        if AUTONOMOUS in (self.declared, self.observed):
            return AUTONOMOUS
        return self.declared or self.observed

    def as_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "declared": self.declared,
            "observed": self.observed,
            "effective": self.effective,
            "reasons": list(self.reasons),
            "stats": self.stats.as_dict(),
            "findings": [f.as_dict() for f in self.findings],
        }


def assess_agent(
    agent: str,
    sessions: Sequence[Sequence[str]],
    declared: str | None = None,
    scopes: Mapping[str, Scope] | None = None,
    settings: AutonomySettings | None = None,
) -> AgentAutonomy:
    """Classify ``agent`` from its sessions' tool sequences (oldest first) and check its scopes.

    ``sessions``: one sequence of tool names (or :func:`action_label` values) per session.
    ``declared``: the config's ``autonomy``. ``scopes``: task name → scope.
    """
    stats = SequenceStats(sessions)
    observed, reasons = classify(stats, settings)
    findings: list[AutonomyFinding] = []
    if observed == AUTONOMOUS and declared != AUTONOMOUS:
        message = MISMATCH_MESSAGE if declared == DETERMINISTIC else UNDECLARED_MESSAGE
        findings.append(
            AutonomyFinding(
                "autonomy_mismatch", agent, message, severity="high", owasp=("ASI10", "NHI5")
            )
        )
    if AUTONOMOUS in (declared, observed):
        seen_tools = {t.split(":", 1)[0] for s in sessions for t in s}
        for task, scope in (scopes or {}).items():
            findings.extend(_ungated_findings(agent, task, scope, seen_tools))
    return AgentAutonomy(agent, declared, observed, stats, reasons, findings)


def _ungated_findings(
    agent: str, task: str, scope: Scope, tools: Iterable[str]
) -> list[AutonomyFinding]:
    by_rules: dict[tuple[str, ...], list[UngatedAction]] = {}
    for action in ungated_destructive(scope, tools):
        by_rules.setdefault(action.rules, []).append(action)
    out: list[AutonomyFinding] = []
    for rules, actions in by_rules.items():
        capabilities = list(dict.fromkeys(a.capability for a in actions))
        examples = list(dict.fromkeys(a.example for a in actions))
        what = ", ".join(capabilities[:4]) + (
            f" (+{len(capabilities) - 4} more)" if len(capabilities) > 4 else ""
        )
        via = " + ".join(rules)
        message = (
            f"autonomous agent, task {task!r}: {via} lets {what} through without a gate "
            f"(e.g. {examples[0]}): add a deny or ask rule"
        )
        out.append(
            AutonomyFinding(
                "ungated_destructive",
                agent,
                message,
                severity="high",
                owasp=("ASI02", "NHI5"),
                task=task,
                rules=rules,
                actions=tuple(actions),
            )
        )
    return out
