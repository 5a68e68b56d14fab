"""Deals in chat: the list, the card, moving through stages (with the required fields asked
in place), won / lost, the /newdeal flow, notes on a deal or a client, the client timeline.

callbacks.py (DealCb, FlowCb, ClientExtraCb, the FSM states), texts.py and keyboards.py (pure
functions of the card), card.py, moves.py, notes.py and new_deal.py (one handler per action),
router.py (create_router)."""

from handlers.deals.router import create_router

__all__ = ["create_router"]
