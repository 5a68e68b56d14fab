"""Deals in chat: the list, the card, moving through stages (with the required fields asked
in place), won / lost, the /newdeal flow, notes on a deal or a client, the client timeline."""

from __future__ import annotations

import html
import secrets
from collections.abc import Sequence
from datetime import datetime, tzinfo
from decimal import Decimal
from enum import StrEnum
from io import BytesIO
from typing import Any, cast

from aiogram import Bot, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import message_of
from handlers.filters import HasText, IsStaff
from handlers.invoices import keyboards as invoice_keyboards
from handlers.quotes import keyboards as quote_keyboards
from handlers.tasks import start_task_flow
from handlers.texts import FIELD_NAMES, error_text
from services.clients import Company
from services.deals import Advance, Deal, DealCard, DealDraft, DealService
from services.errors import DomainError
from services.interactions import Attachment, InteractionService, Timeline
from services.money import Lang, format_money, from_minor
from services.pipelines import DEAL_FIELDS, FieldType, PipelineKind
from services.tasks import TaskService
from services.users import User

PAGE = 8
CARD_TIME = "%d.%m %H:%M"


def lang() -> Lang:
    code = get_i18n().current_locale
    return cast(Lang, code if code in ("ru", "en", "ro") else "en")


def money(minor: int | None, currency: str | None) -> str:
    if minor is None or not currency:
        return "—"
    return format_money(from_minor(minor, currency), currency, lang())


def local(at: datetime, zone: tzinfo) -> str:
    return at.astimezone(zone).strftime(CARD_TIME)


# --- callback data -------------------------------------------------------------------------


class DealAction(StrEnum):
    OPEN = "o"
    PAGE = "p"
    NEXT = "n"
    CHOOSE = "c"
    STAGE = "s"
    WON = "w"
    LOST = "l"
    TASK = "t"
    NOTE = "a"
    AMOUNT = "m"
    BACK = "b"


class DealCb(CallbackData, prefix="dl"):
    action: DealAction
    id: int
    to: str = ""


class FlowAction(StrEnum):
    SKIP = "skip"
    COMPANY = "co"
    PIPELINE = "pl"
    YES = "yes"
    NO = "no"
    KIND = "kind"


class FlowCb(CallbackData, prefix="df"):
    """`flow` ties a button to the run of the flow that drew it (see handlers/clients.py)."""

    action: FlowAction
    flow: str
    id: int = 0
    code: str = ""


class ClientAction(StrEnum):
    TIMELINE = "t"
    NOTE = "n"


class ClientExtraCb(CallbackData, prefix="cx"):
    action: ClientAction
    id: int


class NewDeal(StatesGroup):
    title = State()
    client = State()
    amount = State()
    pipeline = State()


class DealInput(StatesGroup):
    field = State()  # a required field, asked in place before a move
    lost_reason = State()
    amount = State()
    note = State()


QUESTIONS: dict[str, Any] = {
    "amount": __("Amount? For example: 1 200,50"),
    "company": __("Client company name?"),
    "contact": __("Contact person's name?"),
    "expected_close": __("Expected close date (DD.MM.YYYY)?"),
    "decision_maker": __("Who makes the decision?"),
    "budget_confirmed": __("Is the budget confirmed?"),
    "delivery_address": __("Delivery address?"),
    "contract_number": __("Contract number?"),
    "next_task": __("Next task: what is to be done?"),
}
INTERACTION_KINDS = {
    "note": __("Note"),
    "call": __("Call"),
    "meeting": __("Meeting"),
    "email": __("E-mail"),
    "message": __("Message"),
}
INTERACTION_ICONS = {"note": "📝", "call": "📞", "meeting": "🤝", "email": "✉️",
                     "message": "💬"}


# --- rendering -----------------------------------------------------------------------------


def stage_name(deals: DealService, pipeline_code: str, code: str | None) -> str:
    if code is None:
        return "—"
    stage = deals.pipeline(pipeline_code).stage(code)
    if stage is not None:
        return stage.name(lang())
    return {"won": _("Won"), "lost": _("Lost")}.get(code, code)


