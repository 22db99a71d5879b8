"""`/api/v1/prompts`: the IVR prompt catalogue and the recordings still missing per language;
`/api/v1/ivr/announcement`: the emergency announcement, switched by a supervisor (audited)."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from callcenter.errors import CHANGES, SIGNED_IN, InvalidInput, NotFound, errors
from callcenter.prompts import catalogue, service
from callcenter.services import S3Dep, Services, ServicesDep, SettingsDep
from callcenter.users.deps import AdminUser as Admin
from callcenter.users.deps import SupervisorUser as Supervisor
from callcenter.validation import InputModel

ANNOUNCE_PREFIX = "announce-"  # the catalogue's prompts a supervisor may switch on
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # a few minutes of WAV
router = APIRouter(prefix="/api/v1/prompts", tags=["prompts"], responses=errors(*SIGNED_IN))


@router.get("")
async def list_prompts(_user: Supervisor, settings: SettingsDep, s3: S3Dep) -> dict[str, Any]:
    """Each prompt per language (recording, placeholder or none), per language the prompts
    with no uploaded recording yet (placeholders count as missing), and the upload limit."""
    rows = await asyncio.to_thread(service.states, settings, s3)
    return {
        "prompts": [r.as_dict() for r in rows],
        "missing": catalogue.missing(rows),
        "max_upload_bytes": MAX_UPLOAD_BYTES,
    }


FORMATS = {"audio/wav": ".wav", "audio/x-wav": ".wav", "audio/wave": ".wav", "audio/mpeg": ".mp3"}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "description": "The recording's bytes: WAV or MP3 (Content-Type audio/wav or audio/mpeg)",
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in FORMATS},
    }
}


class TooLarge(InvalidInput):
    status, error_id = 413, "prompt_too_large"


@router.put("/{prompt_id}/{language}", openapi_extra=UPLOAD_BODY)
async def upload_prompt(
    prompt_id: Annotated[str, PathParam(pattern=r"^[a-z0-9][a-z0-9-]{0,47}$")],
    language: Literal["th", "en"],
    request: Request,
    user: Admin,
    settings: SettingsDep,
    s3: S3Dep,
) -> dict[str, Any]:
    """An admin uploads a prompt's recording in one language: sox converts it to what Asterisk
    plays, it is stored in S3 and played from the next call on."""
    kind = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if kind not in FORMATS:
        raise InvalidInput(
            "Content-Type must be audio/wav or audio/mpeg / ต้องเป็นไฟล์ WAV หรือ MP3",
            content_type=kind,
        )
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise TooLarge(
                f"recordings are limited to {MAX_UPLOAD_BYTES // 2**20} MB / "
                f"ไฟล์เสียงต้องไม่เกิน {MAX_UPLOAD_BYTES // 2**20} MB",
                limit=MAX_UPLOAD_BYTES,
            )
        chunks.append(chunk)
    if not size:
        raise InvalidInput("the recording is empty / ไฟล์เสียงว่างเปล่า")
    with tempfile.TemporaryDirectory(prefix="cc-upload-") as tmp:
        source = Path(tmp) / f"upload{FORMATS[kind]}"
        source.write_bytes(b"".join(chunks))
        key = await asyncio.to_thread(service.upload, settings, s3, prompt_id, language, source)
    return {"id": prompt_id, "language": language, "key": key, "by": user.username}


@router.get(
    "/{prompt_id}/{language}/audio",
    response_class=FileResponse,
    responses={200: {"content": {"audio/wav": {}}, "description": "The WAV Asterisk plays"},
               **errors(404)},
)  # fmt: skip
async def prompt_audio(
    prompt_id: Annotated[str, PathParam(pattern=r"^[a-z0-9][a-z0-9-]{0,47}$")],
    language: Literal["th", "en"],
    _user: Supervisor,
    settings: SettingsDep,
) -> FileResponse:
    """The recording callers hear for a prompt in a language now (the upload, else the
    placeholder), as 8 kHz WAV: supervisors and admins listen on the prompts page.
    404 `prompt_audio_missing` when there is nothing to play in that language."""
    path = await asyncio.to_thread(service.played_file, settings, prompt_id, language)
    return FileResponse(
        path,
        media_type="audio/wav",
        headers={"Cache-Control": "no-store"},  # a new upload plays at once
    )


announcement_router = APIRouter(
    prefix="/api/v1/ivr/announcement", tags=["prompts"], responses=errors(*SIGNED_IN, *CHANGES)
)


class AnnouncementIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str | None = Field(
        default=None,
        max_length=48,
        description="A prompt id of the catalogue to switch on; null switches it off",
    )
    reason: str = Field(default="", max_length=255, description="Why (kept in the audit trail)")


class AnnouncementActionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    username: str
    action: str
    prompt_id: str
    reason: str


class AnnouncementChoice(BaseModel):
    id: str
    th: str
    en: str


class AnnouncementOut(BaseModel):
    prompt: str | None = Field(description="The announcement callers hear now, or null")
    choices: list[AnnouncementChoice] = Field(
        description=f"The catalogue's announcements (ids starting {ANNOUNCE_PREFIX!r})"
    )
    history: list[AnnouncementActionOut] = Field(description="The latest switches, newest first")


def _choices(parts: Services) -> list[AnnouncementChoice]:
    book = parts.ivr.config.catalogue
    return [
        AnnouncementChoice(id=p.id, th=p.text["th"], en=p.text["en"])
        for p in sorted(book.prompts.values(), key=lambda p: p.id)
        if p.id.startswith(ANNOUNCE_PREFIX)
    ]


async def _state(parts: Services) -> AnnouncementOut:
    rows = await parts.announcement.history()
    return AnnouncementOut(
        prompt=parts.announcement.current,
        choices=_choices(parts),
        history=[AnnouncementActionOut.model_validate(r) for r in rows],
    )


@announcement_router.get("")
async def announcement(_user: Supervisor, parts: ServicesDep) -> AnnouncementOut:
    """The emergency announcement callers hear after the welcome now, and who switched it."""
    return await _state(parts)


@announcement_router.post("")
async def switch_announcement(
    body: AnnouncementIn, user: Supervisor, parts: ServicesDep
) -> AnnouncementOut:
    """Switch the emergency announcement on (a catalogue prompt) or off (null); audited."""
    known = [c.id for c in _choices(parts)]
    if body.prompt is not None and body.prompt not in known:
        raise NotFound(
            f"no announcement {body.prompt!r} in the catalogue / ไม่มีประกาศ {body.prompt!r}",
            known=known,
        )
    await parts.announcement.switch(
        prompt_id=body.prompt, user_id=user.id, username=user.username, reason=body.reason
    )
    return await _state(parts)
