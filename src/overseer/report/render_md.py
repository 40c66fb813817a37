"""The access review as Markdown that reads well raw (in a terminal, a ticket, an e-mail) and
renders well (GitHub, GitLab, any CommonMark viewer).

Every string in the review is already display-safe (neutralised, secrets masked); what is
left is Markdown itself. Identifiers, commands and summaries go into code spans
(:func:`md_code`: no emphasis, links or HTML inside them, pipes escaped for tables), and
prose fields into :func:`md_text`, which backslash-escapes every character Markdown or HTML
could act on — so a tool result reading ``<script>`` or ``[@click=app.quit]`` is shown, not
interpreted, and a ``|`` cannot add a column to a table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from overseer.report.review import CATEGORIES, OUTCOMES, VERDICTS, period_text

#: What Markdown or inline HTML could act on inside a line: emphasis, code, links and images
#: (``[`` suffices: ``(``/``!`` mean nothing without it), HTML tags and entities (an
#: ``&#8238;`` would become a bidi override), strikethrough, table pipes.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_BACKTICKS = re.compile(r"`+")
_ITEMS_SHOWN = 200


def md_text(value: Any) -> str:
    """Prose for Markdown: every special character escaped, one line."""
    if value is None or value == "":
        return ""
    text = " ".join(str(value).splitlines())
    return _MD_SPECIAL.sub(r"\\\1", text)


_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@+-]*")


def md_word(value: Any) -> str:
    """An identifier of ours (an outcome, a verdict, a detector id) as it is, when it cannot
    mean anything to Markdown (``timed_out``: an underscore inside a word is not emphasis);
    anything else is escaped like prose."""
    text = "" if value is None else str(value)
    return text if _WORD.fullmatch(text) else md_text(text)


def md_code(value: Any) -> str:
    """A code span (literal text), safe inside a table cell."""
    if value is None or value == "":
        return ""
    text = " ".join(str(value).splitlines()).replace("|", "\\|")
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def when(value: Any) -> str:
    """``2026-03-02T10:00:03.120000Z`` → ``2026-03-02 10:00:03Z`` (seconds are enough)."""
    if not value:
        return "–"
    text = str(value)
    return text[:10] + " " + text[11:19] + "Z" if len(text) >= 19 else text


def duration(seconds: Any) -> str:
    if seconds is None:
        return "–"
    s = float(seconds)
    if s < 60:
        return f"{s:.1f} s"
    if s < 3600:
        return f"{int(s // 60)} min {int(s % 60)} s"
    return f"{int(s // 3600)} h {int(s % 3600 // 60)} min"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A GFM table; cells must already be escaped (:func:`md_text` / :func:`md_code`)."""
    if not rows:
        return ["_none_", ""]
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return [*out, ""]


def chain_line(chain: Mapping[str, Any]) -> str:
    """The audit chain's verdict, first thing a reader sees."""
    if not chain.get("verified"):
        return "**Audit chain: NOT VERIFIED.**"
    if chain.get("ok"):
        cp = ", checkpoint matches" if chain.get("checkpoint_checked") else ""
        head = str(chain.get("head") or "")[:16]
        return f"**Audit chain: intact** — {chain.get('rows', 0)} decisions, head `{head}`{cp}."
    return (
        f"**Audit chain: BROKEN** at seq {chain.get('first_bad_seq')} — "
        f"{md_text(chain.get('problem'))}: {md_text(chain.get('detail'))}. "
        "Nothing below can be trusted further than the chain."
    )


def _counts(counts: Mapping[str, Any], order: Sequence[str]) -> str:
    return " · ".join(f"{key.replace('_', ' ')} {counts.get(key, 0)}" for key in order)


