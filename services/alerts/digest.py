"""The morning digest a manager acts on (issue 18): each line an item with the button that opens
it, grouped (money in yesterday, overdue, due today, tasks, meetings and calls, payments waiting
for a decision), a screenful at a time (`DIGEST_PAGE` items) with "More".

* Read at send time, in the reader's zone, as the reader (`actor.owner_scope()`): a manager's
  own items; a head's or an admin's the team's, grouped per manager (`DigestPage.team`).
* Nothing to say, no digest: `compose` returns None and the row is cancelled.
* "More" reads the page again, live and scoped the same way (`digest_page`): what was done
  since is gone from it, and a forged button shows only the presser's own items.
* Sent late (the bot was down) only within `DIGEST_GRACE` after its hour.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from services.alerts.base import AlertServiceBase
from services.alerts.model import (
    DIGEST_GRACE,
    DIGEST_HOURS,
    DIGEST_PAGE,
    Composed,
    DigestItem,
    DigestPage,
    DigestSection,
)
from services.alerts.ports import WaitingPayments
from services.errors import Forbidden
from services.outbox import OutboxItem
from services.reminders import DIGEST_HOUR, local_to_utc
from services.users import User

SECTION_ORDER = {section: n for n, section in enumerate(DigestSection)}
# Read per section at most (a digest pages on through them; the rest waits for tomorrow).
SECTION_LIMIT = 200


def digest_hour(hour: int | None) -> time:
    """A person's digest hour (None: the default, 09:00); one stored outside DIGEST_HOURS
    (before they were limited) reads as the nearest allowed hour."""
    if hour is None:
        return DIGEST_HOUR
    return time(min(max(hour, DIGEST_HOURS.start), DIGEST_HOURS.stop - 1))


def digest_window(day: date, hour: int | None, tz: str) -> tuple[datetime, datetime]:
    """When the digest of `day` is due (its hour, local) and until when it is worth sending."""
    start = local_to_utc(datetime.combine(day, digest_hour(hour)), tz)
    return start, start + DIGEST_GRACE


def arrange(items: Iterable[DigestItem], team: bool) -> list[DigestItem]:
    """The digest's order: per manager by name when `team` (the team's payments waiting for
    review last), then by section; within a section as read (each query's own order)."""
    indexed = list(enumerate(items))

    def key(pair: tuple[int, DigestItem]) -> tuple[int, str, int, int, int]:
        n, it = pair
        unowned = it.owner_id is None
        owner = (1, "", 0) if unowned else (0, it.owner_name.casefold(), it.owner_id or 0)
        if not team:
            owner = (0, "", 0)
        return (*owner, SECTION_ORDER[it.section], n)

    return [it for _, it in sorted(indexed, key=key)]


def page_of(items: Sequence[DigestItem], page: int, size: int = DIGEST_PAGE
            ) -> tuple[int, int, Sequence[DigestItem]]:
    """(the page shown, the number of pages, its items): a page past the end shows the last
    one (items done since the button was drawn), a negative one the first."""
    pages = max(1, -(-len(items) // size))
    shown = min(max(page, 0), pages - 1)
    return shown, pages, items[shown * size:(shown + 1) * size]


class Digests(AlertServiceBase):
    """Composes the morning digest at send time and pages it on."""

    # Wired by `bot/` (the payments feature sits above the alerts); None: no such section.
    payments: WaitingPayments | None = None

    async def _digest_composed(self, item: OutboxItem, now: datetime) -> Composed | None:
        """The digest's first page, read now as its recipient; None (the row is cancelled)
        when it is stale, the recipient is gone, or there is nothing to say."""
        tz = self._tz(str(item.payload.get("tz") or ""))
        day = date.fromisoformat(str(item.payload["day"]))
        hour = item.payload.get("hour")
        if now >= digest_window(day, hour if isinstance(hour, int) else None, tz)[1]:
            return None  # a morning digest this late is stale: tomorrow's comes
        async with self._uow(readonly=True) as uow:
            user = await uow.alerts.active_user(int(item.payload["user_id"]))
        if user is None or not user.is_staff:
            return None
        page = await self._page(user, day, 0, tz)
        if not page.total:
            return None
        return Composed(item.kind, user.language or item.payload.get("lang"), tz, page)

    async def digest_page(self, actor: User, day: date, page: int) -> DigestPage:
        """Page `page` of `actor`'s digest of `day`, read now in their zone ("More")."""
        if not actor.is_staff:
            raise Forbidden()
        return await self._page(actor, day, page, self._tz(actor.timezone))

    async def _page(self, actor: User, day: date, page: int, tz: str) -> DigestPage:
        midnight = time(0)
        day_start = local_to_utc(datetime.combine(day, midnight), tz)
        day_end = local_to_utc(datetime.combine(day + timedelta(days=1), midnight), tz)
        yesterday = local_to_utc(datetime.combine(day - timedelta(days=1), midnight), tz)
        async with self._uow(readonly=True) as uow:
            items = await uow.alerts.digest_items(
                actor.owner_scope(), yesterday, day_start, day_end, day, SECTION_LIMIT
            )
        if self.payments is not None:
            items += await self.payments.waiting(actor, SECTION_LIMIT)
        team = actor.owner_scope() is None
        shown, pages, on_page = page_of(arrange(items, team), page)
        return DigestPage(day, tuple(on_page), shown, pages, len(items), team, tz)
