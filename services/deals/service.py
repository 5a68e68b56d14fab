"""Deals: the use cases (the invariants are in the package's docstring)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from services.clients import Company
from services.clock import Clock
from services.deals.model import (
    COMPANY_SEARCH_LIMIT,
    EDITS_SHOWN,
    HISTORY_SHOWN,
    TEXT_MAX,
    TITLE_MAX,
    Advance,
    Deal,
    DealCard,
    DealDraft,
    MoveResult,
    StageChange,
    is_filled,
    parse_date,
)
from services.deals.ports import DealMoveUow, DealUnitOfWork
from services.errors import Conflict, InvalidInput, NotFound
from services.kernel import UowFactory
from services.money import (
    AmountError,
    check_currency,
    parse_amount,
    to_minor,
)
from services.pipelines import (
    DEAL_FIELDS,
    DEFAULT_LOST_REASONS,
    FieldType,
    LostReason,
    PipelineConfig,
    PipelineKind,
    StageConfig,
    default_pipeline,
)
from services.text import clean_name, normalize_typed
from services.users import Actor


class DealCore:
    """Creating, reading and moving deals (`DealService` adds editing and closing)."""

    def __init__(self, uow: UowFactory[DealUnitOfWork], clock: Clock,
                 pipelines: Sequence[PipelineConfig],
                 default_currency: str = "RUB",
                 lost_reasons: Sequence[LostReason] = DEFAULT_LOST_REASONS,
                 timezone: str = "UTC") -> None:
        self._uow = uow
        self._clock = clock
        self.pipelines = {p.code: p for p in pipelines}
        self._default = default_pipeline(tuple(pipelines))
        self._currency = default_currency
        self.lost_reasons = {r.code: r for r in lost_reasons}
        self._tz = timezone

    def pipeline(self, code: str) -> PipelineConfig:
        return self.pipelines[code]

    async def create(self, actor: Actor, draft: DealDraft) -> Deal:
        """A new deal of the actor's; one made by a button (`draft.origin_key`) is made once:
        the second press is Conflict("already_done")."""
        async with self._uow() as uow:
            if draft.origin_key is not None and await uow.deals.by_origin(draft.origin_key):
                raise Conflict("already_done")
            if draft.company_id is not None and await uow.companies.get(
                    draft.company_id, actor.owner_scope()) is None:
                raise NotFound(entity="company", id=draft.company_id)
            deal = await self.create_in(uow, actor.id, draft)
            await uow.commit()
        return deal

    async def create_in(self, uow: DealMoveUow, owner_id: int, draft: DealDraft) -> Deal:
        """Creates a deal inside the caller's unit of work (lead conversion uses it)."""
        title = clean_name(draft.title, TITLE_MAX, field="title")
        pipeline = self.pipelines.get(draft.pipeline_code or "") or self._default
        first = pipeline.working_stages[0].code if pipeline.kind != PipelineKind.NONE else None
        currency = check_currency(draft.currency or self._currency)
        amount = to_minor(draft.amount, currency) if draft.amount is not None else None
        now = self._clock.now()
        deal = await uow.deals.add(owner_id, pipeline.code, first, title, draft.company_id,
                                   draft.contact_id, amount, currency, dict(draft.fields), now,
                                   origin_key=draft.origin_key)
        await uow.deals.log_stage(deal.id, None, first, owner_id, now, None)
        await uow.audit.add(owner_id, "deal.create", "deal", deal.id)
        return deal

    async def get(self, actor: Actor, deal_id: int) -> Deal:
        async with self._uow(readonly=True) as uow:
            deal = await uow.deals.get(deal_id, actor.owner_scope())
        if deal is None:
            raise NotFound(entity="deal", id=deal_id)
        return deal

    async def list_deals(self, actor: Actor, status: str = "open", offset: int = 0,
                   limit: int = 10) -> tuple[Sequence[Deal], int]:
        async with self._uow(readonly=True) as uow:
            return await uow.deals.list(actor.owner_scope(), status, max(0, offset), limit)

    async def history(self, actor: Actor, deal_id: int) -> Sequence[StageChange]:
        async with self._uow(readonly=True) as uow:
            if await uow.deals.get(deal_id, actor.owner_scope()) is None:
                raise NotFound(entity="deal", id=deal_id)
            return await uow.deals.stage_history(deal_id)

    def allowed_targets(self, deal: Deal) -> list[StageConfig]:
        """Stages the deal may be moved to now (won/lost included where allowed)."""
        if deal.status != "open":
            return []
        pipeline = self.pipelines[deal.pipeline_code]
        if pipeline.kind == PipelineKind.NONE:
            return []
        stages = list(pipeline.stages)
        current = pipeline.stage(deal.stage_code or "")
        lost = [s for s in stages if s.outcome == "lost"]
        if pipeline.kind == PipelineKind.MANUAL:
            return [s for s in stages if s.code != deal.stage_code]
        working = list(pipeline.working_stages)
        idx = next((i for i, s in enumerate(working) if current and s.code == current.code), -1)
        if idx + 1 < len(working):
            return [working[idx + 1], *lost]
        return [s for s in stages if s.outcome == "won"] + lost

    def next_stage(self, deal: Deal) -> StageConfig | None:
        targets = [s for s in self.allowed_targets(deal) if s.outcome != "lost"]
        return targets[0] if targets else None

    async def move(self, actor: Actor, deal_id: int, target: str,
                   note: str | None = None, expected_stage: str | None = None) -> MoveResult:
        """Moves the deal to stage `target` ("next" for the next one; for a pipeline of kind
        "none", only "won" or "lost"). Missing required fields → moved=False, listed.
        `expected_stage`: the stage the user saw; if the deal has left it since (a button
        pressed twice), Conflict("stage_changed") and nothing moves."""
        now = self._clock.now()
        async with self._uow() as uow:
            deal = await uow.deals.get(deal_id, actor.owner_scope())
            if deal is None:
                raise NotFound(entity="deal", id=deal_id)
            if deal.status != "open":
                raise Conflict("deal_closed")
            if expected_stage is not None and deal.stage_code != expected_stage:
                raise Conflict("stage_changed")
            pipeline = self.pipelines[deal.pipeline_code]
            if target == "next":
                nxt = self.next_stage(deal)
                if nxt is None:
                    raise Conflict("no_next_stage")
                target = nxt.code
            outcome: str | None
            if pipeline.kind == PipelineKind.NONE:
                if target not in ("won", "lost"):
                    raise Conflict("stage_not_allowed", stage=target)
                stage_cfg = None
                outcome = target
            else:
                stage_cfg = pipeline.stage(target)
                if stage_cfg is None:
                    raise NotFound("unknown_stage", stage=target)
                if stage_cfg.code not in {s.code for s in self.allowed_targets(deal)}:
                    raise Conflict("stage_not_allowed", stage=target)
                outcome = stage_cfg.outcome
            if outcome == "lost" and not (note or "").strip():
                return MoveResult(deal, False, target, ("lost_reason",))
            missing = tuple(f for f in (stage_cfg.required if stage_cfg else ())
                            if not is_filled(deal, f))
            if missing:
                return MoveResult(deal, False, target, missing)
            status = "won" if outcome == "won" else "lost" if outcome == "lost" else "open"
            new_stage = stage_cfg.code if stage_cfg else None
            await uow.deals.set_stage(deal.id, new_stage, status,
                                      note if status == "lost" else None, now,
                                      now if status != "open" else None)
            await uow.deals.log_stage(deal.id, deal.stage_code, new_stage or target, actor.id,
                                      now, note)
            await uow.audit.add(actor.id, "deal.move", "deal", deal.id,
                                {"from": deal.stage_code, "to": new_stage or target})
            moved = await uow.deals.get(deal.id, None)
            await uow.commit()
        assert moved is not None
        return MoveResult(moved, True, target)

    async def advance_on_payment(self, uow: DealMoveUow, deal_id: int, now: datetime
                                 ) -> str | None:
        """Inside the caller's unit of work (the one that recorded the money): moves an open
        deal to its pipeline's stage with outcome "paid", whatever the pipeline's order, and
        logs it with no actor (the system did it). Returns the stage code, or None when the
        deal is closed, already there, or its pipeline has no such stage."""
        return await self.move_to_outcome(uow, deal_id, "paid", None, now, "payment")

    async def win_in(self, uow: DealMoveUow, deal_id: int, actor_id: int | None,
                     now: datetime, by: str) -> str | None:
        """Inside the caller's unit of work: an open deal goes to its pipeline's "won" stage
        (paid in full and shipped), logged with the actor (None: the system) and `by`
        ("shipment", "payment")."""
        return await self.move_to_outcome(uow, deal_id, "won", actor_id, now, by)

    async def move_to_outcome(self, uow: DealMoveUow, deal_id: int, outcome: str,
                              actor_id: int | None, now: datetime, by: str) -> str | None:
        """The open deal to its pipeline's stage with this outcome ("paid", "won"), whatever
        the pipeline's order; "won" closes it. Returns the stage code, or None when the deal is
        closed, already there, or its pipeline has no such stage."""
        deal = await uow.deals.get(deal_id, None)
        if deal is None or deal.status != "open":
            return None
        pipeline = self.pipelines.get(deal.pipeline_code)
        target = next((s for s in pipeline.stages if s.outcome == outcome), None) \
            if pipeline else None
        if target is None or deal.stage_code == target.code:
            return None
        won = outcome == "won"
        await uow.deals.set_stage(deal.id, target.code, "won" if won else "open", None, now,
                                  now if won else None)
        await uow.deals.log_stage(deal.id, deal.stage_code, target.code, actor_id, now, by)
        await uow.audit.add(actor_id, "deal.move", "deal", deal.id,
                            {"from": deal.stage_code, "to": target.code, "by": by})
        return target.code

    async def set_field(self, actor: Actor, deal_id: int, name: str, raw: str) -> Deal:
        """Fills one field from what the manager typed. Reference fields create the record:
        company and contact by name, next_task as a task titled with the text."""
        if name not in DEAL_FIELDS:
            raise InvalidInput("unknown_field", field=name)
        kind = DEAL_FIELDS[name]
        text = normalize_typed(raw)
        if not text:
            raise InvalidInput("empty", field=name)
        now = self._clock.now()
        async with self._uow() as uow:
            deal = await uow.deals.get(deal_id, actor.owner_scope())
            if deal is None:
                raise NotFound(entity="deal", id=deal_id)
            if deal.status != "open":
                raise Conflict("deal_closed")
            changes: dict[str, Any] = {}
            if kind == FieldType.MONEY:
                try:
                    amount = parse_amount(text, deal.currency)
                except AmountError as exc:
                    raise InvalidInput(f"amount_{exc.code}", field=name) from None
                changes["amount_minor"] = to_minor(amount, deal.currency or self._currency)
            elif kind == FieldType.DATE:
                changes["fields"] = {**deal.fields, name: parse_date(text).isoformat()}
            elif kind == FieldType.BOOL:
                yes = text.casefold() in ("yes", "да", "da", "y", "+", "true", "1")
                no = text.casefold() in ("no", "нет", "nu", "n", "-", "false", "0")
                if not (yes or no):
                    raise InvalidInput("bad_bool", field=name)
                changes["fields"] = {**deal.fields, name: yes}
            elif kind == FieldType.TEXT:
                if len(text) > TEXT_MAX:
                    raise InvalidInput("too_long", field=name, limit=TEXT_MAX)
                changes["fields"] = {**deal.fields, name: text}
            elif name == "company":
                company_id = await uow.deals.create_company_for(deal, text[:TITLE_MAX], now)
                changes["company_id"] = company_id
            elif name == "contact":
                contact_id = await uow.deals.create_contact_for(deal, text[:200], now)
                changes["contact_id"] = contact_id
            else:  # next_task
                await uow.deals.create_task_for(deal, text[:TITLE_MAX], now)
            if changes:
                await uow.deals.update(deal.id, changes, now)
            await uow.audit.add(actor.id, "deal.set_field", "deal", deal.id, {"field": name})
            updated = await uow.deals.get(deal.id, None)
            await uow.commit()
        assert updated is not None
        return updated

    # --- the deal card in chat ---------------------------------------------------------------

    def clean_title(self, text: str) -> str:
        return clean_name(text, TITLE_MAX, field="title")

    def clean_amount(self, text: str) -> Decimal:
        """An amount typed in a flow (before the deal exists), in the default currency."""
        try:
            return parse_amount(text, self._currency)
        except AmountError as exc:
            raise InvalidInput(f"amount_{exc.code}", field="amount") from None

    async def find_companies(self, actor: Actor, prefix: str) -> Sequence[Company]:
        """The actor's clients whose name starts with `prefix` (case-insensitive)."""
        text = normalize_typed(prefix)
        if not text:
            raise InvalidInput("empty", field="name")
        async with self._uow(readonly=True) as uow:
            return await uow.deals.find_companies(actor.owner_scope(), text,
                                                  COMPANY_SEARCH_LIMIT)

    async def create_card(self, actor: Actor, draft: DealDraft) -> DealCard:
        deal = await self.create(actor, draft)
        return await self.card(actor, deal.id)

    async def card(self, actor: Actor, deal_id: int) -> DealCard:
        async with self._uow(readonly=True) as uow:
            deal = await uow.deals.get(deal_id, actor.owner_scope())
            if deal is None:
                raise NotFound(entity="deal", id=deal_id)
            company, contact, owner = await uow.deals.card_names(deal)
            next_task = await uow.tasks.next_for_deal(deal.id)
            history = await uow.deals.stage_history(deal.id)
            edits = await uow.deals.edits(deal.id, EDITS_SHOWN)
        nxt = self.next_stage(deal)
        return DealCard(deal=deal, company_name=company, contact_name=contact,
                        owner_name=owner, next_task=next_task,
                        history=tuple(history[-HISTORY_SHOWN:]),
                        targets=tuple(s.code for s in self.allowed_targets(deal)),
                        next_target=nxt.code if nxt else None,
                        edits=tuple(edits))

    async def advance(self, actor: Actor, deal_id: int, target: str,
                      note: str | None = None, expected_stage: str | None = None) -> Advance:
        """`move`, then the card as it is now (moved, or with the fields still missing)."""
        result = await self.move(actor, deal_id, target, note, expected_stage)
        return Advance(result, await self.card(actor, deal_id))

    async def set_field_card(self, actor: Actor, deal_id: int, name: str, raw: str
                             ) -> DealCard:
        await self.set_field(actor, deal_id, name, raw)
        return await self.card(actor, deal_id)
