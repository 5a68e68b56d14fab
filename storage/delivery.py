"""Access tokens, document deliveries and the customer's binding to contacts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.contacts_norm import normalize_name
from services.delivery import AccessLink, BoundContact, Delivery, DocHeader
from services.money import from_minor
from storage import models as m
from storage.companies import lacks_primary

_MODELS: dict[str, Any] = {"invoice": m.Invoice, "quote": m.Quote}


def to_link(row: m.AccessToken) -> AccessLink:
    return AccessLink(id=row.id, token=row.token, purpose=row.purpose,
                      subject_type=row.subject_type, subject_id=int(row.subject_id),
                      contact_id=row.contact_id, created_by=row.created_by,
                      created_at=row.created_at, expires_at=row.expires_at,
                      revoked_at=row.revoked_at, used_at=row.used_at)


def to_contact(row: m.Contact) -> BoundContact:
    return BoundContact(id=row.id, owner_id=row.owner_id, company_id=row.company_id,
                        name=row.name, email=row.email, language=row.language,
                        telegram_user_id=row.telegram_user_id,
                        customer_user_id=row.customer_user_id)


def to_header(kind: str, row: Any, buyer_name: str | None) -> DocHeader:
    c = row.currency
    return DocHeader(
        kind=kind, id=row.id, owner_id=row.owner_id, organization_id=row.organization_id,
        company_id=row.company_id, contact_id=row.contact_id, status=row.status,
        number_text=row.number_text, language=row.language, currency=c,
        grand_total=from_minor(row.total_minor, c),
        paid=from_minor(row.paid_minor, c) if kind == "invoice" else from_minor(0, c),
        due_date=row.due_date if kind == "invoice" else None, buyer_name=buyer_name or "",
        credited=from_minor(row.credited_minor, c) if kind == "invoice" else from_minor(0, c))


def contract_header(row: m.Contract, buyer_name: str | None) -> DocHeader:
    """A drawn contract as a document: "issued" once drawn (it has no other status)."""
    cur = row.currency or ""
    zero = from_minor(0, cur)
    return DocHeader(
        kind="contract", id=row.id, owner_id=row.owner_id,
        organization_id=row.organization_id or 0, company_id=row.company_id,
        contact_id=row.contact_id, status="issued", number_text=row.number,
        language=row.language or "ru", currency=cur,
        grand_total=from_minor(row.amount_minor or 0, cur), paid=zero, due_date=None,
        buyer_name=buyer_name or "", credited=zero)


def drawn() -> Any:
    """The contracts drawn from a deal (one only recorded, title and dates, is no document)."""
    c = m.Contract
    return (c.organization_id.is_not(None), c.amount_minor.is_not(None),
            c.currency.is_not(None))


class SqlDeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    # --- documents ----------------------------------------------------------------------

    async def header(self, kind: str, doc_id: int) -> DocHeader | None:
        if kind == "credit_note":
            return await self._credit_note_header(doc_id)
        if kind == "contract":
            return await self._contract_header(doc_id)
        model = _MODELS.get(kind)
        if model is None:
            return None
        found: Any = (await self._s.execute(
            select(model, m.Company.name)
            .outerjoin(m.Company, m.Company.id == model.company_id)
            .where(model.id == doc_id).execution_options(populate_existing=True))).first()
        return to_header(kind, found[0], found[1]) if found else None

    async def _credit_note_header(self, note_id: int) -> DocHeader | None:
        """A credit note, with its invoice's contact and language (it is the invoice's
        document: printed in its language, sent to its customer)."""
        cn = m.CreditNote
        found: Any = (await self._s.execute(
            select(cn, m.Invoice.contact_id, m.Invoice.language, m.Company.name)
            .join(m.Invoice, m.Invoice.id == cn.invoice_id)
            .outerjoin(m.Company, m.Company.id == cn.company_id)
            .where(cn.id == note_id).execution_options(populate_existing=True))).first()
        if found is None:
            return None
        row, contact_id, language, buyer = found
        c = row.currency
        zero = from_minor(0, c)
        return DocHeader(
            kind="credit_note", id=row.id, owner_id=row.owner_id,
            organization_id=row.organization_id, company_id=row.company_id,
            contact_id=contact_id, status=row.status, number_text=row.number_text,
            language=language, currency=c, grand_total=from_minor(row.total_minor, c),
            paid=zero, due_date=None, buyer_name=buyer or "", credited=zero)

    async def _contract_header(self, contract_id: int) -> DocHeader | None:
        """A contract drawn from a deal (one only recorded has no document: None)."""
        c = m.Contract
        found: Any = (await self._s.execute(
            select(c, m.Company.name).outerjoin(m.Company, m.Company.id == c.company_id)
            .where(c.id == contract_id, *drawn()))).first()
        return None if found is None else contract_header(*found)

    async def numbered(self, number: str, kinds: Sequence[str]) -> list[tuple[str, int]]:
        models: dict[str, Any] = {"invoice": m.Invoice, "credit_note": m.CreditNote}
        found: list[tuple[str, int]] = []
        for kind in kinds:
            model = models[kind]
            ids: Any = await self._s.scalars(select(model.id).where(model.number_text == number))
            found += [(kind, int(i)) for i in ids]
        return found

    async def set_document_contact(self, kind: str, doc_id: int, contact_id: int) -> None:
        model = m.Contract if kind == "contract" else _MODELS[kind]
        await self._s.execute(update(model).where(model.id == doc_id,
                                                  model.contact_id.is_(None))
                              .values(contact_id=contact_id))

    # --- tokens -------------------------------------------------------------------------

    async def add_token(self, *, token: str, purpose: str, subject_type: str, subject_id: int,
                        contact_id: int | None, created_by: int | None, now: datetime,
                        expires_at: datetime | None) -> AccessLink:
        row = m.AccessToken(token=token, purpose=purpose, subject_type=subject_type,
                            subject_id=subject_id, contact_id=contact_id,
                            created_by=created_by, created_at=now, expires_at=expires_at)
        self._s.add(row)
        await self._s.flush()
        return to_link(row)

    async def token(self, token: str) -> AccessLink | None:
        row = await self._s.scalar(select(m.AccessToken).where(m.AccessToken.token == token))
        return to_link(row) if row else None

    async def token_by_id(self, token_id: int) -> AccessLink | None:
        row = await self._s.scalar(select(m.AccessToken).where(m.AccessToken.id == token_id)
                                   .execution_options(populate_existing=True))
        return to_link(row) if row else None

    async def tokens_of(self, subject_type: str, subject_id: int) -> Sequence[AccessLink]:
        rows = (await self._s.scalars(
            select(m.AccessToken).where(m.AccessToken.subject_type == subject_type,
                                        m.AccessToken.subject_id == subject_id)
            .order_by(m.AccessToken.id))).all()
        return [to_link(r) for r in rows]

    async def revoke_token(self, token_id: int, now: datetime) -> None:
        await self._s.execute(update(m.AccessToken).where(m.AccessToken.id == token_id,
                                                          m.AccessToken.revoked_at.is_(None))
                              .values(revoked_at=now))

    async def mark_token_used(self, token_id: int, now: datetime) -> None:
        await self._s.execute(update(m.AccessToken).where(m.AccessToken.id == token_id,
                                                          m.AccessToken.used_at.is_(None))
                              .values(used_at=now))

    # --- deliveries ---------------------------------------------------------------------

    async def add_delivery(self, document_id: int, channel: str, recipient: str,
                           actor_id: int | None, now: datetime) -> None:
        self._s.add(m.DocumentDelivery(document_id=document_id, channel=channel,
                                       recipient=recipient, actor_id=actor_id, sent_at=now))
        await self._s.flush()

    async def deliveries(self, subject_type: str, subject_id: int) -> Sequence[Delivery]:
        rows = (await self._s.scalars(
            select(m.DocumentDelivery)
            .join(m.Document, m.Document.id == m.DocumentDelivery.document_id)
            .where(m.Document.subject_type == subject_type,
                   m.Document.subject_id == subject_id)
            .order_by(m.DocumentDelivery.id))).all()
        return [Delivery(r.id, r.document_id, r.channel, r.recipient, r.sent_at, r.actor_id)
                for r in rows]

    # --- contacts -----------------------------------------------------------------------

    async def contact(self, contact_id: int) -> BoundContact | None:
        row = await self._s.get(m.Contact, contact_id, populate_existing=True)
        return to_contact(row) if row else None

    async def bound_contact(self, contact_id: int | None, company_id: int | None
                            ) -> BoundContact | None:
        if contact_id is not None:
            row = await self._s.get(m.Contact, contact_id)
            if row is not None and row.telegram_user_id is not None:
                return to_contact(row)
        if company_id is None:
            return None
        row = await self._s.scalar(
            select(m.Contact).where(m.Contact.company_id == company_id,
                                    m.Contact.telegram_user_id.is_not(None))
            .order_by(m.Contact.is_primary.desc(), m.Contact.id.desc()).limit(1))
        return to_contact(row) if row else None

    async def suggested_email(self, contact_id: int | None, company_id: int | None
                              ) -> str | None:
        if contact_id is not None:
            email = await self._s.scalar(select(m.Contact.email)
                                         .where(m.Contact.id == contact_id))
            if email:
                return str(email)
        if company_id is None:
            return None
        email = await self._s.scalar(select(m.Contact.email).where(
            m.Contact.company_id == company_id, m.Contact.email.is_not(None))
            .order_by(m.Contact.is_primary.desc(), m.Contact.id).limit(1))
        if email:
            return str(email)
        email = await self._s.scalar(select(m.Company.email).where(m.Company.id == company_id))
        return str(email) if email else None

    async def add_contact(self, owner_id: int, company_id: int | None, name: str,
                          language: str | None, now: datetime) -> int:
        row = m.Contact(owner_id=owner_id, company_id=company_id, name=name,
                        name_norm=normalize_name(name), language=language, created_at=now,
                        is_primary=await lacks_primary(self._s, company_id))
        self._s.add(row)
        await self._s.flush()
        return int(row.id)

    async def bind_contact(self, contact_id: int, telegram_user_id: int, user_id: int) -> None:
        await self._s.execute(update(m.Contact).where(m.Contact.id == contact_id)
                              .values(telegram_user_id=telegram_user_id,
                                      customer_user_id=user_id))

    async def customer_scope(self, telegram_user_id: int) -> tuple[set[int], set[int]]:
        rows = (await self._s.execute(
            select(m.Contact.id, m.Contact.company_id)
            .where(m.Contact.telegram_user_id == telegram_user_id))).all()
        return {int(r[0]) for r in rows}, {int(r[1]) for r in rows if r[1] is not None}

    async def customer_documents(self, contact_ids: Iterable[int], company_ids: Iterable[int],
                                 statuses: Mapping[str, Sequence[str]], limit: int
                                 ) -> Sequence[DocHeader]:
        contacts, companies = list(contact_ids), list(company_ids)
        found: list[tuple[datetime, DocHeader]] = []
        for kind, model in _MODELS.items():
            rows: Any = (await self._s.execute(
                select(model, m.Company.name)
                .outerjoin(m.Company, m.Company.id == model.company_id)
                .where(or_(model.contact_id.in_(contacts), model.company_id.in_(companies)),
                       model.status.in_(list(statuses.get(kind, ()))))
                .order_by(model.created_at.desc(), model.id.desc()).limit(limit))).all()
            found += [(row.created_at, to_header(kind, row, name)) for row, name in rows]
        if "issued" in statuses.get("contract", ()):
            c = m.Contract
            rows = (await self._s.execute(
                select(c, m.Company.name).outerjoin(m.Company, m.Company.id == c.company_id)
                .where(or_(c.contact_id.in_(contacts), c.company_id.in_(companies)), *drawn())
                .order_by(c.created_at.desc(), c.id.desc()).limit(limit))).all()
            found += [(row.created_at, contract_header(row, name)) for row, name in rows]
        found.sort(key=lambda pair: (pair[0], pair[1].id), reverse=True)
        return [header for _, header in found[:limit]]
