"""The editor's router for one document kind: its line buttons and typed answers, included
in the kind's own router (whose middleware answers a domain error or a gone message, see
handlers.callback.AlertOnDomainError).

The draft lives in the database, not in the FSM: every button acts on the document as it is
now, and the FSM only remembers which question was asked about which document."""

from __future__ import annotations

from aiogram import Router

from handlers.line_editor.answers import create_answers_router
from handlers.line_editor.buttons import create_buttons_router
from handlers.line_editor.kind import DocumentKind


def create_router(kind: DocumentKind) -> Router:
    router = Router(name=f"{kind.name}_lines")
    router.include_routers(create_buttons_router(kind), create_answers_router(kind))
    return router
