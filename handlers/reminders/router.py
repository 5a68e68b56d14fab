"""create_router: reminders. It owns the "rm" and "tz" (team), "rc" (customers' invoice
reminders), "mc" (clients' meeting reminders), "al" (the staff alerts' buttons), "dg" (the
morning digest's pages) and "as" (/alerts) prefixes."""

from __future__ import annotations

from aiogram import Router

from handlers.reminders import alerts, customers, digest, settings, team


def create_router() -> Router:
    router = Router(name="reminders")
    router.include_routers(team.create_router(), customers.create_router(),
                           alerts.create_router(), digest.create_router(),
                           settings.create_router())
    return router
