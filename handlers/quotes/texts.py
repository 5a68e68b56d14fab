"""The quote card and list texts (lines and totals read as on the invoice card)."""

from __future__ import annotations

import html
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from handlers.i18n import lazy_pgettext
from handlers.line_editor.texts import TAX_MODE_NAMES, lines_text, price_list_text, totals_text
from services.quotes import Quote, QuoteCard, QuotePage

STATUS_NAMES = {
    "draft": lazy_pgettext("quote status", "draft"),
    "sent": lazy_pgettext("quote status", "sent"),
    "accepted": lazy_pgettext("quote status", "accepted"),
    "changes_requested": lazy_pgettext("quote status", "changes requested"),
    "expired": lazy_pgettext("quote status", "expired"),
}
FILTERS: Final[dict[str, tuple[str, ...] | None]] = {
    "all": None, "draft": ("draft",), "sent": ("sent",), "accepted": ("accepted",),
    "changes": ("changes_requested",), "expired": ("expired",),
}
FILTER_NAMES = {"all": __("All"), "draft": __("Drafts"), "sent": __("Sent"),
                "accepted": __("Accepted"), "changes": __("Changes asked"),
                "expired": __("Expired")}


def quote_title(q: Quote) -> str:
    if q.number_text:
        return _("Quote {number}").format(number=html.escape(q.number_text))
    return _("Quote draft #{id}").format(id=q.id)


def local_time(moment: Any, timezone: str | None) -> str:
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return str(moment.astimezone(zone).strftime("%d.%m.%Y %H:%M"))


def card_text(card: QuoteCard, timezone: str | None = None) -> str:
    q = card.quote
    out = [f"<b>{quote_title(q)}</b> · {html.escape(q.buyer_name or '—')}",
           _("Status: {status}").format(status=STATUS_NAMES.get(q.status, q.status)),
           _("Currency: {currency} · {mode}").format(
               currency=q.currency, mode=TAX_MODE_NAMES.get(q.tax_mode, q.tax_mode))]
    if q.valid_until:
        out.append(_("Valid until {date}").format(date=q.valid_until.strftime("%d.%m.%Y")))
    out.extend(price_list_text(q))
    if q.status == "accepted" and q.accepted_at:
        out.append(_("Accepted by {name} at {time}").format(
            name=html.escape(card.accepted_by or "—"), time=local_time(q.accepted_at, timezone)))
    if q.status == "changes_requested":
        out.append(_("The customer asks for changes: {text}").format(
            text=html.escape(q.change_request or "—")))
    out.append("")
    if not q.lines:
        out.append(_("No lines yet: add a product or a line."))
        return "\n".join(out)
    out.extend(lines_text(q))
    out.append("")
    out.extend(totals_text(q))
    return "\n".join(out)


def list_text(page: QuotePage, flt: str) -> str:
    return _("Quotes ({filter}): {total}").format(filter=FILTER_NAMES[flt], total=page.total)
