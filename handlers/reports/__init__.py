"""The reports in the chat (issue 14): /reports (flow.py), their views (views.py) and /plan
(plan.py)."""

from __future__ import annotations

from aiogram import Router

from handlers.reports import flow, plan


def create_router() -> Router:
    router = Router(name="reports_all")
    router.include_routers(flow.create_router(), plan.create_router())
    return router
