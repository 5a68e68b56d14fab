"""The customer's side: ``/start inv_<token>`` (the document, its payment QR and buttons),
Pay / I've paid / Ask a question on an invoice, Accept / Ask for changes on a quote,
``/documents``, and a polite refusal of the team's commands.

Two routers: ``create_start_router`` goes before the common ``/start`` (strangers holding a
valid link are let in); ``create_router`` goes after the staff routers, before the fallback.
"""

from __future__ import annotations

import html
import logging
from enum import StrEnum
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart, Filter, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    TelegramObject,
)
from aiogram.utils.i18n import I18n, get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import AlertOnDomainError
from handlers.card_payments import CardPaymentsOn, pay_by_card
from handlers.common import refusal_text
from handlers.filters import HasRole, HasText
from handlers.i18n import pgettext
from handlers.menu import set_chat_commands
from handlers.texts import error_text
from services.card_payments import CardPaymentService
from services.customers import CustomerService, Notice
from services.delivery import DocHeader, PdfFile
from services.errors import DomainError, NotFound
from services.money import format_money
from services.users import Role, User

logger = logging.getLogger(__name__)

KIND_CODES = {"invoice": "i", "quote": "q", "contract": "k"}  # "k" as in handlers.delivery
KINDS = {"i": "invoice", "q": "quote", "k": "contract"}
CUSTOMER_COMMANDS = frozenset({"start", "help", "cancel", "language", "documents"})


class Cu(StrEnum):
    OPEN = "o"
    PAY = "p"
    PAID = "pd"
    ASK = "a"
    ACCEPT = "ac"
    CHANGES = "ch"


class CustomerCb(CallbackData, prefix="cu"):
    """A customer's button on one of their documents (ids only; the service checks that the
    document is theirs, so a forged id finds nothing)."""

    action: Cu
    k: str
    id: int


class CustomerInput(StatesGroup):
    question = State()
    changes = State()


class IsCommand(Filter):
    """A "/command" text (async: no thread hop)."""

    async def __call__(self, event: TelegramObject) -> bool:
        return isinstance(event, Message) and (event.text or "").startswith("/")


def title_of(kind: Any, number: Any, doc_id: Any) -> str:
    """"Invoice INV-…" / "Quote Q-…" (the id while it has no number yet)."""
    shown = html.escape(str(number or doc_id or ""))
    if kind == "quote":
        return _("Quote {number}").format(number=shown)
    if kind == "credit_note":
        return _("Credit note {number}").format(number=shown)
    if kind == "contract":
        return _("Contract {number}").format(number=shown)
    return _("Invoice {number}").format(number=shown)


def doc_title(header: DocHeader) -> str:
    return title_of(header.kind, header.number_text, header.id)


def doc_object(header: DocHeader) -> str:
    return named_in_sentence(header.kind, header.number_text, header.id)


def named_in_sentence(kind: Any, number: Any, doc_id: Any, role: str = "object") -> str:
    """The document inside a sentence, lower case, in the case the sentence needs (Russian
    declines it: «на счёт INV-…», «по счёту INV-…», «в счёте INV-…»; Romanian says «factura …»
    in all three). `role`: "object" (what is sent, opened, changed), "about" (a question
    about it), "inside" (what to change in it)."""
    shown = html.escape(str(number or doc_id or ""))
    kind = kind if kind in ("quote", "credit_note", "contract") else "invoice"
    if role == "about":
        forms = {"quote": pgettext("document after «about»", "quote {number}"),
                 "credit_note": pgettext("document after «about»", "credit note {number}"),
                 "contract": pgettext("document after «about»", "contract {number}"),
                 "invoice": pgettext("document after «about»", "invoice {number}")}
    elif role == "inside":
        forms = {"quote": pgettext("document after «in»", "quote {number}"),
                 "credit_note": pgettext("document after «in»", "credit note {number}"),
                 "contract": pgettext("document after «in»", "contract {number}"),
                 "invoice": pgettext("document after «in»", "invoice {number}")}
    else:
        forms = {"quote": pgettext("document as an object", "quote {number}"),
                 "credit_note": pgettext("document as an object", "credit note {number}"),
                 "contract": pgettext("document as an object", "contract {number}"),
                 "invoice": pgettext("document as an object", "invoice {number}")}
    return forms[kind].format(number=shown)


def qr_caption() -> str:
    return _("Payment QR: scan it in your banking app.")


