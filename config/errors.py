"""The one family of domain errors, mapped once to HTTP by the API and the views."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A domain error with a message a person can act on and structured details."""

    status_code = 400
    default_code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        self.code = code or self.default_code
        self.extra = extra or {}

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"detail": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


class ValidationFailed(ApplicationError):
    """Input was refused; `errors` lists `{field, message}` items."""


class AccessDenied(ApplicationError):
    """The actor may not do this (their role or organization does not allow it)."""

    status_code = 403
    default_code = "permission_denied"


class NotFound(ApplicationError):
    """The object does not exist or the actor may not know that it exists."""

    status_code = 404
    default_code = "not_found"


class Conflict(ApplicationError):
    """The object is not in a state that allows this change."""

    status_code = 409
    default_code = "conflict"
