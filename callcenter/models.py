"""Every table of the service, imported in one place so Alembic sees the whole metadata."""

from callcenter.ami.models import AmiEvent
from callcenter.calls.models import QueueCall
from callcenter.db import Base
from callcenter.users.models import User

metadata = Base.metadata

__all__ = ["AmiEvent", "QueueCall", "User", "metadata"]
