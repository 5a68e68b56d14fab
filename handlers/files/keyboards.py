"""Files keyboards: pure functions. The card rows (`deal_card_buttons`, `with_file_buttons`)
are what the deal and client cards add; `timeline_file_buttons` opens a timeline note's voice
or photo."""

from __future__ import annotations

from datetime import tzinfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.files.callbacks import FileAction, FileCb
from handlers.files.texts import ICONS, file_name
from handlers.timeline_texts import chat_kind
from services.deals import Deal
from services.files import FileListing
from services.interactions import Timeline

TIMELINE_BUTTONS = 10
NOTE_TIME = "%d.%m %H:%M"


def card_row(*, deal_id: int = 0, company_id: int = 0) -> list[InlineKeyboardButton]:
    """«📎 Files» and «Attach a file» under a card (one of the ids set)."""
    return [InlineKeyboardButton(text=_("📎 Files"), callback_data=FileCb(
                action=FileAction.LIST, deal=deal_id, co=company_id).pack()),
            InlineKeyboardButton(text=_("Attach a file"), callback_data=FileCb(
                action=FileAction.ATTACH, deal=deal_id, co=company_id).pack())]


def deal_card_buttons(deal: Deal) -> list[InlineKeyboardButton]:
    """The deal card's row from files (handlers/deals/keyboards.py CARD_ROWS)."""
    return card_row(deal_id=deal.id)


def with_file_buttons(markup: InlineKeyboardMarkup | None, company_id: int
                      ) -> InlineKeyboardMarkup:
    """The client card's keyboard plus the files row."""
    rows = list(markup.inline_keyboard) if markup else []
    return InlineKeyboardMarkup(inline_keyboard=[*rows, card_row(company_id=company_id)])


def listing_keyboard(listing: FileListing) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for n, f in enumerate(listing.files, 1):
        kb.button(text=f"{n}. {ICONS.get(f.kind, '📄')} {file_name(f)}"[:60],
                  callback_data=FileCb(action=FileAction.SEND, id=f.id))
    kb.button(text=_("Attach a file"), callback_data=FileCb(
        action=FileAction.ATTACH, deal=listing.deal_id or 0, co=listing.company_id or 0))
    kb.adjust(1)
    return kb.as_markup()


def done_keyboard(deal_id: int | None, company_id: int | None) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("✅ Done"), callback_data=FileCb(
        action=FileAction.DONE, deal=deal_id or 0, co=company_id or 0))
    return kb.as_markup()


def timeline_file_buttons(timeline: Timeline, zone: tzinfo) -> InlineKeyboardMarkup | None:
    """A button per voice note or photo shown in the timeline; None when there is none."""
    kb = InlineKeyboardBuilder()
    shown = 0
    for entry in timeline.entries:
        i = entry.interaction
        if i is None or (i.document_id is None and i.file_id is None) or \
                not (i.file_mime or i.chat):
            continue
        when = i.occurred_at.astimezone(zone).strftime(NOTE_TIME)
        if i.chat is not None:  # a file from the Telegram Business chat, of any kind
            text = f"📎 {chat_kind(i.chat.kind)} {when}"
        elif (i.file_mime or "").startswith("image"):
            text = _("🖼 Photo {when}").format(when=when)
        else:
            text = _("🎤 Voice {when}").format(when=when)
        kb.button(text=text, callback_data=FileCb(action=FileAction.NOTE, id=i.id))
        shown += 1
        if shown == TIMELINE_BUTTONS:
            break
    if not shown:
        return None
    kb.adjust(2)
    return kb.as_markup()
