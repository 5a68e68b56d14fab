"""The manager's side of sending documents: the "Send" menu of an invoice (or quote) card —
Telegram link, the customer's chat, e-mail, public link, PDF, revoking links — and the
admin's uploads: document templates and the logo, stamp and signature images.

Files are checked by their Telegram ``file_size`` before anything is downloaded.
"""

from __future__ import annotations

import html
import io
import logging
from enum import StrEnum
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, Filter, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    TelegramObject,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers import customer as customer_handlers
from handlers.callback import AlertOnDomainError
from handlers.filters import HasText, IsStaff
from handlers.texts import error_text
from services.delivery import (
    IMAGE_KINDS,
    TEMPLATE_NAMES,
    AccessLink,
    DeliveryService,
    DocHeader,
    SendOptions,
    check_image_upload,
    check_template_upload,
    clean_template_name,
)
from services.errors import Conflict, DomainError, InvalidInput
from services.invoices import Invoice
from services.users import User

logger = logging.getLogger(__name__)

KIND_CODES = {"invoice": "i", "quote": "q", "credit_note": "c", "contract": "k"}
KINDS = {"i": "invoice", "q": "quote", "c": "credit_note", "k": "contract"}
# A credit note has no links (services.delivery).
LINKED = frozenset({"invoice", "quote", "contract"})
NOT_SENDABLE = frozenset({"draft", "cancelled"})


class Dv(StrEnum):
    MENU = "m"
    LINK = "l"
    CHAT = "c"
    MAIL = "e"
    MAIL_DEFAULT = "ed"
    PUBLIC = "p"
    REVOKE = "r"
    PDF = "f"
    XML = "x"  # the e-Factura (issue 16)
    BUSINESS = "b"  # into the manager's own Telegram Business chat (issue 20)


class DeliveryCb(CallbackData, prefix="dv"):
    """`k` is "i" (invoice), "q" (quote), "c" (credit note) or "k" (contract), `id` the
    document, `t` a link (token row) id."""

    action: Dv
    k: str
    id: int = 0
    t: int = 0


class DeliveryInput(StatesGroup):
    email = State()


class UploadInput(StatesGroup):
    template = State()
    image = State()


class HasFile(Filter):
    """A document or a photo (async: no thread hop)."""

    async def __call__(self, event: TelegramObject) -> bool:
        return isinstance(event, Message) and (event.document is not None or
                                               bool(event.photo))


class TemplateCaption(Filter):
    """A document captioned "template <name>": the name goes to the handler."""

    async def __call__(self, event: TelegramObject) -> bool | dict[str, Any]:
        if not isinstance(event, Message) or event.document is None:
            return False
        words = (event.caption or "").split()
        if len(words) == 2 and words[0].lower().lstrip("/") == "template":
            return {"template_name": words[1]}
        return False


def doc_title(header: DocHeader) -> str:
    return customer_handlers.doc_title(header)


def doc_object(header: DocHeader) -> str:
    return customer_handlers.doc_object(header)


def send_button(kind: str, doc_id: int) -> InlineKeyboardButton:
    """The card's "Send…" button (a quote card may add it too)."""
    return InlineKeyboardButton(text=_("Send…"), callback_data=DeliveryCb(
        action=Dv.MENU, k=KIND_CODES[kind], id=doc_id).pack())


def credit_note_button(note_id: int, number: str) -> InlineKeyboardButton:
    """A credit note's button on its invoice's card: its Send menu (chat, e-mail, PDF)."""
    return InlineKeyboardButton(text=f"📄 {number}"[:60],
                                callback_data=DeliveryCb(action=Dv.MENU, k="c",
                                                         id=note_id).pack())


def efactura_button(kind: str, doc_id: int) -> InlineKeyboardButton:
    """«e-Factura (XML)»: the document's e-Factura sent into this chat as a file."""
    return InlineKeyboardButton(text=_("e-Factura (XML)"), callback_data=DeliveryCb(
        action=Dv.XML, k=KIND_CODES[kind], id=doc_id).pack())


def invoice_card_buttons(inv: Invoice) -> list[InlineKeyboardButton]:
    """The invoice card's row from delivery: "Send…" once the invoice can be sent, and
    «e-Factura (XML)» when a Romanian seller issued it."""
    if inv.status in NOT_SENDABLE:
        return []
    row = [send_button("invoice", inv.id)]
    if inv.seller is not None and inv.seller.country.strip().upper() == "RO":
        row.append(efactura_button("invoice", inv.id))
    return row


def cb(action: Dv, header: DocHeader, t: int = 0) -> DeliveryCb:
    return DeliveryCb(action=action, k=KIND_CODES[header.kind], id=header.id, t=t)


