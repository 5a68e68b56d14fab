"""The reports' use cases (issue 14): who may see which figures, for which days, and the one
entry the handlers and the pushes call.

Scope is decided here, from the actor, never from a button: a manager always gets their own
figures (a forged "team" or another manager's id is Forbidden); a head or an admin gets the
team (`owner_id` None) or the one manager they chose. Currency is one per report (never summed
across currencies); organization is optional (None = every organization).

The figures themselves come from the database, aggregated there (`ReportRepository`, in
storage/reports/); the modules next to this one turn the rows into reports.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from services.clock import Clock
from services.errors import Forbidden, InvalidInput, NotFound
from services.kernel import UnitOfWork, UowFactory
from services.money import AmountError, parse_amount, to_minor
from services.reports import activity, calendar, funnel, plans, ranking, sales
from services.reports.drill import LIMIT, Drill
from services.reports.model import (
    BASES,
    KINDS,
    XYZ_MONTHS,
    AbcReport,
    ActivityReport,
    CalendarReport,
    FunnelReport,
    Named,
    PlanReport,
    Report,
    ReportQuery,
    SalesReport,
    window,
)
from services.reports.periods import MONDAY, Period
from services.reports.ports import ReportRepository
from services.users import Actor, Role


class ReportUnitOfWork(UnitOfWork, Protocol):
    @property
    def reports(self) -> ReportRepository: ...


TEAM = "team"
ME = "me"


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """What the reader chose: `scope` is "me", "team" or a manager's id as text."""

    kind: str
    period: Period
    currency: str
    scope: str = ME
    organization_id: int | None = None
    months: int = 6  # XYZ window for the ABC reports


