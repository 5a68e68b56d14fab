"""Company keyboards: pure functions."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.companies.callbacks import (
    CardAction,
    CardCb,
    CardFlowAction,
    CardFlowCb,
    CompanyAction,
    CompanyCb,
    ReqAction,
    ReqCb,
)
from handlers.companies.texts import COUNTRY_NAMES, LANGUAGE_NAMES, field_button
from services.companies import (
    COMPANY_FIELDS,
    CONTACT_FIELDS,
    MARKET_FIELDS,
    OPTIONAL_STEPS,
    ClientProfile,
    ContactCard,
    market_fields,
    requisite_fields,
)
from services.requisites import COUNTRIES
from services.users import User


def _card(text: str, action: CardAction, ident: int, to: int = 0, code: str = ""
          ) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=CardCb(
        action=action, id=ident, to=to, code=code).pack())


def company_buttons(company_id: int, actor: User, archived: bool = False,
                    merged: bool = False) -> list[list[InlineKeyboardButton]]:
    if merged:
        return []  # merged into another client: its records live there now
    if archived:
        return [[_card(_("Restore"), CardAction.RESTORE, company_id)]]
    row = [InlineKeyboardButton(text=_("Requisites"), callback_data=CompanyCb(
        action=CompanyAction.REQUISITES, id=company_id).pack())]
    if actor.sees_everything:
        row.append(InlineKeyboardButton(text=_("Reassign"), callback_data=CompanyCb(
            action=CompanyAction.REASSIGN, id=company_id).pack()))
    return [row,
            [_card(_("Edit"), CardAction.EDIT, company_id),
             _card(_("Contacts"), CardAction.CONTACTS, company_id)],
            [_card(_("Merge with…"), CardAction.MERGE, company_id),
             _card(_("Archive"), CardAction.ARCHIVE, company_id)]]


def with_company_buttons(markup: InlineKeyboardMarkup | None, company_id: int,
                         actor: User, archived: bool = False, merged: bool = False
                         ) -> InlineKeyboardMarkup:
    """The client card's keyboard plus Requisites (and Reassign for heads and admins), Edit,
    Contacts, Merge and Archive; an archived client's card has Restore only."""
    rows = list(markup.inline_keyboard) if markup else []
    return InlineKeyboardMarkup(
        inline_keyboard=rows + company_buttons(company_id, actor, archived, merged))


def edit_menu(p: ClientProfile) -> InlineKeyboardMarkup:
    applies = set(requisite_fields(p)) | set(market_fields(p))
    kb = InlineKeyboardBuilder()
    for field in COMPANY_FIELDS:
        if field in ("tax_id", "kpp", "ogrn", *MARKET_FIELDS) and field not in applies:
            continue
        kb.button(text=field_button(field, p.country),
                  callback_data=CardCb(action=CardAction.FIELD, id=p.id, code=field))
    kb.adjust(2)
    return kb.as_markup()


def flow_choices(flow: str, options: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for value, text in options:
        kb.button(text=text, callback_data=CardFlowCb(action=CardFlowAction.CHOOSE, flow=flow,
                                                      value=value))
    kb.button(text=_("Cancel"), callback_data=CardFlowCb(action=CardFlowAction.CANCEL,
                                                         flow=flow))
    kb.adjust(1)
    return kb.as_markup()


def language_choices(flow: str) -> InlineKeyboardMarkup:
    return flow_choices(flow, list(LANGUAGE_NAMES.items()))


def flow_buttons(flow: str, skip: str | None = None) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if skip:
        kb.button(text=skip, callback_data=CardFlowCb(action=CardFlowAction.SKIP, flow=flow))
    kb.button(text=_("Cancel"), callback_data=CardFlowCb(action=CardFlowAction.CANCEL,
                                                         flow=flow))
    kb.adjust(1)
    return kb.as_markup()


def contacts_keyboard(p: ClientProfile) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if not p.archived:
        for c in p.contacts:
            kb.button(text=("⭐ " if c.is_primary else "") + c.name[:50],
                      callback_data=CardCb(action=CardAction.CONTACT, id=c.id))
        kb.button(text=_("Add contact"), callback_data=CardCb(action=CardAction.ADD_CONTACT,
                                                              id=p.id))
    kb.adjust(1)
    return kb.as_markup()


def contact_keyboard(c: ContactCard) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for field in CONTACT_FIELDS:
        kb.button(text=field_button(field, None, contact=True),
                  callback_data=CardCb(action=CardAction.CONTACT_FIELD, id=c.id, code=field))
    if not c.is_primary:
        kb.button(text=_("Make primary"), callback_data=CardCb(action=CardAction.PRIMARY,
                                                               id=c.id))
    kb.button(text=_("Detach from the client"),
              callback_data=CardCb(action=CardAction.DETACH, id=c.id))
    kb.adjust(2, 2, 1, 1)
    return kb.as_markup()


def one_button(text: str, action: CardAction, ident: int, to: int = 0
               ) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_card(text, action, ident, to)]])


def merge_candidates(company_id: int, found: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for other_id, name in found:
        kb.button(text=name[:60], callback_data=CardCb(action=CardAction.MERGE_PICK,
                                                       id=company_id, to=other_id))
    kb.adjust(1)
    return kb.as_markup()


def survivor_keyboard(first: ClientProfile, second: ClientProfile) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for keep, other in ((first, second), (second, first)):
        kb.button(text=_("Keep «{name}»").format(name=keep.name[:40]),
                  callback_data=CardCb(action=CardAction.MERGE_KEEP, id=keep.id, to=other.id))
    kb.adjust(1)
    return kb.as_markup()


def choice_keyboard(flow: str, action: ReqAction, options: list[tuple[str, str]]
                    ) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for value, text in options:
        kb.button(text=text, callback_data=ReqCb(action=action, flow=flow, value=value))
    kb.button(text=_("Cancel"), callback_data=ReqCb(action=ReqAction.CANCEL, flow=flow))
    kb.adjust(*([2] * (len(options) // 2 + len(options) % 2)), 1)
    return kb.as_markup()


def step_keyboard(flow: str, step: str, data: dict[str, Any]) -> InlineKeyboardMarkup | None:
    kb = InlineKeyboardBuilder()
    if step == "legal_name" and data.get("current_name"):
        kb.button(text=_("Keep «{name}»").format(name=data["current_name"][:40]),
                  callback_data=ReqCb(action=ReqAction.KEEP, flow=flow))
    if step in OPTIONAL_STEPS:
        kb.button(text=_("Skip"), callback_data=ReqCb(action=ReqAction.SKIP, flow=flow))
    kb.adjust(1)
    return kb.as_markup() if kb.buttons else None


def summary_keyboard(flow: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Save"), callback_data=ReqCb(action=ReqAction.SAVE, flow=flow))
    kb.button(text=_("Start over"), callback_data=ReqCb(action=ReqAction.RESTART, flow=flow))
    kb.button(text=_("Cancel"), callback_data=ReqCb(action=ReqAction.CANCEL, flow=flow))
    kb.adjust(1, 2)
    return kb.as_markup()


def countries_keyboard(flow: str) -> InlineKeyboardMarkup:
    return choice_keyboard(flow, ReqAction.COUNTRY,
                           [(c, f"{c} · {COUNTRY_NAMES[c]()}") for c in COUNTRIES])

