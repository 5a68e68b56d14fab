"""The texts and keyboards of the messages the outbox sends (`bot/outbox_sender`), and of
/reminders and /outbox."""

from __future__ import annotations

import contextlib
import html
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from handlers.reminders.alert_keyboards import (
    contract_keyboard,
    guarantee_keyboard,
    installment_keyboard,
    overdue_keyboard,
    task_alert_keyboard,
)
from handlers.reminders.keyboards import meeting_keyboard, paid_keyboard
from services.alerts import (
    Composed,
    InvoiceTarget,
    MeetingTarget,
    OutboxHealth,
    Upcoming,
)
from services.money import format_money, from_minor


def lang_of(code: str | None) -> Any:
    """Babel's language for `code`; one we do not have ("de", none) formats as the text
    around it, in the language being rendered (the bot's default for such a reader)."""
    if code in ("ru", "en", "ro"):
        return code
    with contextlib.suppress(LookupError):
        current = get_i18n().current_locale
        if current in ("ru", "en", "ro"):
            return current
    return "en"


def money_text(minor: int, currency: str, lang: str | None) -> str:
    try:
        return format_money(from_minor(minor, currency), currency, lang_of(lang))
    except ValueError:
        return f"{Decimal(minor) / 100} {currency}"


def local_time(moment: datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%d.%m.%Y %H:%M")


def day_text(value: date | str) -> str:
    day = value if isinstance(value, date) else date.fromisoformat(value)
    return day.strftime("%d.%m.%Y")


def why_text(kind: str, step: int | None) -> str:
    if step is None:
        return kind
    if step < 0:
        return _("{days} day(s) before the due date").format(days=-step)
    if step == 0:
        return _("on the due date")
    return _("{days} day(s) after the due date").format(days=step)


def invoice_reminder_text(target: InvoiceTarget, kind: str, payload: dict[str, Any]) -> str:
    number = html.escape(target.number)
    amount = money_text(target.remaining_minor, target.currency, target.language)
    due = day_text(str(payload.get("due_date") or target.due_date))
    if kind.startswith("installment"):
        return _(
            "Reminder: a scheduled payment under invoice {number} is due on {due}. "
            "The invoice has {amount} left to pay."
        ).format(number=number, due=due, amount=amount)
    if kind == "invoice_due_soon":
        return _("Reminder: invoice {number} for {amount} is due on {due}.").format(
            number=number, amount=amount, due=due
        )
    if kind == "invoice_due_today":
        return _("Invoice {number} is due today: {amount} left to pay.").format(
            number=number, amount=amount
        )
    return _("Invoice {number} is overdue since {due}: {amount} left to pay.").format(
        number=number, due=due, amount=amount
    )


def meeting_options_text(meet: MeetingTarget, tz: str) -> str:
    """The client's Reschedule: the times offered as buttons, in the client's zone `tz`."""
    return _("Meeting «{title}» on {when} (your time). Choose a new time, or another "
             "time that suits you:").format(title=html.escape(meet.title),
                                            when=local_time(meet.starts_at, tz))


def meeting_moved_text(meet: MeetingTarget, tz: str) -> str:
    """The client's confirmation of a move, the new start in the client's zone `tz`."""
    return _("Done: the meeting «{title}» is moved to {when} (your time). Your manager has "
             "been told.").format(title=html.escape(meet.title),
                                  when=local_time(meet.starts_at, tz))


def render(
    composed: Composed, item_payload: dict[str, Any], invoice_id: int | None,
    outbox_id: int = 0,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and buttons of an outbox message, in the current locale. A staff alert's
    buttons name its own row, `outbox_id` (`alert_keyboards`); the morning digest's are
    `handlers.reminders.digest.render_digest`'s."""
    kind, facts, tz = composed.kind, composed.facts, composed.timezone
    if isinstance(facts, InvoiceTarget):
        return invoice_reminder_text(facts, kind, item_payload), paid_keyboard(facts.invoice_id)
    if isinstance(facts, MeetingTarget):
        text = _("Reminder: meeting «{title}» on {when} (your time).").format(
            title=html.escape(facts.title), when=local_time(facts.starts_at, tz)
        )
        return text, meeting_keyboard(facts)
    p = cast(dict[str, Any], facts or {})
    lang = composed.language
    if kind == "overdue_alert":
        return _("Invoice {number} ({company}) is overdue since {due}: {amount} unpaid.").format(
            number=html.escape(str(p["number"])),
            company=html.escape(str(p.get("company"))),
            due=day_text(str(p["due_date"])),
            amount=money_text(int(p["remaining_minor"]), str(p["currency"]), lang),
        ), overdue_keyboard(outbox_id, int(p["invoice_id"]))
    if kind == "installment_alert":
        number = html.escape(str(p["number"]))
        amount = money_text(int(p["remaining_minor"]), str(p["currency"]), lang)
        buttons = installment_keyboard(outbox_id, int(p["invoice_id"]))
        if p.get("late"):  # the bot was down on the due date
            return _(
                "A scheduled payment under invoice {number} was due on {due} ({amount} left)."
            ).format(number=number, due=day_text(str(p["due_date"])), amount=amount), buttons
        return _(
            "A scheduled payment under invoice {number} is due today ({amount} left)."
        ).format(number=number, amount=amount), buttons
    if kind == "guarantee_alert":
        number = html.escape(str(p["number"]))
        if p.get("company"):
            number = f"{number} ({html.escape(str(p['company']))})"
        return _(
            "Invoice {number}: the payment promised by {date} in the guarantee letter has not "
            "arrived; {amount} unpaid."
        ).format(
            number=number,
            date=day_text(str(p["promised"])),
            amount=money_text(int(p["remaining_minor"]), str(p["currency"]), lang),
        ), guarantee_keyboard(outbox_id, int(p["invoice_id"]))
    if kind == "quote_expired":
        number = html.escape(str(p["number"]))
        if p.get("company"):
            number = f"{number} ({html.escape(str(p['company']))})"
        return _("Quote {number} has expired: it was valid until {date}.").format(
            number=number, date=day_text(str(p["valid_until"]))
        ), None
    if kind == "quote_expired_customer":
        return _(
            "Quote {number} was valid until {date} and has expired. If you are still "
            "interested, write to your manager and we will prepare a new one."
        ).format(
            number=html.escape(str(p["number"])), date=day_text(str(p["valid_until"]))
        ), None
    if kind == "contract_alert":
        buttons = contract_keyboard(outbox_id, int(p["contract_id"]))
        if int(p["days_left"]) < 0:  # ended while the bot was down
            return _("Contract «{title}» ended on {end}.").format(
                title=html.escape(str(p["title"])), end=day_text(str(p["ends_on"]))
            ), buttons
        return _("Contract «{title}» ends on {end}: {days} day(s) left.").format(
            title=html.escape(str(p["title"])),
            end=day_text(str(p["ends_on"])),
            days=p["days_left"],
        ), buttons
    if kind == "task_alert":
        due = datetime.fromisoformat(str(p["due_at"]))
        return _("Task due at {when}: {title}").format(
            when=local_time(due, tz),
            title=html.escape(str(p["title"])),
        ), task_alert_keyboard(int(p["task_id"]), due)
    if kind == "chat_blocked":
        if p.get("email"):
            return _(
                "The client of invoice {number} ({company}) blocked the bot. Reminders "
                "now go by e-mail to {email}."
            ).format(
                number=html.escape(str(p["number"])),
                company=html.escape(str(p["company"])),
                email=html.escape(str(p["email"])),
            ), None
        return _(
            "The client of invoice {number} ({company}) blocked the bot and has no "
            "e-mail: reminders cannot reach them."
        ).format(
            number=html.escape(str(p["number"])), company=html.escape(str(p["company"]))
        ), None
    if kind == "outbox_stalled":
        return _(
            "Alert: the message queue has not been sent since {since}. Check the bot."
        ).format(since=html.escape(str(p.get("since")))), None
    return html.escape(str(p.get("text") or kind)), None


def upcoming_text(items: list[Upcoming], zone: str) -> str:
    """The reminders as the reader sees them: each time in the reader's own zone `zone`."""
    lines = [_("Next reminders to your clients:")]
    for n, it in enumerate(items, 1):
        channel = _("Telegram") if it.channel == "telegram" else _("e-mail")
        client = f" ({html.escape(it.company_name)})" if it.company_name else ""
        lines.append(
            _("{n}. Invoice {number}{client}: {why}, {when}, by {channel}").format(
                n=n,
                number=html.escape(it.number),
                client=client,
                why=why_text(it.kind, it.step),
                when=local_time(it.due_at, zone),
                channel=channel,
            )
        )
    return "\n".join(lines)


def snoozed_text(moved: datetime, zone: str) -> str:
    return _("Snoozed to {when}.").format(when=local_time(moved, zone))


def stalled_text(since: datetime | None, zone: str) -> str:
    """The watchdog's alert to an admin, the last run in the admin's zone `zone`."""
    return _("Alert: messages are not being sent: the sending job last ran {since}.").format(
        since=local_time(since, zone) if since else _("never"))


def health_text(h: OutboxHealth, zone: str) -> str:
    """The outbox's state for an admin; its times in the admin's zone `zone`."""
    s = h.stats
    oldest = local_time(s.oldest_pending_at, zone) if s.oldest_pending_at else "—"
    last = (h.last_drain_at.astimezone(ZoneInfo(zone)).strftime("%d.%m.%Y %H:%M:%S")
            if h.last_drain_at else "—")
    lines = [
        _("Outbox:"),
        _("Due now: {n}").format(n=s.due),
        _("Pending: {n}").format(n=s.pending),
        _("Sent: {n}").format(n=s.sent),
        _("Failed: {n}").format(n=s.failed),
        _("Oldest pending since: {t}").format(t=oldest),
        _("Last sending run: {t}").format(t=last),
    ]
    if h.drain_late:
        lines.append(_("⚠ The sending job is late."))
    return "\n".join(lines)
