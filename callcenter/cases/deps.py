"""Dependencies shared by the case routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from minio import Minio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.config import Settings
from callcenter.users.deps import app_s3, app_sessions, app_settings, require_roles
from callcenter.users.models import Role, User

SettingsDep = Annotated[Settings, Depends(app_settings)]
SessionsDep = Annotated[async_sessionmaker[AsyncSession], Depends(app_sessions)]
# Who works cases (agents and supervisors), who reads them (also QA), who edits the lists.
Worker = Annotated[User, Depends(require_roles(Role.agent, Role.supervisor))]
Reader = Annotated[User, Depends(require_roles(Role.agent, Role.supervisor, Role.qa))]
Supervisor = Annotated[User, Depends(require_roles(Role.supervisor))]
Admin = Annotated[User, Depends(require_roles(Role.admin))]


S3Dep = Annotated[Minio, Depends(app_s3)]
