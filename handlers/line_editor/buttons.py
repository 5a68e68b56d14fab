"""The editor's buttons for one document kind, one handler per action. The kind's router
answers a DomainError and a gone message (handlers.callback.AlertOnDomainError), so `msg` is
a Message."""

from __future__ import annotations

import html
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.filters import IsStaff
from handlers.line_editor.keyboards import (
    line_keyboard,
    lines_keyboard,
    price_lists_keyboard,
    tax_keyboard,
    vat_keyboard,
)
from handlers.line_editor.kind import DocumentKind, LineAction
from handlers.line_editor.texts import (
    ASK,
    TAX_MODE_CODES,
    line_text,
    price_list_name,
    repriced_text,
)
from handlers.texts import error_text
from services.catalog import CatalogService, vat_from_code
from services.errors import DomainError
from services.users import User

LINE_FIELDS = {LineAction.LINE_QTY: "qty", LineAction.LINE_PRICE: "price",
               LineAction.LINE_DISCOUNT: "discount"}


async def ask(query: CallbackQuery, msg: Message, state: FSMContext, new_state: State,
              text: str, **data: Any) -> None:
    await state.set_state(new_state)
    await state.set_data(data)
    await query.answer()
    await msg.answer(text)


async def reply_error(message: Message, err: DomainError) -> None:
    await message.answer(error_text(err) + "\n" + _("Try again, or send /cancel."))


