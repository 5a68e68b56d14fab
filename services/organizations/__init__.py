"""Organizations: our own seller entities that issue quotes and invoices, with bank accounts.

Invariants:
- an organization's tax id (and KPP, bank ids, accounts) passed the country's checks in
  `services.requisites` before it was stored; Russian accounts carry BIK + settlement +
  correspondent account, the others an IBAN + BIC;
- its currency, document language and invoice number pattern always have valid values
  (defaults by country);
- only admins add and edit organizations (every field validated as when added, audited with
  the old and the new value); every staff member may read them (they print on documents)."""

from services.organizations.model import (
    ADDRESS_MAX,
    DEFAULT_CURRENCY,
    DEFAULT_LANGUAGE,
    DEFAULT_TAX_MODE,
    DEMO_ORGANIZATIONS,
    IBAN_BANK_FIELDS,
    NAME_MAX,
    ORG_EDIT_FIELDS,
    PREFIX_MAX,
    RU_BANK_FIELDS,
    TAX_ID_LABEL,
    BankAccount,
    Organization,
    OrganizationDraft,
    check_draft,
    clean_org_field,
    editable_fields,
    org_value,
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
    "IBAN_BANK_FIELDS",
    "NAME_MAX",
    "ORG_EDIT_FIELDS",
    "PREFIX_MAX",
    "RU_BANK_FIELDS",
    "TAX_ID_LABEL",
    "BankAccount",
    "Organization",
    "OrganizationDraft",
    "OrganizationRepository",
    "OrganizationService",
    "OrganizationUnitOfWork",
    "check_draft",
    "clean_org_field",
    "editable_fields",
    "org_value",
    "seed_demo_organization",
]
