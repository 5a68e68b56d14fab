"""Company card extras: the requisites flow (country → legal form → legal name → tax ids →
legal address → bank account → summary → save) and reassignment to another manager (heads
and admins), with both managers notified."""

from __future__ import annotations

import html
import logging
import secrets
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from aiogram import Bot, Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import message_of
from handlers.deals.keyboards import client_card_keyboard
from handlers.filters import HasText, IsStaff
from handlers.texts import error_text
from services.clients import ClientService, Company
from services.companies import (
    LEGAL_FORMS,
    OPTIONAL_STEPS,
    CompanyRequisites,
    CompanyService,
    Reassignment,
)
from services.errors import DomainError
from services.requisites import COUNTRIES
from services.users import User

logger = logging.getLogger(__name__)


class CompanyAction(StrEnum):
    OPEN = "o"
    REQUISITES = "r"
    REASSIGN = "a"
    MOVE = "m"


class CompanyCb(CallbackData, prefix="co"):
    action: CompanyAction
    id: int
    to: int = 0


class ReqAction(StrEnum):
    COUNTRY = "c"
    FORM = "f"
    KEEP = "k"
    SKIP = "s"
    SAVE = "v"
    RESTART = "r"
    CANCEL = "x"


class ReqCb(CallbackData, prefix="rq"):
    """`flow` ties a button to one run of the flow (see handlers/clients.py)."""

    action: ReqAction
    flow: str
    value: str = ""


class RequisitesFlow(StatesGroup):
    choosing = State()  # country or legal form: buttons
    typing = State()  # the step in data["step"]: text
    confirm = State()


COUNTRY_NAMES: dict[str, Callable[[], str]] = {
    "RU": lambda: _("Russia"), "BY": lambda: _("Belarus"), "MD": lambda: _("Moldova"),
    "RO": lambda: _("Romania"),
}
TAX_ID_NAMES = {"RU": "INN", "BY": "UNP", "MD": "IDNO", "RO": "CUI"}


def question(step: str, country: str) -> str:
    if step == "tax_id":
        return {
            "RU": _("INN? 10 digits for a company, 12 for an entrepreneur."),
            "BY": _("UNP? 9 digits."),
            "MD": _("IDNO? 13 digits."),
            "RO": _("CUI? Put RO in front if the company is a VAT payer."),
        }[country]
    questions: dict[str, Callable[[], str]] = {
        "legal_name": lambda: _("Legal name, without the legal form?"),
        "kpp": lambda: _("KPP? 9 characters."),
        "ogrn": lambda: _("OGRN (13 digits) or OGRNIP (15 digits)? Or Skip."),
        "legal_address": lambda: _("Legal address?"),
        "bik": lambda: _("Bank BIK? 9 digits. Or Skip to leave out the bank account."),
        "settlement_account": lambda: _("Settlement account? 20 digits."),
        "corr_account": lambda: _("Correspondent account? 20 digits."),
        "iban": lambda: _("IBAN? Or Skip to leave out the bank account."),
        "bic": lambda: _("Bank BIC (SWIFT)?"),
    }
    return questions[step]()


def requisites_lines(data: dict[str, Any] | CompanyRequisites) -> list[str]:
    """Requisites as escaped lines, from the flow's data or from a stored company."""
    if isinstance(data, CompanyRequisites):
        values: dict[str, Any] = {
            "country": data.country, "legal_form": data.legal_form, "legal_name": data.name,
            "tax_id": data.tax_id, "vat_payer": data.vat_payer, "kpp": data.kpp,
            "ogrn": data.ogrn, "legal_address": data.legal_address}
        if data.accounts:
            acc = data.accounts[-1]
            values.update(bik=acc.bik, settlement_account=acc.account if acc.bik else None,
                          corr_account=acc.corr_account,
                          iban=None if acc.bik else acc.account, bic=acc.bic)
    else:
        values = data
    country = str(values.get("country") or "")
    esc = html.escape
    lines = []
    if country:
        lines.append(_("Country: {v}").format(v=COUNTRY_NAMES[country]()))
    name = " ".join(str(values[k]) for k in ("legal_form", "legal_name") if values.get(k))
    if name:
        lines.append(_("Legal name: {v}").format(v=esc(name)))
    if values.get("tax_id"):
        tax = f"{TAX_ID_NAMES.get(country, '')}: {esc(str(values['tax_id']))}"
        if country == "RO":
            tax += " · " + (_("VAT payer") if values.get("vat_payer") else _("not a VAT payer"))
        lines.append(tax)
    labels = {"kpp": "KPP", "ogrn": "OGRN", "bik": "BIK"}
    for key, label in labels.items():
        if values.get(key):
            lines.append(f"{label}: {esc(str(values[key]))}")
    if values.get("legal_address"):
        lines.append(_("Legal address: {v}").format(v=esc(str(values["legal_address"]))))
    if values.get("settlement_account"):
        lines.append(_("Account: {v}").format(v=esc(str(values["settlement_account"]))))
    if values.get("corr_account"):
        lines.append(_("Correspondent account: {v}").format(v=esc(str(values["corr_account"]))))
    if values.get("iban"):
        lines.append(f"IBAN: {esc(str(values['iban']))}")
    if values.get("bic"):
        lines.append(f"BIC: {esc(str(values['bic']))}")
    return lines


