"""The deal keyboards: pure functions of the deal card. The card's keyboard is composed here,
explicitly, from the rows other features offer for a deal (invoices' "Invoice", quotes'
"Quote", contracts' "Contract"), each function deciding from the deal."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers import contract_buttons
from handlers.deals.callbacks import (
    ClientAction,
    ClientExtraCb,
    DealAction,
    DealCb,
    FlowAction,
    FlowCb,
)
from handlers.deals.texts import (
    EDIT_LABELS,
    INTERACTION_KINDS,
    QUESTIONS,
    lang,
    stage_name,
)
from handlers.files import keyboards as file_keyboards
from handlers.invoices import keyboards as invoice_keyboards
from handlers.invoices import repeat_buttons as invoice_repeat_buttons
from handlers.quotes import keyboards as quote_keyboards
from services.deals import EDIT_FIELDS, Deal, DealCard, DealService
from services.money import CURRENCIES
from services.pipelines import DEAL_FIELDS, OTHER_REASON, FieldType, PipelineKind
from services.users import User

PAGE = 8

# The rows other features add under a deal card, each deciding from the deal.
CARD_ROWS = (invoice_keyboards.deal_card_buttons, quote_keyboards.deal_card_buttons,
             invoice_repeat_buttons.deal_repeat_buttons, contract_buttons.deal_card_buttons,
             file_keyboards.deal_card_buttons)


def deal_card_keyboard(card: DealCard, deals: DealService) -> InlineKeyboardMarkup:
    deal = card.deal
    rows: list[int] = []
    kb = InlineKeyboardBuilder()
    if deal.status == "open":
        pipeline = deals.pipeline(deal.pipeline_code)
        stage_row = 0
        if card.next_target is not None and card.next_target != "won":
            kb.button(text=_("Next stage ▶ {stage}").format(
                stage=stage_name(deals, deal.pipeline_code, card.next_target)),
                callback_data=DealCb(action=DealAction.NEXT, id=deal.id,
                                     to=deal.stage_code or ""))
            stage_row += 1
        if [t for t in card.targets if t not in ("won", "lost")]:
            kb.button(text=_("Choose stage"),
                      callback_data=DealCb(action=DealAction.CHOOSE, id=deal.id))
            stage_row += 1
        if stage_row:
            rows.append(stage_row)
        outcome_row = 0
        if "won" in card.targets or pipeline.kind == PipelineKind.NONE:
            kb.button(text=_("Won ✅"), callback_data=DealCb(action=DealAction.WON, id=deal.id))
            outcome_row += 1
        kb.button(text=_("Lost ❌"), callback_data=DealCb(action=DealAction.LOST, id=deal.id,
                                                         to=deal.version))
        rows.append(outcome_row + 1)
        kb.button(text=_("Add task"), callback_data=DealCb(action=DealAction.TASK, id=deal.id))
        kb.button(text=_("Add note"), callback_data=DealCb(action=DealAction.NOTE, id=deal.id))
        kb.button(text=_("Change amount"),
                  callback_data=DealCb(action=DealAction.AMOUNT, id=deal.id))
        kb.button(text=_("Edit ✏️"),
                  callback_data=DealCb(action=DealAction.EDIT, id=deal.id, to=deal.version))
        rows.append(4)
    else:
        kb.button(text=_("Add note"), callback_data=DealCb(action=DealAction.NOTE, id=deal.id))
        if deal.status == "lost":
            kb.button(text=_("Restore ↩️"), callback_data=DealCb(
                action=DealAction.RESTORE, id=deal.id, to=deal.version))
        rows.append(2 if deal.status == "lost" else 1)
    for buttons in CARD_ROWS:
        row = buttons(deal)
        if row:
            kb.add(*row)
            rows.append(len(row))
    kb.adjust(*rows)
    return kb.as_markup()


def choose_stage_keyboard(card: DealCard, deals: DealService) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    deal = card.deal
    for code in card.targets:
        if code == "lost":
            continue
        kb.button(text=stage_name(deals, deal.pipeline_code, code),
                  callback_data=DealCb(action=DealAction.STAGE, id=deal.id, to=code))
    kb.button(text=_("« Back"), callback_data=DealCb(action=DealAction.BACK, id=deal.id))
    kb.adjust(1)
    return kb.as_markup()


def list_keyboard(items: Sequence[Deal], total: int, offset: int,
                  deals: DealService, status: str = "open", lost: int = 0
                  ) -> InlineKeyboardMarkup:
    """A page of open deals (with a "Lost" filter button when there are lost ones) or, with
    `status` "lost", of lost deals (with their reason and a way back)."""
    kb = InlineKeyboardBuilder()
    for d in items:
        if status == "lost":
            reason = deals.lost_reason_name(d.lost_reason, lang())
            label = f"{d.title[:40]} · {reason[:20]}" if reason else d.title[:50]
        else:
            stage = stage_name(deals, d.pipeline_code, d.stage_code) if d.stage_code else ""
            label = f"{d.title[:40]} · {stage}" if stage else d.title[:50]
        kb.button(text=label, callback_data=DealCb(action=DealAction.OPEN, id=d.id))
    filt = "" if status == "open" else status
    nav = []
    if offset > 0:
        nav.append(("◀", max(0, offset - PAGE)))
    if offset + PAGE < total:
        nav.append(("▶", offset + PAGE))
    for text, to in nav:
        kb.button(text=text, callback_data=DealCb(action=DealAction.PAGE, id=to, to=filt))
    sizes = [*([1] * len(items)), len(nav) or 1]
    if status == "lost":
        kb.button(text=_("« Open deals"), callback_data=DealCb(action=DealAction.PAGE, id=0))
        sizes.append(1)
    elif lost:
        kb.button(text=_("Lost deals: {count}").format(count=lost),
                  callback_data=DealCb(action=DealAction.PAGE, id=0, to="lost"))
        sizes.append(1)
    kb.adjust(*sizes)
    return kb.as_markup()


def edit_keyboard(deal: Deal, actor: User) -> InlineKeyboardMarkup:
    """The card's Edit menu: a button per field (the owner only for a head or an admin)."""
    kb = InlineKeyboardBuilder()
    for name in EDIT_FIELDS:
        if name == "owner" and not actor.sees_everything:
            continue
        kb.button(text=str(EDIT_LABELS[name]), callback_data=DealCb(
            action=DealAction.FIELD, id=deal.id, to=f"{name}.{deal.version}"))
    kb.button(text=_("« Back"), callback_data=DealCb(action=DealAction.BACK, id=deal.id))
    kb.adjust(2)
    return kb.as_markup()


