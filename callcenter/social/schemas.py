"""Request and response bodies of the social desk API."""

from __future__ import annotations

import enum
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from callcenter.social.sentiment import Sentiment
from callcenter.validation import InputModel

Phrase = Field(min_length=1, max_length=200)


class Language(enum.StrEnum):
    any = "any"
    th = "th"
    en = "en"


def _clean(values: list[str]) -> list[str]:
    """Trimmed, without blanks and repeats, in the order given."""
    if any(len(v) > 200 for v in values):
        raise ValueError("a phrase is longer than 200 characters")
    out: list[str] = []
    for value in (v.strip() for v in values):
        if value and value not in out:
            out.append(value)
    return out


class KeywordIn(InputModel):
    keyword: str = Field(min_length=1, max_length=200)
    sub_keywords: list[str] = Field(default_factory=list, max_length=100)
    exclusions: list[str] = Field(default_factory=list, max_length=100)
    language: Language = Language.any
    active: bool = True
    watch: bool = Field(default=False, description="Alert on every mention")

    @field_validator("keyword")
    @classmethod
    def _keyword(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the keyword is blank")
        return value.strip()

    @field_validator("sub_keywords", "exclusions")
    @classmethod
    def _phrases(cls, values: list[str]) -> list[str]:
        return _clean(values)


class KeywordUpdate(InputModel):
    """Only the fields sent change."""

    keyword: str | None = Field(default=None, min_length=1, max_length=200)
    sub_keywords: list[str] | None = Field(default=None, max_length=100)
    exclusions: list[str] | None = Field(default=None, max_length=100)
    language: Language | None = None
    active: bool | None = None
    watch: bool | None = None

    @field_validator("keyword")
    @classmethod
    def _keyword(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("the keyword is blank")
        return None if value is None else value.strip()

    @field_validator("sub_keywords", "exclusions")
    @classmethod
    def _phrases(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _clean(values)


class KeywordOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    keyword: str
    sub_keywords: list[str]
    exclusions: list[str]
    language: str
    active: bool
    watch: bool
    created_at: datetime
    updated_at: datetime


class ApplyOut(BaseModel):
    keyword_id: int
    matched: int


class MentionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: str
    external_id: str
    url: str
    author: str
    author_followers: int | None
    text: str
    language: str
    published_at: datetime
    likes: int
    shares: int
    replies: int
    quotes: int
    province: str | None
    sentiment: Sentiment
    sentiment_by: str
    case_id: int | None
    keywords: list[int] = Field(default_factory=list)


class MentionsOut(BaseModel):
    total: int
    more: bool = Field(default=False, description="More than `total` match (counted up to it)")
    items: list[MentionOut]


class RelabelIn(InputModel):
    sentiment: Sentiment


class CaseFromMention(InputModel):
    service_line: str = Field(max_length=64)
    category: str | None = Field(default=None, max_length=64)
    note: str = Field(default="", max_length=4000, description="Added above the post")


class CaseOpened(BaseModel):
    mention_id: int
    case_id: int
    case_number: str


class VolumePoint(BaseModel):
    start: datetime  # the bucket's start (Asia/Bangkok hours or days)
    keyword_id: int | None  # None: every mention, matched or not
    sentiment: Sentiment
    count: int


class Influencer(BaseModel):
    channel: str
    author: str
    author_id: str
    reach: int  # followers at the last fetch
    engagement: int  # likes + shares + replies + quotes over their mentions in the period
    score: int  # reach x engagement
    mentions: int
    top_mentions: list[MentionOut]


class ProvinceCount(BaseModel):
    province: str  # English, as the Royal Institute writes it
    province_th: str
    total: int
    negative: int
    neutral: int
    positive: int


class ProvinceShape(BaseModel):
    province: str
    province_th: str
    iso: str  # ISO 3166-2, e.g. TH-50
    d: str  # the SVG path, in the map's viewBox


class ProvinceMap(BaseModel):
    view_box: str
    provinces: list[ProvinceShape]


class SourceIn(InputModel):
    kind: str = Field(pattern=r"^(rss|x|facebook|youtube)$")
    name: str = Field(min_length=1, max_length=128)
    url: str = Field(pattern=r"^https?://", max_length=2048)
    query: str = Field(
        default="",
        max_length=512,
        description="X: the recent-search query; Facebook: the page id; YouTube: a channel id "
        "or video:<id>",
    )
    active: bool = True


class SourceUpdate(InputModel):
    """Only the fields sent change; a new URL or query starts from an empty cursor."""

    url: str | None = Field(default=None, pattern=r"^https?://", max_length=2048)
    query: str | None = Field(default=None, max_length=512)
    active: bool | None = None


class SourceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    name: str
    url: str
    query: str
    active: bool
    cursor: dict[str, object]
    polled_at: datetime | None
    ok_at: datetime | None
    failures: int
    last_error: str
    resume_at: datetime | None


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    username: str
    action: str
    target: str
    detail: dict[str, object]
