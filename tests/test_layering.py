"""Dependencies point down the data flow (DESIGN.md): the pure parts stay pure.

Each module is imported in a fresh interpreter and ``sys.modules`` inspected, so an indirect
import (a helper that pulls in the store, say) is caught too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "overseer"

IO_LIBRARIES = (
    "textual", "rich", "sqlmodel", "sqlalchemy", "httpx", "psycopg", "watchfiles", "sqlite3",
    "socket", "urllib.request", "asyncio", "platformdirs", "click",
)  # fmt: skip
PURE_FORBIDDEN = (
    *IO_LIBRARIES,
    "overseer.store",
    "overseer.tui",
    "overseer.sources.tail",
    "overseer.control",
    "overseer.cli",
)


def modules_under(package: str) -> list[str]:
    base = SRC.joinpath(*package.split(".")[1:])
    if base.with_suffix(".py").exists():
        return [package]
    if not base.is_dir():
        return []
    found = []
    for path in sorted(base.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        found.append(".".join(parts))
    return found


PURE = [
    m
    for pkg in (
        "overseer.model",
        "overseer.untrusted",
        "overseer.secrets",
        "overseer.config",
        "overseer.policy",
        "overseer.engine",
        "overseer.sources.formats",
        "overseer.labels",
    )
    for m in modules_under(pkg)
]


def imported_by(module: str) -> set[str]:
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout))


def offenders(loaded: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(m for m in loaded if any(m == f or m.startswith(f + ".") for f in forbidden))


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_io(module: str) -> None:
    assert offenders(imported_by(module), PURE_FORBIDDEN) == []


def test_the_pure_list_is_not_empty() -> None:
    assert {"overseer.model", "overseer.config", "overseer.policy.rules"} <= set(PURE)


@pytest.mark.parametrize("module", modules_under("overseer.sources"))
def test_sources_never_import_the_tui(module: str) -> None:
    assert offenders(imported_by(module), ("overseer.tui", "textual")) == []


@pytest.mark.parametrize("module", modules_under("overseer.store"))
def test_the_store_never_imports_the_report(module: str) -> None:
    """The store sits below the report: a call row's label comes from :mod:`overseer.labels`
    (pure), not from the review that reads it."""
    assert offenders(imported_by(module), ("overseer.report", "overseer.tui")) == []


def test_the_store_fills_labels_without_the_report() -> None:
    """Writing a shell call (which fills its ``label`` column) loads no report module."""
    code = (
        "import json, sys; from overseer.store.db import call_label_of; "
        "call_label_of('Bash', json.dumps({'command': 'git push'})); "
        "print(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert offenders(set(json.loads(result.stdout)), ("overseer.report",)) == []
