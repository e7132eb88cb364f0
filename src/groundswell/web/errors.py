"""How the dashboard answers errors: the HTTP status of each groundswell error and the one
JSON shape every error leaves in, ``{"error": NAME, "detail": ...}``, as the OpenAPI
document describes it (:func:`document_errors`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

from groundswell.errors import (
    AnalysisError,
    AnswerError,
    ConflictError,
    ForbiddenError,
    GroundswellError,
    NotFoundError,
    SignInError,
    TooManyAttemptsError,
    UnavailableError,
    WorkspaceError,
)

#: status -> the ``error`` name of the JSON body.
NAMES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal_error",
    501: "not_implemented",
    503: "unavailable",
}


#: error class -> HTTP status, the most specific first; any other GroundswellError is 400
STATUSES: tuple[tuple[type[GroundswellError], int], ...] = (
    (SignInError, 401),
    (ForbiddenError, 403),
    (TooManyAttemptsError, 429),
    (NotFoundError, 404),
    (WorkspaceError, 404),
    (ConflictError, 409),
    (AnswerError, 422),
    (AnalysisError, 422),
    (UnavailableError, 503),
)


def status_of(exc: GroundswellError) -> int:
    """The HTTP status a groundswell error answers with, by its class (:data:`STATUSES`): 401
    not signed in, 403 forbidden, 429 too many sign-ins, 404 a missing survey, plan job or
    workspace record, 409 not in the current state (a survey no longer a draft, a plan
    already running), 422 an answer that is not valid or an analysis that cannot be done (an
    impossible champion plan: :class:`~groundswell.errors.PlanError`), 503 Chromium missing
    or busy; 400 otherwise (:class:`~groundswell.errors.ConfigError`, ...). The errors carry
    no status of their own: the web layer decides."""
    for cls, status in STATUSES:
        if isinstance(exc, cls):
            return status
    return 400


def error_body(status: int, detail: Any) -> dict[str, Any]:
    """The JSON body of an error answer."""
    return {"error": NAMES.get(status, "error"), "detail": detail}


#: The 422 answer as the app sends it: a request that does not fit the operation (``detail``
#: lists each ``where`` and ``problem``) or an analysis that cannot be done (a message).
INVALID_REQUEST_SCHEMA: dict[str, Any] = {
    "title": "HTTPValidationError",
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string", "title": "Error"},
        "detail": {
            "title": "Detail",
            "anyOf": [
                {"type": "string"},
                {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["where", "problem"],
                        "properties": {
                            "where": {"type": "string", "title": "Where"},
                            "problem": {"type": "string", "title": "Problem"},
                        },
                    },
                },
            ],
        },
    },
}


def document_errors(app: FastAPI) -> None:
    """Make ``app``'s OpenAPI document describe the 422 answer the app sends, not FastAPI's
    own ``{"detail": [{"loc", "msg", "type"}]}``, which the exception handlers replace."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()  # cached by FastAPI as app.openapi_schema: edited in place
        schemas = schema.get("components", {}).get("schemas", {})
        if "HTTPValidationError" in schemas:
            schemas["HTTPValidationError"] = INVALID_REQUEST_SCHEMA
            schemas.pop("ValidationError", None)
        return schema

    # FastAPI's documented way to change the schema is to replace this method on the app
    app.openapi = openapi  # type: ignore[method-assign]
