"""`AlertService`: the use cases of the alerts, one mixin per module, over one shared base
(`base.AlertServiceBase`: the unit of work, the clock, the configuration)."""

from __future__ import annotations

from services.alerts.alert_buttons import AlertButtons
from services.alerts.composing import Composing
from services.alerts.customer_answers import CustomerAnswers
from services.alerts.invoice_reminders import InvoiceReminders
from services.alerts.meeting_answers import MeetingAnswers
from services.alerts.outbox_health import OutboxHealthChecks
from services.alerts.reminder_controls import ReminderControls
from services.alerts.settings import AlertSettingsService
from services.alerts.staff_alerts import StaffAlerts


class AlertService(
    InvoiceReminders,
    StaffAlerts,
    Composing,
    ReminderControls,
    OutboxHealthChecks,
    CustomerAnswers,
    AlertButtons,
    MeetingAnswers,
    AlertSettingsService,
):
    """Scheduler jobs (each takes the clock's now) and the managers' reminder controls."""
