"""The content calendar against its own database, the real S3 and the Graph/LINE stand-in:
drafts approved by another supervisor (audited), files in S3, Facebook scheduled posts and
LINE broadcasts at the planned time (an injected clock), failures, results fetched back, and
the persistent job store waking the round after a restart."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from callcenter.config import Settings
from callcenter.social.standin_platforms import PlatformStandIn
from callcenter.users.models import Role
from tests.helpers import poll
from tests.integration.social_support import (
    START,
    Desk,
    Sessions,
    build_publishing,
    desk,
    headers,
    platforms,
    sessions,
    social_settings,
)

pytestmark = pytest.mark.integration
__all__ = ["desk", "platforms", "sessions", "social_settings"]  # fixtures used by name


def png(width: int = 2, height: int = 2) -> bytes:
    """A real (tiny, grey) PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))  # fmt: skip


CAL = "/api/v1/social/calendar"
WARNING = {
    "title": "ระวัง! SMS ปลอมแจ้งพัสดุตกค้าง",
    "body": "มิจฉาชีพส่ง SMS แนบลิงก์ให้กดจ่ายค่าพัสดุ อย่ากดลิงก์ ถ้าโอนเงินไปแล้ว โทร 1212 ทันที",
}


async def draft(desk: Desk, who: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {**WARNING, "planned_at": (START + timedelta(days=2)).isoformat(), **fields}
    r = await desk.client.post(CAL, json=body, headers=who)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_a_draft_is_approved_by_another_supervisor_never_its_author_and_it_is_audited(
    desk: Desk,
) -> None:
    author, other = (
        await headers(desk.api, Role.supervisor),
        await headers(desk.api, Role.supervisor),
    )
    agent = await headers(desk.api, Role.agent)
    item = await draft(desk, author)
    assert item["status"] == "draft" and item["channels"] == ["facebook", "line"]

    r = await desk.client.post(f"{CAL}/{item['id']}/approve", headers=author)
    assert r.status_code == 409 and r.json()["error_id"] == "social_content_own"
    r = await desk.client.post(f"{CAL}/{item['id']}/approve", headers=agent)
    assert r.status_code == 403
    r = await desk.client.post(f"{CAL}/{item['id']}/approve", headers=other)
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = await desk.client.post(f"{CAL}/{item['id']}/approve", headers=other)
    assert r.status_code == 409 and r.json()["error_id"] == "social_content_not_draft"

    # A change after approval takes it back to draft: approved again before it goes out.
    r = await desk.client.patch(f"{CAL}/{item['id']}", headers=author,
                                json={"body": WARNING["body"] + " แชร์ต่อให้คนที่คุณรัก"})  # fmt: skip
    assert (
        r.status_code == 200 and r.json()["status"] == "draft" and r.json()["approved_by"] is None
    )
    tiktok = {**WARNING, "channels": ["tiktok"], "planned_at": START.isoformat()}
    r = await desk.client.post(CAL, headers=author, json=tiktok)
    assert r.status_code == 422
    r = await desk.client.patch(f"{CAL}/999999", headers=author, json={"title": "x"})
    assert r.status_code == 404

    trail = (await desk.client.get("/api/v1/social/audit", headers=other)).json()
    mine = [(e["action"], e["username"]) for e in trail if e["target"] == f"content:{item['id']}"]
    assert [a for a, _ in mine] == ["content_updated", "content_approved", "content_created"]
    assert mine[1][1] != mine[2][1]  # approved by someone other than the author

    month = (await desk.client.get(CAL, params={"month": "2026-12"}, headers=other)).json()
    assert [i["id"] for i in month["items"]] == [item["id"]]
    assert month["posts"] == {"planned": 1, "published": 0, "least": 6, "most": None, "met": False}
    assert month["videos"]["least"] == 1 and month["videos"]["most"] == 2
    r = await desk.client.get(CAL, params={"month": "2026-13"}, headers=other)
    assert r.status_code == 422


async def approved(desk: Desk, **fields: Any) -> dict[str, Any]:
    author, other = await headers(desk.api, Role.supervisor), await headers(desk.api, Role.admin)
    return {"item": await draft(desk, author, **fields), "author": author, "approver": other}


async def upload(
    desk: Desk, path: str, who: dict[str, str], name: str, data: bytes, kind: str
) -> httpx.Response:
    return await desk.client.put(path, params={"filename": name}, content=data,
                                 headers={**who, "Content-Type": kind})  # fmt: skip


async def approve(desk: Desk, made: dict[str, Any]) -> dict[str, Any]:
    r = await desk.client.post(f"{CAL}/{made['item']['id']}/approve", headers=made["approver"])
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_a_picture_post_is_scheduled_on_the_page_and_broadcast_on_line_at_its_time(
    desk: Desk,
) -> None:
    planned = START + timedelta(days=2, hours=3)
    made = await approved(desk, planned_at=planned.isoformat())
    item_id, picture = made["item"]["id"], png(4, 3)
    asset = f"{CAL}/{item_id}/asset"
    r = await upload(desk, asset, made["author"], "sms-warning.png", picture, "image/png")
    assert r.status_code == 200 and r.json()["asset_name"] == "sms-warning.png"
    r = await upload(desk, asset, made["author"], "run.exe", b"MZ", "application/x-msdownload")
    assert r.status_code == 422 and r.json()["error_id"] == "social_asset_refused"
    r = await desk.client.get(f"{CAL}/{item_id}/asset", headers=made["approver"])
    assert r.content == picture  # kept in S3
    await approve(desk, made)

    # Two days ahead: handed to Facebook as a scheduled photo post; nothing on LINE yet.
    assert [(o.content_id, o.status) for o in await desk.at(START)] == [(item_id, "scheduled")]
    [placed] = {id(v): v for v in desk.platforms.graph.placed.values()}.values()
    assert placed["edge"] == "photos" and placed["published"] is False
    assert placed["scheduled_publish_time"] == int(planned.timestamp())
    assert placed["source"]["size"] == len(picture) and placed["message"] == WARNING["body"]
    assert await desk.at(START + timedelta(hours=1)) == []  # nothing more to do before its time
    assert desk.platforms.line.broadcasts == []

    # Its time: Facebook has put it out; LINE gets the text and the picture (from S3).
    [outcome] = await desk.at(planned + timedelta(seconds=30))
    assert outcome.status == "published" and outcome.error == ""
    [sent] = desk.platforms.line.broadcasts
    assert sent["messages"][0]["text"].startswith(WARNING["title"])
    image_url = sent["messages"][1]["originalContentUrl"]
    async with httpx.AsyncClient() as plain:
        assert (await plain.get(image_url)).content == picture

    # Results fetched back: reach, reactions, shares.
    placed.update(reach=5400, reactions=230, shares=41)
    assert await desk.publishing.fetch_results(planned + timedelta(hours=6)) == 1
    month = (await desk.client.get(CAL, params={"month": "2026-12"},
                                   headers=made["approver"])).json()  # fmt: skip
    [row] = month["items"]
    assert (row["status"], row["reach"], row["reactions"], row["shares"]) == (
        "published", 5400, 230, 41)  # fmt: skip
    assert month["posts"]["published"] == 1
    r = await desk.client.patch(f"{CAL}/{item_id}", headers=made["author"], json={"title": "x"})
    assert r.status_code == 409 and r.json()["error_id"] == "social_content_locked"


async def test_an_item_due_within_ten_minutes_is_published_at_its_time_not_scheduled(
    desk: Desk,
) -> None:
    soon = START + timedelta(minutes=5)
    video = await approved(desk, kind="video", channels=["facebook"], planned_at=soon.isoformat(),
                           title="วิดีโอ: 5 สัญญาณมิจฉาชีพ")  # fmt: skip
    r = await upload(desk, f"{CAL}/{video['item']['id']}/asset", video["author"], "signs.mp4",
                     b"\x00\x00\x00\x18ftypmp42" * 64, "video/mp4")  # fmt: skip
    assert r.status_code == 200
    await approve(desk, video)
    line_only = await approved(desk, channels=["line"], planned_at=soon.isoformat())
    await approve(desk, line_only)

    assert await desk.at(START) == []  # too near for a scheduled post: wait for the time
    done = await desk.at(soon)
    assert sorted(o.status for o in done) == ["published", "published"]
    [placed] = {id(v): v for v in desk.platforms.graph.placed.values()}.values()
    assert placed["edge"] == "videos" and placed["published"] is True
    assert placed["title"] == "วิดีโอ: 5 สัญญาณมิจฉาชีพ"
    assert len(desk.platforms.line.broadcasts) == 1  # the LINE-only post
    assert len(desk.platforms.line.broadcasts[0]["messages"]) == 1

    placed.update(reach=900, reactions=12, shares=3)
    assert await desk.publishing.fetch_results(soon + timedelta(hours=1)) == 1
    month = (await desk.client.get(CAL, params={"month": "2026-12"},
                                   headers=video["approver"])).json()  # fmt: skip
    assert month["videos"] == {"planned": 1, "published": 1, "least": 1, "most": 2, "met": True}


async def test_a_line_failure_is_retried_once_and_a_facebook_outage_past_grace_fails_the_item(
    desk: Desk,
) -> None:
    when = START + timedelta(minutes=1)
    line_post = await approved(desk, channels=["line"], planned_at=when.isoformat())
    await approve(desk, line_post)
    page_post = await approved(desk, channels=["facebook"], planned_at=when.isoformat())
    await approve(desk, page_post)
    desk.platforms.line.fail_next = 1
    desk.platforms.graph.refuse_next = 1000

    outcomes = {o.content_id: o for o in await desk.at(when)}
    assert outcomes[line_post["item"]["id"]].status == "approved"
    assert "500" in outcomes[line_post["item"]["id"]].error
    assert outcomes[page_post["item"]["id"]].status == "approved"

    outcomes = {o.content_id: o for o in await desk.at(when + timedelta(minutes=5))}
    assert outcomes[line_post["item"]["id"]].status == "published"
    assert len(desk.platforms.line.broadcasts) == 1  # sent once

    [late] = await desk.at(when + timedelta(hours=2))  # past social_publish_grace_s (1 h)
    assert late.status == "failed" and "unknown error" in late.error
    trail = (await desk.client.get("/api/v1/social/audit", headers=page_post["approver"])).json()
    assert any(e["action"] == "content_failed" and e["username"] == "scheduler" for e in trail)
    r = await desk.client.post(f"{CAL}/{page_post['item']['id']}/send-back",
                               headers=page_post["approver"], json={"note": "ลองใหม่"})  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "draft"


def real_now() -> datetime:
    return datetime.now(UTC)


async def test_the_persistent_job_wakes_the_round_at_the_time_even_after_a_restart(
    desk: Desk, social_settings: Settings, sessions: Sessions, platforms: PlatformStandIn
) -> None:
    platforms.clock = lambda: real_now().timestamp()
    url = social_settings.sync_database_url
    when = real_now() + timedelta(seconds=3)
    made = await approved(desk, channels=["line"], planned_at=when.isoformat())
    async with httpx.AsyncClient(timeout=10) as client:
        first = build_publishing(social_settings, sessions, platforms, real_now, client,
                                 job_store_url=url)  # fmt: skip
        await first.start()
        desk.publishing = first
        await approve(desk, made)
        job = f"social-content-{made['item']['id']}"
        assert job in first.job_ids()
        await first.stop()  # the service stops before the time ...
        async with sessions() as session:
            stored = await session.scalar(text("SELECT count(*) FROM social_jobs WHERE id = :id"),
                                          {"id": job})  # fmt: skip
        assert stored == 1 and platforms.line.broadcasts == []

        second = build_publishing(social_settings, sessions, platforms, real_now, client,
                                  job_store_url=url)  # fmt: skip
        await poll(lambda: real_now() > when + timedelta(seconds=0.5), timeout_s=10,
                   what="its time")  # fmt: skip
        await second.start()  # ... and starts after it: the missed wake-up runs at once
        try:
            await poll(lambda: len(platforms.line.broadcasts) == 1, timeout_s=15, what="broadcast")
        finally:
            await second.stop()
