"""Leads: the /lead flow, the shortcuts (contact card, forwarded message, bare tax id), the
/leads list with status filters, the lead card (qualification, junk, edit) and conversion."""

from __future__ import annotations

import html
import secrets
from collections.abc import Callable, Collection, Sequence
from enum import StrEnum
from typing import Any

from aiogram import Router
from aiogram.filters import Command, Filter, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import message_of
from handlers.deals.callbacks import DealAction, DealCb
from handlers.filters import HasText, IsStaff
from handlers.texts import error_text
from services.errors import DomainError, InvalidInput, NotFound
from services.leads import (
    LEAD_FIELDS,
    ClientMatch,
    Conversion,
    ConvertChoice,
    Lead,
    LeadDraft,
    LeadPage,
    LeadService,
    LeadStatus,
    tax_id_label,
)
from services.users import User

PAGE = 8
DASH = "—"


# --- callback data and states --------------------------------------------------------------


class LeadAction(StrEnum):
    OPEN = "o"
    LIST = "l"
    STATUS = "s"
    JUNK = "j"
    EDIT = "e"
    FIELD = "f"
    SOURCE = "r"
    CONVERT = "c"
    USE = "u"
    MERGE = "m"
    NEW = "n"


class LeadCb(CallbackData, prefix="ld"):
    action: LeadAction
    id: int = 0
    arg: str = ""  # a status filter, a new status, a field, a source or a client ref
    offset: int = 0


class LeadFlowAction(StrEnum):
    SKIP = "k"
    SOURCE = "r"
    SAVE = "s"
    SAVE_MISSING = "m"
    EDIT = "e"
    CANCEL = "x"


class LeadFlowCb(CallbackData, prefix="lf"):
    """`flow` ties a button to the run of the flow that drew it (see NewClientCb)."""

    action: LeadFlowAction
    flow: str
    arg: str = ""


class LeadFlow(StatesGroup):
    contact_name = State()
    company_name = State()
    phone = State()
    email = State()
    city = State()
    topic = State()
    source = State()
    confirm = State()


class LeadInput(StatesGroup):
    junk_reason = State()
    field = State()


STATE_OF = {name: getattr(LeadFlow, name) for name in LEAD_FIELDS}
TEXT_STEPS = [STATE_OF[n] for n in LEAD_FIELDS if n != "source"]


# --- texts ---------------------------------------------------------------------------------


QUESTIONS: dict[str, Callable[[], str]] = {
    "contact_name": lambda: _("Contact person's name?"),
    "company_name": lambda: _("Company name?"),
    "phone": lambda: _("Phone number?"),
    "email": lambda: _("E-mail?"),
    "city": lambda: _("City?"),
    "topic": lambda: _("What are they interested in?"),
    "source": lambda: _("Where did the lead come from?"),
}
FIELD_LABELS: dict[str, Callable[[], str]] = {
    "contact_name": lambda: _("Name"),
    "company_name": lambda: _("Company"),
    "phone": lambda: _("Phone"),
    "email": lambda: _("E-mail"),
    "city": lambda: _("City"),
    "topic": lambda: _("Topic"),
    "source": lambda: _("Source"),
}
EDIT_LABELS: dict[str, Callable[[], str]] = {
    "contact_name": lambda: _("Edit name"),
    "company_name": lambda: _("Edit company"),
    "phone": lambda: _("Edit phone"),
    "email": lambda: _("Edit e-mail"),
    "city": lambda: _("Edit city"),
    "topic": lambda: _("Edit topic"),
    "source": lambda: _("Edit source"),
}
SOURCE_NAMES: dict[str, Callable[[], str]] = {
    "website": lambda: _("Website"),
    "call": lambda: _("Call"),
    "referral": lambda: _("Referral"),
    "exhibition": lambda: _("Exhibition"),
    "advertising": lambda: _("Advertising"),
    "telegram": lambda: _("Telegram"),
}
STATUS_NAMES: dict[str, Callable[[], str]] = {
    "new": lambda: _("new"),
    "in_progress": lambda: _("in progress"),
    "qualified": lambda: _("qualified"),
    "converted": lambda: _("converted"),
    "junk": lambda: _("junk"),
}
STATUS_BUTTONS: dict[str, Callable[[], str]] = {
    "new": lambda: _("New"),
    "in_progress": lambda: _("In progress"),
    "qualified": lambda: _("Qualified"),
    "converted": lambda: _("Converted"),
    "junk": lambda: _("Junk"),
}
MATCH_NAMES: dict[str, Callable[[], str]] = {
    "phone": lambda: _("phone"),
    "email": lambda: _("e-mail"),
    "tax_id": lambda: _("tax id"),
}


