"""Contracts with a start and an end date, added from the chat; their end is watched by the
alerts (30, 7 and 1 days before, `services.alerts`), whose button (and the contract card's)
makes the renewal deal.

Invariants: the end is not before the start; a title is 1..300 characters; every read and
write is scoped by the actor (another manager's contract is never listed nor opened); a
contract has one renewal deal per end date, however many times its buttons are pressed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from services.clock import Clock
from services.deals import Deal, DealDraft, DealService, parse_date
from services.errors import InvalidInput, NotFound
from services.kernel import UnitOfWork, UowFactory
from services.text import clean_name
from services.users import Actor

TITLE_MAX = 300
NUMBER_MAX = 64
LIST_LIMIT = 20


@dataclass(frozen=True, slots=True)
class Contract:
    id: int
    owner_id: int
    title: str
    number: str | None
    starts_on: date
    ends_on: date
    company_id: int | None = None
    company_name: str | None = None  # the client's name, when it has one


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
    async def list(self, owner_id: int | None, limit: int) -> list[Contract]:
        """Soonest end first; `owner_id` None = everyone's."""
        ...

    async def get(self, contract_id: int, owner_id: int | None) -> Contract | None:
        """The contract with its client's name; None when absent or not `owner_id`'s."""
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
