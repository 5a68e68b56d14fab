"""The outbox-file side: the stored file an outbox row carries, files made for a client queued
for its chat, and what happens once Telegram accepted or refused a document."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from services.delivery.base import DeliveryBase
from services.delivery.model import SUBJECT_KINDS, DocHeader, StatementPdf, StoredFile
from services.errors import Forbidden, NotFound
from services.notices import FILE, delivered_message, failed_message, failure_reason, notice
from services.users import User


class OutboxMixin(DeliveryBase):
    """Files through the outbox: queued, then delivered or failed."""

    async def outbox_file(self, payload: Mapping[str, Any]) -> tuple[StoredFile, DocHeader
                                                                       | None]:
        """The stored file an outbox row carries, with its document's header as it is now
        (for the caption and the customer's buttons); NotFound when the file is gone."""
        async with self._uow(readonly=True) as uow:
            stored = await uow.stored_documents.get(int(payload["stored_document_id"]))
            kind = payload.get("subject_kind")
            header = (await uow.delivery.header(str(kind), int(payload["subject_id"]))
                      if kind in SUBJECT_KINDS else None)
        if stored is None:
            raise NotFound(entity="document", id=int(payload["stored_document_id"]))
        return stored, header

    async def files_to_chat(self, actor: User, company_id: int, chat_id: int,
                            files: Sequence[StatementPdf], caption: str,
                            action_key: str) -> None:
        """Files made for a client (its statement) into the customer's chat: stored, and
        queued in the same transaction (keyed by the manager's action)."""
        if not actor.is_staff:
            raise Forbidden()
        now = self._clock.now()
        async with self._uow() as uow:
            messages = []
            for i, f in enumerate(files):
                doc_id = await uow.stored_documents.add(
                    kind="statement_pdf", subject_type="company", subject_id=company_id,
                    filename=f.filename, mime_type="application/pdf", content=f.content,
                    sha256=hashlib.sha256(f.content).hexdigest(), view_hash=None,
                    created_by=actor.id, now=now)
                messages.append(notice(
                    f"file:company{company_id}:{action_key}:{i}:chat{chat_id}", FILE, chat_id,
                    now, None, {"stored_document_id": doc_id, "caption": caption,
                                "subject_kind": "company", "subject_id": company_id}))
            await uow.outbox.enqueue(messages)
            await uow.commit()

    async def qr_png(self, payload: str) -> bytes:
        return await self._images.qr_photo(payload)

    async def document_delivered(self, outbox_id: int, key: str, payload: Mapping[str, Any],
                                 chat_id: int) -> None:
        """Telegram accepted the document: in ONE transaction the outbox row becomes sent,
        the delivery is recorded, an issued invoice becomes "sent", and the manager's
        "Sent to …" is queued. A crash before this commit sends the document again (at
        least once) and records it then, once."""
        now = self._clock.now()
        manager = payload.get("manager_id")
        actor_id = int(manager) if manager is not None else None
        kind, subject_id = str(payload.get("subject_kind")), int(payload["subject_id"])
        document_id = int(payload["stored_document_id"])
        async with self._uow() as uow:
            await uow.outbox.mark_sent(outbox_id, now)
            # Sent as the manager into their business chat: its own channel.
            channel = "business" if "business_connection_id" in payload else "telegram"
            if payload.get("record", True):
                await uow.delivery.add_delivery(document_id, channel, str(chat_id),
                                                actor_id, now)
                if kind == "invoice":
                    await uow.invoices.update(subject_id, {"status": "sent", "sent_at": now},
                                              expected=["issued"])
                await uow.audit.add(actor_id, f"{kind}.deliver", kind, subject_id,
                                    {"channel": channel, "document_id": document_id})
            told = delivered_message(key, payload, now)
            if told is not None:
                await uow.outbox.enqueue([told])
            await uow.commit()

    async def document_failed(self, key: str, payload: Mapping[str, Any],
                              error: str | None) -> None:
        """Telegram refused the document for good: nothing is recorded; the manager is told
        why (and offered e-mail)."""
        reason = failure_reason(error, business="business_connection_id" in payload)
        told = failed_message(key, payload, reason, self._clock.now())
        if told is None:
            return
        async with self._uow() as uow:
            await uow.outbox.enqueue([told])
            await uow.commit()
