"""How the domain hands what people watch to the web layer, without knowing the web layer.

The wallboard, screen pops and the callback dialer publish through `Publisher`;
`agent_ui.hub.Hub` implements it and main.py passes the hub in. The domain never imports
agent_ui (an import-linter layers contract in pyproject.toml holds this).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Publisher(Protocol):
    def publish(self, topic: str, data: Mapping[str, Any]) -> int:
        """Queue `data` as a change of `topic` for its subscribers; never awaits."""
        ...
