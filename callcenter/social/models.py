"""Social desk tables: sources and their cursors, mentions, keywords, matches, labels, audit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base


class Source(Base):
    """A connector's configuration and where it got to (its cursor survives restarts)."""

    __tablename__ = "social_sources"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # 'rss', 'x', 'facebook' or 'youtube'
    name: Mapped[str] = mapped_column(String(128), unique=True)
    url: Mapped[str] = mapped_column(String(2048))  # the feed, or the X API's base URL
    query: Mapped[str] = mapped_column(
        Text, default=""
    )  # X: the search; Facebook: page id; YouTube: channel
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    cursor: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    polled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ok_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in a row
    last_error: Mapped[str] = mapped_column(Text, default="")
    resume_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # backoff


class Mention(Base):
    """One post, comment or article, as its channel published it."""

    __tablename__ = "social_mentions"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_social_mentions_channel_external"),
        Index("ix_social_mentions_likes", "likes", "id"),
        Index("ix_social_mentions_shares", "shares", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # 'x', 'news', ...
    external_id: Mapped[str] = mapped_column(String(512))
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("social_sources.id", ondelete="SET NULL")
    )
    url: Mapped[str] = mapped_column(String(2048))
    author: Mapped[str] = mapped_column(String(255), default="")
    author_id: Mapped[str] = mapped_column(String(255), default="")
    author_followers: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    likes: Mapped[int] = mapped_column(Integer, default=0)
    shares: Mapped[int] = mapped_column(Integer, default=0)  # retweets / reposts / shares
    replies: Mapped[int] = mapped_column(Integer, default=0)
    quotes: Mapped[int] = mapped_column(Integer, default=0)
    province: Mapped[str | None] = mapped_column(String(64))  # English name, when located
    sentiment: Mapped[str] = mapped_column(String(16))
    sentiment_by: Mapped[str] = mapped_column(String(16))  # 'rules', 'vader', 'model' or 'staff'
    sentiment_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))


class Keyword(Base):
    __tablename__ = "social_keywords"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    keyword: Mapped[str] = mapped_column(String(200), unique=True)
    sub_keywords: Mapped[list[str]] = mapped_column(JSONB, default=list)
    exclusions: Mapped[list[str]] = mapped_column(JSONB, default=list)
    language: Mapped[str] = mapped_column(String(8), default="any")  # 'th', 'en' or 'any'
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    watch: Mapped[bool] = mapped_column(Boolean, default=False)  # any mention raises an alert
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Match(Base):
    """A keyword found in a mention, with the phrases (keyword or sub-keywords) found."""

    __tablename__ = "social_matches"
    __table_args__ = (Index("ix_social_matches_keyword_mention", "keyword_id", "mention_id"),)

    mention_id: Mapped[int] = mapped_column(
        ForeignKey("social_mentions.id", ondelete="CASCADE"), primary_key=True
    )
    keyword_id: Mapped[int] = mapped_column(
        ForeignKey("social_keywords.id", ondelete="CASCADE"), primary_key=True
    )
    phrases: Mapped[list[str]] = mapped_column(JSONB, default=list)


class VolumeHour(Base):
    """How many mentions of a keyword one UTC hour holds, per channel and sentiment."""

    __tablename__ = "social_volume_hours"

    keyword_id: Mapped[int] = mapped_column(
        ForeignKey("social_keywords.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    sentiment: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class Label(Base):
    """A sentiment correction by staff: the training data of a later model (append-only)."""

    __tablename__ = "social_labels"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    mention_id: Mapped[int] = mapped_column(
        ForeignKey("social_mentions.id", ondelete="CASCADE"), index=True
    )
    previous: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Append-only (a trigger refuses UPDATE, DELETE, TRUNCATE): who changed what, when."""

    __tablename__ = "social_audit"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(64))  # e.g. 'keyword:3', 'mention:12'
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class Content(Base):
    """A planned post or video of the content calendar and where its publishing got to.

    draft → approved (by a supervisor, not its author) → scheduled (handed to Facebook as a
    scheduled post) → published, or failed (with the error). Editing an approved or
    scheduled item takes it back to draft (approval again)."""

    __tablename__ = "social_content"
    __table_args__ = (Index("ix_social_content_planned_at", "planned_at"),)

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # 'post' or 'video'
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    channels: Mapped[list[str]] = mapped_column(JSONB, default=list)  # 'facebook', 'line'
    planned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    asset_key: Mapped[str | None] = mapped_column(String(512))  # S3
    asset_name: Mapped[str | None] = mapped_column(String(255))
    asset_type: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    facebook_id: Mapped[str | None] = mapped_column(String(128))  # post, photo or video id
    facebook_post_id: Mapped[str | None] = mapped_column(String(128))
    line_request_id: Mapped[str | None] = mapped_column(String(128))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str] = mapped_column(Text, default="")
    reach: Mapped[int | None] = mapped_column(Integer)
    reactions: Mapped[int | None] = mapped_column(Integer)
    shares: Mapped[int | None] = mapped_column(Integer)
    results_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Digest(Base):
    """The weekly news digest of one week (Monday, Asia/Bangkok): built as a draft, edited by
    staff, then sent by e-mail (news and the most engaging posts) and LINE (news only)."""

    __tablename__ = "social_digests"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    week_start: Mapped[date] = mapped_column(Date, unique=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)  # the e-mail
    line_text: Mapped[str] = mapped_column(Text)  # the LINE broadcast: news only (public)
    news: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    mentions: Mapped[list[int]] = mapped_column(JSONB, default=list)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | sent
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    edited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    emailed_to: Mapped[list[str]] = mapped_column(JSONB, default=list)
    line_request_id: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str] = mapped_column(Text, default="")


class PublishingReport(Base):
    """A monthly publishing report built (PowerPoint and Excel in S3), one row a revision."""

    __tablename__ = "social_reports"
    __table_args__ = (UniqueConstraint("month", "lang", "revision", name="uq_social_reports"),)

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM (Asia/Bangkok)
    lang: Mapped[str] = mapped_column(String(2))
    revision: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(16))  # 'schedule' or 'request'
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    built_by: Mapped[str] = mapped_column(String(64), default="")
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SentimentModel(Base):
    """A Thai sentiment model trained from staff's labels, with how it did on the held-out
    set against the lexicon; the newest `active` one classifies Thai mentions."""

    __tablename__ = "social_models"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    trained_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    labels: Mapped[int] = mapped_column(Integer)  # staff labels it learned from
    heldout: Mapped[int] = mapped_column(Integer)  # mentions it was measured on
    accuracy: Mapped[float] = mapped_column(Float)
    lexicon_accuracy: Mapped[float] = mapped_column(Float)
    confusion: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    blob: Mapped[bytes] = mapped_column(LargeBinary)  # the fitted scikit-learn pipeline
