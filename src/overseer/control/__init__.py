"""Control: gate hooks for Claude Code and Codex, the in-house gate client, and kill.

Kept empty on purpose: :mod:`overseer.control.hook` runs before every tool call of every
agent, and importing this package is on its path.
"""
