"""Domain errors: each has an HTTP status, a stable error id and a human message."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException


class AppError(Exception):
    """Base class; subclasses fix `status` and `error_id`."""

    status: int = 400
    error_id: str = "bad_request"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        return {"error_id": self.error_id, "message": self.message, "details": self.details}


class NotAuthenticated(AppError):
    status, error_id = 401, "not_authenticated"


class InvalidCredentials(AppError):
    status, error_id = 401, "invalid_credentials"


class Forbidden(AppError):
    status, error_id = 403, "forbidden"


class NotFound(AppError):
    status, error_id = 404, "not_found"


class Conflict(AppError):
    status, error_id = 409, "conflict"


class TooManyAttempts(AppError):
    status, error_id = 429, "too_many_attempts"


class InvalidInput(AppError):
    status, error_id = 422, "invalid_input"


def install_handlers(app: FastAPI) -> None:
    """Every error leaves the API as JSON with an error id, never a traceback."""

    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(exc.body(), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        malformed = any(e["type"] == "json_invalid" for e in errors)
        body = {
            "error_id": "malformed_json" if malformed else "validation_failed",
            "message": "The request body is not valid JSON."
            if malformed
            else "The request does not match the expected fields.",
            "details": {"errors": errors},
        }
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        known = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}
        error_id = known.get(exc.status_code, "http_error")
        limit = getattr(exc, "limit", None)
        details = {"limit": limit} if isinstance(limit, int) else {}
        return JSONResponse(
            {"error_id": error_id, "message": str(exc.detail), "details": details},
            status_code=exc.status_code,
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        # A uniqueness or reference rule the checks before the write did not see (a race, or a
        # rule no service checks): the transaction is rolled back, nothing half-written.
        orig = getattr(exc.orig, "__cause__", None) or exc.orig
        constraint = getattr(orig, "constraint_name", None)
        body = {
            "error_id": "conflict",
            "message": "This conflicts with a record that exists already. / "
            "ข้อมูลซ้ำหรือขัดกับรายการที่มีอยู่แล้ว",
            "details": {"constraint": constraint} if constraint else {},
        }
        return JSONResponse(body, status_code=409)

    @app.exception_handler(DataError)
    async def _data(_: Request, exc: DataError) -> JSONResponse:
        # Last line behind callcenter.validation: a value the column cannot hold.
        body = {
            "error_id": "invalid_value",
            "message": "A value is out of range or not storable. / ค่าที่ส่งมาเกินขอบเขตที่รับได้",
            "details": {},
        }
        return JSONResponse(body, status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(
            {"error_id": "internal_error", "message": "Unexpected server error.", "details": {}},
            status_code=500,
        )


class ErrorOut(BaseModel):
    """The body of every 4xx/5xx answer."""

    error_id: str
    message: str
    details: dict[str, Any]


_WHY = {
    400: "The body could not be read (not UTF-8 or not JSON)",
    401: "Not logged in, token expired, or wrong credentials",
    403: "The user's role may not do this",
    404: "No such record (or not visible to this user)",
    409: "Conflicts with a record's state or an existing record",
    413: "The request body is too large",
    422: "The request does not match the expected fields",
    429: "Too many failed attempts; see Retry-After",
    502: "Asterisk refused or did not answer the action",
    503: "A store or service behind this one does not answer; try again",
}
# The shared `responses=` entries: every error status answers the same ErrorOut body.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": why} for status, why in _WHY.items()
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a router or route that can also answer these statuses (422 always:
    callcenter.guards refuses a URL with NUL on every route)."""
    return {s: ERROR_RESPONSES[s] for s in sorted({422, *statuses})}


SIGNED_IN = (401, 403)  # every route behind a role check
CHANGES = (400, 404, 409, 413)  # routes taking a body and acting on a record
