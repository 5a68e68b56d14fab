"""Company keyboards: pure functions."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.companies.callbacks import CompanyAction, CompanyCb, ReqAction, ReqCb
from handlers.companies.texts import COUNTRY_NAMES
from services.companies import OPTIONAL_STEPS
from services.requisites import COUNTRIES
from services.users import User


def company_buttons(company_id: int, actor: User) -> list[list[InlineKeyboardButton]]:
    row = [InlineKeyboardButton(text=_("Requisites"), callback_data=CompanyCb(
        action=CompanyAction.REQUISITES, id=company_id).pack())]
    if actor.sees_everything:
        row.append(InlineKeyboardButton(text=_("Reassign"), callback_data=CompanyCb(
            action=CompanyAction.REASSIGN, id=company_id).pack()))
    return [row]


def with_company_buttons(markup: InlineKeyboardMarkup | None, company_id: int,
                         actor: User) -> InlineKeyboardMarkup:
    """The client card's keyboard plus Requisites (and Reassign for heads and admins)."""
    rows = list(markup.inline_keyboard) if markup else []
    return InlineKeyboardMarkup(inline_keyboard=rows + company_buttons(company_id, actor))


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

