"""Admins: invite staff with one-time deep links; deactivate a manager and hand over clients."""

from __future__ import annotations

import html
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command, Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import message_of
from handlers.common import role_name
from handlers.filters import HasRole
from handlers.texts import error_text
from services.access import AccessService
from services.errors import DomainError
from services.users import Role, User


class InviteCb(CallbackData, prefix="iv"):
    role: Role


class TeamAction(StrEnum):
    OPEN = "o"
    DEACTIVATE = "d"
    HANDOVER = "h"


class TeamCb(CallbackData, prefix="tm"):
    action: TeamAction
    user_id: int
    to: int = 0


def invite_text(role: Role, url: str, expires_at: datetime, zone: str) -> str:
    """The invitation link for the admin, its expiry in the admin's own time zone."""
    local = expires_at.astimezone(ZoneInfo(zone))
    return _("Invitation for a {role}. Send this link to them; it works once and is valid "
             "until {expires}:\n{url}").format(
        role=role_name(role), url=html.escape(url), expires=f"{local:%d.%m %H:%M}")


def invite_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Manager"), callback_data=InviteCb(role=Role.MANAGER))
    kb.button(text=_("Head of sales"), callback_data=InviteCb(role=Role.HEAD))
    kb.button(text=_("Admin"), callback_data=InviteCb(role=Role.ADMIN))
    kb.adjust(1)
    return kb.as_markup()


def team_keyboard(staff: list[User]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for user in staff:
        mark = "" if user.is_active else " ⛔"
        label = user.full_name or (f"@{user.username}" if user.username else str(user.telegram_id))
        kb.button(text=f"{label} · {role_name(user.role)}{mark}",
                  callback_data=TeamCb(action=TeamAction.OPEN, user_id=user.id))
    kb.adjust(1)
    return kb.as_markup()


def handover_keyboard(target: User, staff: list[User]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for heir in staff:
        if heir.id != target.id and heir.is_active:
            kb.button(text=_("Hand clients to {name}").format(name=heir.full_name or heir.id),
                      callback_data=TeamCb(action=TeamAction.HANDOVER, user_id=target.id,
                                           to=heir.id))
    kb.button(text=_("Deactivate, keep clients"),
              callback_data=TeamCb(action=TeamAction.HANDOVER, user_id=target.id, to=0))
    kb.adjust(1)
    return kb.as_markup()


class TeamMember(Filter):
    """The team member a TeamCb button names, looked up in the actor's view of the team: passes
    `target` and `staff` to the handler; otherwise the router's last handler says not found."""

    async def __call__(self, query: CallbackQuery, callback_data: TeamCb, actor: User,
                       access: AccessService) -> bool | dict[str, Any]:
        staff = list(await access.staff(actor))
        target = next((u for u in staff if u.id == callback_data.user_id), None)
        return False if target is None else {"target": target, "staff": staff}


def create_router() -> Router:
    router = Router(name="admin")
    router.message.filter(HasRole(Role.ADMIN))
    router.callback_query.filter(HasRole(Role.ADMIN))

    @router.message(Command("invite"))
    async def cmd_invite(message: Message) -> None:
        await message.answer(_("Whom are you inviting?"), reply_markup=invite_keyboard())

    @router.callback_query(InviteCb.filter())
    async def on_invite(query: CallbackQuery, callback_data: InviteCb, actor: User,
                        access: AccessService, bot: Bot) -> None:
        try:
            link = await access.create_invite(actor, callback_data.role)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        me = await bot.me()
        url = f"https://t.me/{me.username}?start={link.start_payload}"
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(
                invite_text(link.role, url, link.expires_at, access.reader_zone(actor)))

    @router.message(Command("team"))
    async def cmd_team(message: Message, actor: User, access: AccessService) -> None:
        staff = list(await access.staff(actor))
        await message.answer(_("The team ({count}):").format(count=len(staff)),
                             reply_markup=team_keyboard(staff))

    @router.callback_query(TeamCb.filter(F.action == TeamAction.OPEN), TeamMember())
    async def on_open(query: CallbackQuery, actor: User, target: User) -> None:
        kb = InlineKeyboardBuilder()
        if target.is_active and target.id != actor.id:
            kb.button(text=_("Deactivate"), callback_data=TeamCb(
                action=TeamAction.DEACTIVATE, user_id=target.id))
        await query.answer()
        if msg := message_of(query):
            status = _("active") if target.is_active else _("deactivated")
            await msg.answer(
                _("{name} · {role} · {status}").format(
                    name=html.escape(target.full_name or str(target.telegram_id)),
                    role=role_name(target.role), status=status),
                reply_markup=kb.as_markup())

    @router.callback_query(TeamCb.filter(F.action == TeamAction.DEACTIVATE), TeamMember())
    async def on_deactivate(query: CallbackQuery, target: User, staff: list[User]) -> None:
        await query.answer()
        if msg := message_of(query):
            await msg.edit_text(
                _("Deactivate {name}? Choose who takes over their clients and open "
                  "deals.").format(name=html.escape(target.full_name or str(target.id))),
                reply_markup=handover_keyboard(target, staff))

    @router.callback_query(TeamCb.filter(F.action == TeamAction.HANDOVER), TeamMember())
    async def on_handover(query: CallbackQuery, callback_data: TeamCb, actor: User,
                          access: AccessService, target: User) -> None:
        try:
            user, moved = await access.deactivate(actor, target.id, callback_data.to or None)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await query.answer()
        if msg := message_of(query):
            await msg.edit_text(_("{name} is deactivated; {count} clients handed over.").format(
                name=html.escape(user.full_name or str(user.id)), count=moved))

    @router.callback_query(TeamCb.filter())
    async def on_not_in_team(query: CallbackQuery) -> None:
        """A member that is not (or no longer) in the actor's team, or a forged id."""
        await query.answer(_("Not found. It may have been removed, or it is not yours."),
                           show_alert=True)

    return router
