"""`stack env`: one `export CALLCENTER_…=…` line per Settings field, secrets revealed."""

from __future__ import annotations

import shlex
from pathlib import Path

from pydantic import SecretStr

from callcenter.config import ENV_PREFIX, Settings


def _text(value: object) -> str:
    """A setting as the environment spells it."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Path):
        return str(value.expanduser().resolve())
    return "" if value is None else str(value)


def resolved_values(settings: Settings) -> dict[str, object]:
    """Field → value with the stack's paths made explicit and absolute."""
    values: dict[str, object] = {name: getattr(settings, name) for name in Settings.model_fields}
    values["state_dir"] = settings.state_dir
    values["queue_log_path"] = settings.queue_log_file
    values["spool_dir"] = settings.spool_path
    return values


def export_lines(settings: Settings) -> list[str]:
    """Lines for `eval "$(callcenter stack env)"`."""
    return [
        f"export {ENV_PREFIX}{name.upper()}={shlex.quote(_text(value))}"
        for name, value in resolved_values(settings).items()
    ]
