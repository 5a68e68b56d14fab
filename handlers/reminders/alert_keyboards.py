"""The buttons of the staff alerts the outbox sends (`texts.render`): each alert's next step.
The "open" buttons are the cards' own (invoice, schedule, contract, task); the rest are
`AlertCb`, answered by `handlers/reminders/alerts.py`."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.contracts import ContractAction, ContractCb
from handlers.invoices.callbacks import Inv, InvoiceCb
from handlers.reminders.callbacks import AlertAction, AlertCb
from handlers.shipments import ShipAction, ShipCb
from handlers.tasks.callbacks import Card, TaskCardCb

STAMP = "%Y%m%dT%H%M"


def stamp(moment: datetime) -> str:
    """A due moment in a button, in universal time to the minute."""
    return moment.astimezone(UTC).strftime(STAMP)


def open_invoice_button(kb: InlineKeyboardBuilder, invoice_id: int) -> None:
    kb.button(text=_("Open invoice"), callback_data=InvoiceCb(action=Inv.OPEN, id=invoice_id))


def overdue_keyboard(outbox_id: int, invoice_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Remind the client now"),
              callback_data=AlertCb(action=AlertAction.REMIND, id=outbox_id))
    kb.button(text=_("Call task for tomorrow"),
              callback_data=AlertCb(action=AlertAction.CALL, id=outbox_id))
    open_invoice_button(kb, invoice_id)
    kb.adjust(1)
    return kb.as_markup()


def installment_keyboard(outbox_id: int, invoice_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Open the schedule"),
              callback_data=ShipCb(action=ShipAction.SCHEDULE, invoice=invoice_id))
    kb.button(text=_("Remind the client now"),
              callback_data=AlertCb(action=AlertAction.REMIND, id=outbox_id))
    kb.adjust(1)
    return kb.as_markup()


def guarantee_keyboard(outbox_id: int, invoice_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    open_invoice_button(kb, invoice_id)
    kb.button(text=_("Call task for tomorrow"),
              callback_data=AlertCb(action=AlertAction.CALL, id=outbox_id))
    kb.adjust(1)
    return kb.as_markup()


def contract_keyboard(outbox_id: int, contract_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Create a renewal deal"),
              callback_data=AlertCb(action=AlertAction.RENEW, id=outbox_id))
    kb.button(text=_("Open the contract"),
              callback_data=ContractCb(action=ContractAction.OPEN, id=contract_id))
    kb.adjust(1)
    return kb.as_markup()


def task_alert_keyboard(task_id: int, due_at: datetime) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    at = stamp(due_at)
    kb.button(text=_("Done"), callback_data=AlertCb(action=AlertAction.DONE, id=task_id))
    kb.button(text=_("+1 hour"),
              callback_data=AlertCb(action=AlertAction.HOUR, id=task_id, at=at))
    kb.button(text=_("Tomorrow"),
              callback_data=AlertCb(action=AlertAction.TOMORROW, id=task_id, at=at))
    kb.button(text=_("Open"), callback_data=TaskCardCb(action=Card.OPEN, id=task_id))
    kb.adjust(3, 1)
    return kb.as_markup()
