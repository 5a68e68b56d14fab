"""The buttons of the staff alerts the outbox sends (`texts.render`): each alert's next step.
The "open" buttons are the cards' own (invoice, schedule, contract, task); the rest are
`AlertCb`, answered by `handlers/reminders/alerts.py`."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.contract_buttons import ContractCb, Ct
from handlers.invoices.callbacks import Inv, InvoiceCb
from handlers.reminders.callbacks import AlertAction, AlertCb
from handlers.shipments import ShipAction, ShipCb
from handlers.tasks.callbacks import Card, TaskCardCb

STAMP = "%Y%m%dT%H%M"


def stamp(moment: datetime) -> str:
    """A due moment in a button, in universal time to the minute."""
    return moment.astimezone(UTC).strftime(STAMP)


def column(*buttons: tuple[str, CallbackData]) -> InlineKeyboardMarkup:
    """The alert's buttons, one a row (they are short sentences)."""
    kb = InlineKeyboardBuilder()
    for text, data in buttons:
        kb.button(text=text, callback_data=data)
    kb.adjust(1)
    return kb.as_markup()


def remind(outbox_id: int) -> tuple[str, CallbackData]:
    return _("Remind the client now"), AlertCb(action=AlertAction.REMIND, id=outbox_id)


def call(outbox_id: int) -> tuple[str, CallbackData]:
    return _("Call task for tomorrow"), AlertCb(action=AlertAction.CALL, id=outbox_id)


def open_invoice(invoice_id: int) -> tuple[str, CallbackData]:
    return _("Open invoice"), InvoiceCb(action=Inv.OPEN, id=invoice_id)


def overdue_keyboard(outbox_id: int, invoice_id: int) -> InlineKeyboardMarkup:
    return column(remind(outbox_id), call(outbox_id), open_invoice(invoice_id))


def installment_keyboard(outbox_id: int, invoice_id: int) -> InlineKeyboardMarkup:
    return column((_("Open the schedule"), ShipCb(action=ShipAction.SCHEDULE,
                                                  invoice=invoice_id)), remind(outbox_id))


def guarantee_keyboard(outbox_id: int, invoice_id: int) -> InlineKeyboardMarkup:
    return column(open_invoice(invoice_id), call(outbox_id))


def contract_keyboard(outbox_id: int, contract_id: int) -> InlineKeyboardMarkup:
    return column(
        (_("Create a renewal deal"), AlertCb(action=AlertAction.RENEW, id=outbox_id)),
        (_("Open the contract"), ContractCb(action=Ct.OPEN, id=contract_id)))


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
