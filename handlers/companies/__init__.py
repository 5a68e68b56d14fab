"""Company card extras: the requisites flow (country → legal form → legal name → tax ids →
legal address → bank account → summary → save) and reassignment to another manager (heads
and admins), with both managers notified.

callbacks.py, texts.py, keyboards.py, card.py and requisites.py (one handler per action),
router.py (create_router)."""

from handlers.companies.callbacks import CompanyAction, CompanyCb
from handlers.companies.keyboards import with_company_buttons
from handlers.companies.router import create_router

__all__ = ["CompanyAction", "CompanyCb", "create_router", "with_company_buttons"]
