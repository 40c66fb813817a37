"""``overseer demo``: simulated agents writing live session logs, gated through the real store.

Nothing here is a mock of overseer: the agents write real JSONL files (native and Claude Code
formats) that the app tails, and their gated actions go through the same store protocol as
the Claude Code hook, so an operator's decision in the app changes what they do next.
"""
