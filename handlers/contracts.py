"""Contracts: `/contract` draws one from a deal (a deal button, or the «Contract» button of a
deal card): it asks only the term (start and end dates), offers the client's language (or
another) on the confirmation, then sends the numbered PDF with its card (Send…: the customer's
chat, e-mail, PDF = the reprint). Typing a title instead of choosing a deal records a contract
signed elsewhere (its title and dates). `/contracts` lists mine, soonest end first, each
opening its card: a drawn one's with Send… and PDF, every one's with "Create a renewal deal".
Their end is announced 30, 7 and 1 days before by the alerts, whose buttons open this card and
make the same renewal deal (once per contract end)."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import AlertOnDomainError
from handlers.common import LANGUAGE_NAMES
from handlers.contract_buttons import ContractCb, Ct
from handlers.deals.callbacks import DealAction, DealCb
from handlers.delivery import DeliveryCb, Dv, send_button
from handlers.filters import HasText, IsStaff
from handlers.line_editor.texts import money
from handlers.texts import error_text
from services.contracts import (
    Contract,
    ContractService,
    ContractTerms,
    check_period,
    clean_date,
    clean_title,
)
from services.deals import Deal, DealService
from services.delivery import ContractPlan, DeliveryService
from services.errors import Conflict, DomainError, InvalidInput
from services.users import User

DEAL_CHOICES = 10


class NewContract(StatesGroup):
    title = State()  # a deal's button, or a title typed to record a contract signed elsewhere
    starts = State()
    ends = State()
    confirm = State()  # a drawn contract: the term and the language, then «Issue»


def contract_line(c: Contract) -> str:
    number = f" № {html.escape(c.number)}" if c.number else ""
    return _("«{title}»{number}: {start} – {end}").format(
        title=html.escape(c.title),
        number=number,
        start=c.starts_on.strftime("%d.%m.%Y"),
        end=c.ends_on.strftime("%d.%m.%Y"),
    )


def card_text(c: Contract) -> str:
    """A contract's card: a drawn one's number, client, subject, price, term and language; a
    recorded one's title, number, term and client."""
    in_force = _("In force: {start} – {end}").format(start=c.starts_on.strftime("%d.%m.%Y"),
                                                     end=c.ends_on.strftime("%d.%m.%Y"))
    if not c.drawn:
        lines = [_("Contract «{title}»").format(title=html.escape(c.title))]
        if c.number:
            lines.append(_("Number: {number}").format(number=html.escape(c.number)))
        lines += [in_force, _("Client: {name}").format(name=html.escape(c.client_name or "—"))]
        return "\n".join(lines)
    lines = [_("<b>Contract {number}</b> · {client}").format(
        number=html.escape(c.number or ""), client=html.escape(c.client_name)),
        _("Subject: «{title}»").format(title=html.escape(c.title))]
    if c.amount is not None and c.currency:
        lines.append(_("Price: {amount}").format(amount=money(c.amount, c.currency)))
    lines.append(in_force)
    if c.language:
        lines.append(_("Language: {language}").format(
            language=LANGUAGE_NAMES.get(c.language, c.language)))
    return "\n".join(lines)


def card_keyboard(c: Contract) -> InlineKeyboardMarkup:
    """A drawn contract's Send… (the customer's chat, e-mail, PDF) and PDF (the reprint, its
    stored bytes); every contract's "Create a renewal deal"."""
    kb = InlineKeyboardBuilder()
    if c.drawn:
        kb.add(send_button("contract", c.id))
        kb.button(text=_("PDF"), callback_data=DeliveryCb(action=Dv.PDF, k="k", id=c.id))
    kb.button(text=_("Create a renewal deal"), callback_data=ContractCb(action=Ct.RENEW, id=c.id))
    kb.adjust(2 if c.drawn else 1, 1)
    return kb.as_markup()


def plan_text(plan: ContractPlan) -> str:
    source = {"invoice": _("the lines of invoice {number}"),
              "quote": _("the lines of quote {number}")}.get(
        plan.source, _("the deal's amount as one line"))
    return _("Contract for the deal «{deal}» with {client}: {source}, {amount}.").format(
        deal=html.escape(plan.deal_title), client=html.escape(plan.client_name),
        source=source.format(number=html.escape(plan.source_number)),
        amount=money(plan.total, plan.currency))


