"""Schemathesis over the running service's OpenAPI document, as an admin and as an agent.

Every operation gets generated requests (valid and invalid, bounded in number and time);
the run fails on any 5xx, any status the document does not list for the operation, and
any response body or Content-Type that does not match the document.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from callcenter.config import Settings
from callcenter.main import create_app
from callcenter.users.models import Role
from tests.integration.browser import serve
from tests.integration.conftest import own_database
from tests.integration.users_support import token_for

pytestmark = pytest.mark.integration

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    )
)
# Operations that drive the shared Asterisk (originate a call to a supervisor's phone, add
# a softphone to queues, ring the agent's phone for the dial pad): their inputs are tested
# by their own API tests.
# Prompt uploads take raw audio bodies (audio/wav, audio/mpeg), which schemathesis cannot
# generate; tests/integration/test_prompts.py sends real and refused files instead. The same
# for the chat desk's picture uploads (image/png, image/jpeg): test_chat_broadcast.py and
# test_chat_desk_extras.py send real and refused pictures.
EXCLUDED = (
    r"^/api/v1/(supervise|desk/(login|logout|pause|ready|dial)|prompts/[^/]+/[^/]+"
    r"|chat/broadcasts/[^/]+/image|chat/conversations/[^/]+/reply-image)$"
)


def _schemathesis(base_url: str, token: str, report: Path) -> subprocess.CompletedProcess[str]:
    command = [
        str(Path(sys.executable).with_name("st")), "run", f"{base_url}/openapi.json",
        "--url", base_url, "-H", f"Authorization: Bearer {token}",
        "--checks", CHECKS, "--phases", "examples,coverage,fuzzing",
        "--max-examples", "8", "--max-time", "45", "--workers", "1", "--seed", "1212",
        "--exclude-path-regex", EXCLUDED, "--request-timeout", "20",
        "--suppress-health-check", "all", "--no-color",
        "--report", "ndjson", "--report-dir", str(report),
    ]  # fmt: skip
    return subprocess.run(
        command, capture_output=True, text=True, timeout=150, check=False, cwd=report
    )


@pytest.fixture(scope="module")
async def own_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The service on a database of its own: the admin run changes taxonomy, forms and users,
    which the session's other tests must not see."""
    with own_database(settings, "harden_st") as own:
        application = create_app(own)
        async with application.router.lifespan_context(application):
            yield application


@pytest.mark.timeout(400)
@pytest.mark.parametrize("role", [Role.admin, Role.agent])
async def test_schemathesis_finds_no_server_error_or_undocumented_answer(
    own_app: FastAPI, role: Role, tmp_path: Path
) -> None:
    transport = httpx.ASGITransport(app=own_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        token = await token_for(own_app, client, role)
    async with serve(own_app) as base_url:
        result = await asyncio.to_thread(_schemathesis, base_url, token, tmp_path)
    tail = (result.stdout + result.stderr)[-12000:]
    assert result.returncode == 0, tail
    assert " passed" in result.stdout, tail  # it did test, not just load the document
