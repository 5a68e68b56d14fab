"""Quotes past their validity: "the quote expired" to the manager and the customer's bound chat
(enqueued by `QuoteService.expire_due`, with its own watermark `QUOTES_JOB`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from services.alerts.model import (
    COUNTRY_TIMEZONES,
    AlertConfig,
    QuoteExpiry,
    StaffMember,
    zone_name,
)
from services.alerts.staff_alerts import _staff_message
from services.outbox import NewOutboxMessage
from services.reminders import local_to_utc, next_allowed


def quote_expires_at(valid_until: date, tz: str) -> datetime:
    """A quote is valid through its date: it expires at the next local midnight."""
    return local_to_utc(datetime.combine(valid_until + timedelta(days=1), time(0)), tz)


def quote_expiry_messages(
    quote: QuoteExpiry, owner: StaffMember | None, now: datetime, config: AlertConfig
) -> list[NewOutboxMessage]:
    """"The quote expired" to its manager and, when their Telegram chat is bound and alive, to
    the customer: at the send hour (10:00) local on the day after the validity date; the
    customer's moved out of quiet hours and never into the past (a late one goes at the next
    allowed moment)."""
    day = quote.valid_until + timedelta(days=1)
    base = f"quote:{quote.quote_id}:expired:{quote.valid_until.isoformat()}"
    payload = {
        "quote_id": quote.quote_id,
        "number": quote.number,
        "company": quote.company_name,
        "valid_until": quote.valid_until.isoformat(),
    }
    out = []
    if owner is not None:
        tz = zone_name(config, owner.timezone)
        at = local_to_utc(datetime.combine(day, config.send_hour), tz)
        out.append(_staff_message(base, owner, "quote_expired", at, {**payload, "tz": tz}))
    if quote.chat_id is not None and not quote.chat_dead:
        tz = zone_name(config, quote.timezone, COUNTRY_TIMEZONES.get(quote.country or ""))
        planned = local_to_utc(datetime.combine(day, config.send_hour), tz)
        out.append(
            NewOutboxMessage(
                key=f"{base}:chat{quote.chat_id}",
                channel="telegram",
                kind="quote_expired_customer",
                due_at=next_allowed(max(planned, now), tz, config.quiet),
                chat_id=quote.chat_id,
                payload={"lang": quote.language, **payload, "tz": tz},
            )
        )
    return out
