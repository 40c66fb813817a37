"""The pinned real clients, installed from the npm registry into a cache outside the repository.

``$OVERSEER_E2E_CACHE``, else ``$XDG_CACHE_HOME/overseer-e2e`` (``~/.cache/overseer-e2e``),
one directory per ``<package>@<version>``; an install already there (whose binary reports
the pinned version) is reused. An exclusive ``flock`` on the cache's lock file keeps two
xdist workers from installing at once: the second waits, then reuses the first's install.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

#: The versions the conformance suite is written against (README, "Tested clients").
CLAUDE_CODE = ("@anthropic-ai/claude-code", "2.1.328", "claude")
CODEX = ("@openai/codex", "0.169.0", "codex")

# Read once, at import: the suite's autouse fixture points XDG_CACHE_HOME into each test's
# tmp_path, and the install must be shared across tests and runs.
_CACHE = Path(
    os.environ.get("OVERSEER_E2E_CACHE")
    or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "overseer-e2e",
    )
)
INSTALL_TIMEOUT = 600


@dataclass(frozen=True)
class Client:
    name: str  # "claude-code" | "codex"
    package: str
    version: str
    binary: Path


class Unavailable(Exception):
    """The client cannot be installed here (no npm, registry unreachable…): the reason."""


def cache_dir() -> Path:
    return _CACHE


def _reports(binary: Path, version: str) -> bool:
    try:
        out = subprocess.run(
            [str(binary), "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
            env={"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/")},
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and version in out.stdout


def install(name: str, spec: tuple[str, str, str]) -> Client:
    """The client ``spec`` = (package, version, binary name), installing it if needed."""
    package, version, exe = spec
    if os.environ.get("OVERSEER_E2E", "").strip() in ("0", "off", "no"):
        raise Unavailable("OVERSEER_E2E=0: the conformance suite is switched off")
    root = cache_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Unavailable(f"cannot create the client cache {root}: {exc.strerror}") from None
    where = root / f"{package.replace('/', '+')}@{version}"
    binary = where / "node_modules" / ".bin" / exe
    with open(root / ".install.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if binary.exists() and _reports(binary, version):
            return Client(name, package, version, binary)
        npm = shutil.which("npm")
        if npm is None:
            raise Unavailable(f"npm is not on PATH: cannot install {package}@{version}")
        if where.exists():
            shutil.rmtree(where)
        where.mkdir(parents=True)
        try:
            done = subprocess.run(
                [npm, "install", "--prefix", str(where), "--no-audit", "--no-fund",
                 "--no-save", "--loglevel=error", f"{package}@{version}"],
                capture_output=True, text=True, timeout=INSTALL_TIMEOUT,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise Unavailable(
                f"npm install {package}@{version} took over {INSTALL_TIMEOUT} s "
                "(registry unreachable?)"
            ) from None
        if done.returncode != 0 or not binary.exists():
            tail = " ".join((done.stderr or done.stdout).split()[-40:])
            shutil.rmtree(where, ignore_errors=True)
            raise Unavailable(
                f"npm install {package}@{version} failed (registry unreachable?): {tail}"
            )
        if not _reports(binary, version):
            raise Unavailable(f"{binary} --version does not report {version}")
        return Client(name, package, version, binary)
