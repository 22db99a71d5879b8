"""`/api/v1/social`: mentions, volume, influencers, keywords, sources (supervisors, admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response, status

from callcenter.db import transaction
from callcenter.errors import CHANGES, SIGNED_IN, errors
from callcenter.services import SessionsDep
from callcenter.social import analysis, ingest, places, provmap
from callcenter.social import service as social_service
from callcenter.social.models import Mention
from callcenter.social.schemas import (
    ApplyOut,
    AuditOut,
    CaseFromMention,
    CaseOpened,
    Influencer,
    KeywordIn,
    KeywordOut,
    KeywordUpdate,
    MentionOut,
    MentionsOut,
    ProvinceCount,
    ProvinceMap,
    RelabelIn,
    SourceIn,
    SourceOut,
    SourceUpdate,
    VolumePoint,
)
from callcenter.social.sentiment import Sentiment
from callcenter.users.deps import require_roles
from callcenter.users.models import Role, User
from callcenter.validation import Id4, Id8

router = APIRouter(prefix="/api/v1/social", tags=["social"], responses=errors(*SIGNED_IN, *CHANGES))
Desk = Annotated[User, Depends(require_roles(Role.supervisor))]  # and admins
Admin = Annotated[User, Depends(require_roles(Role.admin))]
CREATED = status.HTTP_201_CREATED
Start = Annotated[datetime, Query(alias="from", description="ISO time with its offset")]
End = Annotated[datetime, Query(alias="to", description="ISO time, exclusive")]
Channel = Annotated[str | None, Query(max_length=16)]


def _out(row: Mention, keywords: dict[int, list[int]]) -> MentionOut:
    out = MentionOut.model_validate(row)
    out.keywords = keywords.get(row.id, [])
    return out


@router.get("/mentions", response_model=MentionsOut)
async def list_mentions(
    _: Desk,
    sessions: SessionsDep,
    keyword_id: Id4 | None = None,
    channel: Channel = None,
    sentiment: Sentiment | None = None,
    province: Annotated[str | None, Query(max_length=64, description="English name")] = None,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    sort: Literal["published", "likes", "shares"] = "published",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Any:
    """Mentions matching every filter, newest first or ranked by likes or by shares."""
    filters = analysis.Filters(
        keyword_id=keyword_id, channel=channel, sentiment=sentiment.value if sentiment else None,
        start=start, end=end, sort=sort, limit=limit, offset=offset, province=province,
    )  # fmt: skip
    async with sessions() as session:
        total, rows, keywords = await analysis.mentions(session=session, filters=filters)
    return MentionsOut(
        total=min(total, analysis.COUNT_CAP),
        more=total > analysis.COUNT_CAP,
        items=[_out(m, keywords) for m in rows],
    )


@router.get("/mentions/{mention_id}", response_model=MentionOut)
async def read_mention(mention_id: Id8, _: Desk, sessions: SessionsDep) -> Any:
    async with sessions() as session:
        row = await social_service.mention(session=session, mention_id=mention_id)
        return _out(row, await analysis.keywords_of(session=session, ids=[row.id]))


@router.put("/mentions/{mention_id}/sentiment", response_model=MentionOut)
async def relabel(mention_id: Id8, body: RelabelIn, user: Desk, sessions: SessionsDep) -> Any:
    """Staff's correction: replaces the classifier's label and is kept for training."""
    async with transaction(sessions) as session:
        row = await social_service.mention(session=session, mention_id=mention_id)
        await social_service.relabel(session=session, row=row, label=body.sentiment, user=user)
        return _out(row, await analysis.keywords_of(session=session, ids=[row.id]))


@router.post("/mentions/{mention_id}/case", response_model=CaseOpened, status_code=CREATED)
async def open_case(
    mention_id: Id8, body: CaseFromMention, user: Desk, sessions: SessionsDep
) -> Any:
    """Make the mention a complaint case (text, author and link copied; once per mention)."""
    async with transaction(sessions) as session:
        row = await social_service.mention(session=session, mention_id=mention_id)
        case_id, number = await social_service.open_case(
            session=session, row=row, body=body, user=user
        )
    return CaseOpened(mention_id=mention_id, case_id=case_id, case_number=number)


@router.get("/volume", response_model=list[VolumePoint])
async def volume(
    _: Desk,
    sessions: SessionsDep,
    start: Start,
    end: End,
    bucket: Literal["hour", "day"] = "day",
    keyword_id: Id4 | None = None,
    channel: Channel = None,
) -> Any:
    """Mentions per keyword and sentiment in each hour or day (Bangkok time) of the period."""
    async with sessions() as session:
        rows = await analysis.volume(session=session, start=start, end=end, bucket=bucket,
                                     keyword_id=keyword_id, channel=channel)  # fmt: skip
    return [VolumePoint(start=s, keyword_id=k, sentiment=Sentiment(v), count=c)
            for s, k, v, c in rows]  # fmt: skip


@router.get("/influencers", response_model=list[Influencer])
async def influencers(
    _: Desk,
    sessions: SessionsDep,
    start: Start,
    end: End,
    channel: Channel = None,
    keyword_id: Id4 | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Any:
    """Authors ranked by reach (followers) x engagement, with their most liked mentions."""
    async with sessions() as session:
        found = await analysis.influencers(
            session=session,
            start=start,
            end=end,
            channel=channel,
            keyword_id=keyword_id,
            limit=limit,
        )
        keywords = await analysis.keywords_of(
            session=session, ids=[m.id for _, rows in found for m in rows]
        )
    return [
        Influencer(
            channel=v.channel,
            author=v.author,
            author_id=v.author_id,
            reach=v.reach,
            engagement=v.engagement,
            score=v.score,
            mentions=v.mentions,
            top_mentions=[_out(m, keywords) for m in rows],
        )
        for v, rows in found
    ]


@router.get("/map", response_model=ProvinceMap)
async def province_map(_: Desk, response: Response) -> Any:
    """Thailand's 77 provinces as SVG paths (Natural Earth, public domain): the map the
    desk colours with /provinces, drawn without online tiles."""
    response.headers["Cache-Control"] = "private, max-age=86400"
    return provmap.shapes()


@router.get("/provinces", response_model=list[ProvinceCount])
async def provinces(
    _: Desk,
    sessions: SessionsDep,
    start: Start,
    end: End,
    keyword_id: Id4 | None = None,
    channel: Channel = None,
) -> Any:
    """Located mentions per province (the map's figures), busiest first, by sentiment."""
    filters = analysis.Filters(keyword_id=keyword_id, channel=channel, start=start, end=end)
    async with sessions() as session:
        rows = await analysis.provinces(session=session, filters=filters)
    thai = places.thai_names()
    return [
        ProvinceCount(
            province=name,
            province_th=thai.get(name, name),
            total=sum(counts.values()),
            negative=counts.get("negative", 0),
            neutral=counts.get("neutral", 0),
            positive=counts.get("positive", 0),
        )
        for name, counts in rows
    ]


@router.get("/keywords", response_model=list[KeywordOut])
async def list_keywords(_: Desk, sessions: SessionsDep) -> Any:
    async with sessions() as session:
        return await social_service.keywords(session=session)


@router.post("/keywords", response_model=KeywordOut, status_code=CREATED)
async def add_keyword(body: KeywordIn, user: Desk, sessions: SessionsDep) -> Any:
    """A keyword with sub-keywords and exclusions; applies to mentions fetched from now on."""
    async with transaction(sessions) as session:
        return await social_service.add_keyword(session=session, item=body, user=user)


@router.patch("/keywords/{keyword_id}", response_model=KeywordOut)
async def edit_keyword(
    keyword_id: Id4, body: KeywordUpdate, user: Desk, sessions: SessionsDep
) -> Any:
    async with transaction(sessions) as session:
        row = await social_service.keyword(session=session, keyword_id=keyword_id)
        return await social_service.edit_keyword(session=session, row=row, changes=body,
                                                 user=user)  # fmt: skip


@router.delete("/keywords/{keyword_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_keyword(keyword_id: Id4, user: Desk, sessions: SessionsDep) -> Response:
    async with transaction(sessions) as session:
        row = await social_service.keyword(session=session, keyword_id=keyword_id)
        await social_service.delete_keyword(session=session, row=row, user=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/keywords/{keyword_id}/apply", response_model=ApplyOut)
async def apply_keyword(
    keyword_id: Id4,
    user: Desk,
    sessions: SessionsDep,
    since: Annotated[datetime | None, Query(description="Only mentions published since")] = None,
) -> Any:
    """Match the keyword again against stored mentions (all, or those published since)."""
    async with transaction(sessions) as session:
        row = await social_service.keyword(session=session, keyword_id=keyword_id)
        matched = await ingest.rematch(session=session, keyword=row, since=since)
        social_service.audit(session=session, user=user, action="keyword_applied",
                             target=f"keyword:{row.id}",
                             detail={"since": since.isoformat() if since else None,
                                     "matched": matched})  # fmt: skip
    return ApplyOut(keyword_id=keyword_id, matched=matched)


@router.get("/sources", response_model=list[SourceOut])
async def list_sources(_: Desk, sessions: SessionsDep) -> Any:
    """Each source with its cursor, last success, failures in a row and when it resumes."""
    async with sessions() as session:
        return await social_service.sources(session=session)


@router.post("/sources", response_model=SourceOut, status_code=CREATED)
async def add_source(body: SourceIn, user: Admin, sessions: SessionsDep) -> Any:
    async with transaction(sessions) as session:
        return await social_service.add_source(session=session, item=body, user=user)


@router.patch("/sources/{source_id}", response_model=SourceOut)
async def edit_source(
    source_id: Id4, body: SourceUpdate, user: Admin, sessions: SessionsDep
) -> Any:
    """Pause or resume a source, or point it elsewhere (its cursor then starts again)."""
    async with transaction(sessions) as session:
        row = await social_service.source(session=session, source_id=source_id)
        return await social_service.edit_source(session=session, row=row, changes=body, user=user)


@router.get("/audit", response_model=list[AuditOut])
async def audit_trail(
    _: Desk, sessions: SessionsDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> Any:
    """Every change on the desk, newest first: keywords, labels, cases opened, sources."""
    async with sessions() as session:
        return await social_service.trail(session=session, limit=limit)
