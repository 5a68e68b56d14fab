"""Work reports' queries: funnel per manager, ABC/XYZ inputs, manager activity."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class WorkQueries:
    _s: AsyncSession
