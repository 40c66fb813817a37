"""Find and mask secrets in agent-written text: on screen, in reports and in audit rows.

Pure functions over strings. Patterns are deliberately specific (known token shapes, key
blocks, ``password=...`` assignments) so that ordinary text such as ``grep -r password docs/``
is left alone; masking keeps a short kind label so the operator still sees *what* was there.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from overseer.digest import sha256

#: ``(kind, pattern, flags)``: compiled on first use (:func:`_patterns`), because most text
#: holds none of :data:`SECRET_HINTS` and never needs them (the gate hook masks every call's
#: input; compiling these took a few ms of each hook process).
_SPECS: list[tuple[str, str, int]] = [
    (
        "private_key",
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
        re.DOTALL,
    ),
    ("aws_access_key", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", 0),
    ("github_token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b", 0),
    ("anthropic_key", r"\bsk-ant-[A-Za-z0-9_\-]{20,}", 0),
    ("openai_key", r"\bsk-(?:proj-)?[A-Za-z0-9_\-]{20,}", 0),
    ("slack_token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}", 0),
    ("google_api_key", r"\bAIza[0-9A-Za-z_\-]{35}\b", 0),
    ("stripe_key", r"\b[rs]k_(?:live|test)_[0-9A-Za-z]{16,}\b", 0),
    ("jwt", r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}", 0),
    ("bearer_token", r"(?i)(?<=\bbearer )[A-Za-z0-9_\-\.=+/]{16,}", 0),
    ("url_password", r"(?<=://)[^\s:/@]+:[^\s@/]{3,}(?=@)", 0),
    (
        "assigned_secret",
        r"(?i)(?<![A-Za-z0-9])(?:[A-Za-z0-9]+_)*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|"
        r"client[_-]?secret|auth[_-]?token)[A-Za-z0-9_]*\s*[:=]\s*['\"]?(?P<value>[^\s'\"]{6,})",
        0,
    ),
]

#: Substrings (lower-cased) at least one of which every match of :data:`_SPECS` contains
#: (``tests`` check the list against a sample of every kind).
SECRET_HINTS = (
    "-----begin", "akia", "asia", "sk-", "xox", "aiza", "k_live_", "k_test_", "eyj", "bearer",
    "://", "passw", "pwd", "secret", "token", "api_k", "api-k", "apik", "access",
)  # fmt: skip
GITHUB_HINT = r"gh[pousr]_|github_pat_"
#: Letters ``re.IGNORECASE`` matches to ``i``/``s`` that ``str.lower`` keeps apart
#: (``(?i)password`` matches ``paſſword``; ``"İ".lower()`` is ``i`` plus a combining dot).
CASE_FOLDS = {0x130: "i", 0x131: "i", 0x17F: "s"}


def hint_form(text: str) -> str:
    """``text`` as the hints are looked for in: lower-cased, IGNORECASE's extra folds applied."""
    return (text if text.isascii() else text.translate(CASE_FOLDS)).lower()


def has_hint(lowered: str) -> bool:
    """Does :func:`hint_form` text hold a hint? False: :func:`find_secrets` finds nothing."""
    for hint in SECRET_HINTS:
        if hint in lowered:
            return True
    return "gh" in lowered and re.search(GITHUB_HINT, lowered) is not None


@functools.cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    return [(kind, re.compile(pattern, flags)) for kind, pattern, flags in _SPECS]


def find_secrets(text: str, *, hinted: bool = False) -> Iterator[tuple[str, int, int]]:
    """Yield ``(kind, start, end)`` of each secret value in ``text`` (may overlap).

    ``hinted``: the caller already found a hint in ``text`` (a faster pre-check of its own)."""
    if not hinted and not has_hint(hint_form(text)):
        return
    for kind, pattern in _patterns():
        for match in pattern.finditer(text):
            if "value" in pattern.groupindex:
                start, end = match.span("value")
                value = match.group("value")
                if _looks_like_placeholder(value) or not _plausible_value(value):
                    continue
            else:
                start, end = match.span()
            yield kind, start, end


def _looks_like_placeholder(value: str) -> bool:
    lowered = value.lower()
    return (
        lowered.startswith(("$", "<", "{", "%", "process.env", "os.environ", "env."))
        or lowered in {"xxxxxx", "******", "changeme", "redacted", "password", "example"}
        or set(lowered) <= {"*", "x", "."}
    )


def _plausible_value(value: str) -> bool:
    """A word after ``secret:`` in prose ("reads secrets: dotenv file") is not a secret;
    real values have digits or symbols, or are long."""
    return len(value) >= 16 or any(not c.isalpha() for c in value)


def has_secret(text: str) -> bool:
    return next(find_secrets(text), None) is not None


def mask(text: str) -> str:
    """Replace every secret value in ``text`` with ``‹kind›``."""
    spans = sorted(find_secrets(text), key=lambda s: (s[1], -s[2]))
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for kind, start, end in spans:
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(f"‹{kind}›")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def mask_value(value: Any) -> Any:
    """Mask secrets in every string inside a JSON-like value (keys included)."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {mask(str(k)): mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(v) for v in value]
    return value


def fingerprint(raw: str) -> str:
    """sha256 of the raw (unmasked) text, kept beside a masked copy as evidence."""
    return sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
