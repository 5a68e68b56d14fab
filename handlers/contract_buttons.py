"""The contracts' callback data and the deal card's «Contract» button: apart from
`handlers.contracts`, whose card opens deals, so that the deal card can show the button without
an import cycle between the two."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _

from services.deals import Deal


class Ct(StrEnum):
    DEAL = "d"  # id: the deal
    LANGUAGE = "l"  # id: the deal, lang: the language chosen
    ISSUE = "i"  # id: the deal
    OPEN = "o"  # id: the contract
    RENEW = "n"  # id: the contract: a renewal deal


class ContractCb(CallbackData, prefix="ct"):
    action: Ct
    id: int
    lang: str = ""


def deal_card_buttons(deal: Deal) -> list[InlineKeyboardButton]:
    """The deal card's row from contracts: «Contract» unless the deal is lost."""
    if deal.status == "lost":
        return []
    return [InlineKeyboardButton(text=_("Contract"), callback_data=ContractCb(
        action=Ct.DEAL, id=deal.id).pack())]
