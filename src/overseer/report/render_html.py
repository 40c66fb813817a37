"""The access review as ONE self-contained HTML file: inline CSS, an inline SVG chart drawn
here, no script, no external asset — it can be mailed, attached to a ticket or archived, and
opening it fetches nothing.

A ``Content-Security-Policy`` meta tag (``default-src 'none'``, inline styles only) makes the
browser itself refuse any script or fetch, so even a rendering bug could not turn agent text
into active content. Every value goes through :func:`html.escape` (quotes included), on top
of the neutralising and masking the review already did.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from overseer.report.render_md import duration, when
from overseer.report.review import CATEGORIES, OUTCOMES, VERDICTS, period_text

_ITEMS_SHOWN = 500
_COLOURS = {
    "allow": "#3b8a4f",
    "ask": "#c98a1b",
    "deny": "#b8382e",
    "unscoped": "#6b6fa8",
    "flags": "#d0342c",
}

_CSS = """
:root { color-scheme: light dark; --fg: #1d1f23; --muted: #5d6470; --bg: #ffffff;
  --panel: #f5f6f8; --line: #d9dce1; --ok: #2f7d45; --bad: #b3261e; --warn: #a86500; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e8eb; --muted: #a2a9b4; --bg: #16181c;
  --panel: #1f2228; --line: #363b44; --ok: #5cc27a; --bad: #ff6b61; --warn: #f0a94a; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 24px; font: 14px/1.45 system-ui, -apple-system,
  "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 24px; margin: 0 0 12px; } h2 { font-size: 19px; margin: 32px 0 8px;
  border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 6px; } h4 { font-size: 14px; margin: 14px 0 4px; }
code, .mono { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.chain { padding: 12px 16px; border-radius: 6px; font-weight: 600; margin: 8px 0 16px; }
.chain.ok { background: color-mix(in srgb, var(--ok) 14%, transparent);
  border: 1px solid var(--ok); }
.chain.bad { background: color-mix(in srgb, var(--bad) 14%, transparent);
  border: 2px solid var(--bad); }
.chain.unverified { border: 2px dashed var(--warn); }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px;
  padding: 8px 14px; min-width: 120px; }
.card b { display: block; font-size: 20px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left;
  vertical-align: top; }