def confirm_text(deal_title: str, starts: date, ends: date, language: str) -> str:
    return _("Contract for «{deal}», in force {start} – {end}, in {language}. Issue it? "
             "It takes the next number.").format(
        deal=html.escape(deal_title), start=starts.strftime("%d.%m.%Y"),
        end=ends.strftime("%d.%m.%Y"), language=LANGUAGE_NAMES.get(language, language))


def _confirm_of(data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    """The confirmation of the term and language kept in the flow's data."""
    return (confirm_text(str(data.get("deal_title") or ""), date.fromisoformat(data["starts"]),
                         date.fromisoformat(data["ends"]), data["language"]),
            confirm_keyboard(data["deal"], data["language"]))


def confirm_keyboard(deal_id: int, language: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Issue contract"), callback_data=ContractCb(action=Ct.ISSUE, id=deal_id))
    for code, name in LANGUAGE_NAMES.items():
        if code != language:
            kb.button(text=name, callback_data=ContractCb(action=Ct.LANGUAGE, id=deal_id,
                                                          lang=code))
    kb.adjust(1, 2)
    return kb.as_markup()


def deals_keyboard(deals: list[Deal]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for d in deals:
        kb.button(text=d.title[:60], callback_data=ContractCb(action=Ct.DEAL, id=d.id))
    kb.adjust(1)
    return kb.as_markup()


def list_keyboard(items: list[Contract]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for c in items:
        label = f"{c.number} · {c.client_name or c.title}" if c.drawn else c.title
        kb.button(text=label[:60], callback_data=ContractCb(action=Ct.OPEN, id=c.id))
    kb.adjust(1)
    return kb.as_markup()


def renewal_text(deal: Deal) -> tuple[str, InlineKeyboardMarkup]:
    """The renewal deal made (from the card or a contract alert), with its card's button."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Open deal"), callback_data=DealCb(action=DealAction.OPEN, id=deal.id))
    return _("Renewal deal created: «{title}».").format(title=html.escape(deal.title)), \
        kb.as_markup()


async def renewed(query: CallbackQuery, msg: Message | None, deal: Deal) -> None:
    """Answers a renewal button (the card's, an alert's) with the deal made."""
    await query.answer()
    if msg is not None:
        text, markup = renewal_text(deal)
        await msg.answer(text, reply_markup=markup)


async def cmd_contracts(message: Message, actor: User, contracts: ContractService) -> None:
    items = await contracts.list(actor)
    if not items:
        await message.answer(_("No contracts yet. Add one with /contract."))
        return
    await message.answer("\n".join([_("Contracts:"), *map(contract_line, items)]),
                         reply_markup=list_keyboard(items))


async def cmd_contract(message: Message, state: FSMContext, actor: User,
                       deals: DealService) -> None:
    await state.set_state(NewContract.title)
    await state.set_data({})
    items, _total = await deals.list_deals(actor, "open", 0, DEAL_CHOICES)
    if not items:
        await message.answer(_("No open deals to draw a contract from (create one with "
                               "/newdeal). To record a contract signed elsewhere, type its "
                               "title."))
        return
    await message.answer(_("Which deal is the contract for? Or type the title of a contract "
                           "signed elsewhere to record its dates."),
                         reply_markup=deals_keyboard(list(items)))


async def on_deal(query: CallbackQuery, callback_data: ContractCb, actor: User, msg: Message,
                  delivery: DeliveryService, state: FSMContext) -> None:
    try:
        plan = await delivery.contract_plan(actor, callback_data.id)
    except (InvalidInput, Conflict) as err:  # a missing requisite: a message, not an alert
        await query.answer()
        await msg.answer(error_text(err))
        return
    await query.answer()
    await state.set_state(NewContract.starts)
    await state.set_data({"deal": plan.deal_id, "deal_title": plan.deal_title,
                          "language": plan.language})
    await msg.answer(plan_text(plan) + "\n\n" + _("Start date? For example 01.02.2026."))


async def got_title(message: Message, state: FSMContext) -> None:
    try:
        title = clean_title(message.text or "")
    except DomainError as err:
        await message.answer(error_text(err))
        return
    await state.update_data(title=title)
    await state.set_state(NewContract.starts)
    await message.answer(_("Start date? For example 01.02.2026."))


async def got_start(message: Message, state: FSMContext) -> None:
    try:
        day = clean_date(message.text or "")
    except DomainError as err:
        await message.answer(error_text(err))
        return
    await state.update_data(starts=day.isoformat())
    await state.set_state(NewContract.ends)
    await message.answer(_("End date? For example 31.12.2026."))


async def got_end(message: Message, state: FSMContext, actor: User,
                  contracts: ContractService) -> None:
    data = await state.get_data()
    try:
        ends = clean_date(message.text or "")
        starts = date.fromisoformat(data["starts"])
        check_period(starts, ends)
        if "deal" in data:  # drawn from a deal: confirmed (and its language chosen) first
            await state.update_data(ends=ends.isoformat())
            await state.set_state(NewContract.confirm)
            text, keyboard = _confirm_of(await state.get_data())
            await message.answer(text, reply_markup=keyboard)
            return
        contract = await contracts.create(actor, data["title"], starts, ends)
    except DomainError as err:
        await message.answer(error_text(err))
        return
    await state.clear()
    await message.answer(
        _("Saved. I will remind you 30, 7 and 1 days before the end.")
        + "\n"
        + contract_line(contract)
    )


async def _confirmed(state: FSMContext, deal_id: int) -> dict[str, Any] | None:
    """The term typed for this deal's contract, or None when the button is not the one of
    the flow in progress (an old confirmation, a flow finished or abandoned)."""
    if await state.get_state() != NewContract.confirm.state:
        return None
    data = await state.get_data()
    return data if data.get("deal") == deal_id else None


async def on_language(query: CallbackQuery, callback_data: ContractCb, msg: Message,
                      state: FSMContext) -> None:
    data = await _confirmed(state, callback_data.id)
    if data is None or callback_data.lang not in LANGUAGE_NAMES:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    await state.update_data(language=callback_data.lang)
    text, keyboard = _confirm_of(await state.get_data())
    await query.answer()
    await msg.edit_text(text, reply_markup=keyboard)


async def on_issue(query: CallbackQuery, callback_data: ContractCb, actor: User, msg: Message,
                   delivery: DeliveryService, state: FSMContext) -> None:
    data = await _confirmed(state, callback_data.id)
    if data is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    await query.answer(_("Drawing the contract…"))
    # Keyed by the confirmation's message: a second tap gets the same contract.
    terms = ContractTerms(callback_data.id, date.fromisoformat(data["starts"]),
                          date.fromisoformat(data["ends"]), data["language"],
                          origin_key=f"contract:{msg.chat.id}:{msg.message_id}")
    try:
        issued = await delivery.issue_contract(actor, terms)
    except DomainError as err:
        await msg.answer(error_text(err))
        return
    await state.clear()
    contract = issued.contract
    await msg.answer_document(BufferedInputFile(issued.pdf.content, issued.pdf.filename),
                              caption=_("Contract {number}").format(
                                  number=html.escape(contract.number or "")))
    await msg.answer(_("Issued. I will remind you 30, 7 and 1 days before the end.")
                     + "\n\n" + card_text(contract), reply_markup=card_keyboard(contract))


async def on_open(query: CallbackQuery, callback_data: ContractCb, actor: User, msg: Message,
                  contracts: ContractService) -> None:
    contract = await contracts.get(actor, callback_data.id)
    await query.answer()
    await msg.answer(card_text(contract), reply_markup=card_keyboard(contract))


async def on_renew(query: CallbackQuery, callback_data: ContractCb, msg: Message, actor: User,
                   contracts: ContractService) -> None:
    await renewed(query, msg, await contracts.renewal_deal(actor, callback_data.id,
                                                           _("Renewal: {title}")))


def create_router() -> Router:
    router = Router(name="contracts")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.callback_query.middleware(AlertOnDomainError(needs_message=True))

    router.message.register(cmd_contracts, Command("contracts"))
    router.message.register(cmd_contract, Command("contract"))
    router.message.register(got_title, StateFilter(NewContract.title), HasText())
    router.message.register(got_start, StateFilter(NewContract.starts), HasText())
    router.message.register(got_end, StateFilter(NewContract.ends), HasText())
    router.callback_query.register(on_deal, ContractCb.filter(F.action == Ct.DEAL))
    router.callback_query.register(on_language, ContractCb.filter(F.action == Ct.LANGUAGE))
    router.callback_query.register(on_issue, ContractCb.filter(F.action == Ct.ISSUE))
    router.callback_query.register(on_open, ContractCb.filter(F.action == Ct.OPEN))
    router.callback_query.register(on_renew, ContractCb.filter(F.action == Ct.RENEW))
    return router