def link_label(link: AccessLink) -> str:
    kind = _("Telegram link") if link.purpose == "deep_link" else _("public link")
    until = link.expires_at.strftime("%d.%m.%Y") if link.expires_at else "—"
    return _("Revoke {kind} (until {date})").format(kind=kind, date=until)


def menu_keyboard(options: SendOptions) -> InlineKeyboardMarkup:
    h = options.header
    kb = InlineKeyboardBuilder()
    if h.kind not in LINKED:  # a credit note: the chat, e-mail, the PDF
        if options.customer_chat:
            kb.button(text=_("To the customer's chat"), callback_data=cb(Dv.CHAT, h))
        kb.button(text=_("E-mail"), callback_data=cb(Dv.MAIL, h))
        kb.button(text=_("PDF"), callback_data=cb(Dv.PDF, h))
        if options.efactura:
            kb.button(text=_("e-Factura (XML)"), callback_data=cb(Dv.XML, h))
        kb.adjust(2 if options.customer_chat else 1, 2 if options.efactura else 1)
        return kb.as_markup()
    if options.business_chat:  # the manager's own chat with the customer: no link needed
        kb.button(text=_("Send to the customer's Telegram"), callback_data=cb(Dv.BUSINESS, h))
    kb.button(text=_("Telegram link"), callback_data=cb(Dv.LINK, h))
    if options.customer_chat:
        kb.button(text=_("To the customer's chat"), callback_data=cb(Dv.CHAT, h))
    kb.button(text=_("E-mail"), callback_data=cb(Dv.MAIL, h))
    kb.button(text=_("Public link"), callback_data=cb(Dv.PUBLIC, h))
    kb.button(text=_("PDF"), callback_data=cb(Dv.PDF, h))
    for link in options.active_links[-5:]:
        kb.button(text=link_label(link), callback_data=cb(Dv.REVOKE, h, link.id))
    kb.adjust(*([1] if options.business_chat else []), 2, 2, 1,
              *([1] * len(options.active_links[-5:])))
    return kb.as_markup()


def revoke_keyboard(header: DocHeader, link: AccessLink) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Revoke"), callback_data=cb(Dv.REVOKE, header, link.id))
    return kb.as_markup()


def until(link: AccessLink) -> str:
    return link.expires_at.strftime("%d.%m.%Y") if link.expires_at else "—"


async def send_email(message: Message, actor: User, delivery: DeliveryService,
                     kind: str, doc_id: int, address: str) -> bool:
    try:
        sent_to = await delivery.send_email(actor, kind, doc_id, address)
    except DomainError as err:
        await message.answer(error_text(err) + "\n" + _("Try again, or send /cancel."))
        return False
    await message.answer(_("E-mailed to {email}.").format(email=html.escape(sent_to)))
    return True


def kind_of(callback_data: DeliveryCb) -> str:
    return KINDS.get(callback_data.k, "")


async def on_menu(query: CallbackQuery, callback_data: DeliveryCb, actor: User,
                  msg: Message, delivery: DeliveryService) -> None:
    options = await delivery.options(actor, kind_of(callback_data), callback_data.id)
    await query.answer()
    await msg.answer(_("How shall I send {document}?").format(
        document=doc_object(options.header)), reply_markup=menu_keyboard(options))


async def on_link(query: CallbackQuery, callback_data: DeliveryCb, actor: User,
                  msg: Message, delivery: DeliveryService, bot: Bot) -> None:
    kind, doc_id = kind_of(callback_data), callback_data.id
    link = await delivery.deep_link(actor, kind, doc_id)
    header = await delivery.header(actor, kind, doc_id)
    me = await bot.me()
    url = f"https://t.me/{me.username}?start={link.start_payload}"
    await query.answer()
    await msg.answer(
        _("Telegram link to {document}, valid until {date}. Send it to the "
          "customer: when they open it, the bot sends them the document.")
        .format(document=doc_object(header), date=until(link)) + f"\n\n{url}",
        reply_markup=revoke_keyboard(header, link))


async def on_public(query: CallbackQuery, callback_data: DeliveryCb, actor: User,
                    msg: Message, delivery: DeliveryService) -> None:
    kind, doc_id = kind_of(callback_data), callback_data.id
    link, url = await delivery.public_link(actor, kind, doc_id)
    header = await delivery.header(actor, kind, doc_id)
    await query.answer()
    await msg.answer(
        _("Public link to the PDF of {document}, valid until {date}:")
        .format(document=doc_object(header), date=until(link)) + f"\n\n{url}",
        reply_markup=revoke_keyboard(header, link))


