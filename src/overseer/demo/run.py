"""Start the simulated agents and open the app on their live logs (``overseer demo``)."""

from __future__ import annotations

import contextlib
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from overseer.config import Config, load_config
from overseer.demo.agents import SimulatedAgent
from overseer.demo.script import DEMO_AGENTS, AgentScript
from overseer.engine import Engine
from overseer.sources.tail import Tailer
from overseer.store import open_store
from overseer.store.db import Store


def bundled_config_path() -> Path:
    """``config.toml`` of the source tree (``make demo`` runs from it), else the packaged copy."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[3] / "config.toml", here.parent / "config.toml"):
        if candidate.exists():
            return candidate
    raise FileNotFoundError("no bundled config.toml found")


class Demo:
    """The agents, their log directory and the store, started and stopped together."""

    def __init__(
        self,
        workdir: Path,
        *,
        db: str | None = None,
        config: Config | None = None,
        speed: float = 1.0,
        scripts: tuple[AgentScript, ...] = DEMO_AGENTS,
        gate_timeout: float | None = None,
        round_pause: float = 20.0,
    ) -> None:
        self.workdir = workdir
        self.logdir = workdir / "logs"
        self.logdir.mkdir(parents=True, exist_ok=True)
        self.db = db or str(workdir / "overseer.db")
        self.config = config or load_config(str(bundled_config_path()))
        self.store: Store = open_store(self.db)
        self.stop_event = threading.Event()
        self.agents = [
            SimulatedAgent(
                script,
                self.logdir,
                db=self.db,
                config=self.config,
                speed=speed,
                stop=self.stop_event,
                gate_timeout=gate_timeout,
                round_pause=round_pause,
            )
            for script in scripts
        ]

    def start(self) -> None:
        for agent in self.agents:
            agent.start()

    def tailer(self) -> Tailer:
        return Tailer([str(self.logdir)], engine=Engine(self.config), store=self.store)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop every agent: refuse what they wait for, then join them."""
        self.stop_event.set()
        for approval in self.store.pending_approvals():
            ours = any(approval["session"] in agent.sessions for agent in self.agents)
            if ours:
                # Already decided or gone: the agent is unblocked either way.
                with contextlib.suppress(Exception):
                    self.store.kill_session(
                        approval["session"], operator="demo", reason="the demo was stopped"
                    )
        for agent in self.agents:
            agent.join(timeout)
        self.store.close()


@contextmanager
def demo_workdir(keep: str | None = None) -> Iterator[Path]:
    if keep:
        path = Path(keep)
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="overseer-demo-") as tmp:
        yield Path(tmp)


def run_demo(db: str | None = None, speed: float = 1.0, operator: str | None = None) -> None:
    """What ``make demo`` runs: agents writing live logs, the app watching them."""
    from overseer.tui.app import OverseerApp
    from overseer.tui.live import store_feed, tail_feed
    from overseer.tui.store_source import StoreSource

    with demo_workdir() as workdir:
        demo = Demo(workdir, db=db, speed=speed)
        source = StoreSource(demo.store, demo.config, health={"demo logs": "ok"})
        app = OverseerApp(
            source, mode_name="demo", operator=operator,
            live=[tail_feed(demo.tailer()), store_feed(demo.store)],
        )  # fmt: skip
        demo.start()
        try:
            app.run()
        finally:
            demo.stop()
        if db:
            print(f"decisions kept in {db}: overseer review --db {db}")
