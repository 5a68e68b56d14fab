"""/org: our seller organizations, and the admin's short flow to add one (name, country, tax
id, KPP for Russia, address, currency, invoice prefix, bank account)."""

from __future__ import annotations

import html
import secrets
from datetime import date
from enum import StrEnum
from typing import Any, Final

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel import Locale

from handlers.callback import message_of
from handlers.filters import HasRole, HasText, SameFlow
from handlers.texts import error_text, tax_id_kind
from services.errors import DomainError
from services.organizations import (
    Organization,
    OrganizationDraft,
    OrganizationService,
    editable_fields,
    org_value,
)
from services.users import Role, User

COUNTRIES: Final = ("RU", "BY", "MD", "RO")


class OrgAction(StrEnum):
    ADD = "add"
    COUNTRY = "c"
    CURRENCY = "cur"
    SAVE = "save"
    CANCEL = "x"
    EDIT = "e"  # v: the organization's id
    FIELD = "f"  # v: "<organization id>.<field>"


class OrgCb(CallbackData, prefix="og"):
    action: OrgAction
    flow: str = ""
    v: str = ""


class NewOrg(StatesGroup):
    step = State()
    confirm = State()


class EditOrg(StatesGroup):
    value = State()


# The organization's fields as the admin sees them (the flow's summary, the edit buttons).
LABELS = {
    "name": __("Name on documents"),
    "legal_name": __("Legal name"),
    "country": __("Country"),
    "tax_id": __("Tax id"),
    "kpp": __("KPP"),
    "ogrn": __("OGRN"),
    "trade_register": __("Trade register number"),
    "address": __("Legal address"),
    "city": __("City"),
    "region": __("Region (county) code"),
    "postal_code": __("Postal code"),
    "director": __("Director"),
    "director_position": __("Director's position"),
    "accountant": __("Chief accountant"),
    "signer_name": __("Signer by power of attorney"),
    "signer_position": __("Signer's position"),
    "signer_poa_number": __("Power of attorney number"),
    "signer_poa_date": __("Power of attorney date"),
    "vat_on_collection": __("VAT on collection"),
    "currency": __("Currency"),
    "invoice_prefix": __("Invoice prefix"),
    "payment_terms_days": __("Payment terms, days"),
    "bik": __("BIK"),
    "bank_name": __("Bank"),
    "account": __("Settlement account"),
    "corr_account": __("Correspondent account"),
    "iban": __("IBAN"),
    "bic": __("BIC"),
}


QUESTIONS = {
    "name": __("Organization name (as on documents)?"),
    "country": __("Country?"),
    "tax_id": __("Tax id (INN, UNP, IDNO or CUI)?"),
    "kpp": __("KPP?"),
    "address": __("Legal address?"),
    "currency": __("Currency of invoices? (or press the default)"),
    "invoice_prefix": __("Invoice number prefix, e.g. INV?"),
    "bik": __("Bank BIK?"),
    "bank_name": __("Bank name (as on payment orders)?"),
    "account": __("Settlement account (20 digits)?"),
    "corr_account": __("Correspondent account (20 digits)?"),
    "iban": __("IBAN?"),
    "bic": __("BIC (SWIFT)?"),
}

# What to type, for the fields whose form is not obvious.
HINTS = {
    "trade_register": __("For example J40/1234/2020."),
    "region": __("The county code, e.g. B for Bucharest, CJ for Cluj."),
    "signer_poa_date": __("For example 15.01.2026."),
    "vat_on_collection": __("Answer yes or no."),
    "director_position": __("For example General Director."),
}


def country_name(code: str) -> str:
    """«Россия», "Romania", «Republica Moldova»: the country in the reader's language (Babel's
    territory names), the code itself when unknown."""
    lang = get_i18n().current_locale
    return str(Locale.parse(lang if lang in ("ru", "en", "ro") else "en")
               .territories.get(code, code))


def steps(country: str | None) -> list[str]:
    head = ["name", "country", "tax_id"]
    if country == "RU":
        return [*head, "kpp", "address", "currency", "invoice_prefix", "bik", "bank_name",
                "account", "corr_account"]
    # The bank's name is printed in the bank block and required by payment QR codes.
    return [*head, "address", "currency", "invoice_prefix", "bank_name", "iban", "bic"]


def org_text(org: Organization) -> str:
    acc = org.default_account
    lines = [f"<b>{html.escape(org.name)}</b> ({country_name(org.country)})",
             f"{tax_id_kind(org.country)}: {org.tax_id or '—'}"
             + (f", {LABELS['kpp']} {org.kpp}" if org.kpp else ""),
             html.escape(org.address),
             _("Currency: {currency}; invoices {prefix}").format(
                 currency=org.currency, prefix=html.escape(org.invoice_prefix)),
             _("Payment terms: {days} days").format(days=org.payment_terms_days)]
    for field in ("legal_name", "ogrn", "trade_register", "city", "region", "postal_code",
                  "director", "director_position", "accountant", "signer_name",
                  "signer_position", "signer_poa_number", "signer_poa_date"):
        if value := shown_value(org, field):
            lines.append(f"{LABELS[field]}: {html.escape(value)}")
    if org.vat_on_collection:
        lines.append(_("VAT on collection: applied"))
    if acc:
        bank = (f"{LABELS['bik']} {acc.bik}, {acc.account}" if acc.bik
                else f"IBAN {acc.account}, {acc.bic}")
        lines.append(_("Bank: {bank}").format(bank=bank))
    return "\n".join(lines)


