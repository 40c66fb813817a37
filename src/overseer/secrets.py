"""Find and mask secrets in agent-written text: on screen, in reports and in audit rows.

Pure functions over strings. Patterns are deliberately specific (known token shapes, key
blocks, ``password=...`` assignments) so that ordinary text such as ``grep -r password docs/``
is left alone; masking keeps a short kind label so the operator still sees *what* was there.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "private_key",
        re.compile(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
            re.DOTALL,
        ),
    ),
    ("aws_access_key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    (
        "github_token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b"),
    ),
    ("anthropic_key", re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{20,}")),
    ("openai_key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_\-]{20,}")),
    ("slack_token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("google_api_key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b")),
    ("stripe_key", re.compile(r"\b[rs]k_(?:live|test)_[0-9A-Za-z]{16,}\b")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}")),
    ("bearer_token", re.compile(r"(?i)(?<=\bbearer )[A-Za-z0-9_\-\.=+/]{16,}")),
    ("url_password", re.compile(r"(?<=://)[^\s:/@]+:[^\s@/]{3,}(?=@)")),
    (
        "assigned_secret",
        re.compile(
            r"(?i)(?<![A-Za-z0-9])(?:[A-Za-z0-9]+_)*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|"
            r"client[_-]?secret|auth[_-]?token)[A-Za-z0-9_]*\s*[:=]\s*['\"]?(?P<value>[^\s'\"]{6,})"
        ),
    ),
]


def find_secrets(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield ``(kind, start, end)`` of each secret value in ``text`` (may overlap)."""
    for kind, pattern in _PATTERNS:
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
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
