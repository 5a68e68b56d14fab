"""create_router: the company card's extras. It owns the "co" (company card) and "rq" (the
requisites flow) prefixes."""

from __future__ import annotations

from aiogram import Router

from handlers.companies import card, requisites


def create_router() -> Router:
    router = Router(name="companies")
    router.include_routers(card.create_router(), requisites.create_router())
    return router