def field_names(fields: Sequence[str]) -> str:
    return ", ".join(str(FIELD_NAMES.get(f, f)) for f in fields)


def status_line(deal: Deal) -> str | None:
    if deal.status == "won":
        return _("Status: won ✅")
    if deal.status == "lost":
        return _("Status: lost ❌ ({reason})").format(reason=html.escape(deal.lost_reason or ""))
    return None


def history_line(deals: DealService, deal: Deal, change: Any, zone: tzinfo) -> str:
    to = stage_name(deals, deal.pipeline_code, change.to_stage)
    who = html.escape(change.actor_name or "—")
    if change.from_stage is None and change.to_stage == deal_first_stage(deals, deal):
        what = _("created in «{stage}»").format(stage=to)
    else:
        what = f"{stage_name(deals, deal.pipeline_code, change.from_stage)} → {to}"
    return f"• {local(change.at, zone)} · {what} · {who}"


def deal_first_stage(deals: DealService, deal: Deal) -> str | None:
    pipeline = deals.pipeline(deal.pipeline_code)
    working = pipeline.working_stages
    return working[0].code if working and pipeline.kind != PipelineKind.NONE else None


def deal_card_text(card: DealCard, deals: DealService, zone: tzinfo) -> str:
    deal = card.deal
    pipeline = deals.pipeline(deal.pipeline_code)
    lines = [f"💼 <b>{html.escape(deal.title)}</b>",
             _("Client: {name}").format(name=html.escape(card.company_name or "—"))]
    if card.contact_name:
        lines.append(_("Contact: {name}").format(name=html.escape(card.contact_name)))
    lines.append(_("Amount: {amount}").format(amount=money(deal.amount_minor, deal.currency)))
    stage = stage_name(deals, deal.pipeline_code, deal.stage_code)
    lines.append(_("Pipeline: {pipeline} · stage: {stage}").format(
        pipeline=html.escape(pipeline.name(lang())), stage=stage))
    lines.append(_("Responsible: {name}").format(name=html.escape(card.owner_name or "—")))
    status = status_line(deal)
    if status:
        lines.append(status)
    task = card.next_task
    if task is not None:
        when = local(task.when, zone) if task.when else "—"
        lines.append(_("Next task: {title} — {when}").format(
            title=html.escape(task.title), when=when))
    else:
        lines.append(_("Next task: none"))
    if card.history:
        lines.append("")
        lines.append(_("History:"))
        lines.extend(history_line(deals, deal, h, zone) for h in card.history)
    return "\n".join(lines)


# The rows other features add under an open deal card, each deciding from the deal.
CARD_ROWS = (invoice_keyboards.deal_card_buttons, quote_keyboards.deal_card_buttons)


def deal_card_keyboard(card: DealCard, deals: DealService) -> InlineKeyboardMarkup:
    deal = card.deal
    rows: list[int] = []
    kb = InlineKeyboardBuilder()
    if deal.status == "open":
        pipeline = deals.pipeline(deal.pipeline_code)
        stage_row = 0
        if card.next_target is not None and card.next_target != "won":
            kb.button(text=_("Next stage ▶ {stage}").format(
                stage=stage_name(deals, deal.pipeline_code, card.next_target)),
                callback_data=DealCb(action=DealAction.NEXT, id=deal.id,
                                     to=deal.stage_code or ""))
            stage_row += 1
        if [t for t in card.targets if t not in ("won", "lost")]:
            kb.button(text=_("Choose stage"),
                      callback_data=DealCb(action=DealAction.CHOOSE, id=deal.id))
            stage_row += 1
        if stage_row:
            rows.append(stage_row)
        outcome_row = 0
        if "won" in card.targets or pipeline.kind == PipelineKind.NONE:
            kb.button(text=_("Won ✅"), callback_data=DealCb(action=DealAction.WON, id=deal.id))
            outcome_row += 1
        kb.button(text=_("Lost ❌"), callback_data=DealCb(action=DealAction.LOST, id=deal.id))
        rows.append(outcome_row + 1)
        kb.button(text=_("Add task"), callback_data=DealCb(action=DealAction.TASK, id=deal.id))
        kb.button(text=_("Add note"), callback_data=DealCb(action=DealAction.NOTE, id=deal.id))
        kb.button(text=_("Change amount"),
                  callback_data=DealCb(action=DealAction.AMOUNT, id=deal.id))
        rows.append(3)
    else:
        kb.button(text=_("Add note"), callback_data=DealCb(action=DealAction.NOTE, id=deal.id))
        rows.append(1)
    for buttons in CARD_ROWS:
        row = buttons(deal)
        if row:
            kb.add(*row)
            rows.append(len(row))
    kb.adjust(*rows)
    return kb.as_markup()


