"""overseer: live oversight of AI agent sessions.

Kept empty on purpose: the gate hook imports this package before every tool call of every
agent, so nothing here may pull in a heavy module.
"""

__version__ = "0.1.0"