def source_name(code: str | None) -> str:
    if not code:
        return DASH
    name = SOURCE_NAMES.get(code)
    return name() if name else html.escape(code)


def status_name(code: str) -> str:
    name = STATUS_NAMES.get(code)
    return name() if name else html.escape(code)


def _value(name: str, value: Any) -> str:
    if name == "source":
        return source_name(value)
    return html.escape(str(value)) if value else DASH


def field_lines(values: dict[str, Any]) -> list[str]:
    lines = [f"{FIELD_LABELS[n]()}: {_value(n, values.get(n))}" for n in LEAD_FIELDS]
    if values.get("tax_id"):
        vat = values.get("vat_payer")
        lines.insert(
            2,
            _("Tax id: {id}").format(id=tax_id_label(values.get("country"), values["tax_id"]))
            + (
                " · " + _("VAT payer")
                if vat
                else " · " + _("not a VAT payer")
                if vat is False
                else ""
            ),
        )
    if values.get("telegram_username"):
        lines.append(
            _("Telegram: @{username}").format(username=html.escape(values["telegram_username"]))
        )
    elif values.get("telegram_user_id"):
        lines.append(_("Telegram: linked account"))
    return lines


def draft_card(draft: LeadDraft, missing: Sequence[str], header: str | None = None) -> str:
    lines = [header or _("New lead:")]
    lines += field_lines(draft.as_dict())
    if draft.hidden_sender:
        lines.append(_("The sender's account is hidden, so the lead has no Telegram link."))
    if draft.first_message:
        text = draft.first_message
        text = text if len(text) <= 300 else text[:300] + "…"
        lines.append(_("First message: {text}").format(text=html.escape(text)))
    if missing:
        lines.append(
            _("Missing: {fields}").format(fields=", ".join(FIELD_LABELS[f]() for f in missing))
        )
    lines.append(_("Save?"))
    return "\n".join(lines)


def lead_card(lead: Lead) -> str:
    lines = [_("<b>Lead #{id}</b> · {status}").format(id=lead.id, status=status_name(lead.status))]
    values = {
        n: getattr(lead, n)
        for n in (
            *LEAD_FIELDS,
            "country",
            "tax_id",
            "vat_payer",
            "telegram_username",
            "telegram_user_id",
        )
    }
    lines += field_lines(values)
    if lead.junk_reason:
        lines.append(_("Junk because: {reason}").format(reason=html.escape(lead.junk_reason)))
    if lead.deal_id:
        lines.append(_("Converted into deal #{id}.").format(id=lead.deal_id))
    return "\n".join(lines)


def web_push_text(name: str, company: str | None, phone: str | None, email: str | None,
                  topic: str | None) -> str:
    """The push a manager gets for a website lead assigned to them."""
    lines = [_("New lead from the website: {name}").format(name=html.escape(name))]
    if company:
        lines.append(_("Company: {v}").format(v=html.escape(company)))
    if phone:
        lines.append(_("Phone: {phone}").format(phone=phone))
    if email:
        lines.append(_("E-mail: {email}").format(email=html.escape(email)))
    if topic:
        lines.append(_("Topic: {v}").format(v=html.escape(topic[:500])))
    return "\n".join(lines)


def conversion_text(conv: Conversion) -> str:
    lines = [_("Lead converted.")]
    if conv.company_id:
        made = _("new") if conv.created_company else _("existing")
        lines.append(
            _("Company: {name} ({made})").format(
                name=html.escape(conv.company_name or ""), made=made
            )
        )
    if conv.contact_id:
        made = _("new") if conv.created_contact else _("existing")
        lines.append(
            _("Contact: {name} ({made})").format(
                name=html.escape(conv.contact_name or ""), made=made
            )
        )
    if conv.deal:
        lines.append(
            _("Deal #{id}: {title}").format(id=conv.deal.id, title=html.escape(conv.deal.title))
        )
    if conv.carried_over:
        lines.append(
            _("Carried over: {fields}").format(
                fields=", ".join(FIELD_LABELS.get(f, lambda f=f: f)() for f in conv.carried_over)
            )
        )
    return "\n".join(lines)


