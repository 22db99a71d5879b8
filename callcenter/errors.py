"""Domain errors: each has an HTTP status, a stable error id and a human message."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
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
        error_id = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            {"error_id": error_id, "message": str(exc.detail), "details": {}},
            status_code=exc.status_code,
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(
            {"error_id": "internal_error", "message": "Unexpected server error.", "details": {}},
            status_code=500,
        )
