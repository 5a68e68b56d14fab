"""Contracts with a start and an end date; their end is watched by the alerts (30, 7 and 1
days before, `services.alerts`), whose button (and the contract card's) makes the renewal deal.
A contract is either drawn from a deal — numbered in its own gapless series and printed from
its organization's template (`services.delivery.contracts`, issue 19) — or only recorded (a
contract signed elsewhere: its title and dates).

Invariants: the end is not before the start; a title is 1..300 characters; every read and
write is scoped by the actor (another manager's contract is never listed nor opened); a
contract has one renewal deal per end date, however many times its buttons are pressed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final, Protocol

from services.clock import Clock
from services.deals import Deal, DealDraft, DealService, parse_date
from services.errors import InvalidInput, NotFound
from services.kernel import UnitOfWork, UowFactory
from services.text import clean_name
from services.users import Actor

TITLE_MAX = 300
NUMBER_MAX = 64
LIST_LIMIT = 20
#: A drawn contract's number in its series per organization and year: «7/2026».
CONTRACT_PATTERN: Final = "{seq}/{yyyy}"


@dataclass(frozen=True, slots=True)
class Contract:
    id: int
    owner_id: int
    title: str
    number: str | None
    starts_on: date
    ends_on: date
    company_id: int | None = None
    # Drawn from a deal (issue 19): its deal, organization, language and price with VAT.
    deal_id: int | None = None
    organization_id: int | None = None
    language: str | None = None
    currency: str | None = None
    amount: Decimal | None = None
    client_name: str = ""

    @property
    def drawn(self) -> bool:
        """Drawn from a deal and printed (it has a PDF to send), not only recorded."""
        return self.organization_id is not None and bool(self.number)


@dataclass(frozen=True, slots=True)
class ContractTerms:
    """What a contract drawn from a deal is issued with, beside what the deal gives."""

    deal_id: int
    starts_on: date
    ends_on: date
    language: str
    origin_key: str | None = None  # the user's action (a button's message): one contract


class ContractRepository(Protocol):
    async def add(
        self,
        owner_id: int,
        title: str,
        number: str | None,
        starts_on: date,
        ends_on: date,
        company_id: int | None,
        now: datetime,
    ) -> Contract: ...
    async def add_drawn(self, owner_id: int, terms: ContractTerms, *, title: str,
                        number: str, company_id: int, contact_id: int | None,
                        organization_id: int, currency: str, amount_minor: int,
                        now: datetime) -> Contract:
        """A contract drawn from a deal, numbered (`number` taken in the same transaction)."""
        ...

    async def list(self, owner_id: int | None, limit: int) -> list[Contract]:
        """Soonest end first; `owner_id` None = everyone's."""
        ...

    async def get(self, contract_id: int, owner_id: int | None) -> Contract | None:
        """None when absent or not owned by `owner_id` (None = any owner)."""
        ...

    async def by_origin(self, origin_key: str) -> Contract | None:
        """The contract the user's action `origin_key` drew, if it drew one."""
        ...

    async def deal_document(self, deal_id: int) -> tuple[str, int] | None:
        """("invoice" | "quote", id): the deal's newest invoice (a cancelled one aside), else
        its newest quote — whose lines are the contract's subject; None when it has none."""
        ...

    async def client_language(self, company_id: int) -> str | None:
        """The language set on the client's card, if any."""
        ...

    async def in_force(self, company_id: int, on: date) -> Contract | None:
        """The client's numbered contract in force on `on` (the latest started), the basis
        an act or a UPD names; None when there is none."""
        ...


class ContractUnitOfWork(UnitOfWork, Protocol):
    @property
    def contracts(self) -> ContractRepository: ...


ContractUowFactory = UowFactory[ContractUnitOfWork]


def clean_title(text: str) -> str:
    return clean_name(text, TITLE_MAX, field="title")


def clean_date(text: str) -> date:
    """25.11.2026 or 2026-11-25; anything else is "bad_date"."""
    return parse_date(text)


def check_period(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise InvalidInput("contract_end_before_start", field="ends_on")


def renewal_key(contract: Contract) -> str:
    """The renewal deal's origin: the contract and the end it renews (an alert's 30, 7 and
    1-day buttons and the card's make one deal, not three)."""
    return f"contract:{contract.id}:renewal:{contract.ends_on.isoformat()}"


class ContractService:
    def __init__(self, uow: ContractUowFactory, clock: Clock,
                 deals: DealService | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._deals = deals

    async def create(
        self,
        actor: Actor,
        title: str,
        starts_on: date,
        ends_on: date,
        number: str | None = None,
        company_id: int | None = None,
    ) -> Contract:
        title = clean_title(title)
        check_period(starts_on, ends_on)
        if number is not None and len(number) > NUMBER_MAX:
            raise InvalidInput("too_long", field="contract_number", limit=NUMBER_MAX)
        async with self._uow() as uow:
            contract = await uow.contracts.add(
                actor.id, title, number, starts_on, ends_on, company_id, self._clock.now()
            )
            await uow.commit()
        return contract

    async def list(self, actor: Actor, limit: int = LIST_LIMIT) -> list[Contract]:
        async with self._uow(readonly=True) as uow:
            return await uow.contracts.list(actor.owner_scope(), limit)

    async def get(self, actor: Actor, contract_id: int) -> Contract:
        """The contract's card; NotFound when absent or another manager's."""
        async with self._uow(readonly=True) as uow:
            contract = await uow.contracts.get(contract_id, actor.owner_scope())
        if contract is None:
            raise NotFound(entity="contract", id=contract_id)
        return contract

    async def renewal_deal(self, actor: Actor, contract_id: int, title: str) -> Deal:
        """A deal to renew the contract, for its client, owned by the actor, named by `title`
        (the caller's template in the actor's language, {title} the contract's). Once per
        contract end (`renewal_key`): a second press is Conflict("already_done")."""
        contract = await self.get(actor, contract_id)
        if self._deals is None:
            raise RuntimeError("ContractService was built without deals")
        return await self._deals.create(actor, DealDraft(
            title=title.format(title=contract.title), company_id=contract.company_id,
            origin_key=renewal_key(contract)))