th { background: var(--panel); font-weight: 600; position: sticky; top: 0; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.unused td { color: var(--warn); }
.tag { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 12px;
  border: 1px solid var(--line); }
.tag.safety { border-color: var(--warn); color: var(--warn); }
.tag.security { border-color: var(--bad); color: var(--bad); }
.tag.high { font-weight: 700; }
svg text { fill: var(--muted); font: 11px system-ui, sans-serif; }
svg .grid { stroke: var(--line); stroke-width: 1; }
.legend span { display: inline-block; margin-right: 14px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
details { margin: 6px 0; } summary { cursor: pointer; }
"""


def e(value: Any) -> str:
    """Escape anything for HTML text or a quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def _code(value: Any) -> str:
    return f"<code>{e(value)}</code>" if value not in (None, "") else ""


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: Sequence[int] = (),
    row_classes: Sequence[str] | None = None,
) -> str:
    """A table whose cells are already-escaped HTML fragments."""
    if not rows:
        return '<p class="muted">none</p>'
    head = "".join(
        f'<th class="n">{e(h)}</th>' if i in numeric else f"<th>{e(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = []
    for r, row in enumerate(rows):
        cls = f' class="{e(row_classes[r])}"' if row_classes and row_classes[r] else ""
        cells = "".join(
            f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _counts(counts: Mapping[str, Any], order: Sequence[str]) -> str:
    return " · ".join(f"{e(k.replace('_', ' '))} {e(counts.get(k, 0))}" for k in order)


def activity_svg(activity: Mapping[str, Any], width: int = 1100, height: int = 220) -> str:
    """Tool calls per time bucket, stacked by verdict, with flags as red ticks: an inline
    SVG built from numbers only (no agent text enters it)."""
    buckets = activity.get("buckets") or []
    if not buckets:
        return '<p class="muted">No tool calls in the period.</p>'
    left, right, top, bottom = 44, 10, 10, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(int(b.get(v, 0)) for v in VERDICTS) for b in buckets]
    peak = max(max(totals), 1)
    slot = plot_w / len(buckets)
    bar_w = max(slot * 0.8, 1.0)
    parts = [
        f'<svg viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="Tool calls over time by verdict">'
    ]
    for frac in (0.0, 0.5, 1.0):
        y = top + plot_h - frac * plot_h
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{round(peak * frac)}</text>'
        )
    for i, bucket in enumerate(buckets):
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h
        tip = [f"{when(bucket.get('start'))}"]
        for verdict in VERDICTS:
            n = int(bucket.get(verdict, 0))
            tip.append(f"{verdict} {n}")
            if not n:
                continue
            h = n / peak * plot_h
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{_COLOURS[verdict]}"/>'
            )
        flags = int(bucket.get("flags", 0))
        if flags:
            tip.append(f"flags {flags}")
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h + 3}" width="{bar_w:.1f}" height="5" '
                f'fill="{_COLOURS["flags"]}"/>'
            )
        parts.append(
            f'<rect x="{left + i * slot:.1f}" y="{top}" width="{slot:.1f}" height="{plot_h}" '
            f'fill="transparent"><title>{e(", ".join(tip))}</title></rect>'
        )
    label_y = height - 10
    parts.append(f'<text x="{left}" y="{label_y}">{e(when(activity.get("start")))}</text>')
    parts.append(
        f'<text x="{width - right}" y="{label_y}" text-anchor="end">'
        f"{e(when(activity.get('end')))}</text>"
    )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{label_y}" text-anchor="middle">'
        f"{e(_bucket_text(activity.get('bucket_seconds')))} per bar</text>"
    )
    parts.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{_COLOURS[k]}"></i>{e(k)}</span>' for k in (*VERDICTS, "flags")
    )
    return "".join(parts) + f'<div class="legend muted">{legend}</div>'


def _bucket_text(seconds: Any) -> str:
    if not seconds:
        return ""
    s = int(seconds)
    for unit, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if s % size == 0 and s >= size:
            n = s // size
            return f"{n} {unit}{'s' if n > 1 else ''}"
    return f"{s} s"