async def on_revoke(query: CallbackQuery, callback_data: DeliveryCb, actor: User,
                    msg: Message, delivery: DeliveryService) -> None:
    await delivery.revoke(actor, callback_data.t)
    await query.answer()
    await msg.answer(_("Link revoked: it no longer opens."))


async def on_pdf(query: CallbackQuery, callback_data: DeliveryCb, actor: User,
                 msg: Message, delivery: DeliveryService) -> None:
    pdf = await delivery.pdf(actor, kind_of(callback_data), callback_data.id)
    await query.answer()
    await msg.answer_document(BufferedInputFile(pdf.content, pdf.filename),
                              caption=doc_title(pdf.header))


async def on_xml(query: CallbackQuery, callback_data: DeliveryCb, actor: User,
                 msg: Message, delivery: DeliveryService) -> None:
    try:
        xml = await delivery.efactura(actor, kind_of(callback_data), callback_data.id)
    except InvalidInput as err:
        # A refusal names the missing field or explains (a buyer outside Romania): a
        # message, not an alert, whose 200 characters it may exceed. Not found and the
        # like are the middleware's alert, as on every button.
        await query.answer()
        await msg.answer(error_text(err))
        return
    await query.answer()
    await msg.answer_document(BufferedInputFile(xml.content, xml.filename),
                              caption=_("e-Factura of {document}, ready to upload to "
                                        "ANAF's SPV.").format(document=doc_title(xml.header)))


async def on_chat(query: CallbackQuery, callback_data: DeliveryCb, actor: User,
                  delivery: DeliveryService) -> None:
    # Queued through the outbox: "Sent to …" follows once Telegram accepted it, or the
    # reason it did not.
    copy = await delivery.to_customer_chat(actor, kind_of(callback_data), callback_data.id,
                                           query.id)
    await query.answer(_("Sending to {name}'s chat…").format(name=copy.contact.name[:60]))


async def on_business(query: CallbackQuery, callback_data: DeliveryCb, actor: User,
                      msg: Message, delivery: DeliveryService) -> None:
    # Queued through the outbox, sent as the manager into their own chat with the customer;
    # "Sent to …" follows once Telegram accepted it, or the reason it did not. A refusal now
    # (no reply right) is a message: an alert could not hold it.
    try:
        target = await delivery.to_business_chat(actor, kind_of(callback_data),
                                                  callback_data.id, query.id)
    except Conflict as err:
        await query.answer()
        await msg.answer(error_text(err))
        return
    await query.answer(_("Sending into your chat with {name}…").format(name=target.name[:60]))


async def on_mail(query: CallbackQuery, callback_data: DeliveryCb, actor: User,
                  msg: Message, delivery: DeliveryService, state: FSMContext) -> None:
    options = await delivery.options(actor, kind_of(callback_data), callback_data.id)
    await state.set_state(DeliveryInput.email)
    await state.set_data({"k": callback_data.k, "id": callback_data.id})
    await query.answer()
    kb = InlineKeyboardBuilder()
    if options.email:
        kb.button(text=_("Send to {email}").format(email=options.email[:40]),
                  callback_data=cb(Dv.MAIL_DEFAULT, options.header))
    await msg.answer(_("E-mail address to send {document} to?").format(
        document=doc_object(options.header)), reply_markup=kb.as_markup())


async def on_mail_default(query: CallbackQuery, callback_data: DeliveryCb, actor: User,
                          msg: Message, delivery: DeliveryService,
                          state: FSMContext) -> None:
    kind, doc_id = kind_of(callback_data), callback_data.id
    options = await delivery.options(actor, kind, doc_id)
    await query.answer()
    if options.email and await send_email(msg, actor, delivery, kind, doc_id,
                                          options.email):
        await state.clear()


async def on_stale(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=True)


def create_buttons_router() -> Router:
    """The document's delivery buttons, one handler per action; the middleware answers a domain
    error or a gone message (handlers.callback.AlertOnDomainError)."""
    router = Router(name="delivery_buttons")
    router.callback_query.filter(IsStaff())
    router.callback_query.middleware(AlertOnDomainError(needs_message=True))

    router.callback_query.register(on_menu, DeliveryCb.filter(F.action == Dv.MENU))
    router.callback_query.register(on_link, DeliveryCb.filter(F.action == Dv.LINK))
    router.callback_query.register(on_public, DeliveryCb.filter(F.action == Dv.PUBLIC))
    router.callback_query.register(on_revoke, DeliveryCb.filter(F.action == Dv.REVOKE))
    router.callback_query.register(on_pdf, DeliveryCb.filter(F.action == Dv.PDF))
    router.callback_query.register(on_xml, DeliveryCb.filter(F.action == Dv.XML))
    router.callback_query.register(on_chat, DeliveryCb.filter(F.action == Dv.CHAT))
    router.callback_query.register(on_business, DeliveryCb.filter(F.action == Dv.BUSINESS))
    router.callback_query.register(on_mail, DeliveryCb.filter(F.action == Dv.MAIL))
    router.callback_query.register(on_mail_default, DeliveryCb.filter(F.action == Dv.MAIL_DEFAULT))
    router.callback_query.register(on_stale, DeliveryCb.filter())

    return router


