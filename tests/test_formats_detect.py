"""Format detection: content first (a copied file loses its telling path), path as a hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from overseer.sources.detect import detect_format, sniff
from overseer.sources.formats import normalise_format

from .conftest import CORPUS, FIXTURES


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        *[(p, "native") for p in sorted((FIXTURES / "native").glob("*.jsonl"))],
        *[(p, "claude_code") for p in sorted((FIXTURES / "claude-code").rglob("*.jsonl"))],
        *[(p, "codex") for p in sorted((FIXTURES / "codex").rglob("*.jsonl"))],
        *[(p, "otlp") for p in sorted((FIXTURES / "otlp").glob("*.jsonl"))],
        *[(p, "claude_code") for p in sorted((CORPUS / "claude-code").glob("*.jsonl"))],
        *[(p, "codex") for p in sorted((CORPUS / "codex").glob("*.jsonl"))],
    ],
    ids=lambda v: v.name if isinstance(v, Path) else v,
)
def test_every_bundled_and_corpus_file_is_detected(path: Path, fmt: str) -> None:
    assert sniff(str(path)) == fmt


def test_content_wins_over_a_misleading_name(tmp_path: Path) -> None:
    copied = tmp_path / "rollout-2026-01-01.jsonl"  # looks like Codex, is native
    copied.write_bytes((FIXTURES / "native" / "support-agent.jsonl").read_bytes())
    assert sniff(str(copied)) == "native"


def test_a_half_written_first_line_is_not_enough() -> None:
    assert detect_format(b'{"kind": "session_start", "sess') is None
    assert detect_format(b'{"kind": "session_start", "session": "s"}\n') == "native"


def test_the_path_settles_files_whose_first_lines_say_nothing() -> None:
    head = b'{"hello": 1}\n'
    assert detect_format(head, "/home/u/.claude/projects/-x/abc.jsonl") == "claude_code"
    assert detect_format(head, "/home/u/.codex/sessions/2026/01/01/rollout-x.jsonl") == "codex"
    assert detect_format(head, "/tmp/random.jsonl") is None


def test_garbage_lines_are_skipped_while_detecting() -> None:
    assert detect_format(b"not json\n\n[1,2]\n" + b'{"resourceSpans": []}\n') == "otlp"


def test_format_names() -> None:
    assert normalise_format("claude-code") == "claude_code"
    assert normalise_format("OTLP") == "otlp"
    with pytest.raises(ValueError, match="unknown format"):
        normalise_format("syslog")
