"""Domain errors. Each carries a stable `code` that handlers turn into a sentence in the
user's language; `params` fill that sentence. Services never produce user-facing text."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "error"

    def __init__(self, code: str | None = None, **params: Any) -> None:
        self.code = code or type(self).code
        self.params = params
        super().__init__(self.code, params)

    def __str__(self) -> str:
        if not self.params:
            return self.code
        details = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.code} ({details})"


class NotFound(DomainError):
    """The record does not exist *or the actor may not see it*: the two are never told apart,
    so a forged id learns nothing."""

    code = "not_found"


class Forbidden(DomainError):
    """The actor's role may not do this at all (not about a particular record)."""

    code = "forbidden"


class InvalidInput(DomainError):
    """A value the user typed fails a rule; `params['field']` names it."""

    code = "invalid"


class Conflict(DomainError):
    """The action no longer applies: the record changed since the user saw it."""

    code = "conflict"
