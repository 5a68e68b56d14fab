"""The next step of a staff alert, one tap away: each alert's buttons as use cases.

- overdue invoice: remind the customer now, a call task for tomorrow, open the invoice;
- installment due or missed: open the schedule, remind the customer now;
- guarantee letter's date passed unpaid: open the invoice, a call task;
- contract ending: a renewal deal, open the contract;
- task due: done, +1 hour, tomorrow, open.

A button pressed twice does its work once, and a stale one does nothing: the answer is
Conflict("already_done") (or "already_paid" for an invoice paid since). What is made from an
alert keeps the action as its origin key: the alert's outbox row for the reminder
(`alert:{row}:remind`, the outbox key) and the call task (`alert:{row}:call`), the contract and
its end for the renewal deal (`services.contracts.renewal_key`); "+1 hour" and "tomorrow"
carry the due moment the alert was for and do nothing once the task moved. Scope: the
invoice's, the contract's or the task's owner (a head: the team), else NotFound."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.alerts import AlertService
from services.clock import Clock
from services.contracts import ContractService
from services.deals import Deal
from services.errors import Conflict
from services.tasks import Task, TaskDraft, TaskKind, TaskService, next_work_day_at
from services.users import Actor

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def call_key(outbox_id: int) -> str:
    return f"alert:{outbox_id}:call"


class AlertActionService:
    """The alert buttons' use cases over the alerts, tasks and contracts (each checks the
    actor's scope)."""

    def __init__(self, alerts: AlertService, tasks: TaskService,
                 contracts: ContractService, clock: Clock) -> None:
        self._clock = clock
        self._alerts = alerts
        self._tasks = tasks
        self._contracts = contracts

    def zone(self, actor: Actor) -> ZoneInfo:
        """The zone the actor reads times in."""
        return self._tasks.zone(actor)

    async def remind_now(self, actor: Actor, outbox_id: int) -> datetime | None:
        """The customer's reminder of the alert's invoice or installment (`AlertService.
        remind_now`); None when it goes now, else when the customer's quiet hours end."""
        return await self._alerts.remind_now(actor, outbox_id)

    async def call_task(self, actor: Actor, outbox_id: int, title: str) -> Task:
        """A task to call the client of the alert's invoice, tomorrow at the start of the
        actor's working day (their digest hour) in their zone. `title` is a template in the
        actor's language with {number} and {company}. Once per alert; "already_paid" once the
        invoice is paid or closed."""
        facts = await self._alerts.alert_invoice(actor, outbox_id)
        # The actor's working day starts at their digest hour.
        start = time((await self._alerts.alert_settings(actor)).digest_hour)
        when = next_work_day_at(self._clock.now(), self._tasks.zone(actor), start)
        return await self._tasks.create(actor, TaskDraft(
            kind=TaskKind.TASK, title=title.format(number=facts.number,
                                                   company=facts.company_name or "—"),
            when=when, company_id=facts.company_id, origin_key=call_key(outbox_id)))

    async def renewal_deal(self, actor: Actor, outbox_id: int, title: str) -> Deal:
        """The renewal deal of the alert's contract (`ContractService.renewal_deal`); `title`
        a template with {title}, the contract's title."""
        contract_id = await self._alerts.alert_contract(outbox_id)
        return await self._contracts.renewal_deal(actor, contract_id, title)

    async def task_done(self, actor: Actor, task_id: int) -> Task:
        try:
            return await self._tasks.complete(actor, task_id)
        except Conflict as err:
            if err.code == "task_closed":
                raise Conflict("already_done") from None
            raise

    async def task_later(self, actor: Actor, task_id: int, due: datetime, days: int) -> Task:
        """+1 hour (`days` 0) or tomorrow (`days` 1), while the task is still due at `due`."""
        return await self._tasks.move_alerted(actor, task_id, due, DAY if days else HOUR)
