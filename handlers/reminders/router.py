"""create_router: reminders. It owns the "rm" and "tz" (team), "rc" (customers' invoice
reminders), "mc" (clients' meeting reminders) and "al" (the staff alerts' buttons) prefixes."""

from __future__ import annotations

from aiogram import Router

from handlers.reminders import alerts, customers, team


def create_router() -> Router:
    router = Router(name="reminders")
    router.include_routers(team.create_router(), customers.create_router(),
                           alerts.create_router())
    return router