def render_md(review: Mapping[str, Any]) -> str:
    """The whole review as one Markdown document."""
    out: list[str] = []
    totals = review["totals"]
    filters = review.get("filters") or {}
    scope = []
    if filters.get("agent"):
        scope.append(f"agent {md_code(filters['agent'])}")
    if filters.get("session"):
        scope.append(f"session {md_code(filters['session'])}")
    out += ["# Access review", ""]
    out += [chain_line(review["chain"]), ""]
    for warning in review["chain"].get("warnings") or ():
        out.append(f"> warning: {md_text(warning)}")
    out += [
        f"- **Period:** {md_text(period_text(review))}"
        + (
            f" (events from {when(review['period'].get('first_event'))} "
            f"to {when(review['period'].get('last_event'))})"
            if review["period"].get("first_event")
            else ""
        ),
        f"- **Reviewing:** {', '.join(scope) if scope else 'every agent'}",
        f"- **Generated:** {when(review.get('generated_at'))}",
        "",
        f"{totals['agents']} agents, {totals['sessions']} sessions, {totals['tool_calls']} tool "
        f"calls. **{totals['unused_entitlements']} unused entitlements**, "
        f"**{totals['out_of_scope']} out-of-scope attempts**, {totals['acquired_tools']} tools "
        f"acquired at runtime, {totals['decisions']} gate decisions "
        f"({totals['pending_approvals']} pending), flags: "
        f"{totals['flags']['safety']} safety, {totals['flags']['security']} security.",
        "",
    ]
    out += _agents(review)
    out += _unused(review)
    out += _out_of_scope(review)
    out += _acquired(review)
    out += _decisions(review)
    out += _flags(review)
    out += _sessions(review)
    return "\n".join(out).rstrip() + "\n"


def _agents(review: Mapping[str, Any]) -> list[str]:
    out = ["## Agents", ""]
    rows = []
    for a in review["agents"]:
        autonomy = a["autonomy"]
        rows.append(
            [
                md_code(a["agent"]),
                md_text(a["owner"] or "(not configured)"),
                md_text(autonomy["declared"] or "–"),
                md_text(autonomy["observed"]),
                str(a["sessions_reviewed"]),
                str(a["tool_calls"]),
                str(a["out_of_scope"]),
                str(a["unused_entitlements"]),
                f"{a['flags']['safety']} / {a['flags']['security']}",
            ]
        )
    out += table(
        [
            "Agent",
            "Owner",
            "Declared",
            "Observed",
            "Sessions",
            "Calls",
            "Out of scope",
            "Unused",
            "Flags (safety / security)",
        ],
        rows,
    )
    for a in review["agents"]:
        autonomy = a["autonomy"]
        out += [f"### {md_text(a['agent'])}", ""]
        out.append(f"- **Owner:** {md_text(a['owner'] or 'not configured: nobody answers for it')}")
        if a.get("description"):
            out.append(f"- **Description:** {md_text(a['description'])}")
        out.append(
            f"- **Autonomy:** declared {md_text(autonomy['declared'] or 'nothing')}, observed "
            f"{md_text(autonomy['observed'])} over {a['sessions_reviewed']} sessions"
        )
        for reason in autonomy["reasons"]:
            out.append(f"  - {md_text(reason)}")
        out.append(f"- **Verdicts:** {_counts(a['verdicts'], VERDICTS)}")
        if a["decisions"]:
            out.append(f"- **Decisions:** {_counts(a['decisions'], list(a['decisions']))}")
        for finding in a["findings"]:
            owasp = ", ".join(finding.get("owasp") or ())
            out.append(
                f"- **Finding ({md_word(finding['kind'])}, {md_word(finding['severity'])}, "
                f"{md_text(owasp)}):** {md_text(finding['message'])}"
            )
        out.append("")
        for task in a["tasks"]:
            head = f"#### Task {md_code(task['task']) if task['task'] else '(none)'}"
            detail = (
                f"{task['sessions']} sessions, {task['tool_calls']} calls; "
                f"{_counts(task['verdicts'], VERDICTS)}"
            )
            if task["default"]:
                detail += f"; default {md_text(task['default'])}"
            if not task["configured"]:
                detail += "; **not in the config**"
            if task.get("unjudged_shell_calls"):
                detail += (
                    f"; {task['unjudged_shell_calls']} shell calls could not be parsed, so "
                    "shell rules' hit counts undercount"
                )
            out += [head, "", detail, ""]
            rows = [
                [
                    md_word(r["list"]),
                    md_code(r["rule"]),
                    str(r["hits"]),
                    str(r["sessions"]),
                    when(r["last_seen"]),
                    _rule_note(r, task),
                ]
                for r in task["rules"]
            ]
            out += table(["List", "Rule", "Hits", "Sessions", "Last used", "Note"], rows)
    return out


