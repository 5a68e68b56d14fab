"""Deals: editing from the card (name, amount, currency, expected close, pipeline, owner),
lost with a reason and restore, stale cards refused, the stage an issued invoice moves to."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from services.deals.model import (
    TITLE_MAX,
    Advance,
    Deal,
    DealCard,
    MoveResult,
    is_filled,
    parse_date,
)
from services.deals.ports import DealMoveUow, DealUnitOfWork
from services.deals.service import DealCore
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.money import (
    AmountError,
    MoneyError,
    check_currency,
    from_minor,
    parse_amount,
    to_minor,
)
from services.notices import DEAL_REASSIGNED, notice
from services.pipelines import OTHER_REASON, PipelineConfig, PipelineKind, StageConfig
from services.tasks.model import zone_of
from services.text import clean_name, normalize_typed
from services.users import Actor, User

REASON_MAX = 500


class DealService(DealCore):
    """Deals: the use cases (the invariants are in the package's docstring)."""

    async def fill_and_advance(self, actor: Actor, deal_id: int, name: str, raw: str,
                               target: str) -> Advance:
        """Fills one required field, then tries the move again: the answer says what is
        still missing, or that the deal moved. An invalid value changes nothing. A target
        "<pipeline>/<stage>" is a move to another pipeline (`relocate`)."""
        await self.set_field(actor, deal_id, name, raw)
        if "/" in target:
            pipeline, stage = target.split("/", 1)
            return await self.relocate(actor, deal_id, pipeline, stage or None)
        return await self.advance(actor, deal_id, target)


    # --- editing, lost with a reason, restore, the invoice's stage ----------------------------

    async def _open_deal(self, uow: DealUnitOfWork, actor: Actor, deal_id: int,
                         version: str | None) -> Deal:
        """The deal the actor may edit now: theirs (or any, for a head), open, and as the card
        they pressed showed it (`version`; None: not checked)."""
        deal = await uow.deals.get(deal_id, actor.owner_scope())
        if deal is None:
            raise NotFound(entity="deal", id=deal_id)
        if deal.status != "open":
            raise Conflict("deal_closed")
        if version and version != deal.version:
            raise Conflict("deal_changed")
        return deal

    def _stage_label(self, pipeline_code: str, stage_code: str | None, lang: str) -> str:
        pipeline = self.pipelines.get(pipeline_code)
        if pipeline is None:
            return pipeline_code
        stage = pipeline.stage(stage_code or "") if stage_code else None
        return pipeline.name(lang) + (f" · {stage.name(lang)}" if stage else "")

    def today(self, actor: Actor) -> date:
        return self._clock.now().astimezone(zone_of(actor.timezone, self._tz)).date()

    def _edit_values(self, actor: Actor, deal: Deal, name: str, raw: str
                     ) -> tuple[dict[str, Any], str | None, str | None]:
        """What an edit of one field writes, and the old and new values as shown."""
        text = normalize_typed(raw)
        if not text:
            raise InvalidInput("empty", field=name)
        currency = deal.currency or self._currency
        if name == "title":
            title = clean_name(text, TITLE_MAX, field="title")
            return {"title": title}, deal.title, title
        if name == "amount":
            try:
                amount = parse_amount(text, currency)
            except AmountError as exc:
                raise InvalidInput(f"amount_{exc.code}", field="amount") from None
            old = (str(from_minor(deal.amount_minor, currency))
                   if deal.amount_minor is not None else None)
            return ({"amount_minor": to_minor(amount, currency)}, old,
                    str(amount.quantize(from_minor(1, currency))))
        if name == "currency":
            try:
                new = check_currency(text)
            except MoneyError:
                raise InvalidInput("unknown_currency", field="currency") from None
            changes: dict[str, Any] = {"currency": new}
            if deal.amount_minor is not None:
                changes["amount_minor"] = to_minor(from_minor(deal.amount_minor, currency), new)
            return changes, deal.currency, new
        if name == "expected_close":
            when = parse_date(text)
            if when < self.today(actor):
                raise InvalidInput("date_in_past", field="expected_close")
            old_iso = deal.fields.get("expected_close")
            old_text = (date.fromisoformat(old_iso).strftime("%d.%m.%Y")
                        if isinstance(old_iso, str) and old_iso else None)
            return ({"fields": {**deal.fields, "expected_close": when.isoformat()}},
                    old_text, when.strftime("%d.%m.%Y"))
        raise InvalidInput("unknown_field", field=name)

    async def edit(self, actor: Actor, deal_id: int, name: str, raw: str,
                   version: str | None = None) -> DealCard:
        """Edits the title, amount, currency or expected close date of an open deal, validated
        as when it was created; audited "deal.edit" with the old and new values. A card
        pressed after a colleague closed or changed the deal: Conflict, nothing changes."""
        now = self._clock.now()
        async with self._uow() as uow:
            deal = await self._open_deal(uow, actor, deal_id, version)
            changes, old, new = self._edit_values(actor, deal, name, raw)
            if old != new:
                await uow.deals.update(deal.id, changes, now)
                await uow.audit.add(actor.id, "deal.edit", "deal", deal.id,
                                    {"changes": [{"field": name, "old": old, "new": new}]},
                                    company_id=deal.company_id, deal_id=deal.id)
                await uow.commit()
        return await self.card(actor, deal_id)

    async def check_open(self, actor: Actor, deal_id: int, version: str | None = None
                         ) -> Deal:
        """The deal, if the actor may still edit it from the card they pressed."""
        async with self._uow(readonly=True) as uow:
            return await self._open_deal(uow, actor, deal_id, version)

    def pipeline_targets(self, deal: Deal) -> list[PipelineConfig]:
        """The pipelines an open deal may move to (every other one)."""
        if deal.status != "open":
            return []
        return [p for p in self.pipelines.values() if p.code != deal.pipeline_code]

    async def relocate(self, actor: Actor, deal_id: int, pipeline_code: str,
                       stage_code: str | None, version: str | None = None) -> Advance:
        """Moves an open deal to another pipeline, at one of its working stages (none for a
        pipeline of kind "none"). The stage's required fields must be filled first: missing
        ones are returned (moved=False, target "<pipeline>/<stage>") and nothing changes."""
        pipeline = self.pipelines.get(pipeline_code)
        if pipeline is None:
            raise NotFound("unknown_pipeline", pipeline=pipeline_code)
        stage: StageConfig | None = None
        if pipeline.kind != PipelineKind.NONE:
            stage = next((s for s in pipeline.working_stages if s.code == stage_code), None)
            if stage is None:
                raise NotFound("unknown_stage", stage=stage_code)
        elif stage_code:
            raise NotFound("unknown_stage", stage=stage_code)
        target = f"{pipeline.code}/{stage.code if stage else ''}"
        now = self._clock.now()
        async with self._uow() as uow:
            deal = await self._open_deal(uow, actor, deal_id, version)
            if deal.pipeline_code == pipeline.code:
                raise Conflict("same_pipeline")
            missing = tuple(f for f in (stage.required if stage else ())
                            if not is_filled(deal, f))
            if missing:
                result = MoveResult(deal, False, target, missing)
        if missing:
            return Advance(result, await self.card(actor, deal_id))
        async with self._uow() as uow:
            deal = await self._open_deal(uow, actor, deal_id, version)
            lang = actor.language or "en"
            old = self._stage_label(deal.pipeline_code, deal.stage_code, lang)
            new = self._stage_label(pipeline.code, stage.code if stage else None, lang)
            await uow.deals.relocate(deal.id, pipeline.code, stage.code if stage else None,
                                     actor.id, now)
            await uow.audit.add(actor.id, "deal.edit", "deal", deal.id,
                                {"changes": [{"field": "pipeline", "old": old, "new": new}]},
                                company_id=deal.company_id, deal_id=deal.id)
            moved = await uow.deals.get(deal.id, None)
            await uow.commit()
        assert moved is not None
        return Advance(MoveResult(moved, True, target), await self.card(actor, deal_id))

    async def owner_choices(self, actor: Actor, deal_id: int, version: str | None = None
                            ) -> Sequence[User]:
        """The active staff a head or an admin may give the deal to (its owner left out)."""
        if not actor.sees_everything:
            raise Forbidden("head_only")
        async with self._uow(readonly=True) as uow:
            deal = await self._open_deal(uow, actor, deal_id, version)
            staff = await uow.users.staff(active_only=True)
        return [u for u in staff if u.id != deal.owner_id and u.is_staff]

    async def change_owner(self, actor: Actor, deal_id: int, user_id: int,
                           version: str | None = None) -> DealCard:
        """A head or an admin gives the deal to another active staff member, who is told
        (through the outbox, in the same transaction); audited "deal.edit" (owner)."""
        if not actor.sees_everything:
            raise Forbidden("head_only")
        now = self._clock.now()
        async with self._uow() as uow:
            deal = await self._open_deal(uow, actor, deal_id, version)
            target = await uow.users.get(user_id)
            if target is None or not target.is_active or not target.is_staff:
                raise NotFound(entity="user", id=user_id)
            if target.id != deal.owner_id:
                previous = await uow.users.get(deal.owner_id)
                old = previous.full_name if previous else None
                await uow.deals.update(deal.id, {"owner_id": target.id}, now)
                await uow.audit.add(
                    actor.id, "deal.edit", "deal", deal.id,
                    {"changes": [{"field": "owner", "old": old, "new": target.full_name}]},
                    company_id=deal.company_id, deal_id=deal.id)
                if target.id != actor.id:
                    who = actor.full_name or str(actor.telegram_id)
                    await uow.outbox.enqueue([notice(
                        f"deal{deal.id}:owner{target.id}:{now.isoformat()}:chat"
                        f"{target.telegram_id}", DEAL_REASSIGNED, target.telegram_id, now,
                        target.language, {"who": who, "deal": deal.title, "deal_id": deal.id},
                        recipient_user_id=target.id)])
                await uow.commit()
        return await self.card(actor, deal_id)

    def lost_reason_name(self, reason: str | None, lang: str) -> str:
        """A configured reason's name in `lang`; a typed one as it was typed."""
        if not reason:
            return ""
        known = self.lost_reasons.get(reason)
        return known.name(lang) if known else reason

    async def lose(self, actor: Actor, deal_id: int, code: str, text: str | None = None,
                   version: str | None = None) -> DealCard:
        """Lost with a reason: one of the configured ones (its code is kept) or "other" with
        the text typed. The deal closes, goes to its pipeline's lost stage (if it has one)
        and leaves the lists; audited "deal.lost"."""
        if code == OTHER_REASON:
            reason = normalize_typed(text or "")
            if not reason:
                raise InvalidInput("empty", field="lost_reason")
            if len(reason) > REASON_MAX:
                raise InvalidInput("too_long", field="lost_reason", limit=REASON_MAX)
        elif code in self.lost_reasons:
            reason = code
        else:
            raise InvalidInput("unknown_reason", field="lost_reason")
        now = self._clock.now()
        async with self._uow() as uow:
            deal = await self._open_deal(uow, actor, deal_id, version)
            pipeline = self.pipelines[deal.pipeline_code]
            lost = next((s for s in pipeline.stages if s.outcome == "lost"), None)
            await uow.deals.set_stage(deal.id, lost.code if lost else None, "lost", reason,
                                      now, now)
            await uow.deals.log_stage(deal.id, deal.stage_code, lost.code if lost else "lost",
                                      actor.id, now,
                                      self.lost_reason_name(reason, actor.language or "en"))
            await uow.audit.add(actor.id, "deal.lost", "deal", deal.id,
                                {"reason": self.lost_reason_name(reason,
                                                                 actor.language or "en"),
                                 "reason_code": code, "from": deal.stage_code},
                                company_id=deal.company_id, deal_id=deal.id)
            await uow.commit()
        return await self.card(actor, deal_id)

    async def restore(self, actor: Actor, deal_id: int, version: str | None = None
                      ) -> DealCard:
        """A lost deal reopens at the working stage it was lost from (the first one when that
        stage is gone); audited "deal.restore"."""
        now = self._clock.now()
        async with self._uow() as uow:
            deal = await uow.deals.get(deal_id, actor.owner_scope())
            if deal is None:
                raise NotFound(entity="deal", id=deal_id)
            if deal.status != "lost":
                raise Conflict("deal_not_lost")
            if version and version != deal.version:
                raise Conflict("deal_changed")
            pipeline = self.pipelines[deal.pipeline_code]
            back: str | None = None
            if pipeline.kind != PipelineKind.NONE:
                working = {s.code for s in pipeline.working_stages}
                history = await uow.deals.stage_history(deal.id)
                back = next((h.from_stage for h in reversed(history)
                             if h.from_stage in working and h.to_stage == deal.stage_code),
                            pipeline.working_stages[0].code)
            await uow.deals.set_stage(deal.id, back, "open", None, now, None)
            await uow.deals.update(deal.id, {"lost_reason": None}, now)
            if back is not None:
                await uow.deals.log_stage(deal.id, deal.stage_code, back, actor.id, now, None)
            await uow.audit.add(actor.id, "deal.restore", "deal", deal.id,
                                {"to": back}, company_id=deal.company_id, deal_id=deal.id)
            await uow.commit()
        return await self.card(actor, deal_id)

    async def advance_on_invoice(self, uow: DealMoveUow, deal_id: int, actor_id: int | None,
                                 now: datetime) -> str | None:
        """Inside the unit of work that issues an invoice of the deal: moves an open deal to
        its pipeline's `on_invoice_issued` stage, only forward and only when that stage's
        required fields are filled; otherwise nothing happens (the invoice is issued all the
        same). Logged as a stage change by the issuing user. Returns the stage or None."""
        deal = await uow.deals.get(deal_id, None)
        if deal is None or deal.status != "open":
            return None
        pipeline = self.pipelines.get(deal.pipeline_code)
        if pipeline is None or pipeline.on_invoice_issued is None:
            return None
        target = pipeline.stage(pipeline.on_invoice_issued)
        current = pipeline.stage(deal.stage_code or "")
        if target is None or (current is not None and current.position >= target.position):
            return None
        if any(not is_filled(deal, f) for f in target.required):
            return None
        await uow.deals.set_stage(deal.id, target.code, "open", None, now, None)
        await uow.deals.log_stage(deal.id, deal.stage_code, target.code, actor_id, now,
                                  "invoice")
        await uow.audit.add(actor_id, "deal.move", "deal", deal.id,
                            {"from": deal.stage_code, "to": target.code, "by": "invoice"},
                            company_id=deal.company_id, deal_id=deal.id)
        return target.code
