"""One test's world: a temp HOME / XDG / CODEX_HOME, a project directory, overseer's config
and store outside it, the hook installed by the real ``overseer hook install``, and the real
client driven by a scripted model server (:mod:`.modelserver`).

Nothing here reaches the internet: every base URL is 127.0.0.1, and every variable the
clients know for telemetry, updates and error reporting is set.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .clients import Client
from .modelserver import ModelServer, Script, text

OVERSEER = str(Path(sys.executable).parent / "overseer")
AGENT = "e2e"
TASK = "e2e"
CLIENT_TIMEOUT = 120.0

CONFIG = """\
[defaults]
gate_timeout = "{gate_timeout}"

[agents.{agent}]
owner = "e2e@example.com"
autonomy = "autonomous"
default_task = "{task}"

[agents.{agent}.tasks.{task}]
allow = ["Bash(touch:*)", "Bash(echo:*)", "Edit(./allowed*)", "Write(./allowed*)",
         "Read", "Agent", "Task"]
deny = ["Bash(mkdir:*)", "Edit(./protected*)", "Write(./protected*)"]
default = "ask"
"""

CODEX_CONFIG = """\
model = "gpt-5.5"
model_provider = "e2e"
check_for_update_on_startup = false

[model_providers.e2e]
name = "e2e scripted model"
base_url = "{url}/v1"
wire_api = "responses"
env_key = "E2E_OPENAI_API_KEY"
request_max_retries = 0
stream_max_retries = 0

[features]
plugins = false