def _rule_note(rule: Mapping[str, Any], task: Mapping[str, Any]) -> str:
    if not rule["in_config"]:
        return "no longer in the config"
    if rule["hits"] == 0 and rule["list"] in ("allow", "ask"):
        return "unused: removal candidate" if task["sessions"] else "unused (no sessions)"
    return ""


def _unused(review: Mapping[str, Any]) -> list[str]:
    out = [
        "## Unused entitlements",
        "",
        "Allow and ask rules that decided no call in the period: authority provisioned and "
        "never exercised. Candidates for removal (`overseer report --suggest-scope` proposes "
        "the edit).",
        "",
    ]
    rows = [
        [
            md_code(u["agent"]),
            md_text(u["owner"] or "–"),
            md_code(u["task"]),
            md_word(u["list"]),
            md_code(u["rule"]),
            f"{u['sessions_reviewed']} / {u['calls_reviewed']}",
        ]
        for u in review["unused_entitlements"]
    ]
    return out + table(
        ["Agent", "Owner", "Task", "List", "Rule", "Sessions / calls reviewed"], rows
    )


def _out_of_scope(review: Mapping[str, Any]) -> list[str]:
    oos = review["out_of_scope"]
    out = [
        "## Out-of-scope attempts",
        "",
        f"{oos['total']} calls outside the provisioned scope: "
        f"{_counts(oos['by_verdict'], ['unscoped', 'deny'])} by verdict; "
        f"{_counts(oos['by_status'], ['rejected', 'blocked'])} by outcome "
        "(rejected: a human said no in the agent's UI; blocked: refused before it ran).",
        "",
    ]
    rows = [
        [
            md_code(g["agent"]),
            md_code(g["task"]),
            md_code(g["label"]),
            md_word(g["verdict"]),
            md_word(g["status"]),
            str(g["count"]),
            str(g["sessions"]),
            when(g["last_seen"]),
            md_code(g["example"]),
        ]
        for g in oos["groups"][:_ITEMS_SHOWN]
    ]
    out += table(
        [
            "Agent",
            "Task",
            "Tool / command",
            "Verdict",
            "Status",
            "Attempts",
            "Sessions",
            "Last seen",
            "Example",
        ],
        rows,
    )
    if len(oos["groups"]) > _ITEMS_SHOWN:
        out += [f"_… {len(oos['groups']) - _ITEMS_SHOWN} more groups in `--format json`._", ""]
    return out


def _acquired(review: Mapping[str, Any]) -> list[str]:
    out = [
        "## Tools acquired at runtime",
        "",
        "Tools used that no allow rule of the task names, and shell commands no allow rule "
        "covered in any call: authority taken at run time rather than provisioned.",
        "",
    ]
    rows = [
        [
            md_code(t["agent"]),
            md_code(t["task"]),
            md_word(t["kind"]),
            md_code(t["name"]),
            str(t["calls"]),
            str(t["ran"]),
            str(t["sessions"]),
            _counts(t["verdicts"], VERDICTS),
            when(t["last_seen"]),
        ]
        for t in review["acquired_tools"]
    ]
    return out + table(
        [
            "Agent",
            "Task",
            "Kind",
            "Tool / command",
            "Calls",
            "Ran",
            "Sessions",
            "Verdicts",
            "Last seen",
        ],
        rows,
    )


