"""Every table of the service, imported in one place so Alembic sees the whole metadata."""

from callcenter.alerts.models import AlertAction, AlertIncident, AlertThreshold
from callcenter.ami.models import AmiEvent
from callcenter.callbacks.models import CallbackDrop, CallbackEvent, CallbackTask
from callcenter.calls.models import QueueCall
from callcenter.cases.models import Case, CaseAuditEntry
from callcenter.chat.models import Conversation, Message, Send, WebhookEvent
from callcenter.csat.models import CsatResponse
from callcenter.db import Base
from callcenter.desk.models import Disposition
from callcenter.ivrcalls.models import IvrCall
from callcenter.prompts.announcement import AnnouncementAction
from callcenter.reports.models import ReportPack
from callcenter.social.models import AuditEntry as SocialAuditEntry
from callcenter.social.models import Keyword, Label, Match, Mention, Source
from callcenter.supervise.models import AgentAction, SpyAction
from callcenter.users.models import User
from recordings.models import AuditEntry, QaEvaluation, QaForm, Recording

metadata = Base.metadata

__all__ = [
    "AgentAction", "AlertAction", "AlertIncident", "AlertThreshold", "AmiEvent",
    "AnnouncementAction", "AuditEntry", "CallbackDrop", "CallbackEvent", "CallbackTask",
    "Case", "CaseAuditEntry", "Conversation", "CsatResponse", "Disposition", "IvrCall", "Keyword",
    "Label",
    "Match", "Mention", "Message", "QaEvaluation", "QaForm", "QueueCall", "Recording", "ReportPack",
    "Send", "SocialAuditEntry", "Source", "SpyAction", "User", "WebhookEvent", "metadata",
]  # fmt: skip
