"""Money reports' queries: sales, payment calendar, plan vs fact."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class MoneyQueries:
    _s: AsyncSession
