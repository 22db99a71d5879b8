"""HTTP guards and error mapping that need no I/O: constraint errors, body caps, headers,
the OpenAPI document, the shared input types."""

from __future__ import annotations

from datetime import datetime
from ipaddress import ip_network
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import Field, ValidationError
from sqlalchemy.exc import IntegrityError

from callcenter import services
from callcenter.config import get_settings
from callcenter.db import make_db_engine, make_sessionmaker
from callcenter.errors import install_handlers
from callcenter.guards import JSON_MAX_BYTES, Guards, forwarded_for
from callcenter.main import create_app
from callcenter.users.ratelimit import LoginLimiter
from callcenter.validation import InputModel, Moment


class _UniqueViolation(Exception):
    constraint_name = "uq_qa_forms_name"


async def test_an_integrity_error_anywhere_is_409_with_an_error_id() -> None:
    app = FastAPI()
    install_handlers(app)

    @app.post("/thing")
    async def thing() -> None:
        raise IntegrityError("INSERT …", {}, _UniqueViolation("duplicate key"))

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.post("/thing")
    assert r.status_code == 409
    assert r.json()["error_id"] == "conflict"
    assert r.json()["details"] == {"constraint": "uq_qa_forms_name"}
    assert "duplicate key" not in r.text and "INSERT" not in r.text


@pytest.fixture
async def client() -> httpx.AsyncClient:
    settings = get_settings(jwt_secret="x" * 32)
    app = create_app(settings)
    sessions = make_sessionmaker(make_db_engine(settings.database_url))  # never used
    limiter = LoginLimiter.from_settings(settings)
    app.dependency_overrides |= {
        services.sessions: lambda: sessions,
        services.login_limiter: lambda: limiter,
    }
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c  # type: ignore[misc]


async def test_a_json_body_over_the_cap_is_413_before_it_is_parsed(
    client: httpx.AsyncClient,
) -> None:
    big = b'{"username": "' + b"a" * (JSON_MAX_BYTES + 10) + b'", "password": "x"}'
    r = await client.post(
        "/api/v1/auth/login", content=big, headers={"content-type": "application/json"}
    )
    assert (r.status_code, r.json()["error_id"]) == (413, "body_too_large")


async def test_a_streamed_body_without_length_is_cut_at_the_cap() -> None:
    inner = FastAPI()
    install_handlers(inner)

    @inner.post("/upload")
    async def upload(body: dict[str, str]) -> dict[str, str]:
        return body

    guarded = Guards(inner, upload_max=0, json_max=100)

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(10):
            yield b"x" * 50

    transport = httpx.ASGITransport(app=guarded)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.post("/upload", content=chunks(), headers={"content-type": "application/json"})
    assert (r.status_code, r.json()["error_id"]) == (413, "body_too_large")


async def test_pages_send_csp_and_frame_and_sniff_headers(client: httpx.AsyncClient) -> None:
    r = await client.get("/login")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    api = await client.get("/openapi.json")
    assert api.headers["x-content-type-options"] == "nosniff"


