"""Render asterisk_conf/*.conf (Jinja2) into the chroot's private config dir."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2

from callcenter import ivrconf
from callcenter.ami.events import manager_event_filter
from callcenter.centre import Centre
from callcenter.config import Settings

LOOPBACK = "127.0.0.1"
SIP_PORT = 5060
RTP_RANGE = (30000, 30999)
# Changing these needs a restart; every other file is picked up by `core reload`.
RESTART_FILES = frozenset({"asterisk.conf", "modules.conf"})


def http_port(settings: Settings) -> int:
    """The port of Asterisk's HTTP server (ARI, WebSocket), from the ARI URL."""
    return urlsplit(settings.ari_url).port or 8088


def render_context(
    *, settings: Settings, secrets: dict[str, Any], centre: Centre
) -> dict[str, Any]:
    """Everything the templates may use; secrets revealed. A broken ivr.toml raises ValueError."""
    ivr = ivrconf.load(settings.conf_dir, centre)
    return {
        "trunk": ivr.trunk,
        "bind": LOOPBACK,
        "sip_port": SIP_PORT,
        "http_port": http_port(settings),
        "rtp_start": RTP_RANGE[0],
        "rtp_end": RTP_RANGE[1],
        "ami_port": settings.ami_port,
        "ami_user": settings.ami_user,
        "ami_secret": settings.ami_secret.get_secret_value(),
        "ami_event_filter": manager_event_filter(),
        "ami_sim_user": settings.ami_sim_user,
        "ami_sim_secret": settings.ami_sim_secret.get_secret_value(),
        "ari_user": settings.ari_user,
        "ari_password": settings.ari_password.get_secret_value(),
        "ari_app": settings.ari_app,
        "queues": centre.queues,
        "in_queue": {q.name: ivr.in_queue(q.name) for q in centre.queues},
        "default_queue": centre.default_queue,
        "agents": centre.agents,
        "sip_passwords": secrets.get("sip_passwords", {}),
    }


def render_all(*, context: dict[str, Any], templates_dir: Path) -> dict[str, str]:
    """File name → rendered text, for every *.conf template."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # noqa: S701 - Asterisk config, not HTML
    )
    names = sorted(p.name for p in templates_dir.glob("*.conf"))
    return {name: env.get_template(name).render(context) for name in names}


def write_config(*, files: dict[str, str], dest: Path) -> list[str]:
    """Write files that differ (mode 0600, atomically); the names that changed."""
    dest.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in files.items():
        path = dest / name
        if path.is_file() and path.read_text() == text:
            continue
        tmp = path.with_name(f".{name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
        changed.append(name)
    return changed
