"""Links to a document: deep links into the bot, public links, revoking them, and reading a
token back (an unknown, expired or revoked one is NotFound, the same answer for all three)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from services.delivery.base import header_only
from services.delivery.model import (
    PAYLOAD_PREFIX,
    SUBJECT_KINDS,
    TOKEN_BYTES,
    TOKEN_RE,
    AccessLink,
    DocHeader,
    StoredFile,
    SubjectKind,
    check_kind,
)
from services.delivery.rendering import Reading, RenderingMixin
from services.errors import Conflict, NotFound
from services.users import User

if TYPE_CHECKING:
    from services.delivery.ports import DeliveryUnitOfWork as UnitOfWork


def parse_start_payload(payload: str) -> tuple[SubjectKind, str]:
    """"inv_<token>" → ("invoice", token); anything else is NotFound("link_invalid")."""
    for kind, prefix in PAYLOAD_PREFIX.items():
        if payload.startswith(prefix):
            token = payload.removeprefix(prefix)
            if TOKEN_RE.fullmatch(token):
                return check_kind(kind), token
    raise NotFound("link_invalid")


def no_links(kind: str) -> None:
    """Conflict("no_links") for a kind without links (a credit note)."""
    if kind in SUBJECT_KINDS and kind not in PAYLOAD_PREFIX:
        raise Conflict("no_links")


class LinksMixin(RenderingMixin):
    """Deep and public links: made, revoked, checked."""

    # --- links --------------------------------------------------------------------------

    async def _new_token(self, uow: UnitOfWork, actor: User, header: DocHeader,
                         purpose: str) -> AccessLink:
        """A new link of the document, in the caller's write transaction."""
        now = self._clock.now()
        link = await uow.delivery.add_token(
            token=secrets.token_urlsafe(TOKEN_BYTES), purpose=purpose,
            subject_type=header.kind, subject_id=header.id, contact_id=header.contact_id,
            created_by=actor.id, now=now,
            expires_at=now + timedelta(days=self.settings.link_days))
        await uow.audit.add(actor.id, f"{header.kind}.{purpose}", header.kind, header.id,
                            {"token_id": link.id})
        return link

    async def deep_link(self, actor: User, kind: str, doc_id: int) -> AccessLink:
        """A token for ``https://t.me/<bot>?start=inv_<token>``: whoever opens it gets the
        document in their chat and becomes this document's customer contact."""
        no_links(kind)
        header = await self._sendable(actor, kind, doc_id, header_only)
        async with self._uow() as uow:
            link = await self._new_token(uow, actor, header, "deep_link")
            if header.kind == "invoice":
                await uow.invoices.update(header.id, {"status": "sent",
                                                      "sent_at": self._clock.now()},
                                          expected=["issued"])
            await uow.commit()
        return link

    async def public_link(self, actor: User, kind: str, doc_id: int) -> tuple[AccessLink, str]:
        """A public URL serving the stored PDF (rendered with no transaction open, then
        stored with the link and the delivery in one)."""
        no_links(kind)

        async def read(uow: UnitOfWork, header: DocHeader) -> Reading:
            return await self._read_pdf(uow, actor, header)

        made = await self._make(await self._sendable(actor, kind, doc_id, read))
        async with self._uow() as uow:
            pdf = await self._keep(uow, made, actor.id)
            link = await self._new_token(uow, actor, made.header, "public_link")
            url = f"{self.settings.public_base_url.rstrip('/')}/d/{link.token}"
            await self._record(uow, actor.id, pdf, "link", url)
            await uow.commit()
        return link, url

    async def revoke(self, actor: User, token_id: int) -> AccessLink:
        """Revokes a deep or public link of one of the actor's documents."""
        now = self._clock.now()
        async with self._uow() as uow:
            link = await uow.delivery.token_by_id(token_id)
            if link is None:
                raise NotFound(entity="link", id=token_id)
            await self._header(uow, actor, link.subject_type, link.subject_id)
            if link.revoked_at is None:
                await uow.delivery.revoke_token(link.id, now)
                await uow.audit.add(actor.id, "link.revoke", link.subject_type,
                                    link.subject_id, {"token_id": link.id})
            fresh = await uow.delivery.token_by_id(token_id)
            await uow.commit()
        assert fresh is not None
        return fresh

    async def valid_token(self, token: str, purpose: str) -> AccessLink:
        """The token when it exists, has this purpose, is not revoked and not expired;
        NotFound("link_invalid") otherwise (the three cases are not told apart)."""
        if not TOKEN_RE.fullmatch(token):
            raise NotFound("link_invalid")
        async with self._uow(readonly=True) as uow:
            link = await uow.delivery.token(token)
        if link is None or link.purpose != purpose or not link.is_valid(self._clock.now()):
            raise NotFound("link_invalid")
        return link

    async def public_document(self, token: str) -> StoredFile:
        """What ``GET /d/<token>`` serves: the latest PDF stored for the link's document."""
        link = await self.valid_token(token, "public_link")
        async with self._uow(readonly=True) as uow:
            stored = await uow.stored_documents.latest(link.subject_type, link.subject_id,
                                                       f"{link.subject_type}_pdf")
        if stored is None:
            raise NotFound("link_invalid")
        return stored
