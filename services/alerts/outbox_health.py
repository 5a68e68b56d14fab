"""The outbox's health (`/outbox`, admins) and the drain stall alert."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.alerts.base import AlertServiceBase
from services.alerts.model import OutboxHealth, StaffMember
from services.errors import Forbidden
from services.users import Actor, Role


class OutboxHealthChecks(AlertServiceBase):
    """Is the drain job running."""

    async def health(
        self, actor: Actor, late_after: timedelta = timedelta(seconds=60)
    ) -> OutboxHealth:
        if actor.role != Role.ADMIN:
            raise Forbidden()
        now = self._clock.now()
        async with self._uow(readonly=True) as uow:
            stats = await uow.outbox.stats(now)
        late = self.last_drain_at is None or now - self.last_drain_at > late_after
        return OutboxHealth(stats, self.last_drain_at, late)

    async def stalled(
        self, now: datetime, late_after: timedelta = timedelta(seconds=60)
    ) -> list[StaffMember]:
        """The admins to alert because the drain job has not run for more than `late_after`;
        each stall is reported once (until the drain runs again). The caller sends the alert
        directly, not through the outbox that is stuck."""
        if self.last_drain_at is not None and now - self.last_drain_at <= late_after:
            self._stall_reported = False
            return []
        if self._stall_reported:
            return []
        self._stall_reported = True
        async with self._uow(readonly=True) as uow:
            return await uow.alerts.admins()
