"""Recordings vault errors (stable error ids)."""

from __future__ import annotations

from callcenter.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound


class RecordingNotFound(NotFound):
    error_id = "recording_not_found"


class AudioForbidden(Forbidden):
    error_id = "recording_audio_forbidden"


class AudioNotStored(Conflict):
    error_id = "recording_not_stored"


class StoreUnavailable(AppError):
    status, error_id = 503, "recording_store_unavailable"


class QaFormNotFound(NotFound):
    error_id = "qa_form_not_found"


class EvaluationInvalid(InvalidInput):
    error_id = "qa_evaluation_invalid"


class EvaluationSuperseded(Conflict):
    error_id = "qa_evaluation_superseded"


class QaFormExists(Conflict):
    error_id = "qa_form_exists"


class QaFormReplaced(Conflict):
    error_id = "qa_form_replaced"


class QaResponseExists(Conflict):
    error_id = "qa_response_exists"


class EvaluationNotFound(NotFound):
    error_id = "qa_evaluation_not_found"