[projects."{project}"]
trust_level = "trusted"
"""


@dataclass
class Run:
    """One client process and the model server it talks to."""

    server: ModelServer
    proc: subprocess.Popen[str]
    started: float = field(default_factory=time.monotonic)
    stdout: str = ""
    stderr: str = ""

    def wait(self, timeout: float = CLIENT_TIMEOUT) -> Run:
        try:
            self.stdout, self.stderr = self.proc.communicate(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.communicate()
        return self

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    def results(self) -> list[str]:
        return self.server.results()

    def result_text(self) -> str:
        return "\n".join(self.results())

    def describe(self) -> str:
        return (
            f"exit {self.returncode}\n--- stdout\n{self.stdout[-3000:]}\n--- stderr\n"
            f"{self.stderr[-3000:]}\n--- tool results the client sent\n{self.results()}"
        )


class Rig:
    def __init__(self, client: Client, tmp: Path) -> None:
        self.client = client
        self.tmp = tmp
        self.home = tmp / "home"
        self.project = tmp / "project"
        self.codex_home = self.home / ".codex"
        self.overseer_dir = tmp / "overseer"  # config and store: outside the project
        self.config = self.overseer_dir / "config.toml"
        self.db = self.overseer_dir / "store.db"
        for d in (self.home, self.project, self.codex_home, self.overseer_dir):
            d.mkdir(parents=True, exist_ok=True)
        self.project = Path(os.path.realpath(self.project))
        self.write_config()
        self.runs: list[Run] = []
        self.server = ModelServer(lambda _turn: text("done")).__enter__()
        if client.name == "codex":
            (self.codex_home / "config.toml").write_text(
                CODEX_CONFIG.format(url=self.server.url, project=self.project)
            )

    def close(self) -> None:
        """End whatever a failed test left running (the client's whole process group: its
        hooks too), then the model server."""
        for run in self.runs:
            if run.proc.poll() is None:
                with contextlib.suppress(OSError):
                    os.killpg(run.proc.pid, signal.SIGKILL)
                run.proc.communicate()
        self.server.__exit__(None, None, None)

    # ------------------------------------------------------------------ environment

    def env(self, **extra: str) -> dict[str, str]:
        h = str(self.home)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": h,
            "USER": "e2e",
            "LANG": "C.UTF-8",
            "TERM": "dumb",
            "XDG_CONFIG_HOME": f"{h}/.config",
            "XDG_CACHE_HOME": f"{h}/.cache",
            "XDG_DATA_HOME": f"{h}/.local/share",
            "XDG_STATE_HOME": f"{h}/.local/state",
            "TMPDIR": str(self.tmp),
            "CODEX_HOME": str(self.codex_home),
            # Claude Code: no traffic but the model's, no updater, telemetry, error reports.
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_ERROR_REPORTING": "1",
            "IS_SANDBOX": "1",  # root: --dangerously-skip-permissions needs it
            "ANTHROPIC_API_KEY": "sk-ant-e2e-offline",
            "E2E_OPENAI_API_KEY": "sk-e2e-offline",
            "NO_COLOR": "1",
        }
        env.update(extra)
        return env

    def write_config(self, gate_timeout: str = "60s", text: str | None = None) -> None:
        self.config.write_text(
            text
            if text is not None
            else CONFIG.format(gate_timeout=gate_timeout, agent=AGENT, task=TASK)
        )

    # ------------------------------------------------------------------ overseer CLI

    def overseer(
        self, *args: str, check: bool = True, **env: str
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [OVERSEER, *args],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
            env=self.env(**env),
            cwd=str(self.tmp),
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"overseer {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
            )
        return done

    def install(
        self, *extra: str, db: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """``overseer hook install`` for this client into the project, config and store baked."""
        args = ["hook", "install", "--project", str(self.project), "--for", self.client.name,
                "--config", str(self.config), "--db", db or str(self.db),
                "--agent", AGENT, "--task", TASK, *extra]  # fmt: skip
        if self.client.name == "codex":
            (self.project / ".codex").mkdir(exist_ok=True)
        return self.overseer(*args, check=check)

    def pending(self) -> list[dict[str, Any]]:
        """The pending approvals; none while the first hook is still creating the store.

        The store file appears before its schema is committed (the first hook creates both),
        and ``approvals`` refuses a file with no schema as "no overseer database here": a poll
        that lands in that window has seen nothing yet, it has not failed.
        """
        done = self.overseer("approvals", "--db", str(self.db), "--json", check=False)
        if done.returncode != 0 and "no overseer database here" in done.stderr:
            return []
        if done.returncode != 0:
            raise AssertionError(f"overseer approvals exited {done.returncode}:\n{done.stderr}")
        return list(json.loads(done.stdout or "[]"))

    def wait_pending(self, run: Run, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.db.exists():
                found = self.pending()
                if found:
                    return found[0]
            if run.proc.poll() is not None:
                run.wait()
                raise AssertionError(
                    f"the client ended before any call was gated:\n{run.describe()}"
                )
            time.sleep(0.1)
        raise AssertionError(f"no pending approval within {timeout} s")

    def decide(self, approval: str, decision: str, *extra: str) -> subprocess.CompletedProcess[str]:
        return self.overseer(
            "decide", approval, decision, "--db", str(self.db), "--operator", "e2e-operator", *extra
        )

    def kill(self, session: str, reason: str = "e2e kill") -> dict[str, Any]:
        out = self.overseer(
            "kill",
            session,
            "--db",
            str(self.db),
            "--reason",
            reason,
            "--json",
            "--grace",
            "2",
            check=False,
        )
        assert out.returncode in (0, 1), out.stderr
        return dict(json.loads(out.stdout))

    def query(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            return list(conn.execute(sql, params))
        finally:
            conn.close()

    def outcomes(self) -> list[str]:
        if not self.db.exists():  # no hook has run yet
            return []
        return [r["outcome"] for r in self.query("SELECT outcome FROM decisions ORDER BY seq")]

    # ------------------------------------------------------------------ the client

    def start(
        self,
        script: Script,
        prompt: str = "run the e2e script",
        *,
        extra_env: dict[str, str] | None = None,
    ) -> Run:
        server = self.server
        server.reset(script)
        env = self.env(**(extra_env or {}))
        if self.client.name == "claude-code":
            env["ANTHROPIC_BASE_URL"] = server.url
            argv = [str(self.client.binary), "-p", prompt, "--output-format", "json",
                    "--debug-file", str(self.tmp / "claude-debug.log"),
                    "--dangerously-skip-permissions"]  # fmt: skip
        else:
            argv = [str(self.client.binary), "exec", "--dangerously-bypass-approvals-and-sandbox",
                    "--skip-git-repo-check", prompt]  # fmt: skip
        proc = subprocess.Popen(
            argv,
            cwd=str(self.project),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        run = Run(server, proc)
        self.runs.append(run)
        return run

    def run(
        self, script: Script, prompt: str = "run the e2e script", timeout: float = CLIENT_TIMEOUT
    ) -> Run:
        return self.start(script, prompt).wait(timeout)

    def session_ids(self) -> list[str]:
        return [r["id"] for r in self.query("SELECT id FROM sessions ORDER BY started_at")]

    def transcripts(self) -> list[Path]:
        """What the client itself wrote: Claude Code's project transcripts, Codex's rollouts."""
        if self.client.name == "claude-code":
            return sorted((self.home / ".claude" / "projects").rglob("*.jsonl"))
        return sorted((self.codex_home / "sessions").rglob("rollout-*.jsonl"))
