"""Dependencies shared by the case routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from callcenter.users.deps import require_roles
from callcenter.users.models import Role, User

# Who works cases (agents and supervisors) and who reads them (also QA).
Worker = Annotated[User, Depends(require_roles(Role.agent, Role.supervisor))]
Reader = Annotated[User, Depends(require_roles(Role.agent, Role.supervisor, Role.qa))]
