"""The deal card, the questions and the client timeline: texts."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any, cast

from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from handlers.texts import FIELD_NAMES
from handlers.timeline_texts import audit_line, chat_line
from services.deals import Deal, DealCard, DealEdit, DealService
from services.interactions import Timeline
from services.money import Lang, format_money, from_minor
from services.pipelines import PipelineKind

CARD_TIME = "%d.%m %H:%M"


def lang() -> Lang:
    code = get_i18n().current_locale
    return cast(Lang, code if code in ("ru", "en", "ro") else "en")


def money(minor: int | None, currency: str | None) -> str:
    if minor is None or not currency:
        return "—"
    return format_money(from_minor(minor, currency), currency, lang())


def local(at: datetime, zone: tzinfo) -> str:
    return at.astimezone(zone).strftime(CARD_TIME)



QUESTIONS: dict[str, Any] = {
    "amount": __("Amount? For example: 1 200,50"),
    "company": __("Client company name?"),
    "contact": __("Contact person's name?"),
    "expected_close": __("Expected close date (DD.MM.YYYY)?"),
    "decision_maker": __("Who makes the decision?"),
    "budget_confirmed": __("Is the budget confirmed?"),
    "delivery_address": __("Delivery address?"),
    "contract_number": __("Contract number?"),
    "next_task": __("Next task: what is to be done?"),
}
# The Edit menu's buttons and the names of the fields in the card's "Changes" lines.
EDIT_LABELS: dict[str, Any] = {
    "title": __("Deal name"),
    "amount": __("Amount"),
    "currency": __("Currency"),
    "expected_close": __("Expected close"),
    "pipeline": __("Pipeline"),
    "owner": __("Responsible"),
}
EDIT_QUESTIONS: dict[str, Any] = {
    "title": __("New name of the deal?"),
    "amount": __("New amount? For example: 1 200,50"),
    "expected_close": __("New expected close date (DD.MM.YYYY)?"),
}
INTERACTION_KINDS = {
    "note": __("Note"),
    "call": __("Call"),
    "meeting": __("Meeting"),
    "email": __("E-mail"),
    "message": __("Message"),
}
INTERACTION_ICONS = {"note": "📝", "call": "📞", "meeting": "🤝", "email": "✉️",
                     "message": "💬"}


def stage_name(deals: DealService, pipeline_code: str, code: str | None) -> str:
    if code is None:
        return "—"
    stage = deals.pipeline(pipeline_code).stage(code)
    if stage is not None:
        return stage.name(lang())
    return {"won": _("Won"), "lost": _("Lost")}.get(code, code)


def field_names(fields: Sequence[str]) -> str:
    return ", ".join(str(FIELD_NAMES.get(f, f)) for f in fields)


def status_line(deal: Deal, deals: DealService | None = None) -> str | None:
    if deal.status == "won":
        return _("Status: won ✅")
    if deal.status == "lost":
        reason = (deals.lost_reason_name(deal.lost_reason, lang()) if deals
                  else deal.lost_reason or "")
        return _("Status: lost ❌ ({reason})").format(reason=html.escape(reason))
    return None


def target_name(deals: DealService, pipeline_code: str, target: str) -> str:
    """A move's target: a stage of the deal's pipeline, or "<pipeline>/<stage>" of another."""
    if "/" not in target:
        return stage_name(deals, pipeline_code, target)
    other, stage = target.split("/", 1)
    pipeline = deals.pipeline(other)
    name = html.escape(pipeline.name(lang()))
    return f"{name} · {stage_name(deals, other, stage)}" if stage else name


def history_line(deals: DealService, deal: Deal, change: Any, zone: tzinfo) -> str:
    to_pipeline = change.to_pipeline or deal.pipeline_code
    from_pipeline = change.from_pipeline or deal.pipeline_code
    to = stage_name(deals, to_pipeline, change.to_stage)
    who = html.escape(change.actor_name or "—")
    if change.from_stage is None and change.to_stage == deal_first_stage(deals, deal):
        what = _("created in «{stage}»").format(stage=to)
    else:
        what = f"{stage_name(deals, from_pipeline, change.from_stage)} → {to}"
    return f"• {local(change.at, zone)} · {what} · {who}"


def edit_line(edit: DealEdit) -> str:
    parts = [
        f"{EDIT_LABELS.get(field, field)}: {html.escape(old or '—')} → "
        f"{html.escape(new or '—')}"
        for field, old, new in edit.changes]
    return "• " + "; ".join(parts) + f" · {html.escape(edit.actor_name or '—')}"


def deal_first_stage(deals: DealService, deal: Deal) -> str | None:
    pipeline = deals.pipeline(deal.pipeline_code)
    working = pipeline.working_stages
    return working[0].code if working and pipeline.kind != PipelineKind.NONE else None


def deal_card_text(card: DealCard, deals: DealService, zone: tzinfo) -> str:
    deal = card.deal
    pipeline = deals.pipeline(deal.pipeline_code)
    lines = [f"💼 <b>{html.escape(deal.title)}</b>",
             _("Client: {name}").format(name=html.escape(card.company_name or "—"))]
    if card.contact_name:
        lines.append(_("Contact: {name}").format(name=html.escape(card.contact_name)))
    lines.append(_("Amount: {amount}").format(amount=money(deal.amount_minor, deal.currency)))
    stage = stage_name(deals, deal.pipeline_code, deal.stage_code)
    lines.append(_("Pipeline: {pipeline} · stage: {stage}").format(
        pipeline=html.escape(pipeline.name(lang())), stage=stage))
    lines.append(_("Responsible: {name}").format(name=html.escape(card.owner_name or "—")))
    expected = deal.fields.get("expected_close")
    if isinstance(expected, str) and expected:
        lines.append(_("Expected close: {date}").format(
            date=".".join(reversed(expected.split("-")))))
    status = status_line(deal, deals)
    if status:
        lines.append(status)
    task = card.next_task
    if task is not None:
        when = local(task.when, zone) if task.when else "—"
        lines.append(_("Next task: {title} — {when}").format(
            title=html.escape(task.title), when=when))
    else:
        lines.append(_("Next task: none"))
    if card.history:
        lines.append("")
        lines.append(_("History:"))
        lines.extend(history_line(deals, deal, h, zone) for h in card.history)
    if card.edits:
        lines.append("")
        lines.append(_("Changes:"))
        lines.extend(edit_line(e) for e in card.edits)
    return "\n".join(lines)


def timeline_text(tl: Timeline, deals: DealService, zone: tzinfo) -> str:
    lines = [_("Timeline: {name}").format(name=html.escape(tl.company.name))]
    if not tl.entries:
        lines.append(_("Nothing yet."))
    for e in tl.entries:
        when = local(e.at, zone)
        if e.interaction is not None:
            i = e.interaction
            icon = INTERACTION_ICONS.get(i.kind, "•")
            kind = str(INTERACTION_KINDS.get(i.kind, i.kind))
            if i.chat is not None:  # the manager's Telegram Business chat
                lines.append(f"{icon} {when} · "
                             + chat_line(i.chat, i.text, i.file_id is not None))
                continue
            body = html.escape(i.text[:200]) if i.text else ""
            if i.file_mime:
                body = (body + " " if body else "") + (
                    _("[voice note]") if i.file_mime.startswith("audio") else _("[photo]"))
            lines.append(f"{icon} {when} · {kind}: {body}")
        elif e.deal is not None:
            d = e.deal
            title = html.escape(d.title)
            if e.event == "created":
                text = _("Deal «{title}» created, {amount}").format(
                    title=title, amount=money(d.amount_minor, d.currency))
            elif e.event == "won":
                text = _("Deal «{title}» won").format(title=title)
            else:
                text = _("Deal «{title}» lost").format(title=title)
            lines.append(f"💼 {when} · {text}")
        elif e.audit is not None:
            lines.append(audit_line(e.audit, when))
    while len(lines) > 2 and len("\n".join(lines)) > 4000:  # one Telegram message: the newest
        lines.pop()
    return "\n".join(lines)


def note_prompt(kind: str) -> str:
    return _("Send the note: text, a voice message or a photo.\nKind: {kind}").format(
        kind=str(INTERACTION_KINDS.get(kind, kind)))

