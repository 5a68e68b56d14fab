"""The morning digest's pure rules (services/alerts/digest.py, settings.py): the order of its
items (per manager for a team, by section, each section as read), its pages ("More"), when it
is due and until when it is worth sending, and the hour a person types."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.alerts import (
    DIGEST_GRACE,
    DIGEST_HOURS,
    DIGEST_PAGE,
    DigestItem,
    DigestPage,
    DigestSection,
    arrange,
    digest_window,
    page_of,
    parse_hour,
)
from services.alerts.digest import digest_hour
from services.errors import InvalidInput

S = DigestSection


def item(section: DigestSection, ref: int, owner: int | None = 1, name: str = "Ivan"
         ) -> DigestItem:
    return DigestItem(section, ref, f"#{ref}", owner, name if owner else "")


def test_a_managers_digest_goes_by_section_in_the_order_shown_each_as_read() -> None:
    items = [item(S.REVIEW, 1, None), item(S.EVENTS, 2), item(S.PAID, 3), item(S.TASKS, 4),
             item(S.OVERDUE, 5), item(S.DUE, 6), item(S.OVERDUE, 7), item(S.PAID, 8)]
    assert [(i.section, i.ref_id) for i in arrange(items, team=False)] == [
        (S.PAID, 3), (S.PAID, 8), (S.OVERDUE, 5), (S.OVERDUE, 7), (S.DUE, 6), (S.TASKS, 4),
        (S.EVENTS, 2), (S.REVIEW, 1)]


def test_a_team_digest_groups_per_manager_by_name_the_unowned_payments_last() -> None:
    items = [item(S.REVIEW, 1, None), item(S.TASKS, 2, 5, "petr"), item(S.PAID, 3, 9, "Anna"),
             item(S.OVERDUE, 4, 5, "petr"), item(S.TASKS, 5, 9, "Anna"),
             item(S.PAID, 6, 7, "Petr")]  # another Petr: apart from the first, by id
    assert [(i.owner_id, i.section, i.ref_id) for i in arrange(items, team=True)] == [
        (9, S.PAID, 3), (9, S.TASKS, 5),
        (5, S.OVERDUE, 4), (5, S.TASKS, 2),
        (7, S.PAID, 6),
        (None, S.REVIEW, 1)]


def test_pages_are_a_screenful_and_a_page_past_the_end_shows_the_last() -> None:
    items = [item(S.TASKS, n) for n in range(2 * DIGEST_PAGE + 3)]
    shown, pages, first = page_of(items, 0)
    assert (shown, pages, [i.ref_id for i in first]) == (0, 3, list(range(DIGEST_PAGE)))
    shown, pages, last = page_of(items, 2)
    assert (shown, pages, [i.ref_id for i in last]) == (
        2, 3, list(range(2 * DIGEST_PAGE, 2 * DIGEST_PAGE + 3)))
    # Done since the button was drawn: fewer items now, the last page there is.
    assert page_of(items[:DIGEST_PAGE + 1], 2)[:2] == (1, 2)
    assert page_of(items, -1)[0] == 0
    assert page_of([], 3) == (0, 1, [])


def test_the_digest_is_due_at_the_persons_hour_local_and_worth_sending_three_hours() -> None:
    day = date(2026, 6, 17)
    assert digest_window(day, None, "Europe/Chisinau") == (
        datetime(2026, 6, 17, 6, 0, tzinfo=UTC), datetime(2026, 6, 17, 9, 0, tzinfo=UTC))
    assert digest_window(day, 7, "Asia/Yekaterinburg") == (
        datetime(2026, 6, 17, 2, 0, tzinfo=UTC), datetime(2026, 6, 17, 5, 0, tzinfo=UTC))


@pytest.mark.parametrize(("typed", "hour"), [("8", 8), ("08", 8), ("5", 5), ("20", 20),
                                             ("7:00", 7), (" 10.00 ", 10), ("9 ч", 9)])
def test_the_hour_typed(typed: str, hour: int) -> None:
    assert parse_hour(typed) == hour


@pytest.mark.parametrize("typed", ["24", "-1", "8:30", "eight", "", "100", "0", "4", "21",
                                   "22", "23"])
def test_a_bad_hour_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_hour(typed)
    assert err.value.code == "bad_hour"


def test_a_page_of_the_longest_items_fits_in_one_telegram_message() -> None:
    """Each of a team's 8 items under another manager with the longest names still makes one
    message (Telegram: 4096 characters), every line numbered as its button."""
    from bot.i18n import create_i18n
    from handlers.reminders.digest import digest_keyboard, digest_text

    long = "Я" * 300
    items = tuple(
        DigestItem(section, n, long, n, long, long, 10**12, "RUB", date(2026, 12, 8),
                   datetime(2026, 12, 8, 9, tzinfo=UTC), "meeting")
        for n, section in zip(range(1, DIGEST_PAGE + 1), [*DigestSection, *DigestSection],
                              strict=False))
    page = DigestPage(date(2026, 12, 8), items, 1, 3, 20, True, "Europe/Moscow")
    i18n = create_i18n("en")
    with i18n.context(), i18n.use_locale("ru"):
        text = digest_text(page, "ru")
        labels = [b.text for row in digest_keyboard(page).inline_keyboard for b in row]
    assert len(text) < 4096
    assert [line.split(".")[0] for line in text.split("\n") if line[:1].isdigit()] == [
        str(n) for n in range(DIGEST_PAGE + 1, 2 * DIGEST_PAGE + 1)]
    assert [label.split(".")[0] for label in labels[:DIGEST_PAGE]] == [
        str(n) for n in range(DIGEST_PAGE + 1, 2 * DIGEST_PAGE + 1)]
    assert labels[DIGEST_PAGE:] == ["« Назад", "Ещё »", "⚙️ Настройки уведомлений"]


@pytest.mark.parametrize("tz", ["Europe/Chisinau", "Europe/Moscow", "America/New_York",
                                "Pacific/Chatham", "America/Santiago"])
@pytest.mark.parametrize("day", [date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 1),
                                 date(2026, 6, 17), date(2026, 4, 4), date(2026, 9, 5)])
def test_every_allowed_hour_keeps_the_digest_window_inside_its_day(tz: str, day: date) -> None:
    """The digest lists its day's work and is sent late within DIGEST_GRACE: for each hour a
    person may choose, on the nights clocks move too, the window starts and ends on that day,
    so the minute job (which looks for today's digest) never loses a late one at midnight."""
    zone = ZoneInfo(tz)
    for hour in DIGEST_HOURS:
        start, latest = digest_window(day, hour, tz)
        assert start.astimezone(zone).date() == day
        assert (latest - timedelta(microseconds=1)).astimezone(zone).date() == day, (hour, tz)
    # The hours refused would not: 23:00 runs into the next day.
    late = datetime.combine(day, time(23), tzinfo=zone) + DIGEST_GRACE
    assert late.astimezone(zone).date() == day + timedelta(days=1)


def test_an_hour_stored_before_the_limit_reads_as_the_nearest_allowed() -> None:
    assert digest_hour(23) == time(20) and digest_hour(2) == time(5)
    assert digest_hour(None) == time(9) and digest_hour(7) == time(7)
