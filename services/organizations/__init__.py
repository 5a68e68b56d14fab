"""Organizations: our own seller entities that issue quotes and invoices, with bank accounts.

Invariants:
- an organization's tax id (and KPP, bank ids, accounts) passed the country's checks in
  `services.requisites` before it was stored; Russian accounts carry BIK + settlement +
  correspondent account, the others an IBAN + BIC;
- its currency, document language and invoice number pattern always have valid values
  (defaults by country);
- only admins add organizations; every staff member may read them (they print on documents)."""

from services.organizations.model import (
    ADDRESS_MAX,
    DEFAULT_CURRENCY,
    DEFAULT_LANGUAGE,
    DEFAULT_TAX_MODE,
    DEMO_ORGANIZATIONS,
    NAME_MAX,
    PREFIX_MAX,
    TAX_ID_LABEL,
    BankAccount,
    Organization,
    OrganizationDraft,
    check_draft,
    clean_org_field,
)
from services.organizations.ports import (
    OrganizationRepository,
    OrganizationUnitOfWork,
)
from services.organizations.service import (
    OrganizationService,
    seed_demo_organization,
)

__all__ = [
    "ADDRESS_MAX",
    "DEFAULT_CURRENCY",
    "DEFAULT_LANGUAGE",
    "DEFAULT_TAX_MODE",
    "DEMO_ORGANIZATIONS",
    "NAME_MAX",
    "PREFIX_MAX",
    "TAX_ID_LABEL",
    "BankAccount",
    "Organization",
    "OrganizationDraft",
    "OrganizationRepository",
    "OrganizationService",
    "OrganizationUnitOfWork",
    "check_draft",
    "clean_org_field",
    "seed_demo_organization",
]
