"""The centre's layout (queues, IVR digits, agents and skills) from `asterisk_conf/centre.toml`."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CENTRE_FILE = "centre.toml"


@dataclass(frozen=True)
class QueueDef:
    name: str
    digit: str
    label_th: str
    label_en: str
    wrapuptime: int = 0


@dataclass(frozen=True)
class AgentDef:
    id: str
    name: str
    skills: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Centre:
    queues: list[QueueDef]
    agents: list[AgentDef]
    default_queue: str

    @property
    def queue_names(self) -> list[str]:
        return [q.name for q in self.queues]

    def ivr_digits(self) -> dict[str, str]:
        """IVR digit → queue name."""
        return {q.digit: q.name for q in self.queues}


def load(conf_dir: Path) -> Centre:
    """Parse and check the layout; a broken file raises ValueError naming the problem."""
    return load_file(conf_dir / CENTRE_FILE)


def load_file(path: Path) -> Centre:
    """Parse and check one centre file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from exc
    queues = [QueueDef(**q) for q in data.get("queues", [])]
    agents = [AgentDef(**a) for a in data.get("agents", [])]
    default = data.get("default_queue") or next((q.name for q in queues if q.digit == "0"), "")
    centre = Centre(queues=queues, agents=agents, default_queue=default)
    _check(centre, path)
    return centre


def _check(centre: Centre, path: Path) -> None:
    names = centre.queue_names
    if not names:
        raise ValueError(f"{path}: no queues")
    if "general" in {n.lower() for n in names}:
        # queues.conf keeps [general] for its settings: such a queue would never exist.
        raise ValueError(f"{path}: a queue cannot be called 'general' (queues.conf settings)")
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: queue names must be unique")
    if centre.default_queue not in names:
        raise ValueError(f"{path}: default_queue {centre.default_queue!r} is not a queue")
    digits = [q.digit for q in centre.queues]
    if len(set(digits)) != len(digits):
        raise ValueError(f"{path}: IVR digits must be unique")
    for agent in centre.agents:
        unknown = set(agent.skills) - set(names)
        if unknown:
            raise ValueError(f"{path}: agent {agent.id} has skills in unknown queues {unknown}")
