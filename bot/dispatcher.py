"""create_dispatcher: the routers and middlewares around ready-made services."""

from __future__ import annotations

from typing import Any

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.utils.i18n import I18n

from bot.i18n import ActorI18nMiddleware
from handlers import admin, clients, common, fallback
from handlers.middlewares import ActorMiddleware, FsmBatchMiddleware, PerUserSerialMiddleware
from services.access import AccessService


def create_dispatcher(*, access: AccessService, storage: BaseStorage, i18n: I18n,
                      **services: Any) -> Dispatcher:
    """`services` become handler arguments by name (clients=ClientService, ...)."""
    dp = Dispatcher(storage=storage, access=access, **services)
    dp.update.outer_middleware(PerUserSerialMiddleware())
    if hasattr(storage, "batch"):
        dp.update.outer_middleware(FsmBatchMiddleware(storage))
    dp.update.outer_middleware(ActorMiddleware(access))
    ActorI18nMiddleware(i18n).setup(dp)
    dp.include_routers(
        common.create_router(),
        admin.create_router(),
        clients.create_router(),
        fallback.create_router(),
    )
    return dp
