"""The report pushes (issue 14), part of the minute job (`StaffAlerts.enqueue_alerts`):

* heads get the weekly report, Monday 09:00 in their own time zone
  (`report:weekly:{user}:{monday}`), admins the monthly one, the 1st at 09:00
  (`report:monthly:{user}:{yyyy-mm}`); who gets which is the reports' rule
  (`ReportFigures.gets_push`), only active staff, never a user who turned it off
  (`report_optouts`);
* an occasion is enqueued when its moment falls in the job's window (watermark, now], so a
  run twice or after a restart finds nothing new and the key stores it once anyway; a bot down
  over Monday morning enqueues it late, at its first run after;
* late is worth sending until the next occasion of the same push is due (a week, a month): the
  figures are of a closed week or month and still true. A stale row (the next one is due) is
  cancelled at send time, and after a downtime of more than one period only the latest
  occasion is enqueued;
* the figures are read at send time, as the recipient (`Composed.facts` from
  `ReportFigures.figures`), and the row is cancelled when the recipient is no longer active,
  no longer has the role, or turned the push off after it was enqueued.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from services.alerts.base import AlertServiceBase
from services.alerts.model import REPORT_PUSH_HOUR, REPORT_PUSH_KINDS, Composed, StaffMember
from services.alerts.ports import AlertUnitOfWork, ReportFigures
from services.outbox import NewOutboxMessage, OutboxItem
from services.reminders import local_to_utc, validate_timezone

WEEKLY, MONTHLY = "weekly", "monthly"


def occasion_on_or_before(push: str, day: date) -> date:
    """The push's day (a Monday, a 1st) on or before `day`."""
    if push == WEEKLY:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def next_occasion(push: str, occasion: date) -> date:
    """The push's day after `occasion` (a week later, the next 1st)."""
    if push == WEEKLY:
        return occasion + timedelta(days=7)
    return (occasion.replace(day=28) + timedelta(days=4)).replace(day=1)


def occasion_key(push: str, user_id: int, occasion: date) -> str:
    stamp = occasion.isoformat() if push == WEEKLY else occasion.strftime("%Y-%m")
    return f"report:{push}:{user_id}:{stamp}"


def occasion_at(occasion: date, tz: str) -> datetime:
    """The moment (UTC) of the push's 09:00 local on its day."""
    return local_to_utc(datetime.combine(occasion, REPORT_PUSH_HOUR), tz)


def latest_occasion(push: str, now: datetime, tz: str) -> date:
    """The push's last occasion whose moment is not after `now`, in the zone `tz`."""
    today = now.astimezone(validate_timezone(tz)).date()
    day = occasion_on_or_before(push, today)
    if occasion_at(day, tz) > now:
        day = occasion_on_or_before(push, day - timedelta(days=1))
    return day


class ReportPushes(AlertServiceBase):
    """Enqueues the report pushes and checks them again at send time."""

    # Wired by `bot/` (the reports feature sits above the alerts); None: no pushes.
    reports: ReportFigures | None = None

    async def _report_pushes(
        self,
        uow: AlertUnitOfWork,
        staff: Iterable[StaffMember],
        since: datetime,
        now: datetime,
    ) -> list[NewOutboxMessage]:
        """Each recipient's latest occasion when its moment is in (since, now]."""
        if self.reports is None:
            return []
        out = []
        for kind, push in REPORT_PUSH_KINDS.items():
            members = [s for s in staff if self.reports.gets_push(s.role, push)]
            if not members:
                continue
            off = await uow.alerts.report_optouts(push)
            for member in members:
                if member.id in off or member.chat_dead:
                    continue
                tz = self._tz(member.timezone)
                occasion = latest_occasion(push, now, tz)
                if not since < occasion_at(occasion, tz) <= now:
                    continue
                out.append(
                    NewOutboxMessage(
                        key=occasion_key(push, member.id, occasion),
                        channel="telegram",
                        kind=kind,
                        due_at=now,
                        chat_id=member.telegram_id,
                        payload={
                            "lang": member.language,
                            "user_id": member.id,
                            "push": push,
                            "occasion": occasion.isoformat(),
                            "tz": tz,
                        },
                        recipient_user_id=member.id,
                    )
                )
        return out

    async def _report_push_composed(self, item: OutboxItem, now: datetime) -> Composed | None:
        """The figures to send, read now as the recipient; None (the row is cancelled) when
        stale (the next occasion is due), or the recipient is inactive, lost the role, or
        turned the push off."""
        push = REPORT_PUSH_KINDS[item.kind]
        tz = str(item.payload.get("tz") or self.config.default_timezone)
        occasion = date.fromisoformat(str(item.payload["occasion"]))
        if self.reports is None or now >= occasion_at(next_occasion(push, occasion), tz):
            return None
        user_id = int(item.payload["user_id"])
        async with self._uow(readonly=True) as uow:
            user = await uow.alerts.active_user(user_id)
            off = user is not None and user.id in await uow.alerts.report_optouts(push)
        if user is None or off or not self.reports.gets_push(str(user.role), push):
            return None
        facts = await self.reports.figures(user, push, occasion)
        lang = user.language or item.payload.get("lang")
        return Composed(item.kind, lang, self._tz(user.timezone, tz), facts)