def company_text(company: Company) -> str:
    lines = [f"🏢 <b>{html.escape(company.name)}</b>"]
    if company.phone:
        lines.append(_("Phone: {phone}").format(phone=company.phone))
    if company.email:
        lines.append(_("E-mail: {email}").format(email=html.escape(company.email)))
    return "\n".join(lines)


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


async def ask(message: Message, state: FSMContext, companies: CompanyService,
              after: str) -> None:
    """The step after `after` (or the summary when none is left)."""
    data = await state.get_data()
    flow, country = data["flow"], data["country"]
    steps = companies.steps(country, data)
    following = steps[steps.index(after) + 1:] if after in steps else steps
    if not following:
        await state.set_state(RequisitesFlow.confirm)
        text = "\n".join([_("Requisites of «{name}»:").format(
            name=html.escape(data["current_name"])), *requisites_lines(data), _("Save?")])
        await message.answer(text, reply_markup=summary_keyboard(flow))
        return
    step = following[0]
    await state.update_data(step=step)
    if step == "legal_form":
        await state.set_state(RequisitesFlow.choosing)
        await message.answer(_("Legal form?"), reply_markup=choice_keyboard(
            flow, ReqAction.FORM, [(f, f) for f in LEGAL_FORMS[country]]))
        return
    await state.set_state(RequisitesFlow.typing)
    await message.answer(question(step, country),
                         reply_markup=step_keyboard(flow, step, data))


