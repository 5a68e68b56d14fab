"""Who may use the bot: admin bootstrap, one-time staff invites, deactivation, languages.

Invariants:
- only an active staff user or a customer bound through a deep link is "known"; anyone else
  is identified as None and the bot refuses them;
- an invite is used at most once and never after it expires (checked and marked in one
  transaction; the second of two racing joins loses);
- deactivating a manager takes effect on their next update, because every update is
  identified afresh.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from services.clients import CompanyRepository
from services.clock import Clock
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.kernel import AuditedUnitOfWork, UowFactory
from services.users import STAFF_ROLES, Actor, InviteRepository, Role, User, UserRepository


class AccessUnitOfWork(AuditedUnitOfWork, Protocol):
    @property
    def users(self) -> UserRepository: ...
    @property
    def invites(self) -> InviteRepository: ...
    @property
    def companies(self) -> CompanyRepository:
        """Only to hand a leaving manager's clients to an heir."""
        ...

SUPPORTED_LANGUAGES = ("ru", "en", "ro")
INVITE_TTL = timedelta(days=2)
# Telegram's /start payload allows 64 characters of [A-Za-z0-9_-]; "join_" + 32 fits.
INVITE_TOKEN_BYTES = 24


@dataclass(frozen=True, slots=True)
class InviteLink:
    token: str
    role: Role
    expires_at: datetime

    @property
    def start_payload(self) -> str:
        return f"join_{self.token}"


def supported_language(code: str | None) -> str | None:
    """A Telegram language code as one of ours ("ru-RU" -> "ru"), None for one we do not
    have ("de"): such a user reads the bot's default language everywhere, not English."""
    base = (code or "").split("-")[0].lower()
    return base if base in SUPPORTED_LANGUAGES else None


def pick_language(stored: str | None, telegram_code: str | None, default: str) -> str:
    """The user's choice, else their Telegram app language, else the default."""
    if stored in SUPPORTED_LANGUAGES:
        return stored
    if telegram_code:
        base = telegram_code.split("-")[0].lower()
        if base in SUPPORTED_LANGUAGES:
            return base
    return default