def duplicates_text(matches: Sequence[ClientMatch]) -> str:
    lines = [_("This lead may already be a client:")]
    for m in matches:
        kind = _("Company") if m.kind == "company" else _("Contact")
        by = ", ".join(MATCH_NAMES[b]() for b in m.matched_by)
        lines.append(
            _("• {kind} «{name}», same {by}").format(kind=kind, name=html.escape(m.name), by=by)
        )
    lines.append(_("Use the existing client, merge the lead into it, or create a new one?"))
    return "\n".join(lines)


# --- keyboards -----------------------------------------------------------------------------


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
    statuses = [s for s in ("in_progress", "qualified") if s in allowed]
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


def edit_keyboard(lead: Lead) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for name in LEAD_FIELDS:
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


def list_text(page: LeadPage) -> str:
    if page.status:
        return _("Leads ({status}): {total}").format(
            status=status_name(page.status), total=page.total
        )
    return _("Leads: {total}").format(total=page.total)


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


# --- filters -------------------------------------------------------------------------------


class HasContact(Filter):
    async def __call__(self, message: Message) -> bool:
        return message.contact is not None


class IsForwarded(Filter):
    async def __call__(self, message: Message) -> bool:
        return message.forward_origin is not None


class LooksLikeTaxId(Filter):
    async def __call__(self, message: Message, leads: LeadService) -> bool:
        text = message.text
        return (
            text is not None
            and not text.startswith("/")
            and len(text) <= 40
            and leads.looks_like_tax_id(text)
        )


# --- flow helpers --------------------------------------------------------------------------


def _draft(data: dict[str, Any]) -> LeadDraft:
    return LeadDraft(**data.get("draft", {}))


async def show_draft(
    message: Message, state: FSMContext, leads: LeadService, header: str | None = None
) -> None:
    data = await state.get_data()
    draft = _draft(data)
    missing = leads.missing_required(draft)
    await state.set_state(LeadFlow.confirm)
    await message.answer(
        draft_card(draft, missing, header or data.get("header")),
        reply_markup=draft_keyboard(data["flow"], missing),
    )


async def ask(message: Message, state: FSMContext, leads: LeadService, name: str) -> None:
    data = await state.get_data()
    await state.update_data(step=name)
    await state.set_state(STATE_OF[name])
    required = leads.is_required(name)
    question = QUESTIONS[name]()
    if not required:
        question += " " + _("(or Skip)")
    await message.answer(
        question, reply_markup=step_keyboard(data["flow"], name, required, leads.sources)
    )


async def after_field(message: Message, state: FSMContext, leads: LeadService) -> None:
    """After a field: back to the summary when editing, else the next question."""
    data = await state.get_data()
    if data.get("editing"):
        await state.update_data(editing=False)
        await show_draft(message, state, leads)
        return
    index = LEAD_FIELDS.index(data.get("step", "contact_name"))
    if index + 1 >= len(LEAD_FIELDS):
        await show_draft(message, state, leads)
        return
    await ask(message, state, leads, LEAD_FIELDS[index + 1])


async def set_value(state: FSMContext, name: str, value: str | None) -> None:
    data = await state.get_data()
    await state.update_data(draft={**data.get("draft", {}), name: value})


async def start_shortcut(
    message: Message, state: FSMContext, leads: LeadService, draft: LeadDraft, header: str
) -> None:
    await state.set_state(LeadFlow.confirm)
    await state.set_data(
        {"flow": secrets.token_hex(4), "draft": draft.as_dict(), "header": header}
    )
    await show_draft(message, state, leads)


def _message(query: CallbackQuery) -> Message | None:
    return message_of(query)


# --- router --------------------------------------------------------------------------------


