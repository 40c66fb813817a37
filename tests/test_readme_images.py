"""The README's pictures of the console are copies of snapshot tests' SVGs: when a screen
changes and its snapshot is updated, the picture must follow, or the README shows a console
that no longer exists."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "tests" / "__snapshots__" / "test_tui_snapshots"

#: docs/img picture -> the snapshot it copies.
PICTURES = {
    "approvals-queue.svg": "test_approvals[120x40].svg",
    "session-deciding.svg": "test_session_deciding[120x40].svg",
}


@pytest.mark.parametrize("picture", sorted(PICTURES))
def test_readme_picture_is_the_current_snapshot(picture: str) -> None:
    copy = ROOT / "docs" / "img" / picture
    snapshot = SNAPSHOTS / PICTURES[picture]
    assert copy.read_bytes() == snapshot.read_bytes(), (
        f"docs/img/{picture} differs from its snapshot: re-copy it with\n"
        f"  cp 'tests/__snapshots__/test_tui_snapshots/{PICTURES[picture]}' docs/img/{picture}"
    )


@pytest.mark.parametrize("picture", sorted(PICTURES))
def test_readme_shows_the_picture(picture: str) -> None:
    assert f"(docs/img/{picture})" in (ROOT / "README.md").read_text()