def render_html(review: Mapping[str, Any]) -> str:
    """The whole review as one HTML document."""
    totals = review["totals"]
    chain = review["chain"]
    filters = review.get("filters") or {}
    scope = []
    if filters.get("agent"):
        scope.append(f"agent {_code(filters['agent'])}")
    if filters.get("session"):
        scope.append(f"session {_code(filters['session'])}")
    cards = [
        ("agents", totals["agents"]),
        ("sessions", totals["sessions"]),
        ("tool calls", totals["tool_calls"]),
        ("unused entitlements", totals["unused_entitlements"]),
        ("out-of-scope attempts", totals["out_of_scope"]),
        ("tools acquired", totals["acquired_tools"]),
        ("gate decisions", totals["decisions"]),
        ("safety flags", totals["flags"]["safety"]),
        ("security flags", totals["flags"]["security"]),
    ]
    body = [
        "<h1>Access review</h1>",
        _chain_html(chain),
        '<p class="muted">Period: '
        + e(period_text(review))
        + (
            f" (events from {e(when(review['period'].get('first_event')))} to "
            f"{e(when(review['period'].get('last_event')))})"
            if review["period"].get("first_event")
            else ""
        )
        + f" · reviewing {', '.join(scope) if scope else 'every agent'}"
        + f" · generated {e(when(review.get('generated_at')))}</p>",
        '<div class="cards">'
        + "".join(f'<div class="card"><b>{e(v)}</b>{e(k)}</div>' for k, v in cards)
        + "</div>",
        "<h2>Activity over time</h2>",
        activity_svg(review.get("activity") or {}),
        _agents(review),
        _unused(review),
        _out_of_scope(review),
        _acquired(review),
        _decisions(review),
        _flags(review),
        _sessions(review),
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Access review · {e(period_text(review))}</title>"
        f"<style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _chain_html(chain: Mapping[str, Any]) -> str:
    if not chain.get("verified"):
        return '<div class="chain unverified">Audit chain: NOT VERIFIED</div>'
    if chain.get("ok"):
        cp = ", checkpoint matches" if chain.get("checkpoint_checked") else ""
        return (
            f'<div class="chain ok">Audit chain intact: {e(chain.get("rows", 0))} decisions, '
            f"head <code>{e(str(chain.get('head') or '')[:16])}</code>{e(cp)}</div>"
        )
    return (
        f'<div class="chain bad">Audit chain BROKEN at seq {e(chain.get("first_bad_seq"))}: '
        f"{e(chain.get('problem'))}: {e(chain.get('detail'))}. Nothing below can be trusted "
        "further than the chain.</div>"
    )


def _agents(review: Mapping[str, Any]) -> str:
    out = ["<h2>Agents</h2>"]
    rows = [
        [
            _code(a["agent"]),
            e(a["owner"] or "(not configured)"),
            e(a["autonomy"]["declared"] or "–"),
            e(a["autonomy"]["observed"]),
            e(a["sessions_reviewed"]),
            e(a["tool_calls"]),
            e(a["out_of_scope"]),
            e(a["unused_entitlements"]),
            f"{e(a['flags']['safety'])} / {e(a['flags']['security'])}",
        ]
        for a in review["agents"]
    ]
    out.append(
        _table(
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
            numeric=(4, 5, 6, 7),
        )
    )
    for a in review["agents"]:
        autonomy = a["autonomy"]
        out.append(f"<h3>{_code(a['agent'])}</h3><ul>")
        out.append(
            f"<li><b>Owner:</b> {e(a['owner'] or 'not configured: nobody answers for it')}</li>"
        )
        if a.get("description"):
            out.append(f"<li><b>Description:</b> {e(a['description'])}</li>")
        reasons = "".join(f"<li>{e(r)}</li>" for r in autonomy["reasons"])
        out.append(
            f"<li><b>Autonomy:</b> declared {e(autonomy['declared'] or 'nothing')}, observed "
            f"{e(autonomy['observed'])} over {e(a['sessions_reviewed'])} sessions"
            f"<ul>{reasons}</ul></li>"
        )
        out.append(f"<li><b>Verdicts:</b> {_counts(a['verdicts'], VERDICTS)}</li>")
        for finding in a["findings"]:
            out.append(
                f'<li><span class="tag {e(finding["category"])}">{e(finding["kind"])}</span> '
                f"{e(', '.join(finding.get('owasp') or ()))}: {e(finding['message'])}</li>"
            )
        out.append("</ul>")
        for task in a["tasks"]:
            detail = (
                f"{e(task['sessions'])} sessions, {e(task['tool_calls'])} calls; "
                f"{_counts(task['verdicts'], VERDICTS)}"
            )
            if task["default"]:
                detail += f"; default {e(task['default'])}"
            if not task["configured"]:
                detail += "; <b>not in the config</b>"
            if task.get("unjudged_shell_calls"):
                detail += (
                    f"; {e(task['unjudged_shell_calls'])} shell calls could not be parsed, so "
                    "shell rules' hit counts undercount"
                )
            out.append(
                f'<h4>Task {_code(task["task"] or "(none)")}</h4><p class="muted">{detail}</p>'
            )
            rows, classes = [], []
            for r in task["rules"]:
                unused = r["in_config"] and r["hits"] == 0 and r["list"] in ("allow", "ask")
                note = ""
                if not r["in_config"]:
                    note = "no longer in the config"
                elif unused:
                    note = (
                        "unused: removal candidate" if task["sessions"] else "unused (no sessions)"
                    )
                rows.append(
                    [
                        e(r["list"]),
                        _code(r["rule"]),
                        e(r["hits"]),
                        e(r["sessions"]),
                        e(when(r["last_seen"])),
                        e(note),
                    ]
                )
                classes.append("unused" if unused else "")
            out.append(
                _table(
                    ["List", "Rule", "Hits", "Sessions", "Last used", "Note"], rows, (2, 3), classes
                )
            )
    return "\n".join(out)


def _unused(review: Mapping[str, Any]) -> str:
    rows = [
        [
            _code(u["agent"]),
            e(u["owner"] or "–"),
            _code(u["task"]),
            e(u["list"]),
            _code(u["rule"]),
            f"{e(u['sessions_reviewed'])} / {e(u['calls_reviewed'])}",
        ]
        for u in review["unused_entitlements"]
    ]
    return (
        "<h2>Unused entitlements</h2><p>Allow and ask rules that decided no call in the period: "
        "authority provisioned and never exercised. Candidates for removal "
        "(<code>overseer report --suggest-scope</code> proposes the edit).</p>"
        + _table(["Agent", "Owner", "Task", "List", "Rule", "Sessions / calls reviewed"], rows)
    )


def _out_of_scope(review: Mapping[str, Any]) -> str:
    oos = review["out_of_scope"]
    rows = [
        [
            _code(g["agent"]),
            _code(g["task"]),
            _code(g["label"]),
            e(g["verdict"]),
            e(g["status"]),
            e(g["count"]),
            e(g["sessions"]),
            e(when(g["last_seen"])),
            _code(g["example"]),
        ]
        for g in oos["groups"][:_ITEMS_SHOWN]
    ]
    more = len(oos["groups"]) - _ITEMS_SHOWN
    return (
        f"<h2>Out-of-scope attempts</h2><p>{e(oos['total'])} calls outside the provisioned "
        f"scope: {_counts(oos['by_verdict'], ['unscoped', 'deny'])} by verdict; "
        f"{_counts(oos['by_status'], ['rejected', 'blocked'])} by outcome (rejected: a human "
        "said no in the agent's UI; blocked: refused before it ran).</p>"
        + _table(
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
            (5, 6),
        )
        + (f'<p class="muted">… {e(more)} more groups in the JSON report.</p>' if more > 0 else "")
    )


def _acquired(review: Mapping[str, Any]) -> str:
    rows = [
        [
            _code(t["agent"]),
            _code(t["task"]),
            e(t["kind"]),
            _code(t["name"]),
            e(t["calls"]),
            e(t["ran"]),
            e(t["sessions"]),
            _counts(t["verdicts"], VERDICTS),
            e(when(t["last_seen"])),
        ]
        for t in review["acquired_tools"]
    ]
    return (
        "<h2>Tools acquired at runtime</h2><p>Tools used that no allow rule of the task names, "
        "and shell commands no allow rule covered in any call: authority taken at run time "
        "rather than provisioned.</p>"
        + _table(
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
            (4, 5, 6),
        )
    )


def _decisions(review: Mapping[str, Any]) -> str:
    d = review["decisions"]
    ttd = d["time_to_decide"]
    outcome_rows = [[e(o), e(d["by_outcome"][o])] for o in OUTCOMES]
    rows = [
        [
            e(when(i["ts"])),
            e(i.get("outcome_label") or i["outcome"]),
            _code(i["operator"]),
            _code(i["agent"]),
            _code(i["tool"]),
            _call(i),
            e(i["reason"] or ""),
            e(duration(i["time_to_decide_s"])),
        ]
        for i in d["items"][:_ITEMS_SHOWN]
    ]
    more = d["gated"] - min(len(d["items"]), _ITEMS_SHOWN)
    return (
        f"<h2>Gate decisions</h2><p>{e(d['total'])} decisions in the audit chain; "
        f"{e(d['pending'])} approvals still pending. Timeouts are counted apart from denials: "
        "nobody answered, which is not a no.</p>"
        + _table(["Outcome", "Decisions"], outcome_rows, (1,))
        + f"<p>Time to decide (approved or denied by an operator, {e(ttd['count'])} decisions): "
        f"median {e(duration(ttd['median_s']))}, 90th percentile {e(duration(ttd['p90_s']))}, "
        f"longest {e(duration(ttd['max_s']))}.</p>"
        + _table(
            ["Decided", "Outcome", "Operator", "Agent", "Tool", "Call", "Reason", "Time to decide"],
            rows,
            (7,),
        )
        + (f'<p class="muted">… {e(more)} more in the JSON report.</p>' if more > 0 else "")
    )


def _call(item: Mapping[str, Any]) -> str:
    """The call as asked and, when the operator edited it, the edit that was approved."""
    if not item.get("edited"):
        return _code(item["summary"])
    return (
        f"asked: {_code(item['summary'])}<br><strong>edited by the operator to:</strong> "
        f"{_code(item.get('edited_summary'))}"
    )


def _flags(review: Mapping[str, Any]) -> str:
    flags = review["flags"]
    out = [
        f"<h2>Flags</h2><p>{e(flags['total'])} flags: {e(flags['by_category']['safety'])} "
        f"safety (the agent may do harm on its own), {e(flags['by_category']['security'])} "
        "security (someone may be abusing the agent).</p>",
        "<h3>By OWASP id</h3>",
        _table(
            ["Id", "Title", "Flags"],
            [[e(o["id"]), e(o["title"]), e(o["count"])] for o in flags["by_owasp"]],
            (2,),
        ),
    ]
    for category in CATEGORIES:
        out.append(f"<h3>{e(category.capitalize())} ({e(flags['by_category'][category])})</h3>")
        detectors = [d for d in flags["by_detector"] if d["category"] == category]
        if detectors:
            out.append(
                '<p class="muted">'
                + " · ".join(f"{e(d['title'] or d['detector'])} {e(d['count'])}" for d in detectors)
                + "</p>"
            )
        rows = [
            [
                e(when(f["ts"])),
                _code(f["agent"]),
                _code(f["session"]),
                f'<span class="tag {e(category)} {e(f["severity"])}">{e(f["detector"])}</span>',
                e(f["severity"]),
                e(", ".join(f["owasp"])),
                e(f["message"]),
            ]
            for f in flags["items"][category][:_ITEMS_SHOWN]
        ]
        out.append(
            _table(["When", "Agent", "Session", "Detector", "Severity", "OWASP", "Message"], rows)
        )
    if review["findings"]:
        out.append("<h3>Autonomy findings</h3><ul>")
        for finding in review["findings"]:
            out.append(
                f'<li>{_code(finding["agent"])} <span class="tag {e(finding["category"])}">'
                f"{e(finding['kind'])}</span> {e(', '.join(finding.get('owasp') or ()))}: "
                f"{e(finding['message'])}</li>"
            )
        out.append("</ul>")
    return "\n".join(out)


def _sessions(review: Mapping[str, Any]) -> str:
    shown = review["sessions"][: _ITEMS_SHOWN * 4]
    rows = [
        [
            _code(s["session"]),
            _code(s["agent"]),
            _code(s["task"]),
            e(s["status"]),
            e(when(s["started_at"])),
            e(when(s["last_event_at"])),
            e(s["tool_calls"]),
            e(s["out_of_scope"]),
            f"{e(s['flags']['safety'])} / {e(s['flags']['security'])}",
            e(s["decisions"]),
        ]
        for s in shown
    ]
    more = len(review["sessions"]) - len(shown)
    return (
        "<h2>Sessions</h2>"
        + _table(
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
            (6, 7, 9),
        )
        + (
            f'<p class="muted">… {e(more)} more sessions in the JSON report.</p>'
            if more > 0
            else ""
        )
    )
