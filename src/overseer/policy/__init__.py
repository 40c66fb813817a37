"""Scope rules, risk detectors and autonomy classification: pure functions, no I/O.

Nothing in this package may import the store, the TUI or an I/O library; the gate hook
imports it on every tool call, so it also stays cheap to import (no dataclasses, no pathspec
until a path rule is actually evaluated).
"""