class AccessService:
    """`identity_ttl` > 0 keeps identities in memory for that many seconds. Every change to a
    user made through this service drops their entry at once, so within one process the cache
    is exact (the SQLite deployment); with several processes sharing PostgreSQL it must stay
    0 (the default there) or a deactivation would reach the other processes only after the
    TTL."""

    def __init__(self, uow: UowFactory[AccessUnitOfWork], clock: Clock, default_timezone: str,
                 identity_ttl: float = 0.0) -> None:
        self._uow = uow
        self._clock = clock
        self._tz = default_timezone
        self._ttl = identity_ttl
        self._known: dict[int, tuple[float, User | None]] = {}

    def reader_zone(self, user: User) -> str:
        """The time zone `user` reads times in: their own, else the bot's default."""
        return user.timezone or self._tz

    async def identify(self, telegram_id: int) -> User | None:
        """The active user behind a Telegram id, or None for a stranger or a deactivated one."""
        if self._ttl > 0:
            hit = self._known.get(telegram_id)
            if hit is not None and hit[0] > time.monotonic():
                return hit[1]
        async with self._uow(single_read=True) as uow:  # one statement, no transaction
            user = await uow.users.by_telegram_id(telegram_id)
        if user is not None and not user.is_active:
            user = None
        if self._ttl > 0:
            if len(self._known) > 100_000:
                self._known.clear()
            self._known[telegram_id] = (time.monotonic() + self._ttl, user)
        return user

    def forget(self, *telegram_ids: int) -> None:
        """Drops cached identities (after any change to those users)."""
        for tid in telegram_ids:
            self._known.pop(tid, None)

    async def ensure_admins(self, telegram_ids: Iterable[int]) -> list[User]:
        """Makes each id an active admin (start-up bootstrap and `dealchat admin add`)."""
        result = []
        async with self._uow() as uow:
            for tid in telegram_ids:
                user = await uow.users.by_telegram_id(tid)
                if user is None:
                    user = await uow.users.add(tid, Role.ADMIN, "", None, None, self._tz)
                    await uow.audit.add(None, "user.bootstrap_admin", "user", user.id)
                elif user.role != Role.ADMIN or not user.is_active:
                    await uow.users.update(
                        user.id, role=Role.ADMIN.value, is_active=True, deactivated_at=None
                    )
                    await uow.audit.add(None, "user.promote_admin", "user", user.id)
                    user = await uow.users.get(user.id)
                assert user is not None
                result.append(user)
            await uow.commit()
        self.forget(*(u.telegram_id for u in result))
        return result

    async def touch_profile(self, actor: Actor, full_name: str, username: str | None) -> None:
        """Keeps the name shown to colleagues in step with Telegram."""
        if actor.full_name == full_name and actor.username == username:
            return
        async with self._uow() as uow:
            await uow.users.update(actor.id, full_name=full_name[:200], username=username)
            await uow.commit()
        self.forget(actor.telegram_id)

    async def create_invite(self, actor: Actor, role: Role) -> InviteLink:
        if actor.role != Role.ADMIN:
            raise Forbidden(action="invite")
        if role not in (Role.MANAGER, Role.HEAD, Role.ADMIN):
            raise InvalidInput("bad_role", field="role")
        token = secrets.token_urlsafe(INVITE_TOKEN_BYTES)
        expires = self._clock.now() + INVITE_TTL
        async with self._uow() as uow:
            await uow.invites.add(token, role, actor.id, expires)
            await uow.audit.add(actor.id, "invite.create", "invite", None, {"role": role.value})
            await uow.commit()
        return InviteLink(token=token, role=role, expires_at=expires)

    async def join(
        self,
        telegram_id: int,
        token: str,
        full_name: str,
        username: str | None,
        language: str | None,
    ) -> User:
        """Redeems an invite. Errors: invite_invalid (unknown or already used),
        invite_expired, already_member."""
        now = self._clock.now()
        async with self._uow() as uow:
            invite = await uow.invites.get_for_update(token)
            if invite is None or invite.used_by is not None:
                raise NotFound("invite_invalid")
            if invite.expires_at <= now:
                raise Conflict("invite_expired")
            existing = await uow.users.by_telegram_id(telegram_id)
            if existing is not None and existing.is_active and existing.is_staff:
                raise Conflict("already_member")
            if existing is None:
                user = await uow.users.add(
                    telegram_id, invite.role, full_name[:200], username,
                    supported_language(language), self._tz
                )
            else:
                await uow.users.update(
                    existing.id,
                    role=invite.role.value,
                    is_active=True,
                    deactivated_at=None,
                    full_name=full_name[:200],
                    username=username,
                )
                user = await uow.users.get(existing.id)  # type: ignore[assignment]
                assert user is not None
            if not await uow.invites.mark_used(token, user.id, now):
                raise NotFound("invite_invalid")
            await uow.audit.add(
                user.id,
                "invite.join",
                "user",
                user.id,
                {"role": invite.role.value, "invited_by": invite.created_by},
            )
            await uow.commit()
        self.forget(telegram_id)
        return user

    async def staff(self, actor: Actor) -> Sequence[User]:
        if not actor.sees_everything:
            raise Forbidden(action="staff")
        async with self._uow(readonly=True) as uow:
            return await uow.users.staff()

    async def deactivate(
        self, actor: Actor, user_id: int, reassign_to: int | None = None
    ) -> tuple[User, int]:
        """Deactivates a staff member and optionally hands their clients to another active
        manager; returns the user and the number of companies moved."""
        if actor.role != Role.ADMIN:
            raise Forbidden(action="deactivate")
        if user_id == actor.id:
            raise InvalidInput("self_deactivate", field="user")
        async with self._uow() as uow:
            target = await uow.users.get(user_id)
            if target is None or target.role not in STAFF_ROLES:
                raise NotFound(entity="user", id=user_id)
            if not target.is_active:
                raise Conflict("already_deactivated")
            moved = 0
            if reassign_to is not None:
                heir = await uow.users.get(reassign_to)
                if heir is None or not heir.is_active or not heir.is_staff or heir.id == user_id:
                    raise NotFound(entity="user", id=reassign_to)
                moved = await uow.companies.reassign_owner(user_id, heir.id)
            await uow.users.update(user_id, is_active=False, deactivated_at=self._clock.now())
            await uow.audit.add(
                actor.id,
                "user.deactivate",
                "user",
                user_id,
                {"reassigned_to": reassign_to, "companies": moved},
            )
            updated = await uow.users.get(user_id)
            await uow.commit()
        assert updated is not None
        self.forget(updated.telegram_id)
        return updated, moved

    async def set_language(self, actor: Actor, language: str) -> None:
        if language not in SUPPORTED_LANGUAGES:
            raise InvalidInput("bad_language", field="language")
        async with self._uow() as uow:
            await uow.users.update(actor.id, language=language)
            await uow.commit()
        self.forget(actor.telegram_id)
