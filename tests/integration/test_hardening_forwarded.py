"""A forged X-Forwarded-For neither dodges the login limiter nor enters the audit log.

No proxy is trusted by default, so the address is the socket's peer (127.0.0.1 here).
The attack probe sprayed 30 user names, each with a new forwarded address: 0 × 429.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI

from callcenter.users.models import Role
from tests.integration.browser import serve
from tests.integration.users_support import person

pytestmark = pytest.mark.integration


async def test_forged_forwarded_for_is_ignored_by_limiter_and_audit(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await person(app, client, Role.admin)
    limiter = app.state.services.login_limiter
    spray = uuid.uuid4().hex[:8]
    statuses = []
    async with serve(app) as base, httpx.AsyncClient(base_url=base) as live:
        try:
            for n in range(30):
                r = await live.post(
                    "/api/v1/auth/login",
                    json={"username": f"spray-{spray}-{n}", "password": "wrong-password"},
                    headers={"X-Forwarded-For": f"203.0.113.{n + 1}"},
                )
                statuses.append(r.status_code)
        finally:
            limiter.reset(["ip:127.0.0.1"])  # other tests of the session log in from here
        failures = app.state.settings.login_max_failures
        assert statuses[:failures] == [401] * failures
        assert set(statuses[failures:]) == {429}, statuses

        forged = {**admin.headers, "X-Forwarded-For": "203.0.113.77", "User-Agent": spray}
        r = await live.get("/api/v1/recordings", headers=forged)
        assert r.status_code == 200, r.text
        r = await live.get("/api/v1/audit", params={"action": "list"}, headers=admin.headers)
    mine = [e for e in r.json() if e["user_agent"] == spray]
    assert [e["client_ip"] for e in mine] == ["127.0.0.1"]
