"""People who log in: agents, supervisors, QA reviewers and administrators."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, Enum, Identity, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base

USERNAME_PATTERN = r"^[a-z0-9._-]{3,64}$"
AGENT_ID_PATTERN = r"^agent[0-9]{2,3}$"  # an agent of asterisk_conf/centre.toml


class Role(enum.StrEnum):
    agent = "agent"
    supervisor = "supervisor"
    qa = "qa"
    admin = "admin"
    viewer = "viewer"  # the client's staff: report packs only, no personal data (read-only)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"username ~ '{USERNAME_PATTERN}'", name="username_format"),
        CheckConstraint(f"agent_id ~ '{AGENT_ID_PATTERN}'", name="agent_id_format"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    # Stored as a checked string, not a PostgreSQL ENUM, so adding a role is a one-line migration.
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            name="role",
            native_enum=False,
            create_constraint=True,
            length=16,
            values_callable=lambda roles: [r.value for r in roles],
        )
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The centre agent (PJSIP endpoint, queue member name) this login works as; one user each.
    agent_id: Mapped[str | None] = mapped_column(String(16), unique=True)
