"""OWASP ids that risk flags map to, with their official titles.

Two lists, both published by OWASP:

* **OWASP Top 10 for Agentic Applications (2026)**, ASI01–ASI10, released 9 December 2025
  by the OWASP GenAI Security Project's Agentic Security Initiative
  (https://genai.owasp.org/resource/owasp-top-10-for-agentic-applications-for-2026/).
* **OWASP Non-Human Identities Top 10 (2025)**, NHI1–NHI10
  (https://owasp.org/www-project-non-human-identities-top-10/2025/top-10-2025).

Ids are written as flags carry them (``ASI01``, ``NHI2``); OWASP writes the NHI ones with
the year (``NHI2:2025``). Titles only: the lists themselves explain each risk.
"""

from __future__ import annotations

#: OWASP Top 10 for Agentic Applications (2026).
ASI: dict[str, str] = {
    "ASI01": "Agent Goal Hijack",
    "ASI02": "Tool Misuse and Exploitation",
    "ASI03": "Identity and Privilege Abuse",
    "ASI04": "Agentic Supply Chain Vulnerabilities",
    "ASI05": "Unexpected Code Execution (RCE)",
    "ASI06": "Memory and Context Poisoning",
    "ASI07": "Insecure Inter-Agent Communication",
    "ASI08": "Cascading Failures",
    "ASI09": "Human-Agent Trust Exploitation",
    "ASI10": "Rogue Agents",
}

#: OWASP Non-Human Identities Top 10 (2025).
NHI: dict[str, str] = {
    "NHI1": "Improper Offboarding",
    "NHI2": "Secret Leakage",
    "NHI3": "Vulnerable Third-Party NHI",
    "NHI4": "Insecure Authentication",
    "NHI5": "Overprivileged NHI",
    "NHI6": "Insecure Cloud Deployment Configurations",
    "NHI7": "Long-Lived Secrets",
    "NHI8": "Environment Isolation",
    "NHI9": "NHI Reuse",
    "NHI10": "Human Use of NHI",
}

OWASP_TITLES: dict[str, str] = {**ASI, **NHI}


def owasp_title(owasp_id: str) -> str:
    """``"ASI01"`` → ``"Agent Goal Hijack"``; accepts ``"NHI2:2025"`` too; ``""`` if unknown."""
    return OWASP_TITLES.get(owasp_id.split(":", 1)[0].upper(), "")


def owasp_label(owasp_id: str) -> str:
    """``"ASI01 Agent Goal Hijack"`` for reports; the bare id if it is not in the lists."""
    title = owasp_title(owasp_id)
    return f"{owasp_id} {title}" if title else owasp_id
