"""The organization's templates and images: uploads checked before download, templates
test-rendered before they are stored, images re-encoded."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from services.delivery.base import DeliveryBase
from services.delivery.model import (
    IMAGE_KINDS,
    IMAGE_MAX_BYTES,
    TEMPLATE_MAX_BYTES,
    TEMPLATE_NAMES,
    StoredFile,
)
from services.errors import Conflict, Forbidden, InvalidInput
from services.users import Role, User

if TYPE_CHECKING:
    from services.delivery.ports import DeliveryUnitOfWork


def clean_template_name(text: str) -> str:
    name = text.strip().lower().removesuffix(".html.j2")
    if name not in TEMPLATE_NAMES:
        raise InvalidInput("bad_template_name", field="template",
                           names=", ".join(TEMPLATE_NAMES))
    return name


def check_template_upload(filename: str | None, size: int | None) -> None:
    """Refuses before download: not a .html.j2 / .j2 / .html file, or too large."""
    name = (filename or "").lower()
    if not name.endswith((".j2", ".html", ".jinja", ".jinja2")):
        raise InvalidInput("template_not_html", field="file")
    if size is not None and size > TEMPLATE_MAX_BYTES:
        raise InvalidInput("file_too_large_limit", field="file",
                           limit=TEMPLATE_MAX_BYTES // 1024)


def check_image_upload(kind: str, size: int | None) -> None:
    """Refuses before download (by Telegram's file_size): unknown kind, or over 5 MB."""
    if kind not in IMAGE_KINDS:
        raise InvalidInput("bad_image_kind", field="file")
    if size is not None and size > IMAGE_MAX_BYTES:
        raise InvalidInput("image_too_large", field="file",
                           limit=IMAGE_MAX_BYTES // (1024 * 1024))


class TemplatesMixin(DeliveryBase):
    """Admin only: the organization's templates, logo, stamp and signature."""

    # --- templates and images -----------------------------------------------------------

    async def _admin_org(self, uow: DeliveryUnitOfWork, actor: User) -> int:
        if actor.role != Role.ADMIN:
            raise Forbidden()
        org = await uow.organizations.first()
        if org is None:
            raise Conflict("no_organization")
        return org.id

    async def check_admin(self, actor: User) -> None:
        """Forbidden unless an admin; Conflict("no_organization") before the first one."""
        async with self._uow(readonly=True) as uow:
            await self._admin_org(uow, actor)

    async def save_template(self, actor: User, name: str, source: str) -> str:
        """Test-renders ``source`` (a sample document, StrictUndefined) and stores it as the
        organization's ``name`` template; InvalidInput("template_error", error=...) keeps the
        previous template."""
        key = clean_template_name(name)
        if len(source.encode("utf-8")) > TEMPLATE_MAX_BYTES:
            raise InvalidInput("file_too_large_limit", field="file",
                               limit=TEMPLATE_MAX_BYTES // 1024)
        async with self._uow(readonly=True) as uow:
            await self._admin_org(uow, actor)
        error = await self._renderer.check_template(TEMPLATE_NAMES[key], source)
        if error is not None:
            raise InvalidInput("template_error", field="template", error=error[:500])
        async with self._uow() as uow:
            org_id = await self._admin_org(uow, actor)
            await uow.stored_documents.save_template(org_id, key, source, actor.id,
                                                     self._clock.now())
            await uow.audit.add(actor.id, "template.save", "organization", org_id,
                                {"name": key})
            await uow.commit()
        return key

    async def save_image(self, actor: User, kind: str, data: bytes) -> StoredFile:
        """Stores a logo, stamp or signature (re-encoded PNG) and links it on the
        organization; InvalidInput("not_an_image") for anything Pillow cannot decode."""
        check_image_upload(kind, len(data))
        async with self._uow(readonly=True) as uow:
            await self._admin_org(uow, actor)
        png = await self._images.normalize(data)
        if png is None:
            raise InvalidInput("not_an_image", field="file")
        async with self._uow() as uow:
            org_id = await self._admin_org(uow, actor)
            doc_id = await uow.stored_documents.add(
                kind=kind, subject_type="organization", subject_id=org_id,
                filename=f"{kind}.png", mime_type="image/png", content=png,
                sha256=hashlib.sha256(png).hexdigest(), view_hash=None,
                created_by=actor.id, now=self._clock.now())
            await uow.stored_documents.set_organization_image(org_id, kind, doc_id)
            await uow.audit.add(actor.id, f"organization.{kind}", "organization", org_id,
                                {"document_id": doc_id})
            stored = await uow.stored_documents.get(doc_id)
            await uow.commit()
        assert stored is not None
        return stored
