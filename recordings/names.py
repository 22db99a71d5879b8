"""What a person reads instead of ids: queue labels and agent names (asterisk_conf/centre.toml)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from callcenter.centre import Centre

TIME_ZONE = "Asia/Bangkok"  # the centre's clock: every time on the QA page is shown in it
_SIM = re.compile(r"^sim-agent-(\d+)$")


@dataclass(frozen=True)
class Names:
    queues: dict[str, tuple[str, str]]  # queue name → (Thai label, English label), IVR order
    agents: dict[str, str]  # agent id → name

    def queue(self, name: str) -> tuple[str, str]:
        return self.queues.get(name, (name, name))

    def agent(self, agent_id: str) -> str:
        """The centre's name of the agent; a simulated agent by its number; else the id."""
        if not agent_id:
            return ""
        if agent_id in self.agents:
            return self.agents[agent_id]
        sim = _SIM.match(agent_id)
        if sim:
            return f"Sim agent {sim.group(1)} · เจ้าหน้าที่จำลอง {sim.group(1)}"
        return agent_id


def of(centre: Centre, *, display_names: dict[str, str] | None = None) -> Names:
    """Names from the centre's layout; `display_names` (agent id → a login's display name)
    name agents the layout lacks."""
    agents = dict(display_names or {})
    agents.update({a.id: a.name for a in centre.agents})
    return Names({q.name: (q.label_th, q.label_en) for q in centre.queues}, agents)
