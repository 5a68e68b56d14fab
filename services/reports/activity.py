"""f. Manager activity: leads taken, time to first contact, interactions, tasks done and
overdue, invoices issued.

Per active staff member in scope (by name; the query's one manager, or all of them) and the
total (the sum of the rows):
- leads: leads created in [w.start, w.end) with them as owner;
- first_contact_hours: over those leads that have one, the average hours (0.1 half up) from
  the lead's creation to its first contact, None when none has. The first contact is the
  earliest interaction logged strictly after the lead's creation (the message a lead arrives
  with is logged at its creation: it is the client's, not a contact) on the lead itself, on
  the deal it was converted to, or on its client company (interactions are logged on deals
  and companies; converting a lead moves its own interactions there), by anybody;
- interactions: interactions they logged with occurred_at in the window;
- tasks_done: their tasks and events closed as done / held in the window (done_at);
- tasks_overdue: their tasks still open now (not done, held, not held or cancelled) with
  due_at before `now`;
- invoices_issued: their invoices issued in the period (issue date), not cancelled, of the
  query's currency and organization — the invoices the sales report counts.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from services.reports.model import ActivityReport, ActivityRow, Named, ReportQuery, Window
from services.reports.ports import ReportRepository

_TENTH = Decimal("0.1")
FIGURES = ("leads", "contacted", "seconds", "interactions", "tasks_done", "tasks_overdue",
           "invoices_issued")


def _row(who: Named, f: dict[str, int]) -> ActivityRow:
    hours = None
    if f["contacted"]:
        hours = (Decimal(f["seconds"]) / f["contacted"] / 3600).quantize(_TENTH, ROUND_HALF_UP)
    return ActivityRow(manager=who, leads=f["leads"], first_contact_hours=hours,
                       interactions=f["interactions"], tasks_done=f["tasks_done"],
                       tasks_overdue=f["tasks_overdue"], invoices_issued=f["invoices_issued"])


async def build(repo: ReportRepository, q: ReportQuery, w: Window,
                now: datetime) -> ActivityReport:
    staff = list(await repo.managers(q.owner_id))
    ids = [s.id for s in staff if s.id is not None]
    figures: dict[int | None, dict[str, int]] = {
        owner: dict.fromkeys(FIGURES, 0) for owner in [*ids, None]}
    if ids:
        for lc in await repo.lead_contacts(ids, w.start, w.end):
            for owner in (lc.owner_id, None):
                figures[owner]["leads"] += lc.leads
                figures[owner]["contacted"] += lc.contacted
                figures[owner]["seconds"] += lc.seconds
        for c in await repo.activity_counts(q, ids, w.start, w.end, now):
            for owner in (c.owner_id, None):
                figures[owner][str(c.key)] += c.count
    return ActivityReport(query=q, rows=tuple(_row(s, figures[s.id]) for s in staff),
                          total=_row(Named(None, ""), figures[None]))
