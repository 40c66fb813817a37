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
    failed = root / f".failed-{package.replace('/', '+')}@{version}"
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")
    with open(root / ".install.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if binary.exists() and _reports(binary, version):
            return Client(name, package, version, binary)
        # Another worker of this same run already failed: do not wait on the registry again.
        if run_id and failed.exists():
            recorded, _, why = failed.read_text(errors="replace").partition("\n")
            if recorded == run_id:
                raise Unavailable(why)
        try:
            return _install(name, package, version, where, binary)
        except Unavailable as exc:
            if run_id:
                failed.write_text(f"{run_id}\n{exc}")
            raise


def _npm_error(done: subprocess.CompletedProcess[str]) -> str:
    lines = [ln.strip() for ln in (done.stderr or done.stdout or "").splitlines() if ln.strip()]
    picked = [ln for ln in lines if " code " in ln or "errno" in ln or "request to" in ln]
    return " / ".join((picked or lines)[:3])[:400] or f"exit {done.returncode}"


def _install(name: str, package: str, version: str, where: Path, binary: Path) -> Client:
    npm = shutil.which("npm")
    if npm is None:
        raise Unavailable(f"npm is not on PATH: cannot install {package}@{version}")
    # One quick look at the registry first: unreachable, and the suite skips in seconds,
    # not after npm's own retries.
    try:
        probe = subprocess.run(
            [npm, "view", f"{package}@{version}", "version", "--fetch-retries=0",
             "--fetch-timeout=15000"],
            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise Unavailable(f"the npm registry did not answer for {package}@{version}") from None
    if probe.returncode != 0 or version not in probe.stdout:
        raise Unavailable(
            f"the npm registry is unreachable or has no {package}@{version}: {_npm_error(probe)}"
        )
    if where.exists():
        shutil.rmtree(where)
    where.mkdir(parents=True)
    try:
        done = subprocess.run(
            [npm, "install", "--prefix", str(where), "--no-audit", "--no-fund",
             "--no-save", "--loglevel=error", "--fetch-retries=1",
             "--fetch-retry-mintimeout=2000", "--fetch-retry-maxtimeout=5000",
             f"{package}@{version}"],
            capture_output=True, text=True, timeout=INSTALL_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise Unavailable(
            f"npm install {package}@{version} took over {INSTALL_TIMEOUT} s (registry unreachable?)"
        ) from None
    if done.returncode != 0 or not binary.exists():
        shutil.rmtree(where, ignore_errors=True)
        raise Unavailable(f"npm install {package}@{version} failed: {_npm_error(done)}")
    if not _reports(binary, version):
        raise Unavailable(f"{binary} --version does not report {version}")
    return Client(name, package, version, binary)
