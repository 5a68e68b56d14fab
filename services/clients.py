"""Clients: companies (legal entities that buy) and their contacts, scoped by owner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.clock import Clock
from services.contacts_norm import EmailError, PhoneError, normalize_email, normalize_phone
from services.errors import InvalidInput, NotFound
from services.kernel import AuditedUnitOfWork, UowFactory
from services.text import clean_name as clean_typed_name
from services.users import Actor

NAME_MAX = 200


@dataclass(frozen=True, slots=True)
class CompanyDraft:
    name: str
    phone: str | None = None
    email: str | None = None
    country: str | None = None
    tax_id: str | None = None


@dataclass(frozen=True, slots=True)
class Company:
    id: int
    owner_id: int
    name: str
    phone: str | None
    email: str | None
    country: str | None
    tax_id: str | None
    created_at: datetime


class CompanyRepository(Protocol):
    async def add(self, owner_id: int, draft: CompanyDraft, now: datetime) -> Company: ...
    async def get(self, company_id: int, owner_id: int | None) -> Company | None:
        """None when absent or not owned by `owner_id` (None = any owner)."""
        ...

    async def list(
        self, owner_id: int | None, offset: int, limit: int, archived: bool = False
    ) -> tuple[Sequence[Company], int]:
        """Active clients (archived and merged ones left out), or only the archived ones."""
        ...

    async def reassign_owner(self, from_owner: int, to_owner: int) -> int:
        """Moves every client (companies, contacts, open deals, leads) of one manager to
        another; returns how many companies moved."""
        ...


class ClientUnitOfWork(AuditedUnitOfWork, Protocol):
    @property
    def companies(self) -> CompanyRepository: ...


@dataclass(frozen=True, slots=True)
class Page:
    items: Sequence[Company]
    total: int
    offset: int
    limit: int
    archived: int = 0  # how many archived clients the actor has (in the active list)


def clean_name(text: str) -> str:
    """A company's name as typed, normalized (services.text); blank or invisible is "empty"."""
    return clean_typed_name(text, NAME_MAX)


def clean_contact_field(field: str, text: str, region: str) -> str:
    """Validates and normalises one typed value: name, phone (E.164) or e-mail."""
    if field == "name":
        return clean_name(text)
    if field == "phone":
        try:
            return normalize_phone(text, region)
        except PhoneError as exc:
            code = "not_a_number" if exc.code == "not_a_number" else "invalid_phone"
            raise InvalidInput(code, field="phone") from None
    if field == "email":
        try:
            return normalize_email(text)
        except EmailError:
            raise InvalidInput("invalid_email", field="email") from None
    raise InvalidInput("unknown_field", field=field)


class ClientService:
    """Every read and write is limited to what the actor owns, unless the actor is a head or
    an admin. A record outside the actor's scope is reported as NotFound, never Forbidden."""

    def __init__(self, uow: UowFactory[ClientUnitOfWork], clock: Clock,
                 default_region: str = "RU") -> None:
        self._uow = uow
        self._clock = clock
        self._region = default_region

    def clean_field(self, field: str, text: str) -> str:
        """Validates and normalises one typed value: name, phone (E.164) or e-mail."""
        return clean_contact_field(field, text, self._region)

    async def create_company(self, actor: Actor, draft: CompanyDraft) -> Company:
        draft = CompanyDraft(
            name=clean_name(draft.name),
            phone=self.clean_field("phone", draft.phone) if draft.phone else None,
            email=self.clean_field("email", draft.email) if draft.email else None,
            country=draft.country,
            tax_id=draft.tax_id,
        )
        async with self._uow() as uow:
            company = await uow.companies.add(actor.id, draft, self._clock.now())
            await uow.audit.add(actor.id, "company.create", "company", company.id,
                                company_id=company.id)
            await uow.commit()
        return company

    async def get_company(self, actor: Actor, company_id: int) -> Company:
        async with self._uow(readonly=True) as uow:
            company = await uow.companies.get(company_id, actor.owner_scope())
        if company is None:
            raise NotFound(entity="company", id=company_id)
        return company

    async def list_companies(self, actor: Actor, offset: int = 0, limit: int = 10,
                             archived: bool = False) -> Page:
        """The actor's active clients, or (`archived`) the archived ones."""
        offset = max(0, offset)
        async with self._uow(readonly=True) as uow:
            items, total = await uow.companies.list(actor.owner_scope(), offset, limit,
                                                    archived=archived)
            shelved = 0 if archived else (await uow.companies.list(
                actor.owner_scope(), 0, 0, archived=True))[1]
        return Page(items=items, total=total, offset=offset, limit=limit, archived=shelved)
