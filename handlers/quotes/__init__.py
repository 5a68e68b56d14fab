"""Quotes in chat: "Quote" on the deal card and /quote (choose the client), the draft card with
the shared line editor plus a validity date, Send… (numbered on the first send by the delivery
module), the customer's answer on the card, and "Make invoice" once accepted; /quotes lists
mine with status filters.

callbacks.py (QuoteCb, the FSM states), texts.py and keyboards.py (pure functions of the
quote), card.py and listing.py (one handler per action), router.py (create_router)."""

from handlers.quotes.router import QUOTE, create_router

__all__ = ["QUOTE", "create_router"]
