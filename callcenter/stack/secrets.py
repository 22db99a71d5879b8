"""Generated secrets in STATE/secrets.json: created once, never regenerated, mode 0600."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from callcenter.config import Settings, url_with_password
from callcenter.stack.errors import StackError

SETTINGS_SECRETS = (
    "ami_secret",
    "ami_sim_secret",
    "ari_password",
    "s3_access_key",
    "s3_secret_key",
    "jwt_secret",
    "database_password",
    "database_owner_password",
    "line_channel_secret",
    "line_channel_access_token",
    "fb_app_secret",
    "fb_verify_token",
    "fb_page_access_token",
)
AGENT_COUNT = 40


def agent_ids(count: int = AGENT_COUNT) -> list[str]:
    """agent01 … agent40."""
    return [f"agent{n:02d}" for n in range(1, count + 1)]


def _generators() -> dict[str, Any]:
    """A fresh value for each top-level key."""
    return {
        "ami_secret": secrets.token_urlsafe(24),
        "ami_sim_secret": secrets.token_urlsafe(24),
        "ari_password": secrets.token_urlsafe(24),
        # Access keys stay alphanumeric: some S3 tools dislike '-' and '_'.
        "s3_access_key": "cc" + secrets.token_hex(9),
        "s3_secret_key": secrets.token_hex(24),
        "jwt_secret": secrets.token_urlsafe(48),
        # PostgreSQL roles (scram): the service's, and the owner that runs migrations.
        "database_password": secrets.token_hex(24),
        "database_owner_password": secrets.token_hex(24),
        # LINE channel for the local stand-in; a real channel's values come from the environment.
        "line_channel_secret": secrets.token_hex(16),
        "line_channel_access_token": secrets.token_urlsafe(64),
        "fb_app_secret": secrets.token_hex(16),
        "fb_verify_token": secrets.token_urlsafe(24),
        "fb_page_access_token": secrets.token_urlsafe(64),
        # SeaweedFS SSE-S3 key-encryption key: a new one makes old objects unreadable.
        "s3_sse_kek": secrets.token_hex(32),
        "sip_passwords": {},
    }


def load_secrets(path: Path) -> dict[str, Any]:
    """What the file holds now ({} when it does not exist)."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise StackError(f"{path} is not readable JSON ({exc}); fix or remove it") from exc
    if not isinstance(data, dict):
        raise StackError(f"{path} must hold a JSON object")
    return data


def ensure_secrets(path: Path) -> dict[str, Any]:
    """Load the secrets, adding only the missing ones; the file ends up mode 0600."""
    data = load_secrets(path)
    merged = _with_missing(data)
    if merged != data or not path.is_file():
        _write_private(path, merged)
    elif path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return merged


def _with_missing(data: dict[str, Any]) -> dict[str, Any]:
    """`data` plus fresh values for absent keys and absent agents."""
    merged = dict(data)
    for key, value in _generators().items():
        merged.setdefault(key, value)
    passwords = dict(merged.get("sip_passwords") or {})
    for agent in agent_ids():
        passwords.setdefault(agent, secrets.token_urlsafe(16))
    merged["sip_passwords"] = passwords
    return merged


def _write_private(path: Path, data: dict[str, Any]) -> None:
    """Write atomically, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def apply_secrets(settings: Settings, data: dict[str, Any]) -> Settings:
    """Settings whose empty secret fields take the stack's values (environment wins)."""
    update = {
        name: SecretStr(str(data[name]))
        for name in SETTINGS_SECRETS
        if name in data and not getattr(settings, name).get_secret_value()
    }
    if "database_password" in update:
        update["database_url"] = url_with_password(  # type: ignore[assignment]
            settings.database_url, update["database_password"].get_secret_value()
        )
    return settings.model_copy(update=update) if update else settings