async def test_openapi_documents_error_statuses_and_audio(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert {"401", "403", "404", "409", "422"} <= set(
        paths["/api/v1/cases/{case_id}"]["patch"]["responses"]
    )
    assert "429" in paths["/api/v1/auth/login"]["post"]["responses"]
    upload = paths["/api/v1/cases/{case_id}/attachments"]["post"]
    assert "413" in upload["responses"]
    assert "application/octet-stream" in upload["requestBody"]["content"]
    audio = paths["/api/v1/recordings/{recording_id}/audio"]["get"]["responses"]["200"]
    assert "audio/ogg" in audio["content"]
    error = paths["/api/v1/cases"]["get"]["responses"]["403"]["content"]["application/json"]
    assert error["schema"]["$ref"].endswith("/ErrorOut")


class _Body(InputModel):
    text: str
    items: list[str] = Field(default_factory=list)
    when: Moment | None = None
    n: int = 0
    x: float = 0.0


@pytest.mark.parametrize(
    "fields",
    [
        {"text": "a\x00b"},
        {"text": "ok", "items": ["fine", "no\x00"]},
        {"text": "ok", "when": "0001-01-01T00:00:00+14:00"},
        {"text": "ok", "when": "9999-12-31T23:59:59-14:00"},
        {"text": "ok", "n": 2**63},
        {"text": "ok", "x": "NaN"},
    ],
)
def test_input_model_refuses_what_no_column_can_hold(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        _Body.model_validate(fields)


def test_input_model_keeps_ordinary_values() -> None:
    body = _Body.model_validate(
        {"text": "สวัสดี", "items": ["a"], "when": "2026-12-07T10:00:00+07:00", "n": 2**63 - 1}
    )
    assert body.when == datetime.fromisoformat("2026-12-07T10:00:00+07:00")


LOCAL = [ip_network("127.0.0.1/32"), ip_network("10.0.0.0/8")]


@pytest.mark.parametrize(
    ("peer", "header", "trusted", "client"),
    [
        ("127.0.0.1", "203.0.113.9", [], "127.0.0.1"),  # none trusted (the default)
        ("192.0.2.5", "203.0.113.9", LOCAL, "192.0.2.5"),  # not from a proxy
        ("127.0.0.1", "203.0.113.9", LOCAL, "203.0.113.9"),
        ("127.0.0.1", "198.51.100.1, 203.0.113.9, 10.1.2.3", LOCAL, "203.0.113.9"),
        ("127.0.0.1", "not-an-address", LOCAL, "127.0.0.1"),
        ("127.0.0.1", None, LOCAL, "127.0.0.1"),
    ],
)
def test_forwarded_for_is_believed_only_from_trusted_proxies(
    peer: str, header: str | None, trusted: list[Any], client: str
) -> None:
    assert forwarded_for(peer, header, trusted) == client


async def test_each_upload_route_has_its_own_cap() -> None:
    """A 12 MB video for the content calendar gets through; a 12 MB case attachment is
    refused at the door (10 MB), before the route reads it."""
    inner = FastAPI()
    install_handlers(inner)

    @inner.put("/api/v1/social/calendar/{item}/asset")
    @inner.post("/api/v1/cases/{case}/attachments")
    async def upload(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    mb = 1024 * 1024
    guarded = Guards(inner, upload_max=10 * mb, asset_max=200 * mb)
    video = b"\0" * (12 * mb)
    transport = httpx.ASGITransport(app=guarded)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        ok = await c.put("/api/v1/social/calendar/7/asset", content=video)
        refused = await c.post("/api/v1/cases/7/attachments", content=video)
    assert (ok.status_code, ok.json()) == (200, {"bytes": 12 * mb})
    assert (refused.status_code, refused.json()["error_id"]) == (413, "body_too_large")


async def test_prompt_recordings_have_their_own_upload_limit() -> None:
    """A 3 MB WAV for an IVR prompt reaches the route (the JSON cap of 1 MB would refuse a
    few seconds of CD-quality audio); past the prompts' own limit it is refused at the door."""
    inner = FastAPI()
    install_handlers(inner)

    @inner.put("/api/v1/prompts/{prompt_id}/{language}")
    async def upload(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    mb = 1024 * 1024
    guarded = Guards(inner, upload_max=10 * mb, prompt_max=4 * mb, json_max=mb)
    transport = httpx.ASGITransport(app=guarded)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        ok = await c.put("/api/v1/prompts/welcome/th", content=b"\0" * (3 * mb))
        refused = await c.put("/api/v1/prompts/welcome/th", content=b"\0" * (5 * mb))
    assert (ok.status_code, ok.json()) == (200, {"bytes": 3 * mb})
    assert (refused.status_code, refused.json()["error_id"]) == (413, "body_too_large")