def shown_value(org: Organization, field: str) -> str | None:
    """A field's value as the admin reads it: dates as DD.MM.YYYY, yes/no in words."""
    value = org_value(org, field)
    if value is None:
        return None
    if field == "signer_poa_date":
        return date.fromisoformat(value).strftime("%d.%m.%Y")
    if field == "vat_on_collection":
        return _("yes") if value == "yes" else _("no")
    return value


def summary(data: dict[str, Any]) -> str:
    keys = steps(data.get("country"))
    def shown(key: str) -> str:
        value = data.get(key)
        if key == "country" and value:
            return country_name(str(value))
        return str(value or "—")

    rows = [_("New organization:")] + [f"{LABELS[k]}: {html.escape(shown(k))}" for k in keys]
    return "\n".join([*rows, _("Save?")])


async def ask(message: Message, state: FSMContext, service: OrganizationService) -> None:
    data = await state.get_data()
    remaining = [s for s in steps(data.get("country")) if s not in data]
    if not remaining:
        await state.set_state(NewOrg.confirm)
        kb = InlineKeyboardBuilder()
        kb.button(text=_("Save"), callback_data=OrgCb(action=OrgAction.SAVE,
                                                      flow=data["flow"]))
        kb.button(text=_("Cancel"), callback_data=OrgCb(action=OrgAction.CANCEL,
                                                        flow=data["flow"]))
        await message.answer(summary(data), reply_markup=kb.as_markup())
        return
    step = remaining[0]
    await state.set_state(NewOrg.step)
    await state.update_data(step=step)
    markup: InlineKeyboardMarkup | None = None
    if step == "country":
        kb = InlineKeyboardBuilder()
        for code in COUNTRIES:
            kb.button(text=code, callback_data=OrgCb(action=OrgAction.COUNTRY,
                                                     flow=data["flow"], v=code))
        markup = kb.as_markup()
    elif step == "currency":
        default = service.default_currency(data["country"])
        kb = InlineKeyboardBuilder()
        kb.button(text=default, callback_data=OrgCb(action=OrgAction.CURRENCY,
                                                    flow=data["flow"], v=default))
        markup = kb.as_markup()
    await message.answer(str(QUESTIONS[step]), reply_markup=markup)


async def cmd_org(message: Message, actor: User, organizations: OrganizationService,
                  state: FSMContext) -> None:
    await state.clear()
    orgs = await organizations.list(actor)
    kb = InlineKeyboardBuilder()
    for org in orgs:
        kb.button(text=_("Edit «{name}»").format(name=org.name[:40]),
                  callback_data=OrgCb(action=OrgAction.EDIT, v=str(org.id)))
    kb.button(text=_("Add organization"), callback_data=OrgCb(action=OrgAction.ADD))
    kb.adjust(1)
    text = "\n\n".join(org_text(o) for o in orgs) if orgs else _(
        "No organizations yet: add the one that issues your invoices.")
    await message.answer(text, reply_markup=kb.as_markup())


async def got_value(message: Message, state: FSMContext,
                    organizations: OrganizationService) -> None:
    data = await state.get_data()
    step = data.get("step", "name")
    if step == "country":
        await message.answer(_("Choose the country with the buttons."))
        return
    try:
        value = organizations.clean_field(step, message.text or "", data)
    except DomainError as err:
        await message.answer(error_text(err))
        return
    await state.update_data({step: value})
    await ask(message, state, organizations)


async def on_add(query: CallbackQuery, state: FSMContext,
                 organizations: OrganizationService) -> None:
    msg = message_of(query)
    if msg is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    await state.set_state(NewOrg.step)
    await state.set_data({"flow": secrets.token_hex(4)})
    await query.answer()
    await ask(msg, state, organizations)


async def on_choice(query: CallbackQuery, callback_data: OrgCb, state: FSMContext,
                    organizations: OrganizationService, flow_data: dict[str, Any],
                    msg: Message) -> None:
    step = "country" if callback_data.action == OrgAction.COUNTRY else "currency"
    if flow_data.get("step") != step:
        await query.answer(_("This button belongs to a finished step."), show_alert=True)
        return
    try:
        value = organizations.clean_field(step, callback_data.v, flow_data)
    except DomainError as err:
        await query.answer(error_text(err), show_alert=True)
        return
    await state.update_data({step: value})
    await query.answer()
    await ask(msg, state, organizations)