class ReportService:
    def __init__(self, uow: UowFactory[ReportUnitOfWork], clock: Clock, *,
                 timezone: str = "UTC", pipeline: str = "sales", stuck_days: int = 14,
                 plan_basis: str = "paid", week_start: int = MONDAY,
                 lost_codes: Collection[str] | None = None) -> None:
        if plan_basis not in BASES:
            raise ValueError(f"plan basis must be one of {BASES}")
        self._uow = uow
        self._clock = clock
        self._tz = timezone
        self.pipeline = pipeline
        self.stuck_days = stuck_days
        self.plan_basis = plan_basis
        self.week_start = week_start
        # The configured lost reasons' codes (pipelines.toml [lost_reasons]); None: anything
        # shaped like a code is read as one.
        self.lost_codes = frozenset(lost_codes) if lost_codes is not None else None

    # --- who and when ----------------------------------------------------------------------

    def zone(self, actor: Actor) -> ZoneInfo:
        try:
            return ZoneInfo(actor.timezone or self._tz)
        except (KeyError, ValueError):
            return ZoneInfo(self._tz)

    def today(self, actor: Actor) -> date:
        return self._clock.now().astimezone(self.zone(actor)).date()

    def now(self) -> datetime:
        return self._clock.now()

    async def owner_for(self, actor: Actor, scope: str) -> int | None:
        """The owner the figures are limited to (None: the team). A manager asking for
        anything but their own figures is Forbidden; a head naming someone who is not an active
        staff member gets NotFound."""
        if not actor.is_staff:
            raise Forbidden()
        if scope == ME:
            return actor.id
        if not actor.sees_everything:
            if scope == str(actor.id):
                return actor.id
            raise Forbidden()
        if scope == TEAM:
            return None
        if not scope.isdigit():
            raise InvalidInput("bad_scope", field="scope")
        async with self._uow(readonly=True) as uow:
            staff = await uow.reports.managers(int(scope))
        if not staff:
            raise NotFound()
        return int(scope)

    async def managers(self, actor: Actor) -> list[Named]:
        """The staff a head or an admin may pick as a scope (active, by name); [] for a
        manager."""
        if not actor.sees_everything:
            return []
        async with self._uow(readonly=True) as uow:
            return list(await uow.reports.managers(None))

    async def currencies(self, actor: Actor, organization_id: int | None = None) -> list[str]:
        """Currencies of the invoices in the actor's reach, most used first (at least one:
        the default organization's, else RUB)."""
        async with self._uow(readonly=True) as uow:
            found = list(await uow.reports.currencies(actor.owner_scope(), organization_id))
        return found or ["RUB"]

    async def organizations(self) -> list[Named]:
        async with self._uow(readonly=True) as uow:
            return list(await uow.reports.organizations())

    async def query(self, actor: Actor, request: ReportRequest) -> ReportQuery:
        if request.kind not in KINDS:
            raise InvalidInput("bad_report", field="report")
        if request.months not in XYZ_MONTHS:
            raise InvalidInput("bad_months", field="months")
        currency = request.currency.upper()
        if len(currency) != 3 or not currency.isalpha():
            raise InvalidInput("bad_currency", field="currency")
        owner = await self.owner_for(actor, request.scope)
        return ReportQuery(request.period, currency, owner, request.organization_id)

    # --- the reports ------------------------------------------------------------------------

    async def report(self, actor: Actor, request: ReportRequest) -> Report:
        q = await self.query(actor, request)
        zone = self.zone(actor)
        now = self._clock.now()
        async with self._uow(readonly=True) as uow:
            repo = uow.reports
            if request.kind == "sales":
                return await sales.build(repo, q, window(q.period, zone), self.lost_codes)
            if request.kind == "funnel":
                return await funnel.build(repo, q, window(q.period, zone), now,
                                          self.pipeline, self.stuck_days)
            if request.kind in ("abc_clients", "abc_products"):
                subject = request.kind.removeprefix("abc_")
                return await ranking.build(repo, q, subject, request.months)
            if request.kind == "calendar":
                return await calendar.build(repo, q, self.today(actor))
            if request.kind == "plan":
                return await plans.build(repo, q, self.today(actor), self.plan_basis)
            return await activity.build(repo, q, window(q.period, zone), now)

    async def sales(self, actor: Actor, request: ReportRequest) -> SalesReport:
        got = await self.report(actor, _kind(request, "sales"))
        assert isinstance(got, SalesReport)
        return got

    async def funnel(self, actor: Actor, request: ReportRequest) -> FunnelReport:
        got = await self.report(actor, _kind(request, "funnel"))
        assert isinstance(got, FunnelReport)
        return got

    async def abc(self, actor: Actor, request: ReportRequest) -> AbcReport:
        got = await self.report(actor, request)
        assert isinstance(got, AbcReport)
        return got

    async def calendar(self, actor: Actor, request: ReportRequest) -> CalendarReport:
        got = await self.report(actor, _kind(request, "calendar"))
        assert isinstance(got, CalendarReport)
        return got

    async def plan(self, actor: Actor, request: ReportRequest) -> PlanReport:
        got = await self.report(actor, _kind(request, "plan"))
        assert isinstance(got, PlanReport)
        return got

    async def activity(self, actor: Actor, request: ReportRequest) -> ActivityReport:
        got = await self.report(actor, _kind(request, "activity"))
        assert isinstance(got, ActivityReport)
        return got

    # --- drill-down -------------------------------------------------------------------------

    async def drill(self, actor: Actor, manager_id: int, period: Period,
                    currency: str) -> Drill:
        """One manager's deals and invoices of the period. The scope is re-checked here: a
        manager may only drill into their own figures (anyone else's is Forbidden), a head or
        an admin naming someone who is not active staff gets NotFound."""
        owner = await self.owner_for(actor, str(manager_id))
        assert owner is not None
        currency = currency.upper()
        if len(currency) != 3 or not currency.isalpha():
            raise InvalidInput("bad_currency", field="currency")
        w = window(period, self.zone(actor))
        async with self._uow(readonly=True) as uow:
            found = list(await uow.reports.managers(owner))
            if not found:
                raise NotFound()
            deals, n_deals = await uow.reports.drill_deals(owner, w.start, w.end, LIMIT)
            invoices, n_inv = await uow.reports.drill_invoices(owner, w.start, w.end,
                                                               currency, LIMIT)
        return Drill(found[0], period, currency, tuple(deals), n_deals, tuple(invoices), n_inv)

    # --- plans ------------------------------------------------------------------------------

    def plan_amount(self, text: str, currency: str) -> int:
        """A plan amount as typed, in minor units: unreadable text is "amount_<code>" (as
        anywhere money is typed), 0 or less "plan_not_positive"."""
        try:
            amount = parse_amount(text, currency, allow_negative=True)
        except AmountError as exc:
            raise InvalidInput(f"amount_{exc.code}", field="amount") from None
        if amount <= 0:
            raise InvalidInput("plan_not_positive", field="amount")
        return to_minor(amount, currency)

    async def set_plan(self, actor: Actor, manager_id: int, month: date, currency: str,
                       amount_minor: int, basis: str | None = None) -> None:
        """A head or an admin sets a manager's plan for a month (replacing the one there).
        A plan of 0 or less is refused ("plan_not_positive")."""
        if not actor.sees_everything:
            raise Forbidden()
        if amount_minor <= 0:
            raise InvalidInput("plan_not_positive", field="amount")
        chosen = basis or self.plan_basis
        if chosen not in BASES:
            raise InvalidInput("bad_basis", field="basis")
        async with self._uow() as uow:
            if not await uow.reports.managers(manager_id):
                raise NotFound()
            await uow.reports.set_plan(manager_id, month.replace(day=1), currency.upper(),
                                       chosen, amount_minor, actor.id, self._clock.now())
            await uow.commit()

    # --- pushes -----------------------------------------------------------------------------

    async def set_optout(self, actor: Actor, kind: str, off: bool) -> None:
        """Turn a report push off (or back on) for oneself."""
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow() as uow:
            await uow.reports.set_optout(actor.id, kind, off, self._clock.now())
            await uow.commit()


def _kind(request: ReportRequest, kind: str) -> ReportRequest:
    if request.kind == kind:
        return request
    return ReportRequest(kind, request.period, request.currency, request.scope,
                         request.organization_id, request.months)


def role_gets_push(role: Role, kind: str) -> bool:
    """Heads get the weekly report, admins the monthly one."""
    return (role == Role.HEAD and kind == "weekly") or (role == Role.ADMIN and kind == "monthly")
