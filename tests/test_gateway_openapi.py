"""``docs/gateway-openapi.json`` and the reference gateway describe the same API.

Every documented operation is served; every documented example request is accepted; every
documented example answer has the keys the server really sends. So the document cannot
drift from the server the tests and the demo use.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from overseer.gateway import ReferenceGateway
from tests.gateway_support import TOKEN, approval, calls, start

DOC = json.loads(
    (Path(__file__).resolve().parent.parent / "docs" / "gateway-openapi.json").read_text()
)
AUTH = {"Authorization": f"Bearer {TOKEN}"}
IDS = {"/v1/sessions/{id}/events": "s1", "/v1/sessions/{id}/kill": "s1",
       "/v1/approvals/{id}": "apr-1", "/v1/approvals/{id}/decision": "apr-1"}  # fmt: skip


def _example(operation: dict[str, Any], status: str) -> Any:
    return operation["responses"][status]["content"]["application/json"]["example"]


def test_every_documented_operation_is_served_as_documented() -> None:
    operations = [(path, method, op) for path, item in DOC["paths"].items()
                  for method, op in item.items()]  # fmt: skip
    assert {(p, m) for p, m, _ in operations} == {
        ("/v1/sessions", "get"), ("/v1/sessions/{id}/events", "get"), ("/v1/approvals", "get"),
        ("/v1/approvals/{id}", "get"), ("/v1/approvals/{id}/decision", "post"),
        ("/v1/sessions/{id}/kill", "post"),
    }  # fmt: skip
    with ReferenceGateway(token=TOKEN) as server:
        server.add_events([start("s1"), *calls("s1", 1, 1), *approval("s1", "apr-1", "c-9")])
        with httpx.Client(base_url=server.url, headers=AUTH, trust_env=False) as http:
            # GETs first, then the POSTs (a kill settles the approval).
            for path, method, op in sorted(operations, key=lambda o: o[1]):
                url = path.replace("{id}", IDS.get(path, ""))
                if method == "get":
                    params = {"status": "pending"} if path == "/v1/approvals" else None
                    answer = http.get(url, params=params)
                else:
                    example = op["requestBody"]["content"]["application/json"]["example"]
                    answer = http.post(url, json=example)
                assert answer.status_code == 200, (path, answer.text)
                documented = op["responses"]["200"]["content"]["application/json"]
                if "example" not in documented:
                    continue
                expected = documented["example"]
                assert set(answer.json()) == set(expected), path
                for key, value in expected.items():
                    if key in ("sessions", "approvals") and value:  # (events differ by kind)
                        assert set(answer.json()[key][0]) >= set(value[0]), (path, key)
            # The documented 409 is what a second decision gets.
            decision = DOC["paths"]["/v1/approvals/{id}/decision"]["post"]
            server.add_events(approval("s2", "apr-2", "c-1"))
            http.post(
                "/v1/approvals/apr-2/decision", json={"decision": "approve", "operator": "bob"}
            )
            conflict = http.post("/v1/approvals/apr-2/decision", json={"decision": "deny"})
            assert conflict.status_code == 409
            assert set(conflict.json()) == set(_example(decision, "409"))
