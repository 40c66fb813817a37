"""The operator's Textual app: fleet, session timeline beside scope, approvals, audit.

Invariants (docs/architecture.md): workers do I/O and post messages, never touching widgets;
agent text reaches widgets only as already-neutralised strings wrapped in ``Text``/``Content``,
never as markup.
"""