def create_router() -> Router:
    router = Router(name="companies")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    @router.callback_query(CompanyCb.filter())
    async def on_company(query: CallbackQuery, callback_data: CompanyCb, actor: User,
                         state: FSMContext, clients: ClientService,
                         companies: CompanyService, bot: Bot, i18n: I18n) -> None:
        msg = message_of(query)
        action, company_id = callback_data.action, callback_data.id
        try:
            if action == CompanyAction.OPEN:
                company = await clients.get_company(actor, company_id)
                await query.answer()
                if msg:
                    await msg.answer(company_text(company), reply_markup=with_company_buttons(
                        client_card_keyboard(company.id), company.id, actor))
            elif action == CompanyAction.REQUISITES:
                req = await companies.requisites(actor, company_id)
                await start_requisites(query, msg, state, req)
            elif action == CompanyAction.REASSIGN:
                company_req, targets = await companies.reassign_targets(actor, company_id)
                await query.answer()
                if msg:
                    await show_targets(msg, company_req, targets)
            else:
                moved = await companies.reassign(actor, company_id, callback_data.to)
                await query.answer()
                if msg:
                    await msg.edit_text(reassigned_text(moved), reply_markup=None)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)

    async def start_requisites(query: CallbackQuery, msg: Message | None, state: FSMContext,
                               req: CompanyRequisites) -> None:
        await query.answer()
        if msg is None:
            return
        flow = secrets.token_hex(4)
        await state.set_state(RequisitesFlow.choosing)
        await state.set_data({"flow": flow, "company_id": req.company_id,
                              "current_name": req.name, "step": "country"})
        current = requisites_lines(req) if req.country or req.tax_id else []
        head = _("Requisites of «{name}»:").format(name=html.escape(req.name))
        body = "\n".join(current) if current else _("None yet.")
        await msg.answer(f"{head}\n{body}\n\n" + _("Country?"),
                         reply_markup=countries_keyboard(flow))

    async def show_targets(msg: Message, company: CompanyRequisites,
                           targets: list[User]) -> None:
        if not targets:
            await msg.answer(_("There is no other active manager to reassign to."))
            return
        kb = InlineKeyboardBuilder()
        for user in targets:
            kb.button(text=user.full_name or str(user.telegram_id), callback_data=CompanyCb(
                action=CompanyAction.MOVE, id=company.company_id, to=user.id))
        kb.adjust(1)
        await msg.answer(_("Reassign «{name}» with its contacts, open deals, open leads and "
                           "unpaid invoices to:").format(name=html.escape(company.name)),
                         reply_markup=kb.as_markup())

    @router.callback_query(ReqCb.filter())
    async def on_requisites(query: CallbackQuery, callback_data: ReqCb, actor: User,
                            state: FSMContext, companies: CompanyService) -> None:
        data = await state.get_data()
        current = await state.get_state()
        msg = message_of(query)
        action = callback_data.action
        expected = {
            ReqAction.COUNTRY: RequisitesFlow.choosing.state,
            ReqAction.FORM: RequisitesFlow.choosing.state,
            ReqAction.KEEP: RequisitesFlow.typing.state,
            ReqAction.SKIP: RequisitesFlow.typing.state,
            ReqAction.SAVE: RequisitesFlow.confirm.state,
            ReqAction.RESTART: RequisitesFlow.confirm.state,
        }.get(action, current)
        if (data.get("flow") != callback_data.flow or current is None or msg is None
                or current != expected):
            await query.answer(_("This button belongs to a finished step."), show_alert=True)
            return
        step = data.get("step")
        if action == ReqAction.CANCEL:
            await state.clear()
            await query.answer()
            await msg.edit_text(_("Cancelled. Nothing was saved."))
            return
        if action == ReqAction.SAVE:
            try:
                saved = await companies.save_requisites(actor, data["company_id"], data)
            except DomainError as err:
                await query.answer(error_text(err), show_alert=True)
                return
            await state.clear()
            await query.answer()
            await msg.edit_text("\n".join([_("Saved.") + " " + _(
                "Requisites of «{name}»:").format(name=html.escape(saved.name)),
                *requisites_lines(saved)]))
            return
        if action == ReqAction.RESTART:
            await state.set_state(RequisitesFlow.choosing)
            await state.set_data({k: data[k] for k in ("flow", "company_id", "current_name")}
                                 | {"step": "country"})
            await query.answer()
            await msg.edit_text(_("Country?"), reply_markup=countries_keyboard(data["flow"]))
            return
        try:
            if action == ReqAction.COUNTRY and step == "country":
                country = companies.country(callback_data.value)
                await state.update_data(country=country)
                after = "country"
            elif action == ReqAction.FORM and step == "legal_form":
                values = companies.clean_step(data["country"], "legal_form",
                                              callback_data.value, data)
                await state.update_data(values)
                after = "legal_form"
            elif action == ReqAction.KEEP and step == "legal_name":
                values = companies.clean_step(data["country"], "legal_name",
                                              data["current_name"], data)
                await state.update_data(values)
                after = "legal_name"
            elif action == ReqAction.SKIP and step in OPTIONAL_STEPS:
                await state.update_data({step: None})
                after = str(step)
            else:
                await query.answer(_("This button belongs to a finished step."),
                                   show_alert=True)
                return
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await query.answer()
        await msg.edit_reply_markup(reply_markup=None)
        await ask(msg, state, companies, after)

    @router.message(StateFilter(RequisitesFlow.typing), HasText())
    async def got_requisite(message: Message, state: FSMContext,
                            companies: CompanyService) -> None:
        data = await state.get_data()
        step = str(data["step"])
        try:
            values = companies.clean_step(data["country"], step, message.text or "", data)
        except DomainError as err:
            await message.answer(error_text(err) + "\n" + question(step, data["country"]))
            return
        await state.update_data(values)
        await ask(message, state, companies, step)

    return router


def reassigned_text(moved: Reassignment) -> str:
    return _("«{name}» now belongs to {owner}. Moved with it: {contacts} contacts, {deals} "
             "open deals, {leads} leads, {invoices} unpaid invoices.").format(
        name=html.escape(moved.company.name),
        owner=html.escape(moved.new_owner.full_name or str(moved.new_owner.telegram_id)),
        contacts=moved.moved.contacts, deals=moved.moved.deals, leads=moved.moved.leads,
        invoices=moved.moved.invoices)