async def on_cancel(query: CallbackQuery, state: FSMContext, msg: Message) -> None:
    await state.clear()
    await query.answer()
    await msg.edit_text(_("Cancelled. Nothing was saved."))


async def on_save(query: CallbackQuery, state: FSMContext, actor: User,
                  organizations: OrganizationService, flow_data: dict[str, Any],
                  msg: Message) -> None:
    data = flow_data
    try:
        org = await organizations.create(actor, OrganizationDraft(
            name=data["name"], country=data["country"], tax_id=data["tax_id"],
            kpp=data.get("kpp"), address=data["address"], currency=data["currency"],
            invoice_prefix=data["invoice_prefix"], bik=data.get("bik"),
            bank_name=data.get("bank_name") or "",
            account=data.get("account"), corr_account=data.get("corr_account"),
            iban=data.get("iban"), bic=data.get("bic")))
    except (DomainError, KeyError) as err:
        text = error_text(err) if isinstance(err, DomainError) else _(
            "This button belongs to a finished step.")
        await query.answer(text, show_alert=True)
        return
    await state.clear()
    await query.answer()
    await msg.edit_text(_("Saved.") + "\n" + org_text(org))


def fields_keyboard(org: Organization) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for field in editable_fields(org):
        kb.button(text=str(LABELS[field]),
                  callback_data=OrgCb(action=OrgAction.FIELD, v=f"{org.id}.{field}"))
    kb.adjust(2)
    return kb.as_markup()


async def on_edit(query: CallbackQuery, callback_data: OrgCb, actor: User,
                  organizations: OrganizationService, state: FSMContext) -> None:
    msg = message_of(query)
    try:
        org = await organizations.get(actor, int(callback_data.v or 0))
    except (DomainError, ValueError) as err:
        text = error_text(err) if isinstance(err, DomainError) else _(
            "This button is no longer active.")
        await query.answer(text, show_alert=True)
        return
    await state.clear()
    await query.answer()
    if msg is not None:
        await msg.answer(_("What to change in «{name}»?").format(name=html.escape(org.name)),
                         reply_markup=fields_keyboard(org))


async def on_field(query: CallbackQuery, callback_data: OrgCb, actor: User,
                   organizations: OrganizationService, state: FSMContext) -> None:
    msg = message_of(query)
    org_id, _dot, field = callback_data.v.partition(".")
    try:
        org = await organizations.get(actor, int(org_id or 0))
    except (DomainError, ValueError) as err:
        text = error_text(err) if isinstance(err, DomainError) else _(
            "This button is no longer active.")
        await query.answer(text, show_alert=True)
        return
    if field not in editable_fields(org) or msg is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    await state.set_state(EditOrg.value)
    await state.set_data({"org": org.id, "field": field})
    await query.answer()
    current = shown_value(org, field) or "—"
    hint = HINTS.get(field)
    await msg.answer(_("New value of «{label}»? Now: {value}").format(
        label=LABELS[field], value=html.escape(current)) + (f"\n{hint}" if hint else ""))


async def got_edit(message: Message, actor: User, state: FSMContext,
                   organizations: OrganizationService) -> None:
    data = await state.get_data()
    try:
        org = await organizations.edit(actor, int(data["org"]), str(data["field"]),
                                       message.text or "")
    except DomainError as err:
        await message.answer(error_text(err) + "\n" + _("Try again, or send /cancel."))
        return
    await state.clear()
    await message.answer(_("Saved.") + "\n" + org_text(org))


async def on_stale(query: CallbackQuery) -> None:
    """A flow's button whose run is over (or whose message is gone)."""
    if message_of(query) is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    await query.answer(_("This button belongs to a finished step."), show_alert=True)


def create_router() -> Router:
    router = Router(name="organizations")
    router.message.filter(HasRole(Role.ADMIN))
    router.callback_query.filter(HasRole(Role.ADMIN))

    router.message.register(cmd_org, Command("org"))
    router.message.register(got_value, StateFilter(NewOrg.step), HasText())
    router.message.register(got_edit, StateFilter(EditOrg.value), HasText())
    router.callback_query.register(on_edit, OrgCb.filter(F.action == OrgAction.EDIT))
    router.callback_query.register(on_field, OrgCb.filter(F.action == OrgAction.FIELD))
    router.callback_query.register(on_add, OrgCb.filter(F.action == OrgAction.ADD))
    router.callback_query.register(
        on_choice, OrgCb.filter(F.action.in_({OrgAction.COUNTRY, OrgAction.CURRENCY})),
        SameFlow(OrgCb))
    router.callback_query.register(
        on_cancel, OrgCb.filter(F.action == OrgAction.CANCEL), SameFlow(OrgCb))
    router.callback_query.register(
        on_save, OrgCb.filter(F.action == OrgAction.SAVE), SameFlow(OrgCb))
    router.callback_query.register(on_stale, OrgCb.filter())

    return router
