"""The lead keyboards: pure functions of the draft, the lead, a page."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.deals.callbacks import DealAction, DealCb
from handlers.leads.callbacks import LeadAction, LeadCb, LeadFlowAction, LeadFlowCb
from handlers.leads.texts import (
    EDIT_LABELS,
    FIELD_LABELS,
    JUNK_REASON_NAMES,
    STATUS_BUTTONS,
    source_name,
    status_name,
)
from services.leads import (
    EDIT_FIELDS,
    JUNK_REASONS,
    LEAD_FIELDS,
    OTHER_JUNK,
    ClientMatch,
    Conversion,
    Lead,
    LeadPage,
    LeadStatus,
)


def step_keyboard(
    flow: str, name: str, required: bool, sources: Sequence[str]
) -> InlineKeyboardMarkup | None:
    kb = InlineKeyboardBuilder()
    if name == "source":
        for code in sources:
            kb.button(
                text=source_name(code),
                callback_data=LeadFlowCb(action=LeadFlowAction.SOURCE, flow=flow, arg=code),
            )
    if not required:
        kb.button(text=_("Skip"), callback_data=LeadFlowCb(action=LeadFlowAction.SKIP, flow=flow))
    kb.adjust(2)
    markup = kb.as_markup()
    return markup if markup.inline_keyboard else None


def draft_keyboard(flow: str, missing: Sequence[str]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if missing:
        kb.button(
            text=_("Save without {fields}").format(
                fields=", ".join(FIELD_LABELS[f]().lower() for f in missing)
            ),
            callback_data=LeadFlowCb(action=LeadFlowAction.SAVE_MISSING, flow=flow),
        )
    else:
        kb.button(text=_("Save"), callback_data=LeadFlowCb(action=LeadFlowAction.SAVE, flow=flow))
    for name in LEAD_FIELDS:
        kb.button(
            text=EDIT_LABELS[name](),
            callback_data=LeadFlowCb(action=LeadFlowAction.EDIT, flow=flow, arg=name),
        )
    kb.button(text=_("Cancel"), callback_data=LeadFlowCb(action=LeadFlowAction.CANCEL, flow=flow))
    kb.adjust(1, 2, 2, 2, 1, 1)
    return kb.as_markup()


def lead_keyboard(lead: Lead, allowed: Collection[str]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    sizes = []
    if lead.status == LeadStatus.JUNK and "in_progress" in allowed:
        kb.button(text=_("Restore ↩️"), callback_data=LeadCb(
            action=LeadAction.STATUS, id=lead.id, arg="in_progress"))
        sizes.append(1)
    statuses = [s for s in ("in_progress", "qualified") if s in allowed
                and lead.status != LeadStatus.JUNK]
    for status in statuses:
        kb.button(
            text=STATUS_BUTTONS[status](),
            callback_data=LeadCb(action=LeadAction.STATUS, id=lead.id, arg=status),
        )
    if "junk" in allowed:
        kb.button(text=_("Junk"), callback_data=LeadCb(action=LeadAction.JUNK, id=lead.id))
        statuses.append("junk")
    if statuses:
        sizes.append(len(statuses))
    if lead.status == LeadStatus.QUALIFIED:
        kb.button(text=_("Convert"), callback_data=LeadCb(action=LeadAction.CONVERT, id=lead.id))
        sizes.append(1)
    if lead.status != LeadStatus.CONVERTED:
        kb.button(text=_("Edit"), callback_data=LeadCb(action=LeadAction.EDIT, id=lead.id))
        sizes.append(1)
    elif lead.deal_id:
        kb.button(
            text=_("Open deal"), callback_data=DealCb(action=DealAction.OPEN, id=lead.deal_id)
        )
        sizes.append(1)
    kb.adjust(*sizes)
    return kb.as_markup()


def open_lead_keyboard(lead_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Open lead"), callback_data=LeadCb(action=LeadAction.OPEN, id=lead_id))
    return kb.as_markup()


def junk_keyboard(lead: Lead) -> InlineKeyboardMarkup:
    """The common junk reasons, and Other (typed)."""
    kb = InlineKeyboardBuilder()
    for code in JUNK_REASONS:
        kb.button(text=JUNK_REASON_NAMES[code](),
                  callback_data=LeadCb(action=LeadAction.JUNK, id=lead.id, arg=code))
    kb.button(text=_("Other (type the reason)"),
              callback_data=LeadCb(action=LeadAction.JUNK, id=lead.id, arg=OTHER_JUNK))
    kb.adjust(2, 2, 1)
    return kb.as_markup()


def edit_keyboard(lead: Lead) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for name in EDIT_FIELDS:
        kb.button(
            text=EDIT_LABELS[name](),
            callback_data=LeadCb(action=LeadAction.FIELD, id=lead.id, arg=name),
        )
    kb.button(text=_("Back"), callback_data=LeadCb(action=LeadAction.OPEN, id=lead.id, arg="back"))
    kb.adjust(2)
    return kb.as_markup()


def sources_keyboard(lead: Lead, sources: Sequence[str]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for code in sources:
        kb.button(
            text=source_name(code),
            callback_data=LeadCb(action=LeadAction.SOURCE, id=lead.id, arg=code),
        )
    kb.adjust(2)
    return kb.as_markup()


def list_keyboard(page: LeadPage) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    filters: list[str | None] = [None, "new", "in_progress", "qualified", "junk", "converted"]
    for status in filters:
        label = STATUS_BUTTONS[status]() if status else _("All")
        if status == page.status:
            label = "• " + label
        kb.button(text=label, callback_data=LeadCb(action=LeadAction.LIST, arg=status or ""))
    for lead in page.items:
        kb.button(
            text=f"#{lead.id} {lead.display_name}"[:60] + f" · {status_name(lead.status)}",
            callback_data=LeadCb(action=LeadAction.OPEN, id=lead.id),
        )
    nav = []
    if page.offset > 0:
        nav.append(("◀", max(0, page.offset - page.limit)))
    if page.offset + page.limit < page.total:
        nav.append(("▶", page.offset + page.limit))
    for text, offset in nav:
        kb.button(
            text=text,
            callback_data=LeadCb(action=LeadAction.LIST, arg=page.status or "", offset=offset),
        )
    kb.adjust(3, 3, *([1] * len(page.items)), len(nav) or 1)
    return kb.as_markup()


def duplicates_keyboard(lead: Lead, matches: Sequence[ClientMatch]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for m in matches:
        name = m.name[:30]
        kb.button(
            text=_("Use {name}").format(name=name),
            callback_data=LeadCb(action=LeadAction.USE, id=lead.id, arg=m.ref),
        )
        kb.button(
            text=_("Merge into {name}").format(name=name),
            callback_data=LeadCb(action=LeadAction.MERGE, id=lead.id, arg=m.ref),
        )
    kb.button(text=_("Create new anyway"), callback_data=LeadCb(action=LeadAction.NEW, id=lead.id))
    kb.adjust(*([2] * len(matches)), 1)
    return kb.as_markup()


def conversion_keyboard(conv: Conversion) -> InlineKeyboardMarkup | None:
    if conv.deal is None:
        return None
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Open deal"), callback_data=DealCb(action=DealAction.OPEN, id=conv.deal.id))
    return kb.as_markup()
