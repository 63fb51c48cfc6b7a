"""JSON errors of the web API: one shape, ``{"error": {"type", "message", ...}}``, for all.

Library errors map to status codes once, here:

=========================  ======  =====================
error                      status  ``type``
=========================  ======  =====================
malformed JSON             400     ``invalid_json``
schema violation           422     ``validation_error``
RequirementError           422     ``requirement_error`` (with ``position``)
requirement listed twice   422     ``duplicate_requirement``
Host not allowed           400     ``host_not_allowed`` (DNS rebinding)
unknown route / country    422     ``unknown_route`` / ``unknown_country``
ScenarioError              422     ``scenario_error``
UnitError                  422     ``unit_error``
DatasetError               422     ``dataset_error``
InfeasiblePlanError        409     ``infeasible``
body too large             413     ``body_too_large``
solve time limit           503     ``solve_time_limit``
all solve slots busy       503     ``busy``
SolverError                503     ``solver_error``
=========================  ======  =====================
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from crudeflow.errors import (
    CrudeflowError,
    DatasetError,
    InfeasiblePlanError,
    RequirementError,
    ScenarioError,
    SolverError,
    UnitError,
)
from crudeflow.web.models import ErrorBody

__all__ = [
    "ERROR_RESPONSES",
    "SOLVE_RESPONSES",
    "ApiError",
    "error_response",
    "from_library_error",
    "install_error_handlers",
]

log = logging.getLogger("crudeflow.web")


class ApiError(Exception):
    """An error with its HTTP status and JSON body, raised anywhere in a request."""

    def __init__(
        self,
        status: int,
        type_: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.headers = headers
        self.extra = {k: v for k, v in extra.items() if v is not None}


def error_response(
    status: int,
    type_: str,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """The JSON response for an error (``extra`` keys go next to ``type`` and ``message``)."""
    body: dict[str, Any] = {"type": type_, "message": message}
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def from_library_error(exc: CrudeflowError) -> ApiError:
    """The :class:`ApiError` for a crudeflow library error."""
    if isinstance(exc, RequirementError):
        return ApiError(
            422,
            "requirement_error",
            str(exc).splitlines()[0],
            position=exc.position,
            requirement=exc.text,
            expected=exc.expected,
        )
    if isinstance(exc, ScenarioError):
        return ApiError(422, "scenario_error", str(exc))
    if isinstance(exc, UnitError):
        return ApiError(422, "unit_error", str(exc))
    if isinstance(exc, DatasetError):
        return ApiError(422, "dataset_error", str(exc))
    if isinstance(exc, InfeasiblePlanError):
        return ApiError(409, "infeasible", str(exc), shortfalls=list(exc.shortfalls))
    if isinstance(exc, SolverError):
        if "time_limit" in str(exc):
            return ApiError(503, "solve_time_limit", f"the solver hit its time limit: {exc}")
        return ApiError(503, "solver_error", str(exc))
    return ApiError(422, "crudeflow_error", str(exc))


def _loc(loc: tuple[int | str, ...] | list[int | str]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or "body"


def _validation_message(errors: list[dict[str, Any]]) -> str:
    head = errors[:3]
    text = "; ".join(f"{_loc(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in head)
    more = len(errors) - len(head)
    return text + (f" (and {more} more)" if more > 0 else "")


def install_error_handlers(app: FastAPI) -> None:
    """Register handlers so every error leaves as ``{"error": {...}}`` JSON."""

    async def api_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.type, exc.message, headers=exc.headers, **exc.extra)

    async def library_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, CrudeflowError)
        err = from_library_error(exc)
        return error_response(err.status, err.type, err.message, **err.extra)

    async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        raw = list(exc.errors())
        details = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in raw[:20]
        ]
        if any(e.get("type") == "json_invalid" for e in raw):
            return error_response(
                400, "invalid_json", "the request body is not valid JSON", details=details
            )
        return error_response(422, "validation_error", _validation_message(raw), details=details)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names the methods of the first route on the path only; a path served
            # by several routes (GET and POST /api/runs) allows all of theirs
            path = request.url.path
            allowed = {
                m
                for r in request.app.router.routes
                if getattr(r, "path_regex", None) is not None and r.path_regex.match(path)
                for m in (getattr(r, "methods", None) or ())
            }
            if allowed:
                headers["Allow"] = ", ".join(sorted(allowed))
        return error_response(exc.status_code, kind, str(exc.detail), headers=headers)

    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return error_response(500, "internal_error", "unexpected server error; see the log")

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(CrudeflowError, library_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


def _resp(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _resp("Malformed JSON"),
    413: _resp("Request body too large"),
    422: _resp("Invalid input: schema, requirement text, unknown ids or units"),
}
"""Error responses every JSON endpoint documents."""

SOLVE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    503: _resp("Solver time limit hit, solver failure, or all solve slots busy"),
}
"""Error responses of endpoints that run a solve."""
