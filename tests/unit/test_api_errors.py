"""The API answers bad input with a stable error id, never a traceback."""

from __future__ import annotations

import httpx
import pytest

from callcenter import services
from callcenter.config import get_settings
from callcenter.db import make_db_engine, make_sessionmaker
from callcenter.main import create_app
from callcenter.users.ratelimit import LoginLimiter


@pytest.fixture
async def client() -> httpx.AsyncClient:
    settings = get_settings(jwt_secret="x" * 32)
    app = create_app(settings)
    # No lifespan here: an engine that is never used (validation fails before any query).
    sessions = make_sessionmaker(make_db_engine(settings.database_url))
    limiter = LoginLimiter.from_settings(settings)
    app.dependency_overrides |= {
        services.sessions: lambda: sessions,
        services.login_limiter: lambda: limiter,
    }
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c  # type: ignore[misc]


async def test_malformed_json_is_422_with_error_id(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/auth/login",
        content=b'{"username": "a",',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422
    assert r.json()["error_id"] == "malformed_json"
    assert "Traceback" not in r.text


async def test_missing_field_is_422_validation_failed(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/auth/login", json={"username": "a"})
    assert r.status_code == 422
    body = r.json()
    assert body["error_id"] == "validation_failed"
    assert any("password" in e["loc"] for e in body["details"]["errors"])


async def test_unknown_route_is_404_with_error_id(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/nothing-here")
    assert (r.status_code, r.json()["error_id"]) == (404, "not_found")


async def test_openapi_is_published(client: httpx.AsyncClient) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    assert "/healthz" in r.json()["paths"]