def choose_stage_keyboard(card: DealCard, deals: DealService) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    deal = card.deal
    for code in card.targets:
        if code == "lost":
            continue
        kb.button(text=stage_name(deals, deal.pipeline_code, code),
                  callback_data=DealCb(action=DealAction.STAGE, id=deal.id, to=code))
    kb.button(text=_("« Back"), callback_data=DealCb(action=DealAction.BACK, id=deal.id))
    kb.adjust(1)
    return kb.as_markup()


def list_keyboard(items: Sequence[Deal], total: int, offset: int,
                  deals: DealService) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for d in items:
        stage = stage_name(deals, d.pipeline_code, d.stage_code) if d.stage_code else ""
        label = f"{d.title[:40]} · {stage}" if stage else d.title[:50]
        kb.button(text=label, callback_data=DealCb(action=DealAction.OPEN, id=d.id))
    nav = []
    if offset > 0:
        nav.append(("◀", max(0, offset - PAGE)))
    if offset + PAGE < total:
        nav.append(("▶", offset + PAGE))
    for text, to in nav:
        kb.button(text=text, callback_data=DealCb(action=DealAction.PAGE, id=to))
    kb.adjust(*([1] * len(items)), len(nav) or 1)
    return kb.as_markup()


def flow_keyboard(flow: str, *buttons: tuple[str, FlowAction, int, str]
                  ) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for text, action, ident, code in buttons:
        kb.button(text=text, callback_data=FlowCb(action=action, flow=flow, id=ident, code=code))
    kb.adjust(1)
    return kb.as_markup()


def skip_keyboard(flow: str) -> InlineKeyboardMarkup:
    return flow_keyboard(flow, (_("Skip"), FlowAction.SKIP, 0, ""))


def question(field: str, flow: str) -> tuple[str, InlineKeyboardMarkup | None]:
    text = str(QUESTIONS.get(field, field))
    if DEAL_FIELDS.get(field) == FieldType.BOOL:
        kb = InlineKeyboardBuilder()
        kb.button(text=_("Yes"), callback_data=FlowCb(action=FlowAction.YES, flow=flow))
        kb.button(text=_("No"), callback_data=FlowCb(action=FlowAction.NO, flow=flow))
        return text, kb.as_markup()
    return text, None


