"""Case errors: 422s with their own stable error ids, so clients can tell them apart."""

from __future__ import annotations

from callcenter.errors import Conflict, Forbidden, InvalidInput


class InvalidTransition(InvalidInput):
    error_id = "invalid_status_transition"


class UnknownServiceLine(InvalidInput):
    error_id = "unknown_service_line"


class UnknownCategory(InvalidInput):
    error_id = "unknown_category"


class UnknownAgency(InvalidInput):
    error_id = "unknown_agency"


class UnknownUser(InvalidInput):
    error_id = "unknown_user"


class ResolutionRequired(InvalidInput):
    error_id = "resolution_required"


class AttachmentTooLarge(InvalidInput):
    status, error_id = 413, "attachment_too_large"


class AttachmentTypeInvalid(InvalidInput):
    error_id = "attachment_type_invalid"


class PersonalDataForbidden(Forbidden):
    error_id = "personal_data_forbidden"


class CaseVoided(Conflict):
    error_id = "case_voided"
