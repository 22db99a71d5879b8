"""Attachments: a refused upload leaves no bytes in the store, and what a browser could run
(HTML, SVG) comes back as a download, never as a page of this site."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from minio import Minio

from callcenter.cases import attachments
from callcenter.config import Settings
from callcenter.users.models import Role
from tests.integration.cases_support import case_body
from tests.integration.users_support import person

pytestmark = pytest.mark.integration


def _objects(s3: Minio, bucket: str, case_id: int) -> list[str]:
    prefix = f"{attachments.PREFIX}/{case_id}/"
    return [o.object_name for o in s3.list_objects(bucket, prefix=prefix, recursive=True)]


async def _case(client: httpx.AsyncClient, headers: dict[str, str]) -> Any:
    r = await client.post("/api/v1/cases", json=case_body(), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def test_refused_uploads_store_nothing(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    agent = await person(app, client, Role.agent)
    case = await _case(client, agent.headers)
    url = f"/api/v1/cases/{case['id']}/attachments"
    s3, bucket = app.state.services.s3, attachments.bucket(settings)
    # the bucket is shared: other test databases have a case with this id too
    before = await asyncio.to_thread(_objects, s3, bucket, case["id"])
    long_type = "image/" + "x" * 300
    r = await client.post(
        url, params={"filename": "a.png"}, content=b"data",
        headers={**agent.headers, "Content-Type": long_type},
    )  # fmt: skip
    assert (r.status_code, r.json()["error_id"]) == (422, "attachment_type_invalid")
    r = await client.post(
        url, params={"filename": "a\x00.png"}, content=b"data",
        headers={**agent.headers, "Content-Type": "image/png"},
    )  # fmt: skip
    assert (r.status_code, r.json()["error_id"]) == (422, "validation_failed")
    assert await asyncio.to_thread(_objects, s3, bucket, case["id"]) == before
    detail = (await client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers)).json()
    assert detail["attachments"] == []


async def test_html_and_svg_are_served_as_downloads_with_nosniff(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    agent = await person(app, client, Role.agent)
    case = await _case(client, agent.headers)
    url = f"/api/v1/cases/{case['id']}/attachments"
    for name, kind in (("x.html", "text/html"), ("x.svg", "image/svg+xml")):
        r = await client.post(
            url, params={"filename": name}, content=b"<script>alert(1)</script>",
            headers={**agent.headers, "Content-Type": kind},
        )  # fmt: skip
        assert r.status_code == 201, r.text
        got = await client.get(f"{url}/{r.json()['id']}", headers=agent.headers)
        assert got.status_code == 200
        assert got.headers["content-type"] == "application/octet-stream"
        assert got.headers["content-disposition"].startswith("attachment;")
        assert got.headers["x-content-type-options"] == "nosniff"
