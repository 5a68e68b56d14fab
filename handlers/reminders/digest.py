"""The morning digest (issue 18): its text and buttons, as the outbox sends it (`render_digest`,
from `texts.render`) and as "More" / "Back" redraw it (prefix "dg": the digest's day and the
page, read again live and scoped as the presser: `AlertService.digest_page`).

Each item's button is the existing card's own: an invoice opens its card ("in"), a task or an
event its card ("tc"), a payment waiting for a decision its review ("pm"); those handlers
refuse another manager's record (NotFound), so a forged button learns nothing."""

from __future__ import annotations

import html
from datetime import date, datetime
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import message_of
from handlers.filters import IsStaff
from handlers.invoices.callbacks import Inv, InvoiceCb
from handlers.payments import PayAction, PayCb
from handlers.reminders.settings import AlertSetAction, AlertSetCb
from handlers.reminders.texts import day_text, money_text
from handlers.tasks.callbacks import Card, TaskCardCb
from handlers.tasks.texts import KIND_ICONS
from handlers.texts import error_text
from services.alerts import AlertService, DigestItem, DigestPage, DigestSection
from services.errors import DomainError
from services.users import User

SECTION_TITLES = {
    DigestSection.PAID: __("💰 Money in yesterday"),
    DigestSection.OVERDUE: __("⏰ Overdue invoices"),
    DigestSection.DUE: __("📅 Invoices due today"),
    DigestSection.TASKS: __("📌 Tasks"),
    DigestSection.EVENTS: __("🤝 Meetings and calls today"),
    DigestSection.REVIEW: __("💳 Payments waiting for a decision"),
}
# A page stays well under Telegram's 4096 characters: 8 lines of at most ~250 characters and
# a few headings.
TITLE_SHOWN = 80  # a task's title or a payer in a line
NAME_SHOWN = 60  # a client's or a manager's name
BUTTON_SHOWN = 28  # ... and on its button (Telegram shows a short label whole)


class DigestCb(CallbackData, prefix="dg"):
    day: int  # the digest's local day, yyyymmdd
    page: int


def _page_cb(day: date, page: int) -> str:
    return DigestCb(day=int(day.strftime("%Y%m%d")), page=page).pack()


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _moment(at: datetime | None, zone: str, today: date) -> str:
    """"15:00" today, "05.12.2026 15:00" on another day, in the reader's zone."""
    if at is None:
        return ""
    local = at.astimezone(ZoneInfo(zone))
    return local.strftime("%H:%M") if local.date() == today else local.strftime(
        "%d.%m.%Y %H:%M")


def item_line(item: DigestItem, zone: str, today: date, lang: str | None) -> str:
    """An item as the digest lists it (HTML), without its number."""
    money = money_text(item.amount_minor, item.currency, lang) if item.currency else ""
    name = html.escape(_short(item.title, TITLE_SHOWN))
    company = html.escape(_short(item.company, NAME_SHOWN)) if item.company else "—"
    if item.section == DigestSection.PAID:
        return _("{number} · {company}: {amount} received").format(
            number=name, company=company, amount=money)
    if item.section == DigestSection.OVERDUE:
        return _("{number} · {company}: {amount} unpaid since {due}").format(
            number=name, company=company, amount=money,
            due=day_text(item.day) if item.day else "—")
    if item.section == DigestSection.DUE:
        return _("{number} · {company}: {amount} to pay").format(
            number=name, company=company, amount=money)
    if item.section == DigestSection.REVIEW:
        return _("{amount} from {payer}, received {day}").format(
            amount=money, payer=name or "—", day=day_text(item.day) if item.day else "—")
    when = _moment(item.at, zone, today)
    if item.section == DigestSection.TASKS and item.at is not None and \
            item.at.astimezone(ZoneInfo(zone)).date() < today:
        line = _("{title}, overdue since {when}").format(title=name, when=when)
    else:
        line = f"{when} {name}" if when else name
    if item.section == DigestSection.EVENTS:  # a meeting or a call
        line = f"{KIND_ICONS.get(item.kind, '•')} {line}"
    return f"{line} ({company})" if item.company else line