def currency_keyboard(deal: Deal) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for code in CURRENCIES:
        if code != deal.currency:
            kb.button(text=code, callback_data=DealCb(action=DealAction.CURRENCY, id=deal.id,
                                                      to=f"{code}.{deal.version}"))
    kb.button(text=_("« Back"), callback_data=DealCb(action=DealAction.BACK, id=deal.id))
    kb.adjust(3)
    return kb.as_markup()


def pipelines_keyboard(deal: Deal, deals: DealService) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for p in deals.pipeline_targets(deal):
        kb.button(text=p.name(lang()), callback_data=DealCb(
            action=DealAction.PIPELINE, id=deal.id, to=f"{p.code}.{deal.version}"))
    kb.button(text=_("« Back"), callback_data=DealCb(action=DealAction.BACK, id=deal.id))
    kb.adjust(1)
    return kb.as_markup()


def pipeline_stages_keyboard(deal: Deal, deals: DealService, pipeline_code: str
                             ) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for st in deals.pipeline(pipeline_code).working_stages:
        kb.button(text=st.name(lang()), callback_data=DealCb(
            action=DealAction.RELOCATE, id=deal.id,
            to=f"{pipeline_code}/{st.code}.{deal.version}"))
    kb.button(text=_("« Back"), callback_data=DealCb(action=DealAction.BACK, id=deal.id))
    kb.adjust(1)
    return kb.as_markup()


def owners_keyboard(deal: Deal, staff: Sequence[User]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for user in staff:
        kb.button(text=(user.full_name or str(user.telegram_id))[:40], callback_data=DealCb(
            action=DealAction.OWNER, id=deal.id, to=f"{user.id}.{deal.version}"))
    kb.button(text=_("« Back"), callback_data=DealCb(action=DealAction.BACK, id=deal.id))
    kb.adjust(1)
    return kb.as_markup()


def lost_reasons_keyboard(deal: Deal, deals: DealService) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for reason in deals.lost_reasons.values():
        kb.button(text=reason.name(lang()), callback_data=DealCb(
            action=DealAction.REASON, id=deal.id, to=f"{reason.code}.{deal.version}"))
    kb.button(text=_("Other (type the reason)"), callback_data=DealCb(
        action=DealAction.REASON, id=deal.id, to=f"{OTHER_REASON}.{deal.version}"))
    kb.adjust(1)
    return kb.as_markup()


def flow_keyboard(flow: str, *buttons: tuple[str, FlowAction, int, str]
                  ) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for text, action, ident, code in buttons:
        kb.button(text=text, callback_data=FlowCb(action=action, flow=flow, id=ident, code=code))
    kb.adjust(1)
    return kb.as_markup()


def skip_keyboard(flow: str) -> InlineKeyboardMarkup:
    return flow_keyboard(flow, (_("Skip"), FlowAction.SKIP, 0, ""))


def question(field: str, flow: str) -> tuple[str, InlineKeyboardMarkup | None]:
    text = str(QUESTIONS.get(field, field))
    if DEAL_FIELDS.get(field) == FieldType.BOOL:
        kb = InlineKeyboardBuilder()
        kb.button(text=_("Yes"), callback_data=FlowCb(action=FlowAction.YES, flow=flow))
        kb.button(text=_("No"), callback_data=FlowCb(action=FlowAction.NO, flow=flow))
        return text, kb.as_markup()
    return text, None


def client_card_keyboard(company_id: int) -> InlineKeyboardMarkup:
    """The buttons under a client card (handlers/clients.py draws the card)."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Timeline"),
              callback_data=ClientExtraCb(action=ClientAction.TIMELINE, id=company_id))
    kb.button(text=_("Add note"),
              callback_data=ClientExtraCb(action=ClientAction.NOTE, id=company_id))
    kb.adjust(2)
    return kb.as_markup()


def note_keyboard(flow: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for code, label in INTERACTION_KINDS.items():
        kb.button(text=str(label), callback_data=FlowCb(action=FlowAction.KIND, flow=flow,
                                                        code=code))
    kb.adjust(5)
    return kb.as_markup()