def create_router() -> Router:
    router = Router(name="leads")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    @router.message(Command("lead"))
    async def cmd_lead(message: Message, state: FSMContext, leads: LeadService) -> None:
        await state.set_state(LeadFlow.contact_name)
        await state.set_data({"flow": secrets.token_hex(4), "draft": {}})
        await ask(message, state, leads, "contact_name")

    @router.message(StateFilter(*TEXT_STEPS), HasText())
    async def got_field(message: Message, state: FSMContext, leads: LeadService) -> None:
        name = (await state.get_data()).get("step", "contact_name")
        try:
            value = leads.clean_field(name, message.text or "")
        except DomainError as err:
            await message.answer(error_text(err))
            return
        await set_value(state, name, value)
        await after_field(message, state, leads)

    @router.message(StateFilter(LeadFlow.source), HasText())
    async def got_source(message: Message, state: FSMContext, leads: LeadService) -> None:
        try:
            value = leads.clean_field("source", message.text or "")
        except DomainError as err:
            await message.answer(error_text(err))
            return
        await set_value(state, "source", value)
        await after_field(message, state, leads)

    @router.callback_query(LeadFlowCb.filter())
    async def on_flow(
        query: CallbackQuery,
        callback_data: LeadFlowCb,
        state: FSMContext,
        actor: User,
        leads: LeadService,
    ) -> None:
        data = await state.get_data()
        current = await state.get_state()
        msg = _message(query)
        stale = _("This button belongs to a finished step.")
        if data.get("flow") != callback_data.flow or current is None or msg is None:
            await query.answer(stale, show_alert=True)
            return
        action, step = callback_data.action, data.get("step")
        if action in (LeadFlowAction.SKIP, LeadFlowAction.SOURCE):
            if (
                step is None
                or current != STATE_OF[step].state
                or (action == LeadFlowAction.SKIP and leads.is_required(step))
            ):
                await query.answer(stale, show_alert=True)
                return
            value = None
            if action == LeadFlowAction.SOURCE:
                try:
                    value = leads.clean_field("source", callback_data.arg)
                except DomainError as err:
                    await query.answer(error_text(err), show_alert=True)
                    return
            await query.answer()
            await msg.edit_reply_markup(reply_markup=None)
            await set_value(state, step, value)
            await after_field(msg, state, leads)
            return
        if current != LeadFlow.confirm.state:
            await query.answer(stale, show_alert=True)
            return
        if action == LeadFlowAction.CANCEL:
            await state.clear()
            await query.answer()
            await msg.edit_text(_("Cancelled. Nothing was saved."))
            return
        if action == LeadFlowAction.EDIT:
            if callback_data.arg not in LEAD_FIELDS:
                await query.answer(stale, show_alert=True)
                return
            await state.update_data(editing=True)
            await query.answer()
            await msg.edit_reply_markup(reply_markup=None)
            await ask(msg, state, leads, callback_data.arg)
            return
        draft = _draft(data)
        allow = leads.missing_required(draft) if action == LeadFlowAction.SAVE_MISSING else ()
        try:
            lead = await leads.create(actor, draft, allow_missing=allow)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await state.clear()
        await query.answer()
        await msg.edit_text(
            _("Lead saved.") + "\n\n" + lead_card(lead),
            reply_markup=lead_keyboard(lead, leads.allowed_statuses(lead)),
        )

    # Shortcuts: only outside any flow, so a contact or a number typed as an answer to a
    # question of another flow is that flow's business.

    @router.message(StateFilter(None), HasContact())
    async def on_contact(message: Message, state: FSMContext, leads: LeadService) -> None:
        contact = message.contact
        assert contact is not None
        draft = leads.draft_from_contact(
            contact.first_name, contact.last_name, contact.phone_number, contact.user_id
        )
        header = _("New lead from a contact card:")
        if draft.phone is None:
            header += "\n" + _(
                "The card has no valid phone number: add it with «Edit phone», "
                "or save the lead without it."
            )
        await start_shortcut(message, state, leads, draft, header)

    @router.message(StateFilter(None), IsForwarded())
    async def on_forward(message: Message, state: FSMContext, leads: LeadService) -> None:
        origin = message.forward_origin
        name, username, user_id, hidden = "", None, None, False
        if isinstance(origin, MessageOriginUser):
            user = origin.sender_user
            name, username, user_id = user.full_name, user.username, user.id
        elif isinstance(origin, MessageOriginHiddenUser):
            name, hidden = origin.sender_user_name, True
        elif isinstance(origin, MessageOriginChat):
            name = origin.sender_chat.title or ""
            username = origin.sender_chat.username
        elif isinstance(origin, MessageOriginChannel):
            name, username = origin.chat.title or "", origin.chat.username
        draft = leads.draft_from_forward(
            name, username, user_id, hidden, message.text or message.caption
        )
        header = _("New lead from a forwarded message:")
        await start_shortcut(message, state, leads, draft, header)

    @router.message(StateFilter(None), LooksLikeTaxId())
    async def on_tax_id(message: Message, state: FSMContext, leads: LeadService) -> None:
        try:
            draft = leads.draft_from_tax_id(message.text or "")
        except DomainError as err:
            await message.answer(error_text(err))
            return
        await start_shortcut(message, state, leads, draft, _("New company lead from a tax id:"))

    # The list and the card.

    @router.message(Command("leads"))
    async def cmd_leads(message: Message, actor: User, leads: LeadService) -> None:
        page = await leads.list_leads(actor, None, 0, PAGE)
        if not page.total:
            await message.answer(_("You have no leads yet. Add one with /lead."))
            return
        await message.answer(list_text(page), reply_markup=list_keyboard(page))

    @router.callback_query(LeadCb.filter())
    async def on_lead(
        query: CallbackQuery,
        callback_data: LeadCb,
        actor: User,
        leads: LeadService,
        state: FSMContext,
    ) -> None:
        msg = _message(query)
        action, lead_id, arg = callback_data.action, callback_data.id, callback_data.arg
        try:
            if action == LeadAction.LIST:
                page = await leads.list_leads(actor, arg or None, callback_data.offset, PAGE)
                await query.answer()
                if msg:
                    await msg.edit_text(list_text(page), reply_markup=list_keyboard(page))
                return
            if action in (LeadAction.CONVERT, LeadAction.USE, LeadAction.MERGE, LeadAction.NEW):
                choice = {
                    LeadAction.CONVERT: ConvertChoice.CHECK,
                    LeadAction.USE: ConvertChoice.USE,
                    LeadAction.MERGE: ConvertChoice.MERGE,
                    LeadAction.NEW: ConvertChoice.NEW,
                }[action]
                conv = await leads.convert(actor, lead_id, choice, arg or None)
                await query.answer()
                if msg is None:
                    return
                if conv.duplicates:
                    await msg.answer(
                        duplicates_text(conv.duplicates),
                        reply_markup=duplicates_keyboard(conv.lead, conv.duplicates),
                    )
                    return
                if action != LeadAction.CONVERT:
                    await msg.edit_reply_markup(reply_markup=None)
                await msg.answer(conversion_text(conv), reply_markup=conversion_keyboard(conv))
                return
            if action == LeadAction.STATUS:
                lead = await leads.set_status(actor, lead_id, arg)
            elif action == LeadAction.SOURCE:
                lead = await leads.update_field(actor, lead_id, "source", arg)
            else:
                lead = await leads.get(actor, lead_id)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await query.answer()
        if msg is None:
            return
        card, keyboard = lead_card(lead), lead_keyboard(lead, leads.allowed_statuses(lead))
        if action == LeadAction.OPEN and arg != "back":
            await msg.answer(card, reply_markup=keyboard)
        elif action in (LeadAction.STATUS, LeadAction.SOURCE, LeadAction.OPEN):
            await msg.edit_text(card, reply_markup=keyboard)
        elif action == LeadAction.EDIT:
            await msg.edit_reply_markup(reply_markup=edit_keyboard(lead))
        elif action == LeadAction.FIELD and arg == "source":
            await msg.edit_reply_markup(reply_markup=sources_keyboard(lead, leads.sources))
        elif action == LeadAction.FIELD and arg in LEAD_FIELDS:
            await state.set_state(LeadInput.field)
            await state.set_data({"lead_id": lead.id, "field": arg})
            await msg.answer(QUESTIONS[arg]() + " " + _("(or /cancel)"))
        elif action == LeadAction.JUNK:
            await state.set_state(LeadInput.junk_reason)
            await state.set_data({"lead_id": lead.id})
            await msg.answer(
                _("Why is this lead junk? Send the reason in one message (or /cancel).")
            )

    async def finish_input(
        message: Message, state: FSMContext, leads: LeadService, call: Callable[[], Any]
    ) -> None:
        try:
            lead: Lead = await call()
        except InvalidInput as err:
            await message.answer(error_text(err))
            return
        except (NotFound, DomainError) as err:
            await state.clear()
            await message.answer(error_text(err))
            return
        await state.clear()
        await message.answer(
            lead_card(lead), reply_markup=lead_keyboard(lead, leads.allowed_statuses(lead))
        )

    @router.message(StateFilter(LeadInput.junk_reason), HasText())
    async def got_junk_reason(
        message: Message, state: FSMContext, actor: User, leads: LeadService
    ) -> None:
        lead_id = int((await state.get_data()).get("lead_id", 0))
        await finish_input(
            message,
            state,
            leads,
            lambda: leads.set_status(actor, lead_id, LeadStatus.JUNK.value, message.text),
        )

    @router.message(StateFilter(LeadInput.field), HasText())
    async def got_lead_field(
        message: Message, state: FSMContext, actor: User, leads: LeadService
    ) -> None:
        data = await state.get_data()
        await finish_input(
            message,
            state,
            leads,
            lambda: leads.update_field(
                actor, int(data.get("lead_id", 0)), str(data.get("field")), message.text or ""
            ),
        )

    return router