async def got_email(message: Message, actor: User, state: FSMContext,
                    delivery: DeliveryService) -> None:
    data = await state.get_data()
    kind, doc_id = KINDS.get(str(data.get("k")), ""), int(data.get("id") or 0)
    if await send_email(message, actor, delivery, kind, doc_id, message.text or ""):
        await state.clear()


async def save_template(message: Message, actor: User, delivery: DeliveryService,
                        bot: Bot, name: str) -> bool:
    doc = message.document
    if doc is None:
        await message.answer(_("Please send the template as a file (.html.j2)."))
        return False
    try:
        key = clean_template_name(name)
        check_template_upload(doc.file_name, doc.file_size)
        data = await bot.download(doc, destination=io.BytesIO())
        assert data is not None
        try:
            source = data.getvalue().decode("utf-8")  # type: ignore[attr-defined]
        except UnicodeDecodeError:
            await message.answer(_("The template must be a UTF-8 text file. The old "
                                   "template is kept."))
            return False
        await delivery.save_template(actor, key, source)
    except DomainError as err:
        if "error" in err.params:  # Jinja's message may hold "<" or "&"
            err.params["error"] = html.escape(str(err.params["error"]))
        await message.answer(error_text(err))
        return False
    await message.answer(_("Template {name} saved: new documents use it.").format(
        name=key))
    return True


async def cmd_template(message: Message, actor: User, command: CommandObject,
                       delivery: DeliveryService, state: FSMContext) -> None:
    await state.clear()
    try:
        await delivery.check_admin(actor)
        key = clean_template_name(command.args or "")
    except DomainError as err:
        await message.answer(error_text(err))
        return
    await state.set_state(UploadInput.template)
    await state.set_data({"name": key})
    await message.answer(_("Send the template file for {name} (.html.j2). It is "
                           "test-rendered first; if it fails, the old one stays.")
                         .format(name=key))


async def on_template_file(message: Message, actor: User, delivery: DeliveryService,
                           bot: Bot, state: FSMContext, template_name: str) -> None:
    if await save_template(message, actor, delivery, bot, template_name):
        await state.clear()


async def got_template(message: Message, actor: User, delivery: DeliveryService,
                       bot: Bot, state: FSMContext) -> None:
    data = await state.get_data()
    if await save_template(message, actor, delivery, bot, str(data.get("name") or "")):
        await state.clear()


async def cmd_image(message: Message, actor: User, command: CommandObject,
                    delivery: DeliveryService, state: FSMContext) -> None:
    await state.clear()
    try:
        await delivery.check_admin(actor)
    except DomainError as err:
        await message.answer(error_text(err))
        return
    await state.set_state(UploadInput.image)
    await state.set_data({"kind": command.command})
    await message.answer(_("Send the picture as a photo or a PNG/JPEG file (at most "
                           "5 MB)."))


async def got_image(message: Message, actor: User, delivery: DeliveryService, bot: Bot,
                    state: FSMContext) -> None:
    kind = str((await state.get_data()).get("kind") or "")
    file: Any = message.photo[-1] if message.photo else message.document
    try:
        check_image_upload(kind, file.file_size)
        data = await bot.download(file, destination=io.BytesIO())
        assert data is not None
        await delivery.save_image(actor, kind, data.getvalue())  # type: ignore[attr-defined]
    except DomainError as err:
        await message.answer(error_text(err) + "\n" + _("Send another file, or /cancel."))
        return
    await state.clear()
    names = {"logo": _("The logo"), "stamp": _("The stamp"), "signature": _("The signature")}
    await message.answer(_("{what} is saved: new documents print it.").format(
        what=names.get(kind, kind)))


def create_router() -> Router:
    router = Router(name="delivery")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    router.include_router(create_buttons_router())

    router.message.register(got_email, StateFilter(DeliveryInput.email), HasText())

    # --- admin uploads ------------------------------------------------------------------

    router.message.register(cmd_template, Command("template"))
    router.message.register(on_template_file, TemplateCaption())
    router.message.register(got_template, StateFilter(UploadInput.template), HasFile())
    router.message.register(cmd_image, Command(*IMAGE_KINDS))
    router.message.register(got_image, StateFilter(UploadInput.image), HasFile())

    return router


__all__ = ["TEMPLATE_NAMES", "create_router", "invoice_card_buttons", "send_button"]