def _decisions(review: Mapping[str, Any]) -> list[str]:
    d = review["decisions"]
    ttd = d["time_to_decide"]
    out = [
        "## Gate decisions",
        "",
        f"{d['total']} decisions in the audit chain: {_counts(d['by_outcome'], OUTCOMES)}. "
        f"Timeouts are counted apart from denials: nobody answered, which is not a no. "
        f"{d['pending']} approvals still pending.",
        "",
        f"Time to decide (approved or denied by an operator, {ttd['count']} decisions): median "
        f"{duration(ttd['median_s'])}, 90th percentile {duration(ttd['p90_s'])}, longest "
        f"{duration(ttd['max_s'])}.",
        "",
    ]
    rows = [
        [
            when(i["ts"]),
            md_word(i.get("outcome_label") or i["outcome"]),
            md_code(i["operator"]),
            md_code(i["agent"]),
            md_code(i["tool"]),
            (
                f"asked: {md_code(i['summary'])}; **edited by the operator to:** "
                f"{md_code(i.get('edited_summary'))}"
                if i.get("edited")
                else md_code(i["summary"])
            ),
            md_text(i["reason"] or ""),
            duration(i["time_to_decide_s"]),
        ]
        for i in d["items"][:_ITEMS_SHOWN]
    ]
    out += table(
        ["Decided", "Outcome", "Operator", "Agent", "Tool", "Call", "Reason", "Time to decide"],
        rows,
    )
    shown = min(len(d["items"]), _ITEMS_SHOWN)
    if d["gated"] > shown:
        out += [f"_… {d['gated'] - shown} more gated decisions in `--format json`._", ""]
    return out


def _flags(review: Mapping[str, Any]) -> list[str]:
    flags = review["flags"]
    out = [
        "## Flags",
        "",
        f"{flags['total']} flags: {flags['by_category']['safety']} safety (the agent may do "
        f"harm on its own), {flags['by_category']['security']} security (someone may be "
        "abusing the agent).",
        "",
    ]
    owasp_rows = [
        [md_text(o["id"]), md_text(o["title"]), str(o["count"])] for o in flags["by_owasp"]
    ]
    out += ["### By OWASP id", "", *table(["Id", "Title", "Flags"], owasp_rows)]
    for category in CATEGORIES:
        items = flags["items"][category]
        out += [f"### {category.capitalize()} ({flags['by_category'][category]})", ""]
        detectors = [d for d in flags["by_detector"] if d["category"] == category]
        if detectors:
            out.append(
                " · ".join(
                    f"{md_text(d['title'] or d['detector'])} {d['count']}" for d in detectors
                )
            )
            out.append("")
        rows = [
            [
                when(f["ts"]),
                md_code(f["agent"]),
                md_code(f["session"]),
                md_word(f["detector"]),
                md_word(f["severity"]),
                md_text(", ".join(f["owasp"])),
                md_text(f["message"]),
            ]
            for f in items[:_ITEMS_SHOWN]
        ]
        out += table(["When", "Agent", "Session", "Detector", "Severity", "OWASP", "Message"], rows)
        left = flags["by_category"][category] - min(len(items), _ITEMS_SHOWN)
        if left > 0:
            out += [f"_… {left} more {category} flags in `--format json`._", ""]
    if review["findings"]:
        out += ["### Autonomy findings", ""]
        for finding in review["findings"]:
            out.append(
                f"- {md_code(finding['agent'])} ({md_word(finding['category'])}, "
                f"{md_text(', '.join(finding.get('owasp') or ()))}): {md_text(finding['message'])}"
            )
        out.append("")
    return out


def _sessions(review: Mapping[str, Any]) -> list[str]:
    out = ["## Sessions", ""]
    rows = [
        [
            md_code(s["session"]),
            md_code(s["agent"]),
            md_code(s["task"]),
            md_word(s["status"]),
            when(s["started_at"]),
            when(s["last_event_at"]),
            str(s["tool_calls"]),
            str(s["out_of_scope"]),
            f"{s['flags']['safety']} / {s['flags']['security']}",
            str(s["decisions"]),
        ]
        for s in review["sessions"][: _ITEMS_SHOWN * 5]
    ]
    out += table(
        [
            "Session",
            "Agent",
            "Task",
            "Status",
            "Started",
            "Last event",
            "Calls",
            "Out of scope",
            "Flags (safety / security)",
            "Decisions",
        ],
        rows,
    )
    if len(review["sessions"]) > _ITEMS_SHOWN * 5:
        out += [
            f"_… {len(review['sessions']) - _ITEMS_SHOWN * 5} more sessions in `--format json`._",
            "",
        ]
    return out
