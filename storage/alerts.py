"""The reminder and alert queries (`services.alerts.AlertRepository`) on SQLAlchemy.

The due-selection query (`invoices_due_on`) is `status IN (open) AND due_date IN (days)`
with the pause/stop flags checked on the rows found: SQLite and PostgreSQL both answer it
with lookups of `ix_invoices_status_due (status, due_date)`, one per (status, day) pair,
so its cost follows the invoices due on those days, not the size of the table
(bench/reminders.py: 1,000,000 invoices).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, and_, delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts import (
    BECOME_OVERDUE,
    CUSTOMER_PAID_ACTION,
    MEETING_KINDS_PREFIX,
    OPEN_INVOICE_STATUSES,
    ContractEnding,
    DigestItem,
    DigestSection,
    GuaranteeDue,
    InstallmentDue,
    InvoiceTarget,
    MeetingTarget,
    OutboxRowInfo,
    OverdueInvoice,
    QuoteExpiry,
    StaffMember,
    TaskDue,
    Upcoming,
)
from services.money import open_minor
from services.reminders import InstallmentForReminders
from services.users import STAFF_ROLES, User
from storage import models as m
from storage.amounts import open_minor_sql
from storage.users import to_user

INV = m.Invoice
OUT = m.OutboxMessage
WATERMARKS: Table = m.JobWatermark.__table__  # type: ignore[assignment]
CLOSED_TASKS = ("done", "held", "not_held", "cancelled")
INVOICE_REMINDER_KINDS = (
    "invoice_due_soon",
    "invoice_due_today",
    "invoice_overdue",
    "installment_due_soon",
    "installment_due_today",
    "installment_overdue",
)


def _number(row: Any) -> str:
    return str(row.number_text or f"#{row.id}")


def _staff(u: m.User) -> StaffMember:
    return StaffMember(
        id=u.id,
        telegram_id=u.telegram_id,
        role=u.role,
        timezone=u.timezone,
        language=u.language,
        chat_dead=bool(u.chat_dead),
        digest_hour=u.digest_hour,
    )


async def set_optout(
    session: AsyncSession, user_id: int, kind: str, off: bool, at: datetime
) -> None:
    """A push or an alert kind turned off (a `report_optouts` row) or back on (none)."""
    o = m.ReportOptout
    await session.execute(delete(o).where(o.user_id == user_id, o.kind == kind))
    if off:
        session.add(o(user_id=user_id, kind=kind, created_at=at))
    await session.flush()


class SqlAlertRepository:
    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._s = session
        self._dialect = dialect

    # --- invoices ---------------------------------------------------------------------------

    async def _bound_contact(self, inv: m.Invoice) -> m.Contact | None:
        """The invoice's contact, else a contact of its company bound to Telegram, else any
        contact of the company with an e-mail."""
        if inv.contact_id is not None:
            contact = await self._s.get(m.Contact, inv.contact_id)
            if contact is not None:
                return contact
        if inv.company_id is None:
            return None
        return await self._s.scalar(
            select(m.Contact)
            .where(m.Contact.company_id == inv.company_id)
            .order_by(
                # the primary contact first among those who can be reached
                and_(m.Contact.telegram_user_id.is_(None), m.Contact.email.is_(None)),
                m.Contact.is_primary.desc(),
                m.Contact.telegram_user_id.is_(None), m.Contact.email.is_(None), m.Contact.id
            )
            .limit(1)
        )

    async def _target(self, inv: m.Invoice) -> InvoiceTarget:
        org = await self._s.get(m.Organization, inv.organization_id)
        company = await self._s.get(m.Company, inv.company_id) if inv.company_id else None
        contact = await self._bound_contact(inv)
        chat_id = contact.telegram_user_id if contact else None
        chat_dead = False
        if chat_id is not None:
            chat_dead = bool(
                await self._s.scalar(select(m.User.chat_dead).where(m.User.telegram_id == chat_id))
            )
        installments = (
            await self._s.execute(
                select(m.Installment.id, m.Installment.due_date, m.Installment.status)
                .where(m.Installment.invoice_id == inv.id)
                .order_by(m.Installment.due_date)
            )
        ).all()
        return InvoiceTarget(
            invoice_id=inv.id,
            owner_id=inv.owner_id,
            status=inv.status,
            due_date=inv.due_date,
            number=_number(inv),
            currency=inv.currency,
            total_minor=inv.total_minor,
            paid_minor=inv.paid_minor,
            credited_minor=int(inv.credited_minor or 0),
            reminders_paused=bool(inv.reminders_paused),
            reminders_stopped=bool(inv.reminders_stopped),
            ladder=org.reminder_ladder if org else None,
            country=org.country if org else None,
            chat_id=chat_id,
            chat_dead=chat_dead,
            email=(
                contact.email if contact and contact.email else company.email if company else None
            ),
            timezone=(
                contact.timezone
                if contact and contact.timezone
                else company.timezone
                if company
                else None
            ),
            language=(contact.language if contact and contact.language else inv.language),
            company_name=company.name if company else "",
            company_id=inv.company_id,
            installments=tuple(
                InstallmentForReminders(r.id, r.due_date, r.status) for r in installments
            ),
        )

    async def invoice_target(self, invoice_id: int) -> InvoiceTarget | None:
        inv = await self._s.scalar(
            select(INV).where(INV.id == invoice_id).execution_options(populate_existing=True)
        )
        return None if inv is None else await self._target(inv)

    async def customer_invoice(self, invoice_id: int, telegram_id: int) -> InvoiceTarget | None:
        inv = await self._s.get(INV, invoice_id)
        if inv is None:
            return None
        bound = m.Contact.id == inv.contact_id
        if inv.company_id is not None:
            bound = or_(bound, m.Contact.company_id == inv.company_id)
        found = await self._s.scalar(
            select(m.Contact.id).where(bound, m.Contact.telegram_user_id == telegram_id).limit(1)
        )
        return None if found is None else await self._target(inv)

    async def invoices_due_on(self, days: Sequence[date], after_id: int, limit: int) -> list[int]:
        if not days:
            return []
        q = (
            select(INV.id)
            .where(
                INV.status.in_(OPEN_INVOICE_STATUSES),
                INV.due_date.in_(list(days)),
                INV.id > after_id,
                INV.reminders_paused.is_(False),
                INV.reminders_stopped.is_(False),
            )
            .order_by(INV.id)
            .limit(limit)
        )
        return list((await self._s.scalars(q)).all())

    async def installment_invoices_due_on(self, days: Sequence[date]) -> list[int]:
        if not days:
            return []
        q = (
            select(m.Installment.invoice_id)
            .distinct()
            .join(INV, INV.id == m.Installment.invoice_id)
            .where(
                m.Installment.status == "open",
                m.Installment.due_date.in_(list(days)),
                INV.status.in_(OPEN_INVOICE_STATUSES),
            )
        )
        return sorted((await self._s.scalars(q)).all())

    async def organization_ladders(self) -> list[list[Any]]:
        rows: Any = await self._s.scalars(
            select(m.Organization.reminder_ladder).where(
                m.Organization.reminder_ladder.is_not(None)
            )
        )
        return [r for r in rows if r is not None]

    async def paused_with_new_payment(self) -> list[int]:
        paused_at = (
            select(func.max(m.AuditEntry.at))
            .where(
                m.AuditEntry.entity == "invoice",
                m.AuditEntry.entity_id == INV.id,
                m.AuditEntry.action == CUSTOMER_PAID_ACTION,
            )
            .scalar_subquery()
        )
        paid_since = exists().where(
            m.PaymentAllocation.invoice_id == INV.id,
            m.PaymentAllocation.reversed_at.is_(None),
            m.PaymentAllocation.created_at > func.coalesce(paused_at, INV.created_at),
        )
        q = select(INV.id).where(
            INV.reminders_paused.is_(True), INV.status.in_(OPEN_INVOICE_STATUSES), paid_since
        )
        return list((await self._s.scalars(q)).all())

    async def set_invoice_flags(self, invoice_id: int, **flags: bool) -> None:
        allowed = {"reminders_paused", "reminders_stopped"}
        values = {k: bool(v) for k, v in flags.items() if k in allowed}
        if values:
            await self._s.execute(update(INV).where(INV.id == invoice_id).values(**values))

    async def newly_overdue(self, today: date, limit: int) -> list[OverdueInvoice]:
        rows = (
            await self._s.execute(
                select(
                    INV.id,
                    INV.owner_id,
                    INV.number_text,
                    INV.due_date,
                    INV.currency,
                    INV.total_minor,
                    INV.paid_minor,
                    INV.credited_minor,
                    m.Company.name,
                )
                .outerjoin(m.Company, m.Company.id == INV.company_id)
                .where(INV.status.in_(BECOME_OVERDUE), INV.due_date < today)
                .order_by(INV.due_date, INV.id)
                .limit(limit)
            )
        ).all()
        return [
            OverdueInvoice(
                r.id,
                r.owner_id,
                r.number_text or f"#{r.id}",
                r.due_date,
                r.currency,
                open_minor(r.total_minor, r.paid_minor, r.credited_minor or 0),
                r.name or "",
            )
            for r in rows
        ]

    async def mark_overdue(self, invoice_ids: Sequence[int]) -> None:
        if invoice_ids:
            await self._s.execute(
                update(INV)
                .where(INV.id.in_(list(invoice_ids)), INV.status.in_(BECOME_OVERDUE))
                .values(status="overdue")
            )

    # --- people ---------------------------------------------------------------------------

    async def staff(self) -> list[StaffMember]:
        rows = await self._s.scalars(
            select(m.User)
            .where(m.User.role.in_([str(r) for r in STAFF_ROLES]), m.User.is_active.is_(True))
            .order_by(m.User.id)
        )
        return [_staff(u) for u in rows]

    async def admins(self) -> list[StaffMember]:
        rows = await self._s.scalars(
            select(m.User)
            .where(m.User.role == "admin", m.User.is_active.is_(True))
            .order_by(m.User.id)
        )
        return [_staff(u) for u in rows]

    async def user(self, user_id: int) -> StaffMember | None:
        u = await self._s.get(m.User, user_id)
        return None if u is None else _staff(u)

    async def active_user(self, user_id: int) -> User | None:
        u = await self._s.get(m.User, user_id)
        return None if u is None or not u.is_active else to_user(u)

    async def report_optouts(self, kind: str) -> set[int]:
        o = m.ReportOptout
        return set((await self._s.scalars(select(o.user_id).where(o.kind == kind))).all())

    async def optouts(self, user_id: int | None = None) -> set[tuple[int, str]]:
        o = m.ReportOptout
        q = select(o.user_id, o.kind)
        if user_id is not None:
            q = q.where(o.user_id == user_id)
        return {(int(r.user_id), str(r.kind)) for r in await self._s.execute(q)}

    async def set_optout(self, user_id: int, kind: str, off: bool, at: datetime) -> None:
        await set_optout(self._s, user_id, kind, off, at)

    async def set_digest_hour(self, user_id: int, hour: int) -> None:
        await self._s.execute(
            update(m.User).where(m.User.id == user_id).values(digest_hour=hour)
        )

    async def mark_chat_dead(self, telegram_id: int) -> None:
        await self._s.execute(
            update(m.User).where(m.User.telegram_id == telegram_id).values(chat_dead=True)
        )

    # --- job watermarks --------------------------------------------------------------------

    async def watermark(self, job: str) -> datetime | None:
        return await self._s.scalar(
            select(m.JobWatermark.watermark).where(m.JobWatermark.job == job)
        )

    async def set_watermark(self, job: str, at: datetime) -> None:
        insert = pg_insert if self._dialect == "postgresql" else sqlite_insert
        stmt = insert(WATERMARKS).values(job=job, watermark=at)
        # Only forwards: a slower process finishing an older run must not move it back.
        await self._s.execute(
            stmt.on_conflict_do_update(
                index_elements=[WATERMARKS.c.job],
                set_={"watermark": stmt.excluded.watermark},
                where=WATERMARKS.c.watermark < stmt.excluded.watermark,
            )
        )

    # --- staff alerts -----------------------------------------------------------------------

    @staticmethod
    def _installment_query() -> Any:
        inst = m.Installment
        return (
            select(
                inst.id,
                inst.invoice_id,
                inst.due_date,
                inst.amount_minor,
                inst.paid_minor,
                INV.owner_id,
                INV.number_text,
                INV.currency,
            )
            .join(INV, INV.id == inst.invoice_id)
            .where(inst.status == "open", INV.status.in_(OPEN_INVOICE_STATUSES))
        )

    async def installment(self, installment_id: int) -> InstallmentDue | None:
        rows = (
            await self._s.execute(
                self._installment_query().where(m.Installment.id == installment_id)
            )
        ).all()
        found = self._installments(rows)
        return found[0] if found else None

    async def installments_due(self, start: date, end: date) -> list[InstallmentDue]:
        inst = m.Installment
        rows = (
            await self._s.execute(
                self._installment_query()
                .where(inst.due_date >= start, inst.due_date <= end)
                .order_by(inst.due_date, inst.id)
            )
        ).all()
        return self._installments(rows)

    @staticmethod
    def _installments(rows: Sequence[Any]) -> list[InstallmentDue]:
        return [
            InstallmentDue(
                r.id,
                r.invoice_id,
                r.owner_id,
                r.number_text or f"#{r.invoice_id}",
                r.due_date,
                r.currency,
                max(r.amount_minor - r.paid_minor, 0),
            )
            for r in rows
        ]

    def _guarantee_query(self) -> Any:
        s = m.Shipment
        return (
            select(
                s.id,
                s.invoice_id,
                s.guarantee_until,
                INV.owner_id,
                INV.number_text,
                INV.currency,
                INV.total_minor,
                INV.paid_minor,
                INV.credited_minor,
                m.Company.name,
            )
            .join(INV, INV.id == s.invoice_id)
            .outerjoin(m.Company, m.Company.id == INV.company_id)
            .where(
                s.on_credit.is_(True),
                s.guarantee_until.is_not(None),
                INV.status.in_(OPEN_INVOICE_STATUSES),
                open_minor_sql(INV) > 0,
            )
        )

    @staticmethod
    def _guarantees(rows: Sequence[Any]) -> list[GuaranteeDue]:
        return [
            GuaranteeDue(
                shipment_id=r.id,
                invoice_id=r.invoice_id,
                owner_id=r.owner_id,
                number=r.number_text or f"#{r.invoice_id}",
                promised=r.guarantee_until,
                currency=r.currency,
                remaining_minor=open_minor(r.total_minor, r.paid_minor, r.credited_minor or 0),
                company_name=r.name or "",
            )
            for r in rows
        ]

    async def guarantees_due(self, start: date, end: date) -> list[GuaranteeDue]:
        s = m.Shipment
        q = self._guarantee_query().where(s.guarantee_until >= start, s.guarantee_until <= end)
        return self._guarantees((await self._s.execute(q.order_by(s.id))).all())

    async def guarantee(self, shipment_id: int) -> GuaranteeDue | None:
        q = self._guarantee_query().where(m.Shipment.id == shipment_id)
        found = self._guarantees((await self._s.execute(q)).all())
        return found[0] if found else None

    async def quotes_past_validity(self, before: date) -> list[QuoteExpiry]:
        q = m.Quote
        rows = (
            await self._s.execute(
                select(
                    q.id,
                    q.owner_id,
                    q.number_text,
                    q.valid_until,
                    q.contact_id,
                    q.company_id,
                    q.language,
                    m.Company.name,
                    m.Company.timezone.label("company_tz"),
                    m.Organization.country,
                )
                .outerjoin(m.Company, m.Company.id == q.company_id)
                .outerjoin(m.Organization, m.Organization.id == q.organization_id)
                .where(q.status == "sent", q.valid_until < before)
                .order_by(q.valid_until, q.id)
            )
        ).all()
        out = []
        for r in rows:
            contact = await self._quote_contact(r.contact_id, r.company_id)
            chat_id = contact.telegram_user_id if contact else None
            chat_dead = False
            if chat_id is not None:
                chat_dead = bool(
                    await self._s.scalar(
                        select(m.User.chat_dead).where(m.User.telegram_id == chat_id)
                    )
                )
            out.append(
                QuoteExpiry(
                    quote_id=r.id,
                    owner_id=r.owner_id,
                    number=r.number_text or f"#{r.id}",
                    valid_until=r.valid_until,
                    company_name=r.name or "",
                    chat_id=chat_id,
                    chat_dead=chat_dead,
                    language=(contact.language if contact and contact.language else r.language),
                    timezone=(contact.timezone if contact and contact.timezone else r.company_tz),
                    country=r.country,
                )
            )
        return out

    async def _quote_contact(
        self, contact_id: int | None, company_id: int | None
    ) -> m.Contact | None:
        """The quote's contact when bound to Telegram, else the company's latest bound one
        (as the quote's delivery finds them)."""
        if contact_id is not None:
            contact = await self._s.get(m.Contact, contact_id)
            if contact is not None and contact.telegram_user_id is not None:
                return contact
        if company_id is None:
            return None
        return await self._s.scalar(
            select(m.Contact)
            .where(m.Contact.company_id == company_id, m.Contact.telegram_user_id.is_not(None))
            .order_by(m.Contact.is_primary.desc(), m.Contact.id.desc())
            .limit(1)
        )

    async def quote_state(self, quote_id: int) -> tuple[str, date | None] | None:
        row = (
            await self._s.execute(
                select(m.Quote.status, m.Quote.valid_until).where(m.Quote.id == quote_id)
            )
        ).first()
        return None if row is None else (str(row.status), row.valid_until)

    async def contracts_ending(self, start: date, end: date) -> list[ContractEnding]:
        c = m.Contract
        rows = (
            await self._s.execute(
                select(c.id, c.owner_id, c.title, c.number, c.ends_on)
                .where(c.ends_on >= start, c.ends_on <= end)
                .order_by(c.ends_on, c.id)
            )
        ).all()
        return [ContractEnding(r.id, r.owner_id, r.title, r.number, r.ends_on) for r in rows]

    async def contract(self, contract_id: int) -> ContractEnding | None:
        c = m.Contract
        row = (
            await self._s.execute(
                select(c.id, c.owner_id, c.title, c.number, c.ends_on).where(c.id == contract_id)
            )
        ).first()
        return None if row is None else ContractEnding(
            row.id, row.owner_id, row.title, row.number, row.ends_on
        )

    async def tasks_due(self, start: datetime, end: datetime) -> list[TaskDue]:
        t = m.Task
        rows = (
            await self._s.execute(
                select(t.id, t.owner_id, t.title, t.due_at).where(
                    t.kind == "task",
                    t.status.notin_(CLOSED_TASKS),
                    t.due_at >= start,
                    t.due_at < end,
                )
            )
        ).all()
        return [TaskDue(r.id, r.owner_id, r.title, r.due_at) for r in rows]

    async def task(self, task_id: int) -> TaskDue | None:
        t = m.Task
        row = (
            await self._s.execute(
                select(t.id, t.owner_id, t.title, t.due_at).where(
                    t.id == task_id,
                    t.kind == "task",
                    t.status.notin_(CLOSED_TASKS),
                    t.due_at.is_not(None),
                )
            )
        ).first()
        return None if row is None else TaskDue(row.id, row.owner_id, row.title, row.due_at)

    def _meeting_query(self) -> Any:
        t = m.Task
        # The meeting's contact, else a contact of its company bound to Telegram (the primary
        # one first): where the client reminders go.
        bound = (
            select(m.Contact.id)
            .where(m.Contact.company_id == t.company_id, m.Contact.telegram_user_id.is_not(None),
                   m.Contact.archived_at.is_(None))
            .order_by(m.Contact.is_primary.desc(), m.Contact.id.desc())
            .limit(1)
            .correlate(t)
            .scalar_subquery()
        )
        return (
            select(
                t.id,
                t.owner_id,
                t.title,
                t.status,
                t.starts_at,
                t.ends_at,
                t.company_id,
                t.deal_id,
                m.Contact.telegram_user_id,
                m.Contact.timezone,
                m.Contact.language,
                m.Contact.name,
                m.Company.timezone.label("company_tz"),
            )
            .outerjoin(m.Contact, m.Contact.id == func.coalesce(t.contact_id, bound))
            .outerjoin(m.Company, m.Company.id == t.company_id)
            .where(t.kind == "meeting", t.remind_client.is_(True))
        )

    @staticmethod
    def _meeting(r: Any) -> MeetingTarget:
        return MeetingTarget(
            task_id=r.id,
            owner_id=r.owner_id,
            title=r.title,
            status=r.status,
            starts_at=r.starts_at,
            chat_id=r.telegram_user_id,
            timezone=r.timezone or r.company_tz,
            language=r.language,
            contact_name=r.name or "",
            ends_at=r.ends_at,
            company_id=r.company_id,
            deal_id=r.deal_id,
        )

    async def meetings_between(self, start: datetime, end: datetime) -> list[MeetingTarget]:
        t = m.Task
        rows = (
            await self._s.execute(
                self._meeting_query().where(
                    t.status == "planned", t.starts_at > start, t.starts_at <= end
                )
            )
        ).all()
        return [self._meeting(r) for r in rows]

    async def meeting(self, task_id: int) -> MeetingTarget | None:
        row = (await self._s.execute(
            self._meeting_query().where(m.Task.id == task_id)
            .execution_options(populate_existing=True))).first()
        return None if row is None else self._meeting(row)

    async def meeting_slots(self, task_id: int, after: datetime) -> list[tuple[int, datetime]]:
        s = m.MeetingSlot
        rows = (await self._s.execute(
            select(s.id, s.starts_at).where(s.task_id == task_id, s.starts_at > after)
            .order_by(s.starts_at, s.id))).all()
        return [(r.id, r.starts_at) for r in rows]

    async def move_meeting(self, task_id: int, starts_at: datetime, ends_at: datetime | None,
                           slot_id: int) -> None:
        await self._s.execute(update(m.Task).where(m.Task.id == task_id)
                              .values(starts_at=starts_at, ends_at=ends_at))
        await self._s.execute(delete(m.MeetingSlot).where(m.MeetingSlot.id == slot_id))

    async def close_meeting(self, task_id: int, status: str, at: datetime) -> None:
        await self._s.execute(update(m.Task).where(m.Task.id == task_id)
                              .values(status=status, done_at=at))

    async def cancel_meeting_reminders(self, task_id: int, except_keys: Sequence[str] = ()
                                       ) -> int:
        query = (
            update(OUT)
            .where(OUT.status == "pending",
                   OUT.kind.startswith(MEETING_KINDS_PREFIX, autoescape=True),
                   OUT.idempotency_key.startswith(f"meet:{task_id}:", autoescape=True))
            .values(status="cancelled")
        )
        if except_keys:
            query = query.where(OUT.idempotency_key.notin_(list(except_keys)))
        result = await self._s.execute(query)
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def digest_items(
        self,
        owner_id: int | None,
        yesterday_start: datetime,
        day_start: datetime,
        day_end: datetime,
        today: date,
        limit: int,
    ) -> list[DigestItem]:
        owner = m.User.full_name.label("owner_name")
        company = m.Company.name.label("company")
        inv_cols = (INV.id, INV.owner_id, owner, INV.number_text, INV.currency, INV.due_date,
                    company)

        def invoices(q: Any) -> Any:
            q = q.join(m.User, m.User.id == INV.owner_id).outerjoin(
                m.Company, m.Company.id == INV.company_id)
            return q if owner_id is None else q.where(INV.owner_id == owner_id)

        a = m.PaymentAllocation
        paid = (await self._s.execute(invoices(
            select(*inv_cols, a.amount_minor.label("amount"))
            .join(a, a.invoice_id == INV.id)
            .join(m.Payment, m.Payment.id == a.payment_id)
            .where(a.created_at >= yesterday_start, a.created_at < day_start,
                   a.reversed_at.is_(None), a.amount_minor > 0, m.Payment.direction == "in")
        ).order_by(a.created_at, a.id).limit(limit))).all()
        open_inv = and_(INV.status.in_(OPEN_INVOICE_STATUSES), open_minor_sql(INV) > 0)
        owed = open_minor_sql(INV).label("amount")
        overdue = (await self._s.execute(invoices(
            select(*inv_cols, owed).where(open_inv, INV.due_date < today)
        ).order_by(INV.due_date, INV.id).limit(limit))).all()
        due = (await self._s.execute(invoices(
            select(*inv_cols, owed).where(open_inv, INV.due_date == today)
        ).order_by(INV.id).limit(limit))).all()

        def invoice_items(section: DigestSection, rows: Sequence[Any]) -> list[DigestItem]:
            return [DigestItem(section, r.id, _number(r), r.owner_id, r.owner_name or "",
                               r.company or "", int(r.amount or 0), r.currency, r.due_date)
                    for r in rows]

        t = m.Task
        when = func.coalesce(t.due_at, t.starts_at)
        tasks_q = (
            select(t.id, t.owner_id, owner, t.title, t.kind, when.label("at"), company)
            .join(m.User, m.User.id == t.owner_id)
            .outerjoin(m.Company, m.Company.id == t.company_id)
            .where(t.status.notin_(CLOSED_TASKS))
        )
        if owner_id is not None:
            tasks_q = tasks_q.where(t.owner_id == owner_id)
        tasks = (await self._s.execute(
            tasks_q.where(t.kind == "task", t.due_at < day_end)
            .order_by(t.due_at, t.id).limit(limit))).all()
        events = (await self._s.execute(
            tasks_q.where(t.kind != "task", t.starts_at >= day_start, t.starts_at < day_end)
            .order_by(t.starts_at, t.id).limit(limit))).all()

        def task_items(section: DigestSection, rows: Sequence[Any]) -> list[DigestItem]:
            return [DigestItem(section, r.id, r.title, r.owner_id, r.owner_name or "",
                               r.company or "", at=r.at, kind=r.kind) for r in rows]

        return [
            *invoice_items(DigestSection.PAID, paid),
            *invoice_items(DigestSection.OVERDUE, overdue),
            *invoice_items(DigestSection.DUE, due),
            *task_items(DigestSection.TASKS, tasks),
            *task_items(DigestSection.EVENTS, events),
        ]

    # --- the outbox as managers see it ----------------------------------------------------

    async def upcoming(self, owner_id: int | None, now: datetime, limit: int) -> list[Upcoming]:
        q = (
            select(
                OUT.id,
                OUT.invoice_id,
                OUT.kind,
                OUT.payload,
                OUT.due_at,
                OUT.channel,
                INV.number_text,
                m.Company.name,
            )
            .join(INV, INV.id == OUT.invoice_id)
            .outerjoin(m.Company, m.Company.id == INV.company_id)
            .where(OUT.status == "pending", OUT.kind.in_(INVOICE_REMINDER_KINDS))
            .order_by(OUT.due_at, OUT.id)
            .limit(limit)
        )
        if owner_id is not None:
            q = q.where(INV.owner_id == owner_id)
        rows = (await self._s.execute(q)).all()
        out = []
        for r in rows:
            payload = r.payload or {}
            step = payload.get("step")
            out.append(
                Upcoming(
                    r.id,
                    r.invoice_id,
                    r.number_text or f"#{r.invoice_id}",
                    r.kind,
                    step if isinstance(step, int) else None,
                    r.due_at,
                    r.channel,
                    r.name or "",
                    str(payload.get("tz") or "UTC"),
                )
            )
        return out

    async def outbox_row(self, outbox_id: int) -> OutboxRowInfo | None:
        row = (
            await self._s.execute(
                select(OUT.id, OUT.status, OUT.invoice_id, OUT.due_at, INV.owner_id, OUT.kind,
                       OUT.payload)
                .outerjoin(INV, INV.id == OUT.invoice_id)
                .where(OUT.id == outbox_id)
            )
        ).first()
        if row is None:
            return None
        return OutboxRowInfo(row.id, row.status, row.invoice_id, row.owner_id, row.due_at,
                             row.kind, dict(row.payload or {}))

    async def reschedule_row(self, outbox_id: int, due_at: datetime) -> bool:
        result = await self._s.execute(
            update(OUT).where(OUT.id == outbox_id, OUT.status == "pending").values(due_at=due_at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def set_row_status(self, outbox_id: int, status: str, expect: Sequence[str]) -> bool:
        result = await self._s.execute(
            update(OUT)
            .where(OUT.id == outbox_id, OUT.status.in_(list(expect)))
            .values(status=status, claimed_by=None, claimed_at=None)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def revive(self, keys: Sequence[str], now: datetime) -> int:
        revived = 0
        keys = sorted(set(keys))
        for start in range(0, len(keys), 500):
            result = await self._s.execute(
                update(OUT)
                .where(
                    OUT.idempotency_key.in_(keys[start : start + 500]), OUT.status == "cancelled"
                )
                .values(status="pending", attempts=0, last_error=None)
            )
            revived += int(result.rowcount)  # type: ignore[attr-defined]
        return revived

    # --- clients ----------------------------------------------------------------------------

    async def company_for_timezone(self, company_id: int, owner_id: int | None) -> str | None:
        q = select(m.Company.name).where(m.Company.id == company_id)
        if owner_id is not None:
            q = q.where(m.Company.owner_id == owner_id)
        return await self._s.scalar(q)

    async def set_company_timezone(self, company_id: int, timezone: str) -> None:
        await self._s.execute(
            update(m.Company).where(m.Company.id == company_id).values(timezone=timezone)
        )

    async def clients(self, owner_id: int | None, limit: int) -> list[tuple[int, str]]:
        q = select(m.Company.id, m.Company.name).order_by(m.Company.name_norm, m.Company.id)
        if owner_id is not None:
            q = q.where(m.Company.owner_id == owner_id)
        return [(r.id, r.name) for r in (await self._s.execute(q.limit(limit))).all()]

    async def audit(
        self,
        actor_id: int | None,
        action: str,
        entity: str,
        entity_id: int,
        data: dict[str, Any],
        at: datetime | None = None,
    ) -> None:
        self._s.add(
            m.AuditEntry(
                actor_id=actor_id,
                action=action,
                entity=entity,
                entity_id=entity_id,
                data=data,
                at=at or m.utcnow(),
            )
        )
