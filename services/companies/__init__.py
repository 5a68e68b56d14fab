"""Company use cases beyond the basic card: requisites (legal name and form, tax ids, legal
address, a bank account) and reassignment of a company to another manager.

Requisites are checked one step at a time while the user types them (`clean_step`), and all
together again on save (`save_requisites`), so a value that slipped past a step (or a forged
flow) is still refused. A failed check becomes `InvalidInput("req_<check>", field=<field>)`
with the check's code from services.requisites; the handler names the check to the user."""

from services.companies.model import (
    ADDRESS_MAX,
    LEGAL_FORMS,
    OPEN_LEAD_EXCLUDED,
    OPTIONAL_STEPS,
    BankAccount,
    CompanyRequisites,
    Reassignment,
    RequisitesUpdate,
    TransferCounts,
    check_requisites,
    clean_address,
    clean_step,
    reassign_notices,
    requisite_steps,
)
from services.companies.ports import (
    ClientProfileRepository,
    CompanyTransferRepository,
    CompanyUnitOfWork,
    RequisitesRepository,
)
from services.companies.profile import (
    COMPANY_FIELDS,
    CONTACT_FIELDS,
    LANGUAGES,
    MARKET_FIELDS,
    ClientLoad,
    ClientProfile,
    ContactCard,
    ContactDraft,
    MergeCounts,
    market_fields,
    requisite_fields,
)
from services.companies.service import (
    CompanyService,
)

__all__ = [
    "ADDRESS_MAX",
    "COMPANY_FIELDS",
    "CONTACT_FIELDS",
    "LANGUAGES",
    "LEGAL_FORMS",
    "MARKET_FIELDS",
    "OPEN_LEAD_EXCLUDED",
    "OPTIONAL_STEPS",
    "BankAccount",
    "ClientLoad",
    "ClientProfile",
    "ClientProfileRepository",
    "CompanyRequisites",
    "CompanyService",
    "CompanyTransferRepository",
    "CompanyUnitOfWork",
    "ContactCard",
    "ContactDraft",
    "MergeCounts",
    "Reassignment",
    "RequisitesRepository",
    "RequisitesUpdate",
    "TransferCounts",
    "check_requisites",
    "clean_address",
    "clean_step",
    "market_fields",
    "reassign_notices",
    "requisite_fields",
    "requisite_steps",
]
