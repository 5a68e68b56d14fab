"""The lead service: its use cases composed (shortcuts, capture, the website form,
qualification, conversion) over the shared field cleaning of `LeadFields`."""

from __future__ import annotations

from services.leads.capture import LeadCapture
from services.leads.conversion import LeadConversion
from services.leads.qualification import LeadQualification
from services.leads.shortcuts import LeadShortcuts
from services.leads.web_form import LeadWebForm


class LeadService(LeadShortcuts, LeadCapture, LeadWebForm, LeadQualification, LeadConversion):
    """Leads: capture (chat flow, shortcuts, website form), qualification and conversion.
    Method names are the use cases'."""