def customer_keyboard(header: DocHeader) -> InlineKeyboardMarkup | None:
    """The customer's buttons under a document: pay an invoice, accept a quote, a question
    about any; none under a credit note (nothing to pay or accept: questions go to the
    chat)."""
    if header.kind not in KIND_CODES:
        return None
    kb = InlineKeyboardBuilder()
    k = KIND_CODES[header.kind]
    if header.kind == "invoice":
        if header.status not in ("paid",):
            kb.button(text=_("Pay"), callback_data=CustomerCb(action=Cu.PAY, k=k, id=header.id))
            kb.button(text=_("I've paid"),
                      callback_data=CustomerCb(action=Cu.PAID, k=k, id=header.id))
    elif header.kind == "quote" and header.status == "sent":
        kb.button(text=_("Accept"), callback_data=CustomerCb(action=Cu.ACCEPT, k=k,
                                                              id=header.id))
        kb.button(text=_("Ask for changes"),
                  callback_data=CustomerCb(action=Cu.CHANGES, k=k, id=header.id))
    kb.button(text=_("Ask a question"), callback_data=CustomerCb(action=Cu.ASK, k=k,
                                                                  id=header.id))
    kb.adjust(2, 1)
    return kb.as_markup()


def document_caption(header: DocHeader) -> str:
    amount = header.remaining if header.kind == "invoice" else header.grand_total
    text = f"<b>{doc_title(header)}</b>"
    if header.buyer_name:
        text += f" · {html.escape(header.buyer_name)}"
    text += "\n" + _("Amount: {amount}").format(
        amount=format_money(amount, header.currency, _lang()))
    if header.due_date is not None:
        text += "\n" + _("Due on {date}").format(date=header.due_date.strftime("%d.%m.%Y"))
    return text


def _lang() -> Any:
    code = get_i18n().current_locale
    return code if code in ("ru", "en", "ro") else "en"


async def send_document(bot: Bot, chat_id: int, pdf: PdfFile) -> None:
    """The PDF with the customer's buttons, then the payment QR as a photo (if any)."""
    await bot.send_document(chat_id, BufferedInputFile(pdf.content, pdf.filename),
                            caption=document_caption(pdf.header),
                            reply_markup=customer_keyboard(pdf.header))
    if pdf.qr_png is not None:
        await bot.send_photo(chat_id, BufferedInputFile(pdf.qr_png, "qr.png"),
                             caption=qr_caption())


def who(notice: Notice) -> str:
    return html.escape(notice.customer_name)


async def cmd_start_document(message: Message, command: CommandObject, bot: Bot,
                             customers: CustomerService, state: FSMContext,
                             i18n: I18n) -> None:
    assert message.from_user is not None and command.args is not None
    user = message.from_user
    try:
        opened = await customers.open_link(user.id, user.full_name, user.username,
                                           user.language_code, command.args)
    except DomainError as err:
        await message.answer(error_text(err))
        return
    await state.clear()
    if opened.user.role == Role.CUSTOMER:
        await set_chat_commands(bot, message.chat.id, Role.CUSTOMER)
    if opened.pdf.header.kind == "contract":
        hello = _("Hello, {name}! Here is your contract. The button under it sends your "
                  "manager a question about it. /documents lists all your documents.")
    else:
        hello = _("Hello, {name}! Here is your document. Use the buttons under it to pay, "
                  "tell us you have paid, or ask a question. /documents lists all your "
                  "documents.")
    await message.answer(hello.format(name=html.escape(user.full_name)))
    await send_document(bot, message.chat.id, opened.pdf)


def create_start_router() -> Router:
    router = Router(name="customer_start")

    router.message.register(
        cmd_start_document, CommandStart(deep_link=True,
                                 magic=F.args.regexp(r"^(inv|quo|ctr)_[A-Za-z0-9_-]+$")))

    return router


class NoActor(Filter):
    """Nobody we know (no team member, no customer): their buttons are refused."""

    async def __call__(self, event: TelegramObject, actor: User | None = None) -> bool:
        return actor is None


async def cmd_documents(message: Message, actor: User | None,
                        customers: CustomerService, state: FSMContext) -> None:
    if actor is None:
        await message.answer(refusal_text())
        return
    await state.clear()
    docs = await customers.documents(actor.telegram_id)
    if not docs:
        await message.answer(_("You have no documents from us yet."))
        return
    kb = InlineKeyboardBuilder()
    for doc in docs:
        amount = format_money(doc.grand_total, doc.currency, _lang())
        kb.button(text=f"{doc_title(doc)} · {amount}",
                  callback_data=CustomerCb(action=Cu.OPEN, k=KIND_CODES[doc.kind],
                                           id=doc.id))
    kb.adjust(1)
    await message.answer(_("Your documents:"), reply_markup=kb.as_markup())


async def on_pay_by_card(query: CallbackQuery, callback_data: CustomerCb,
                         actor: User | None, card_payments: CardPaymentService,
                         settings: Any, bot: Bot) -> None:
    await pay_by_card(query, callback_data.id, actor, card_payments, settings, bot)


async def on_stranger(query: CallbackQuery) -> None:
    await query.answer(refusal_text(), show_alert=True)


async def on_open(query: CallbackQuery, callback_data: CustomerCb,
                  customers: CustomerService, bot: Bot) -> None:
    tid = query.from_user.id
    pdf = await customers.document(tid, KINDS.get(callback_data.k, ""), callback_data.id)
    await query.answer()
    await send_document(bot, tid, pdf)


