"""Each person's alert settings (issue 18 item 4), always about oneself: the local hour of the
morning digest (05-20: DIGEST_HOURS) and the on/off of each alert kind (ALERT_KINDS) and
of the report pushes the person gets (REPORT_PUSH_KINDS). Turned off, a kind is not enqueued
by the minute job (`StaffAlerts.enqueue_alerts`), and a row enqueued before is cancelled at
send time (`Composing.compose`)."""

from __future__ import annotations

import re

from services.alerts.digest import digest_hour
from services.alerts.model import ALERT_KINDS, DIGEST_HOURS, REPORT_PUSH_KINDS, AlertSettings
from services.alerts.report_pushes import ReportPushes
from services.errors import Forbidden, InvalidInput
from services.users import User

# "8", "08", "8:00", "08.00", "8 h"
_HOUR = re.compile(r"^\s*(\d{1,2})(?:[:.]00)?\s*(?:h|ч)?\s*$", re.IGNORECASE)


def parse_hour(text: str) -> int:
    """The hour typed, one of DIGEST_HOURS (05-20, see there why); InvalidInput "bad_hour"
    otherwise."""
    match = _HOUR.match(text or "")
    return _allowed(int(match.group(1)) if match else -1)


def _allowed(hour: int) -> int:
    if hour not in DIGEST_HOURS:
        raise InvalidInput("bad_hour", field="digest_hour", first=DIGEST_HOURS.start,
                           last=DIGEST_HOURS.stop - 1)
    return hour


class AlertSettingsService(ReportPushes):
    """Reads and changes the acting person's own alert settings."""

    def _report_kinds(self, actor: User) -> tuple[str, ...]:
        if self.reports is None:
            return ()
        return tuple(p for p in REPORT_PUSH_KINDS.values()
                     if self.reports.gets_push(str(actor.role), p))

    async def alert_settings(self, actor: User) -> AlertSettings:
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            member = await uow.alerts.user(actor.id)
            off = {kind for _, kind in await uow.alerts.optouts(actor.id)}
        return AlertSettings(digest_hour(member.digest_hour if member else None).hour,
                             frozenset(off), self._report_kinds(actor))

    async def set_digest_hour(self, actor: User, hour: int | str) -> AlertSettings:
        """The digest comes at `hour` local from the next day it is due (one of
        DIGEST_HOURS, or the text typed)."""
        if not actor.is_staff:
            raise Forbidden()
        value = parse_hour(hour) if isinstance(hour, str) else _allowed(hour)
        async with self._uow() as uow:
            await uow.alerts.set_digest_hour(actor.id, value)
            await uow.commit()
        return await self.alert_settings(actor)

    async def switch_alert(self, actor: User, kind: str, on: bool) -> AlertSettings:
        """Turns an alert kind (or a report push the actor gets) on or off for oneself."""
        if not actor.is_staff:
            raise Forbidden()
        if kind not in ALERT_KINDS.values() and kind not in self._report_kinds(actor):
            raise InvalidInput("bad_alert_kind", field="kind")
        async with self._uow() as uow:
            await uow.alerts.set_optout(actor.id, kind, not on, self._clock.now())
            await uow.commit()
        return await self.alert_settings(actor)
