"""A reference agent gateway: the API ``overseer poll`` speaks, served from native JSONL logs.

It exists for the polling tests and the demo (``docs/gateway-api.md`` is the contract). It is
a real HTTP server on a real socket, standard library only, with fault injection so the tests
can make it misbehave the ways real gateways do.
"""

from __future__ import annotations

from overseer.gateway.server import Fault, ReferenceGateway

__all__ = ["Fault", "ReferenceGateway"]
