"""``from overseer.gate import request_approval``: the gate client for in-house agents.

A thin re-export of :mod:`overseer.control.gate` so the public import path stays short and
stable; see that module for the protocol.
"""

from overseer.control.gate import (
    Decision,
    request_approval,
    session_start_record,
    start_session,
)

__all__ = ["Decision", "request_approval", "session_start_record", "start_session"]
