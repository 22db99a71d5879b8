"""Every table of the service, imported in one place so Alembic sees the whole metadata."""

from callcenter.ami.models import AmiEvent
from callcenter.callbacks.models import CallbackDrop, CallbackEvent, CallbackTask
from callcenter.calls.models import QueueCall
from callcenter.cases.models import Case, CaseAuditEntry
from callcenter.db import Base
from callcenter.social.models import AuditEntry as SocialAuditEntry
from callcenter.social.models import Keyword, Label, Match, Mention, Source
from callcenter.supervise.models import SpyAction
from callcenter.users.models import User
from recordings.models import AuditEntry, QaEvaluation, QaForm, Recording

metadata = Base.metadata

__all__ = [
    "AmiEvent", "AuditEntry", "CallbackDrop", "CallbackEvent", "CallbackTask",
    "Case", "CaseAuditEntry", "Keyword", "Label", "Match", "Mention", "QaEvaluation", "QaForm",
    "QueueCall", "Recording", "SocialAuditEntry", "Source", "SpyAction", "User", "metadata",
]  # fmt: skip
