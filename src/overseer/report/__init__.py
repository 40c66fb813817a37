"""Access reviews built around what happened inside sessions: provisioned versus exercised
authority (``overseer report``), and the tightened scope the evidence supports
(``overseer report --suggest-scope``).

Why a review of *sessions* and not of accounts: an autonomous agent chooses its tools at run
time, so the entitlements it was provisioned say little about what it did. The review puts
the two side by side — every rule with how often it decided a call, the rules never used
(removal candidates), the calls no rule provisioned, the gates a human answered — so the
accountable owner can take authority away on evidence.

Layout (dependencies point down, as everywhere in overseer):

* :mod:`.period` — ``--since``/``--until`` text → UTC datetimes (pure);
* :mod:`.review` — :class:`~.review.ReviewBuilder`, pure aggregation of plain rows into the
  review (one JSON-ready dict, the single source every renderer reads);
* :mod:`.render_md`, :mod:`.render_html` — the review as Markdown / one self-contained HTML
  file (pure);
* :mod:`.toml_edit`, :mod:`.suggest` — the scope suggestion as a unified diff against the
  config text (pure);
* :mod:`.gather` — the only module that reads the store, with :mod:`.aggregate` (the tool
  calls counted by the database, in groups); both feed the builder.
"""

from __future__ import annotations

__all__ = ["FORMAT"]

#: Identifies the JSON document (bumped if a stable key ever changes meaning).
FORMAT = "overseer-access-review/1"
