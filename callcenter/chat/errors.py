"""Chat errors with stable ids; messages in Thai and English."""

from __future__ import annotations

from callcenter.errors import AppError, Conflict, InvalidInput


class BadSignature(AppError):
    status, error_id = 401, "webhook_signature_invalid"


class VerifyFailed(AppError):
    status, error_id = 403, "webhook_verify_token_invalid"


class MalformedWebhook(InvalidInput):
    status, error_id = 400, "webhook_malformed"


class ConversationHeld(Conflict):
    error_id = "conversation_held"


class ConversationHasCase(Conflict):
    error_id = "conversation_has_case"


class ConversationClosed(Conflict):
    error_id = "conversation_closed"


class NotStored(AppError):
    status, error_id = 503, "webhook_not_stored"


class FilesUnavailable(AppError):
    status, error_id = 503, "chat_files_unavailable"


class BroadcastNotEditable(AppError):
    status, error_id = 409, "chat_broadcast_not_editable"


class PlatformUnavailable(AppError):
    status, error_id = 502, "chat_platform_unavailable"


class RichMenuRefused(InvalidInput):
    error_id = "chat_rich_menu_invalid"