def _only(callback_data: CustomerCb, kind: str) -> str:
    """`kind` when the button names it: paying is for an invoice, accepting for a quote (a
    forged one naming another kind finds nothing, whatever document has that id)."""
    if KINDS.get(callback_data.k) != kind:
        raise NotFound(entity="document")
    return kind


async def on_pay(query: CallbackQuery, callback_data: CustomerCb,
                 customers: CustomerService) -> None:
    await customers.check_access(query.from_user.id, _only(callback_data, "invoice"),
                                 callback_data.id)
    await query.answer(_("Card payment is coming soon. Meanwhile, please pay by "
                         "bank transfer with the details in the invoice or the "
                         "QR code."), show_alert=True)


async def on_paid(query: CallbackQuery, callback_data: CustomerCb,
                  customers: CustomerService, bot: Bot) -> None:
    tid = query.from_user.id
    _only(callback_data, "invoice")
    await customers.mark_paid(tid, callback_data.id, query.from_user.full_name)
    await query.answer()
    await bot.send_message(tid, _("Thank you! We will check the payment and confirm it."))


async def on_accept(query: CallbackQuery, callback_data: CustomerCb,
                    customers: CustomerService, bot: Bot) -> None:
    tid = query.from_user.id
    _only(callback_data, "quote")
    notice = await customers.accept(tid, callback_data.id, query.from_user.full_name)
    await query.answer()
    await bot.send_message(tid, _("Thank you! {document} is accepted; we will "
                                  "send you the invoice.").format(
        document=doc_title(notice.header)))


async def on_ask(query: CallbackQuery, callback_data: CustomerCb,
                 customers: CustomerService, state: FSMContext, bot: Bot) -> None:
    tid, asking = query.from_user.id, callback_data.action == Cu.ASK
    kind = KINDS.get(callback_data.k, "") if asking else _only(callback_data, "quote")
    header = await customers.check_access(tid, kind, callback_data.id)
    await state.set_state(CustomerInput.question if asking else CustomerInput.changes)
    await state.set_data({"k": callback_data.k, "id": callback_data.id})
    await query.answer()
    if asking:
        ask = _("Type your question about {document}; I will pass it to your manager.")
        document = named_in_sentence(header.kind, header.number_text, header.id, "about")
    else:
        ask = _("What should we change in {document}? Type it in one message.")
        document = named_in_sentence(header.kind, header.number_text, header.id, "inside")
    await bot.send_message(tid, ask.format(document=document))


async def got_customer_text(message: Message, actor: User | None, state: FSMContext,
                            customers: CustomerService, bot: Bot, i18n: I18n) -> None:
    assert message.from_user is not None
    if actor is None:
        await message.answer(refusal_text())
        return
    data = await state.get_data()
    current = await state.get_state()
    kind, doc_id = KINDS.get(str(data.get("k")), ""), int(data.get("id") or 0)
    name, text = message.from_user.full_name, message.text or ""
    changes = current == CustomerInput.changes.state
    try:
        # The customer's message is the action: delivered twice, it is told once.
        action = f"msg{message.chat.id}:{message.message_id}"
        if changes:
            await customers.request_changes(message.from_user.id, doc_id, name, text,
                                            action)
        else:
            await customers.question(message.from_user.id, kind, doc_id, name, text,
                                     action)
    except DomainError as err:
        await message.answer(error_text(err) + "\n" + _("Try again, or send /cancel."))
        return
    await state.clear()
    await message.answer(_("Sent to your manager. They will answer you soon."))


async def on_staff_command(message: Message) -> None:
    await message.answer(_("Sorry, this command is for our team. You can use /documents "
                           "to see your documents from us, and /help."))


def create_router() -> Router:
    router = Router(name="customer")

    router.message.register(cmd_documents, Command("documents"))

    # Card payments in Telegram, when a provider token is set (else "coming soon" below).
    router.callback_query.register(
        on_pay_by_card, CustomerCb.filter((F.action == Cu.PAY) & (F.k == KIND_CODES["invoice"])),
        CardPaymentsOn())
    router.callback_query.register(on_stranger, CustomerCb.filter(), NoActor())

    # One handler per button; the sub-router's middleware turns a domain error into an alert.
    buttons = Router(name="customer_buttons")
    buttons.callback_query.middleware(AlertOnDomainError())
    router.include_router(buttons)

    buttons.callback_query.register(on_open, CustomerCb.filter(F.action == Cu.OPEN))
    buttons.callback_query.register(on_pay, CustomerCb.filter(F.action == Cu.PAY))
    buttons.callback_query.register(on_paid, CustomerCb.filter(F.action == Cu.PAID))
    buttons.callback_query.register(on_accept, CustomerCb.filter(F.action == Cu.ACCEPT))
    buttons.callback_query.register(on_ask, CustomerCb.filter(F.action.in_({Cu.ASK, Cu.CHANGES})))
    router.message.register(
        got_customer_text, StateFilter(CustomerInput.question, CustomerInput.changes), HasText())
    router.message.register(on_staff_command, HasRole(Role.CUSTOMER), IsCommand())

    return router
