"""/find TEXT and inline mode (@bot TEXT): companies, contacts, leads and deals the user may
see, by name prefix, phone, e-mail or tax id."""

from __future__ import annotations

import html

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultUnion,
    InputTextMessageContent,
    Message,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.clients import ClientAction, ClientCb
from handlers.deals.callbacks import DealAction, DealCb
from handlers.filters import IsStaff
from handlers.leads.callbacks import LeadAction, LeadCb
from handlers.texts import error_text
from services.errors import DomainError
from services.search import HitKind, SearchHit, SearchResult, SearchService
from services.users import User

ICONS = {HitKind.COMPANY: "🏢", HitKind.CONTACT: "👤", HitKind.LEAD: "🎯", HitKind.DEAL: "💼"}
INLINE_CACHE_SECONDS = 5  # results are personal and change as people work


def kind_name(kind: HitKind) -> str:
    return {HitKind.COMPANY: _("company"), HitKind.CONTACT: _("contact"),
            HitKind.LEAD: _("lead"), HitKind.DEAL: _("deal")}[kind]


def hit_details(hit: SearchHit) -> list[str]:
    """The hit's known details, already escaped."""
    details = [kind_name(hit.kind)]
    if hit.company_name and hit.kind != HitKind.COMPANY:
        details.append(html.escape(hit.company_name))
    for value in (hit.phone, hit.email):
        if value:
            details.append(html.escape(value))
    if hit.tax_id:
        details.append(_("tax id {value}").format(value=html.escape(hit.tax_id)))
    if hit.status:
        details.append(html.escape(hit.status))
    return details


def hit_line(hit: SearchHit) -> str:
    return f"{ICONS[hit.kind]} <b>{html.escape(hit.name)}</b> · " + " · ".join(
        hit_details(hit))


def results_text(query: str, result: SearchResult) -> str:
    if not result.hits:
        return _("Nothing found for «{query}».").format(query=html.escape(query))
    lines = [_("Found for «{query}»: {count}").format(query=html.escape(query),
                                                      count=len(result.hits))]
    lines += [hit_line(h) for h in result.hits]
    return "\n".join(lines)


def results_keyboard(result: SearchResult) -> InlineKeyboardMarkup | None:
    """A button for every hit that has a card: companies (and a contact's company) open the
    client card, leads and deals their own cards; a contact without a company is text."""
    kb = InlineKeyboardBuilder()
    count = 0
    for hit in result.hits:
        label = f"{ICONS[hit.kind]} {hit.name}"[:60]
        if hit.kind == HitKind.COMPANY:
            kb.button(text=label, callback_data=ClientCb(action=ClientAction.OPEN, id=hit.id))
        elif hit.kind == HitKind.CONTACT and hit.company_id:
            kb.button(text=label, callback_data=ClientCb(action=ClientAction.OPEN,
                                                         id=hit.company_id))
        elif hit.kind == HitKind.DEAL:
            kb.button(text=label, callback_data=DealCb(action=DealAction.OPEN, id=hit.id))
        elif hit.kind == HitKind.LEAD:
            kb.button(text=label, callback_data=LeadCb(action=LeadAction.OPEN, id=hit.id))
        else:
            continue
        count += 1
    if not count:
        return None
    kb.adjust(1)
    return kb.as_markup()


def inline_card(hit: SearchHit) -> str:
    return f"{ICONS[hit.kind]} <b>{html.escape(hit.name)}</b>\n" + "\n".join(
        hit_details(hit))


def create_router() -> Router:
    router = Router(name="search")
    router.message.filter(IsStaff())
    # Strangers' and customers' inline queries fall through to the fallback: no results.
    router.inline_query.filter(IsStaff())

    @router.message(Command("find"))
    async def cmd_find(message: Message, command: CommandObject, actor: User,
                       search: SearchService) -> None:
        query = (command.args or "").strip()
        if not query:
            await message.answer(_("Send /find and part of a name, a phone, an e-mail or a tax "
                                   "id. Example: /find Ромашка"))
            return
        try:
            result = await search.search(actor, query)
        except DomainError as err:
            await message.answer(error_text(err))
            return
        await message.answer(results_text(query, result),
                             reply_markup=results_keyboard(result))

    @router.inline_query()
    async def on_inline(query: InlineQuery, actor: User, search: SearchService) -> None:
        try:
            result = await search.search(actor, query.query)
        except DomainError:
            await query.answer([], cache_time=INLINE_CACHE_SECONDS, is_personal=True)
            return
        articles: list[InlineQueryResultUnion] = [
            InlineQueryResultArticle(
                id=f"{hit.kind.value}-{hit.id}",
                title=f"{ICONS[hit.kind]} {hit.name}",
                description=html.unescape(" · ".join(hit_details(hit))),
                input_message_content=InputTextMessageContent(message_text=inline_card(hit)),
            )
            for hit in result.hits
        ]
        await query.answer(articles, cache_time=INLINE_CACHE_SECONDS, is_personal=True)

    return router