def create_buttons_router(kind: DocumentKind) -> Router:
    router = Router(name=f"{kind.name}_line_buttons")
    router.callback_query.filter(IsStaff())
    states, key, make = kind.states, kind.key, kind.make

    def on(action: LineAction) -> Any:
        return router.callback_query(kind.callback.filter(F.action == action))

    # --- buttons (the kind's router answers a DomainError and a gone message) ---------------

    @on(LineAction.ADD_PRODUCT)
    async def on_add_product(query: CallbackQuery, callback_data: Any, actor: User,
                             msg: Message, state: FSMContext, **data: Any) -> None:
        doc = await kind.load(kind.service(data), actor, callback_data.id)
        await ask(query, msg, state, states.product_query, _("Type the product name or SKU:"),
                  **{key: doc.id})

    @on(LineAction.PICK)
    async def on_pick(query: CallbackQuery, callback_data: Any, actor: User, msg: Message,
                      state: FSMContext, **data: Any) -> None:
        doc = await kind.load(kind.service(data), actor, callback_data.id)
        await ask(query, msg, state, states.product_qty, str(ASK["qty"]),
                  **{key: doc.id}, product=callback_data.arg)

    @on(LineAction.ADD_LINE)
    async def on_add_line(query: CallbackQuery, callback_data: Any, actor: User,
                          msg: Message, state: FSMContext, **data: Any) -> None:
        doc = await kind.load(kind.service(data), actor, callback_data.id)
        await ask(query, msg, state, states.line_name, _("Line name?"), **{key: doc.id},
                  kind="item")

    @on(LineAction.SHIPPING)
    async def on_shipping(query: CallbackQuery, callback_data: Any, actor: User,
                          msg: Message, state: FSMContext, **data: Any) -> None:
        doc = await kind.load(kind.service(data), actor, callback_data.id)
        await ask(query, msg, state, states.line_price,
                  _("Shipping price in {currency}?").format(currency=doc.currency),
                  **{key: doc.id}, kind="shipping", name=_("Shipping"), qty="1")

    @on(LineAction.CHARGE)
    async def on_charge(query: CallbackQuery, callback_data: Any, actor: User, msg: Message,
                        state: FSMContext, **data: Any) -> None:
        doc = await kind.load(kind.service(data), actor, callback_data.id)
        await ask(query, msg, state, states.line_name, _("What is the charge for?"),
                  **{key: doc.id}, kind="charge")

    @on(LineAction.LINES)
    async def on_lines(query: CallbackQuery, callback_data: Any, actor: User, msg: Message,
                       **data: Any) -> None:
        doc = await kind.load(kind.service(data), actor, callback_data.id)
        await query.answer()
        await msg.answer(_("Which line?"), reply_markup=lines_keyboard(doc.id, doc.lines, make))

    @on(LineAction.LINE)
    async def on_line(query: CallbackQuery, callback_data: Any, actor: User, msg: Message,
                      **data: Any) -> None:
        doc = await kind.load(kind.service(data), actor, callback_data.id)
        await query.answer()
        position = callback_data.arg
        line = next((x for x in doc.lines if x.position == position), None)
        if line is None:
            await msg.answer(_("This line is gone: the draft changed."))
            return
        await msg.answer(line_text(line, doc.currency, doc.tax_mode),
                         reply_markup=line_keyboard(doc.id, position, make))

    @router.callback_query(kind.callback.filter(F.action.in_(LINE_FIELDS)))
    async def on_line_field(query: CallbackQuery, callback_data: Any, actor: User,
                            msg: Message, state: FSMContext, **data: Any) -> None:
        doc = await kind.load(kind.service(data), actor, callback_data.id)
        field = LINE_FIELDS[LineAction(callback_data.action)]
        await ask(query, msg, state, states.line_value,
                  str(ASK[field]).format(currency=doc.currency), **{key: doc.id},
                  pos=callback_data.arg, field=field)

    @on(LineAction.LINE_VAT)
    async def on_line_vat(query: CallbackQuery, callback_data: Any, actor: User,
                          msg: Message, **data: Any) -> None:
        service = kind.service(data)
        doc = await kind.load(service, actor, callback_data.id)
        rates = await service.line_vat_rates(actor, doc.id)
        await query.answer()
        await msg.answer(_("VAT rate of line {n}:").format(n=callback_data.arg),
                         reply_markup=vat_keyboard(doc.id, callback_data.arg, rates, make))

    @on(LineAction.SET_VAT)
    async def on_set_vat(query: CallbackQuery, callback_data: Any, actor: User,
                         msg: Message, **data: Any) -> None:
        service = kind.service(data)
        doc = await kind.load(service, actor, callback_data.id)
        doc = await service.update_line(actor, doc.id, callback_data.arg,
                                        vat_rate=vat_from_code(callback_data.v))
        await query.answer()
        await kind.show(msg, actor, doc, "")

    @on(LineAction.LINE_REMOVE)
    async def on_line_remove(query: CallbackQuery, callback_data: Any, actor: User,
                             msg: Message, **data: Any) -> None:
        service = kind.service(data)
        doc = await kind.load(service, actor, callback_data.id)
        doc = await service.remove_line(actor, doc.id, callback_data.arg)
        await query.answer()
        await kind.show(msg, actor, doc, "")

    @on(LineAction.DISCOUNT)
    async def on_discount(query: CallbackQuery, callback_data: Any, actor: User,
                          msg: Message, state: FSMContext, **data: Any) -> None:
        doc = await kind.load(kind.service(data), actor, callback_data.id)
        await ask(query, msg, state, states.discount,
                  _("Discount on the total: a percent (10%) or an amount in "
                    "{currency} (500). 0 removes it.").format(currency=doc.currency),
                  **{key: doc.id})

    @on(LineAction.TAX)
    async def on_tax(query: CallbackQuery, callback_data: Any, actor: User, msg: Message,
                     **data: Any) -> None:
        doc = await kind.load(kind.service(data), actor, callback_data.id)
        await query.answer()
        await msg.answer(_("How is VAT counted?"),
                         reply_markup=tax_keyboard(doc.id, doc.tax_mode, make))

    @on(LineAction.SET_TAX)
    async def on_set_tax(query: CallbackQuery, callback_data: Any, actor: User,
                         msg: Message, **data: Any) -> None:
        service = kind.service(data)
        doc = await kind.load(service, actor, callback_data.id)
        arg = callback_data.arg
        mode = TAX_MODE_CODES[arg] if 0 <= arg < len(TAX_MODE_CODES) else ""
        doc = await service.set_tax_mode(actor, doc.id, mode)
        await query.answer()
        await kind.show(msg, actor, doc, "")

    @on(LineAction.PRICE_LIST)
    async def on_price_list(query: CallbackQuery, callback_data: Any, actor: User,
                            msg: Message, catalog: CatalogService, **data: Any) -> None:
        doc = await kind.load(kind.service(data), actor, callback_data.id)
        lists = await catalog.price_lists(actor)
        await query.answer()
        await msg.answer(_("Price list of the draft (now «{name}»)? Catalog lines are priced "
                           "again from it; lines typed by hand stay.").format(
                               name=html.escape(price_list_name(doc.price_list))),
                         reply_markup=price_lists_keyboard(doc.id, doc.price_list, lists,
                                                           make))

    @on(LineAction.SET_PRICE_LIST)
    async def on_set_price_list(query: CallbackQuery, callback_data: Any, actor: User,
                                msg: Message, **data: Any) -> None:
        service = kind.service(data)
        doc = await kind.load(service, actor, callback_data.id)
        done = await service.set_price_list(actor, doc.id, callback_data.v)
        await query.answer()
        await kind.show(msg, actor, done.doc,
                        repriced_text(done.price_list, done.changed, done.fallback))

    @on(LineAction.CURRENCY)
    async def on_currency(query: CallbackQuery, callback_data: Any, actor: User,
                          msg: Message, state: FSMContext, **data: Any) -> None:
        doc = await kind.load(kind.service(data), actor, callback_data.id)
        await ask(query, msg, state, states.currency,
                  _("Currency code? RUB, BYN, MDL, RON, EUR or USD."), **{key: doc.id})

    return router
