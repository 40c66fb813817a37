"""Agent text is made inert once, at ingest: controls visible, nothing executable survives."""

from __future__ import annotations

import pytest

from overseer.secrets import fingerprint, has_secret, mask, mask_value
from overseer.untrusted import is_clean, neutralise, neutralise_json

HOSTILE = [
    ("\x1b]52;c;aGVsbG8=\x07", "␛]52;c;aGVsbG8=␇"),  # OSC 52 clipboard write
    ("\x1b[2J\x1b[H", "␛[2J␛[H"),  # clear screen, cursor home
    ("\x1b]0;pwned\x1b\\", "␛]0;pwned␛\\"),  # window title
    ("\x1bP+q\x1b\\", "␛P+q␛\\"),  # DCS
    ("\x9b31m", "<U+009B>31m"),  # C1 CSI
    ("safe\u202etxt.exe", "safe<U+202E>txt.exe"),  # bidi override
    ("rm\u200b -rf", "rm<U+200B> -rf"),  # zero-width space
    ("a\rb", "a␍b"),
    ("nul\x00byte", "nul␀byte"),
    ("tab\there", "tab    here"),
    ("del\x7f", "del␡"),
    ("\udcff", "\N{REPLACEMENT CHARACTER}"),  # lone surrogate from a bad byte
]


@pytest.mark.parametrize(("raw", "shown"), HOSTILE)
def test_controls_become_visible(raw: str, shown: str) -> None:
    assert neutralise(raw) == shown
    assert "\x1b" not in neutralise(raw) and "\x9b" not in neutralise(raw)


def test_the_printable_shortcut_is_exact() -> None:
    # neutralise() returns short printable text untouched: that is only right if every
    # character its tables change is one str.isprintable() rejects.
    from overseer.untrusted import _MULTI_LINE, _ONE_LINE

    for table in (_ONE_LINE, _MULTI_LINE):
        changed = [code for code, shown in table.items() if shown != chr(code)]
        assert len(changed) > 180
        assert not any(chr(code).isprintable() for code in changed)
    for raw, shown in HOSTILE:
        assert neutralise(raw * 300, limit=10_000) == shown * 300  # past the shortcut too


def test_newlines_one_line_or_kept() -> None:
    assert neutralise("a\nb") == "a⏎b"
    assert neutralise("a\nb", multiline=True) == "a\nb"


def test_long_values_are_capped_with_a_count() -> None:
    shown = neutralise("x" * 5000, limit=100)
    assert shown.startswith("x" * 100) and shown.endswith("… (+4900 chars)")


def test_markup_is_left_as_text_for_plain_rendering() -> None:
    # Markup is neutralised by rendering as Text, not by escaping here: the text is unchanged.
    assert neutralise("[@click=app.quit]x[/]") == "[@click=app.quit]x[/]"


@pytest.mark.parametrize(
    "code",
    [0x061C, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A, 0x202B,
     0x202C, 0x202D, 0x202E, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x2066, 0x2067, 0x2068,
     0x2069, 0xFEFF, 0xFFF9, 0xFFFA, 0xFFFB],
)  # fmt: skip
def test_every_invisible_or_reordering_character_is_made_visible(code: int) -> None:
    for multiline in (False, True):
        assert neutralise(f"a{chr(code)}b", multiline=multiline) == f"a<U+{code:04X}>b"
    assert chr(code) not in neutralise_json({"k": f"a{chr(code)}b"})


def test_short_printable_text_is_still_capped() -> None:
    assert neutralise("x" * 200, limit=100) == "x" * 100 + "… (+100 chars)"


def test_json_detail_form() -> None:
    shown = neutralise_json({"command": "echo \x1b[31mred"})
    # JSON already spells control characters out as \u escapes; none reaches the screen raw.
    assert "\\u001b[31m" in shown and "\x1b" not in shown and "\n" in shown


def test_is_clean() -> None:
    assert is_clean("plain text\nwith lines")
    assert not is_clean("bell\x07")


SECRETS = [
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_" + "a1B2" * 9,
    "sk-ant-api03-" + "x" * 30,
    "xoxb-123456789012-abcdefghij",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
    "password=hunter2hunter2",
    "DB_PASSWORD: 'S3cr3t!value'",
    "Authorization: Bearer abcdefghijklmnop1234",
    "postgres://admin:pa55word@db.internal/prod",
]


@pytest.mark.parametrize("text", SECRETS)
def test_secrets_are_found_and_masked(text: str) -> None:
    assert has_secret(text)
    masked = mask(text)
    assert "‹" in masked
    for fragment in (
        "IOSFODNN7",
        "a1B2a1B2",
        "xxxxxxxxxx",
        "abcdefghij",
        "dozjgNry",
        "b3BlbnNzaC1",
        "hunter2",
        "S3cr3t",
        "pa55word",
    ):
        assert fragment not in masked


LOOK_ALIKES = [
    "grep -r password docs/",
    "password=$DB_PASSWORD",
    "token: <your-token-here>",
    "The secret to good tests is determinism.",
    "git log --author=sk-team",
    "export API_KEY=${API_KEY}",
    "reads secrets: dotenv file",
    "token: expired",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_are_not_secrets(text: str) -> None:
    assert not has_secret(text)
    assert mask(text) == text


def test_mask_value_walks_json_and_fingerprint_is_of_raw() -> None:
    value = {
        "command": "curl -H 'Authorization: Bearer abcdefghijklmnop1234' x",
        "n": 3,
        "l": ["password=hunter2hunter2"],
    }
    masked = mask_value(value)
    assert "abcdefghijklmnop1234" not in str(masked) and masked["n"] == 3
    assert fingerprint("a") == "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"


def test_masking_text_with_no_hint_compiles_no_secret_pattern() -> None:
    """The gate hook masks every call's input: hint-free input must not pay for the regexes."""
    import subprocess
    import sys

    code = (
        "import overseer.secrets as s\n"
        "s.mask_value({'command': 'git status', 'description': 'look'})\n"
        "print(s._patterns.cache_info().currsize)\n"
        "print(s.mask('password=hunter2x'))\n"
        "print(s._patterns.cache_info().currsize)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["0", "password=‹assigned_secret›", "1"]