def client_card_keyboard(company_id: int) -> InlineKeyboardMarkup:
    """The buttons under a client card (handlers/clients.py draws the card)."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Timeline"),
              callback_data=ClientExtraCb(action=ClientAction.TIMELINE, id=company_id))
    kb.button(text=_("Add note"),
              callback_data=ClientExtraCb(action=ClientAction.NOTE, id=company_id))
    kb.adjust(2)
    return kb.as_markup()


def timeline_text(tl: Timeline, deals: DealService, zone: tzinfo) -> str:
    lines = [_("Timeline: {name}").format(name=html.escape(tl.company.name))]
    if not tl.entries:
        lines.append(_("Nothing yet."))
    for e in tl.entries:
        when = local(e.at, zone)
        if e.interaction is not None:
            i = e.interaction
            icon = INTERACTION_ICONS.get(i.kind, "•")
            kind = str(INTERACTION_KINDS.get(i.kind, i.kind))
            body = html.escape(i.text[:200]) if i.text else ""
            if i.file_mime:
                body = (body + " " if body else "") + (
                    _("[voice note]") if i.file_mime.startswith("audio") else _("[photo]"))
            lines.append(f"{icon} {when} · {kind}: {body}")
        elif e.deal is not None:
            d = e.deal
            title = html.escape(d.title)
            if e.event == "created":
                text = _("Deal «{title}» created, {amount}").format(
                    title=title, amount=money(d.amount_minor, d.currency))
            elif e.event == "won":
                text = _("Deal «{title}» won").format(title=title)
            else:
                text = _("Deal «{title}» lost").format(title=title)
            lines.append(f"💼 {when} · {text}")
    return "\n".join(lines)


def note_prompt(kind: str) -> str:
    return _("Send the note: text, a voice message or a photo.\nKind: {kind}").format(
        kind=str(INTERACTION_KINDS.get(kind, kind)))


def note_keyboard(flow: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for code, label in INTERACTION_KINDS.items():
        kb.button(text=str(label), callback_data=FlowCb(action=FlowAction.KIND, flow=flow,
                                                        code=code))
    kb.adjust(5)
    return kb.as_markup()


# --- the router ----------------------------------------------------------------------------


def create_router() -> Router:
    router = Router(name="deals")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    async def send_card(target: Message, card: DealCard, deals: DealService,
                        tasks: TaskService, actor: User, prefix: str = "",
                        edit: bool = False) -> None:
        text = deal_card_text(card, deals, tasks.zone(actor))
        if prefix:
            text = prefix + "\n\n" + text
        markup = deal_card_keyboard(card, deals)
        if edit:
            await target.edit_text(text, reply_markup=markup)
        else:
            await target.answer(text, reply_markup=markup)

    async def after_move(msg: Message, adv: Advance, state: FSMContext, deals: DealService,
                         tasks: TaskService, actor: User, edit: bool) -> None:
        """The deal moved: show the card. Fields missing: ask for them one by one. Lost
        without a reason: ask the reason."""
        result = adv.result
        if result.moved:
            await state.clear()
            moved_to = _("Moved to «{stage}».").format(
                stage=stage_name(deals, adv.card.deal.pipeline_code, result.target))
            await send_card(msg, adv.card, deals, tasks, actor, prefix=moved_to, edit=edit)
            return
        flow = secrets.token_hex(4)
        deal_id = adv.card.deal.id
        if result.missing == ("lost_reason",):
            await state.set_state(DealInput.lost_reason)
            await state.set_data({"flow": flow, "deal_id": deal_id})
            await msg.answer(_("Why was the deal lost? Write the reason."))
            return
        field = result.missing[0]
        data = await state.get_data()
        await state.set_state(DealInput.field)
        await state.set_data({"flow": flow, "deal_id": deal_id, "target": result.target,
                              "field": field})
        text, markup = question(field, flow)
        if data.get("target") != result.target or data.get("deal_id") != deal_id:
            stage = stage_name(deals, adv.card.deal.pipeline_code, result.target)
            text = _("To move to «{stage}» fill in: {fields}").format(
                stage=stage, fields=field_names(result.missing)) + "\n\n" + text
        await msg.answer(text, reply_markup=markup)

    # --- list and card ---------------------------------------------------------------------

    @router.message(Command("deals"))
    async def cmd_deals(message: Message, actor: User, deals: DealService) -> None:
        items, total = await deals.list_deals(actor, "open", 0, PAGE)
        if not total:
            await message.answer(_("You have no open deals. Add one with /newdeal."))
            return
        await message.answer(_("Open deals: {total}").format(total=total),
                             reply_markup=list_keyboard(items, total, 0, deals))

    @router.callback_query(DealCb.filter())
    async def on_deal(query: CallbackQuery, callback_data: DealCb, actor: User,
                      deals: DealService, tasks: TaskService, state: FSMContext) -> None:
        msg = message_of(query)
        action, deal_id = callback_data.action, callback_data.id
        try:
            if action == DealAction.PAGE:
                items, total = await deals.list_deals(actor, "open", deal_id, PAGE)
                await query.answer()
                if msg:
                    await msg.edit_reply_markup(
                        reply_markup=list_keyboard(items, total, deal_id, deals))
                return
            if action in (DealAction.OPEN, DealAction.CHOOSE, DealAction.BACK):
                card = await deals.card(actor, deal_id)
                await query.answer()
                if msg is None:
                    return
                if action == DealAction.OPEN:
                    await send_card(msg, card, deals, tasks, actor)
                elif action == DealAction.CHOOSE:
                    await msg.edit_reply_markup(reply_markup=choose_stage_keyboard(card, deals))
                else:
                    await msg.edit_reply_markup(reply_markup=deal_card_keyboard(card, deals))
                return
            if action in (DealAction.NEXT, DealAction.STAGE, DealAction.WON):
                target = {DealAction.NEXT: "next", DealAction.WON: "won"}.get(
                    action, callback_data.to)
                # "Next stage" carries the stage it was drawn at: pressed twice, it moves once.
                seen = (callback_data.to or None) if action == DealAction.NEXT else None
                adv = await deals.advance(actor, deal_id, target, expected_stage=seen)
                await query.answer()
                if msg:
                    await after_move(msg, adv, state, deals, tasks, actor,
                                     edit=adv.result.moved)
                return
            if action in (DealAction.LOST, DealAction.AMOUNT, DealAction.NOTE):
                # Checked before asking, so a forged or stale button learns nothing.
                card = await deals.card(actor, deal_id)
                await query.answer()
                if msg is None:
                    return
                flow = secrets.token_hex(4)
                if action == DealAction.LOST:
                    await state.set_state(DealInput.lost_reason)
                    await state.set_data({"flow": flow, "deal_id": card.deal.id})
                    await msg.answer(_("Why was the deal lost? Write the reason."))
                elif action == DealAction.AMOUNT:
                    await state.set_state(DealInput.amount)
                    await state.set_data({"flow": flow, "deal_id": card.deal.id})
                    await msg.answer(str(QUESTIONS["amount"]))
                else:
                    await state.set_state(DealInput.note)
                    await state.set_data({"flow": flow, "deal_id": card.deal.id,
                                          "kind": "note"})
                    await msg.answer(note_prompt("note"), reply_markup=note_keyboard(flow))
                return
            if action == DealAction.TASK:
                card = await deals.card(actor, deal_id)
                if card.deal.status != "open":
                    await query.answer(error_text(DomainError("deal_closed")), show_alert=True)
                    return
                await query.answer()
                if msg:
                    await start_task_flow(msg, state, deal_id=card.deal.id, kind="task")
                return
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await query.answer()

    # --- required fields in place, lost reason, amount -------------------------------------

    @router.message(StateFilter(DealInput.field), HasText())
    async def got_field(message: Message, state: FSMContext, actor: User,
                        deals: DealService, tasks: TaskService) -> None:
        data = await state.get_data()
        try:
            adv = await deals.fill_and_advance(actor, data["deal_id"], data["field"],
                                               message.text or "", data["target"])
        except DomainError as err:
            await message.answer(error_text(err))
            return
        await after_move(message, adv, state, deals, tasks, actor, edit=False)

    @router.message(StateFilter(DealInput.lost_reason), HasText())
    async def got_lost_reason(message: Message, state: FSMContext, actor: User,
                              deals: DealService, tasks: TaskService) -> None:
        data = await state.get_data()
        reason = " ".join((message.text or "").split())[:500]
        try:
            adv = await deals.advance(actor, data["deal_id"], "lost", note=reason)
        except DomainError as err:
            await state.clear()
            await message.answer(error_text(err))
            return
        await after_move(message, adv, state, deals, tasks, actor, edit=False)

    @router.message(StateFilter(DealInput.amount), HasText())
    async def got_amount(message: Message, state: FSMContext, actor: User,
                         deals: DealService, tasks: TaskService) -> None:
        data = await state.get_data()
        try:
            card = await deals.set_field_card(actor, data["deal_id"], "amount",
                                              message.text or "")
        except DomainError as err:
            await message.answer(error_text(err))
            return
        await state.clear()
        await send_card(message, card, deals, tasks, actor, prefix=_("Amount saved."))

    # --- notes ------------------------------------------------------------------------------

    @router.message(StateFilter(DealInput.note))
    async def got_note(message: Message, state: FSMContext, actor: User, bot: Bot,
                       interactions: InteractionService) -> None:
        data = await state.get_data()
        attachment = None
        text = message.text or message.caption
        if message.text and message.text.startswith("/"):
            await message.answer(_("Unknown command. Finish this step or send /cancel."))
            return
        if message.voice is not None:
            buf = await bot.download(message.voice, destination=BytesIO())
            assert isinstance(buf, BytesIO)
            attachment = Attachment("voice.ogg", message.voice.mime_type or "audio/ogg",
                                    buf.getvalue())
        elif message.photo:
            buf = await bot.download(message.photo[-1], destination=BytesIO())
            assert isinstance(buf, BytesIO)
            attachment = Attachment("photo.jpg", "image/jpeg", buf.getvalue())
        elif message.text is None:
            await message.answer(_("Send text, a voice message or a photo, or /cancel."))
            return
        try:
            await interactions.add(actor, data.get("kind", "note"), text,
                                   deal_id=data.get("deal_id"),
                                   company_id=data.get("company_id"), attachment=attachment)
        except DomainError as err:
            await message.answer(error_text(err))
            return
        await state.clear()
        await message.answer(_("Saved to the timeline."))

    @router.callback_query(ClientExtraCb.filter())
    async def on_client_extra(query: CallbackQuery, callback_data: ClientExtraCb,
                              actor: User, interactions: InteractionService,
                              deals: DealService, tasks: TaskService,
                              state: FSMContext) -> None:
        msg = message_of(query)
        try:
            timeline = await interactions.timeline(actor, callback_data.id)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await query.answer()
        if msg is None:
            return
        if callback_data.action == ClientAction.TIMELINE:
            await msg.answer(timeline_text(timeline, deals, tasks.zone(actor)))
            return
        flow = secrets.token_hex(4)
        await state.set_state(DealInput.note)
        await state.set_data({"flow": flow, "company_id": timeline.company.id, "kind": "note"})
        await msg.answer(note_prompt("note"), reply_markup=note_keyboard(flow))

    # --- /newdeal ---------------------------------------------------------------------------

    @router.message(Command("newdeal"))
    async def cmd_newdeal(message: Message, state: FSMContext) -> None:
        await state.set_state(NewDeal.title)
        await state.set_data({"flow": secrets.token_hex(4)})
        await message.answer(_("Deal title? For example: Office chairs, 40 pcs"))

    @router.message(StateFilter(NewDeal.title), HasText())
    async def got_title(message: Message, state: FSMContext, deals: DealService) -> None:
        try:
            title = deals.clean_title(message.text or "")
        except DomainError as err:
            await message.answer(error_text(err))
            return
        data = await state.update_data(title=title)
        await state.set_state(NewDeal.client)
        await message.answer(_("Client? Type the first letters of the company name, or Skip."),
                             reply_markup=skip_keyboard(data["flow"]))

    @router.message(StateFilter(NewDeal.client), HasText())
    async def got_client(message: Message, state: FSMContext, actor: User,
                         deals: DealService) -> None:
        data = await state.get_data()
        try:
            found: Sequence[Company] = await deals.find_companies(actor, message.text or "")
        except DomainError as err:
            await message.answer(error_text(err))
            return
        flow = data["flow"]
        if not found:
            await message.answer(
                _("No client's name starts with «{text}». Type again, or Skip.").format(
                    text=html.escape(message.text or "")),
                reply_markup=skip_keyboard(flow))
            return
        buttons = [(c.name[:60], FlowAction.COMPANY, c.id, "") for c in found]
        await message.answer(_("Choose the client:"), reply_markup=flow_keyboard(
            flow, *buttons, (_("Skip"), FlowAction.SKIP, 0, "")))

    @router.message(StateFilter(NewDeal.amount), HasText())
    async def got_new_amount(message: Message, state: FSMContext, actor: User,
                             deals: DealService, tasks: TaskService) -> None:
        try:
            amount = deals.clean_amount(message.text or "")
        except DomainError as err:
            await message.answer(error_text(err))
            return
        await state.update_data(amount=str(amount))
        await ask_pipeline_or_save(message, state, actor, deals, tasks)

    async def ask_pipeline_or_save(msg: Message, state: FSMContext, actor: User,
                                   deals: DealService, tasks: TaskService) -> None:
        data = await state.get_data()
        if len(deals.pipelines) > 1 and not data.get("pipeline"):
            await state.set_state(NewDeal.pipeline)
            buttons = [(p.name(lang()), FlowAction.PIPELINE, 0, p.code)
                       for p in deals.pipelines.values()]
            await msg.answer(_("Pipeline?"), reply_markup=flow_keyboard(data["flow"], *buttons))
            return
        await save_deal(msg, state, actor, deals, tasks)

    async def save_deal(msg: Message, state: FSMContext, actor: User, deals: DealService,
                        tasks: TaskService) -> None:
        data = await state.get_data()
        amount = data.get("amount")
        draft = DealDraft(title=data["title"], company_id=data.get("company_id"),
                          amount=Decimal(amount) if amount else None,
                          pipeline_code=data.get("pipeline"))
        try:
            card = await deals.create_card(actor, draft)
        except DomainError as err:
            await state.clear()
            await msg.answer(error_text(err))
            return
        await state.clear()
        await send_card(msg, card, deals, tasks, actor, prefix=_("Deal created."))

    @router.callback_query(FlowCb.filter())
    async def on_flow(query: CallbackQuery, callback_data: FlowCb, state: FSMContext,
                      actor: User, deals: DealService, tasks: TaskService) -> None:
        data = await state.get_data()
        current = await state.get_state()
        msg = message_of(query)
        if data.get("flow") != callback_data.flow or current is None or msg is None:
            await query.answer(_("This button belongs to a finished step."), show_alert=True)
            return
        action = callback_data.action
        if action == FlowAction.KIND and current == DealInput.note.state:
            await state.update_data(kind=callback_data.code)
            await query.answer()
            await msg.edit_text(note_prompt(callback_data.code),
                                reply_markup=note_keyboard(callback_data.flow))
            return
        if action in (FlowAction.YES, FlowAction.NO) and current == DealInput.field.state:
            try:
                adv = await deals.fill_and_advance(
                    actor, data["deal_id"], data["field"],
                    "yes" if action == FlowAction.YES else "no", data["target"])
            except DomainError as err:
                await query.answer(error_text(err), show_alert=True)
                return
            await query.answer()
            await msg.edit_reply_markup(reply_markup=None)
            await after_move(msg, adv, state, deals, tasks, actor, edit=False)
            return
        if current == NewDeal.client.state and action in (FlowAction.SKIP, FlowAction.COMPANY):
            await query.answer()
            await msg.edit_reply_markup(reply_markup=None)
            await state.update_data(company_id=callback_data.id or None)
            await state.set_state(NewDeal.amount)
            await msg.answer(_("Amount? (or Skip)"), reply_markup=skip_keyboard(data["flow"]))
            return
        if current == NewDeal.amount.state and action == FlowAction.SKIP:
            await query.answer()
            await msg.edit_reply_markup(reply_markup=None)
            await ask_pipeline_or_save(msg, state, actor, deals, tasks)
            return
        if current == NewDeal.pipeline.state and action == FlowAction.PIPELINE \
                and callback_data.code in deals.pipelines:
            await query.answer()
            await msg.edit_reply_markup(reply_markup=None)
            await state.update_data(pipeline=callback_data.code)
            await save_deal(msg, state, actor, deals, tasks)
            return
        await query.answer(_("This button belongs to a finished step."), show_alert=True)

    return router
