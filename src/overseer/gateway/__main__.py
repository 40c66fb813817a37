"""``python -m overseer.gateway LOG... [--port N] [--token-env NAME]``: serve native JSONL
logs as the gateway API (the demo's gateway; ``docs/gateway-api.md``)."""

from __future__ import annotations

import argparse
import os
import sys
import time

from overseer.gateway.server import ReferenceGateway


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m overseer.gateway", description=__doc__)
    parser.add_argument("logs", nargs="*", help="native JSONL logs to serve (re-read live)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--token-env",
        default="OVERSEER_GATEWAY_TOKEN",
        help="require 'Authorization: Bearer <token>' with the token read from this variable "
        "(no token set: no authentication)",
    )
    parser.add_argument("--approval-timeout", type=float, default=None,
                        help="seconds before a pending approval expires")  # fmt: skip
    args = parser.parse_args(argv)
    token = os.environ.get(args.token_env) or None
    gateway = ReferenceGateway(
        args.logs, token=token, host=args.host, port=args.port,
        approval_timeout=args.approval_timeout,
    )  # fmt: skip
    try:
        gateway.start()
    except OSError as exc:
        print(f"overseer gateway: cannot listen on {args.host}:{args.port}: {exc.strerror}",
              file=sys.stderr)  # fmt: skip
        return 2
    auth = f"bearer token from ${args.token_env}" if token else "no authentication"
    print(f"reference gateway on {gateway.url} ({auth}); Ctrl+C stops it", file=sys.stderr)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        gateway.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
