"""Leads: capture (chat flow, shortcuts, website form), qualification and conversion.

Invariants:
- every read and write is scoped by the actor (`owner_scope()`); another manager's lead is
  NotFound, never Forbidden;
- statuses move new → in_progress → qualified → converted, or to junk (with a reason) from
  any status but converted; a converted lead never changes again;
- a lead always has a name to be listed by: a contact name, a company name or a tax id;
- phones are stored in E.164, e-mails lower-cased, tax ids checksum-valid;
- conversion runs in ONE unit of work: the company/contact, the deal (DealService.create_in)
  and the lead's converted ids are written together or not at all;
- duplicates are looked up by normalised phone, lower-cased e-mail and tax id among the
  clients the actor may see, never by name alone;
- website leads with the same phone or e-mail within DEDUPE_WINDOW are one lead.

The package: `model` (statuses, drafts, leads, matches, settings), `fields` (the service's base:
one typed field cleaned), and the use cases `shortcuts` (tax id, contact card, forward),
`capture` (typed), `web_form`, `qualification` and `conversion`, composed in `service`.
"""

from __future__ import annotations

from services.leads.model import (
    DEDUPE_WINDOW,
    DEFAULT_SOURCES,
    EDIT_FIELDS,
    JUNK_REASONS,
    LEAD_FIELDS,
    LIMITS,
    MESSAGE_MAX,
    OTHER_JUNK,
    PHONE_REGIONS,
    TAX_ID_NAMES,
    TRANSITIONS,
    WEB_SOURCE,
    ClientMatch,
    Conversion,
    ConvertChoice,
    InvalidFields,
    Lead,
    LeadDraft,
    LeadPage,
    LeadSettings,
    LeadStatus,
    NewCompany,
    NewContact,
    WebLead,
    tax_id_label,
)
from services.leads.service import LeadService

__all__ = [
    "DEDUPE_WINDOW",
    "DEFAULT_SOURCES",
    "EDIT_FIELDS",
    "JUNK_REASONS",
    "LEAD_FIELDS",
    "LIMITS",
    "MESSAGE_MAX",
    "OTHER_JUNK",
    "PHONE_REGIONS",
    "TAX_ID_NAMES",
    "TRANSITIONS",
    "WEB_SOURCE",
    "ClientMatch",
    "Conversion",
    "ConvertChoice",
    "InvalidFields",
    "Lead",
    "LeadDraft",
    "LeadPage",
    "LeadService",
    "LeadSettings",
    "LeadStatus",
    "NewCompany",
    "NewContact",
    "WebLead",
    "tax_id_label",
]