def item_button(item: DigestItem, n: int) -> InlineKeyboardButton:
    """The button opening the item's existing card."""
    if item.section == DigestSection.REVIEW:
        data = PayCb(action=PayAction.OPEN, payment=item.ref_id).pack()
        label = item.title or _("Payment")
    elif item.section in (DigestSection.TASKS, DigestSection.EVENTS):
        data = TaskCardCb(action=Card.OPEN, id=item.ref_id).pack()
        label = item.title
    else:
        data = InvoiceCb(action=Inv.OPEN, id=item.ref_id).pack()
        label = item.title
    return InlineKeyboardButton(text=f"{n}. {_short(label, BUTTON_SHOWN)}", callback_data=data)


def digest_text(page: DigestPage, lang: str | None) -> str:
    """The page's text (HTML): a heading per manager in a team digest, one per section, each
    item a numbered line (its button carries the same number)."""
    day = day_text(page.day)
    lines = [_("<b>Good morning! The team's day, {day}:</b>").format(day=day) if page.team
             else _("<b>Good morning! Your day, {day}:</b>").format(day=day)]
    owner: tuple[int | None, str] | None = None
    section: DigestSection | None = None
    for n, item in enumerate(page.items, page.first):
        if page.team and (item.owner_id, item.owner_name) != owner:
            owner, section = (item.owner_id, item.owner_name), None
            if item.owner_id is not None:
                owner_name = _short(item.owner_name, NAME_SHOWN) or "—"
                lines += ["", f"👤 <b>{html.escape(owner_name)}</b>"]
        if item.section != section:
            section = item.section
            lines += ["", f"<b>{SECTION_TITLES[section]}</b>"]
        lines.append(f"{n}. {item_line(item, page.timezone, page.day, lang)}")
    if page.pages > 1:
        lines += ["", _("Page {page} of {pages}").format(page=page.page + 1, pages=page.pages)]
    return "\n".join(lines)


def digest_keyboard(page: DigestPage) -> InlineKeyboardMarkup:
    """A button per item (two a row), then Back / More across the pages, and the settings."""
    kb = InlineKeyboardBuilder()
    for n, item in enumerate(page.items, page.first):
        kb.add(item_button(item, n))
    kb.adjust(2)
    nav = []
    if page.page > 0:
        nav.append(InlineKeyboardButton(text=_("« Back"),
                                        callback_data=_page_cb(page.day, page.page - 1)))
    if page.page < page.pages - 1:
        nav.append(InlineKeyboardButton(text=_("More »"),
                                        callback_data=_page_cb(page.day, page.page + 1)))
    if nav:
        kb.row(*nav)
    kb.row(InlineKeyboardButton(text=_("⚙️ Alert settings"),
                                callback_data=AlertSetCb(a=AlertSetAction.SHOW).pack()))
    return kb.as_markup()


def render_digest(page: DigestPage, lang: str | None
                  ) -> tuple[str, InlineKeyboardMarkup | None]:
    return digest_text(page, lang), digest_keyboard(page)


async def on_page(query: CallbackQuery, callback_data: DigestCb, actor: User,
                  alerts: AlertService) -> None:
    """Another page of the digest, read now as the presser (their items only)."""
    try:
        day = datetime.strptime(str(callback_data.day), "%Y%m%d").date()
        page = await alerts.digest_page(actor, day, callback_data.page)
    except ValueError:
        await query.answer(_("This button is out of date."), show_alert=True)
        return
    except DomainError as err:
        await query.answer(error_text(err), show_alert=True)
        return
    if not page.total:
        await query.answer(_("Nothing is left in this digest: all done."), show_alert=True)
        return
    await query.answer()
    msg = message_of(query)
    if msg is None:
        return
    text, markup = render_digest(page, actor.language)
    try:
        await msg.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as exc:
        if "not modified" not in exc.message:  # the same page pressed twice
            raise


def create_router() -> Router:
    """The digest's "More" and "Back" (staff only; each item's button is its card's own)."""
    router = Router(name="reminders_digest")
    router.callback_query.register(on_page, DigestCb.filter(), IsStaff())
    return router
