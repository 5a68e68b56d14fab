"""FileService on a real database: files kept on the card the actor may see (a deal's carries
its client), listed on the client with its deals' files, opened only within scope, audited;
a file over the 20 MB download limit is kept and flagged; a timeline note's voice or photo is
kept by file_id too and opens from file_id or its bytes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.access import AccessService
from services.clients import ClientService, CompanyDraft
from services.clock import FrozenClock
from services.deals import DealDraft, DealService
from services.errors import InvalidInput, NotFound
from services.files import DOWNLOAD_LIMIT, FileService, IncomingFile, clean_incoming
from services.interactions import Attachment, InteractionService
from services.pipelines import load_pipelines
from services.users import Role, User
from storage import models as m
from storage.deals import sync_pipelines
from storage.uow import Database

PIPELINES = load_pipelines(Path(__file__).resolve().parents[2] / "config" / "pipelines.toml")
T0 = datetime(2026, 11, 20, 9, tzinfo=UTC)


def pdf(name: str = "offer.pdf", size: int | None = 3000) -> IncomingFile:
    return IncomingFile("document", f"BQAD-{name}", f"uniq-{name}", name, "application/pdf",
                        size, "signed")


@dataclass
class World:
    db: Database
    clock: FrozenClock
    files: FileService
    interactions: InteractionService
    admin: User
    m1: User
    m2: User
    company: int  # m1's client
    deal: int  # m1's deal of that client


@pytest.fixture
async def world(db: Database) -> World:
    clock = FrozenClock(T0)
    async with db.uow() as uow:
        await sync_pipelines(uow.session, PIPELINES)
        await uow.commit()
    access = AccessService(db.uow, clock, "UTC")
    (admin,) = await access.ensure_admins([1])
    m1 = await access.join(2, (await access.create_invite(admin, Role.MANAGER)).token,
                           "M1", None, None)
    m2 = await access.join(3, (await access.create_invite(admin, Role.MANAGER)).token,
                           "M2", None, None)
    company = await ClientService(db.uow, clock).create_company(m1, CompanyDraft(name="Acme"))
    deal = await DealService(db.uow, clock, PIPELINES).create(
        m1, DealDraft(title="Chairs", company_id=company.id))
    return World(db, clock, FileService(db.uow, clock), InteractionService(db.uow, clock),
                 admin, m1, m2, company.id, deal.id)


async def count(db: Database, model: type[m.Base]) -> int:
    async with db.uow(readonly=True) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_deals_file_carries_its_client_and_is_audited(world: World) -> None:
    attached = await world.files.attach(world.m1, pdf(), deal_id=world.deal)
    f = attached.file
    assert attached.count == 1
    assert (f.deal_id, f.company_id, f.owner_id, f.created_by) == (
        world.deal, world.company, world.m1.id, world.m1.id)
    assert (f.kind, f.telegram_file_id, f.telegram_unique_id, f.filename, f.size, f.caption) == (
        "document", "BQAD-offer.pdf", "uniq-offer.pdf", "offer.pdf", 3000, "signed")
    assert f.created_by_name == "M1" and f.created_at == T0 and f.downloadable
    async with world.db.uow(readonly=True) as uow:
        audit = (await uow.session.execute(select(
            m.AuditEntry.actor_id, m.AuditEntry.action, m.AuditEntry.entity,
            m.AuditEntry.entity_id, m.AuditEntry.company_id, m.AuditEntry.deal_id,
            m.AuditEntry.data))).all()
    assert [tuple(a) for a in audit if a[1] == "file.add"] == [
        (world.m1.id, "file.add", "file", f.id, world.company, world.deal,
         {"kind": "document", "name": "offer.pdf", "size": 3000})]


async def test_the_client_lists_its_own_and_its_deals_files_newest_first(world: World) -> None:
    await world.files.attach(world.m1, pdf("a.pdf"), company_id=world.company)
    world.clock.advance(timedelta(minutes=1))
    await world.files.attach(world.m1, pdf("b.pdf"), deal_id=world.deal)
    world.clock.advance(timedelta(minutes=1))
    attached = await world.files.attach(world.m1, pdf("c.pdf"), company_id=world.company)
    assert attached.count == 3
    client = await world.files.listing(world.m1, company_id=world.company)
    assert (client.title, client.total) == ("Acme", 3)
    assert [f.filename for f in client.files] == ["c.pdf", "b.pdf", "a.pdf"]
    deal = await world.files.listing(world.m1, deal_id=world.deal)
    assert (deal.title, deal.total, [f.filename for f in deal.files]) == ("Chairs", 1, ["b.pdf"])


async def test_another_managers_card_and_files_are_not_found_heads_see_all(
        world: World) -> None:
    kept = (await world.files.attach(world.m1, pdf(), deal_id=world.deal)).file
    files_before, audit_before = await count(world.db, m.StoredFile), await count(
        world.db, m.AuditEntry)
    with pytest.raises(NotFound):
        await world.files.attach(world.m2, pdf("x.pdf"), deal_id=world.deal)
    with pytest.raises(NotFound):
        await world.files.attach(world.m2, pdf("x.pdf"), company_id=world.company)
    with pytest.raises(NotFound):
        await world.files.listing(world.m2, deal_id=world.deal)
    with pytest.raises(NotFound):
        await world.files.listing(world.m2, company_id=world.company)
    with pytest.raises(NotFound):
        await world.files.get(world.m2, kept.id)
    with pytest.raises(NotFound):
        await world.files.get(world.m1, kept.id + 100)
    assert (await count(world.db, m.StoredFile), await count(world.db, m.AuditEntry)) == (
        files_before, audit_before)
    assert (await world.files.get(world.admin, kept.id)).id == kept.id
    assert (await world.files.listing(world.admin, company_id=world.company)).total == 1
    by_admin = await world.files.attach(world.admin, pdf("y.pdf"), deal_id=world.deal)
    # The file belongs to the card's owner; the admin is who attached it.
    assert (by_admin.file.owner_id, by_admin.file.created_by) == (world.m1.id, world.admin.id)


async def test_bad_input_changes_nothing(world: World) -> None:
    with pytest.raises(InvalidInput):
        await world.files.attach(world.m1, IncomingFile("sticker", "CAAD"), deal_id=world.deal)
    with pytest.raises(InvalidInput):
        await world.files.attach(world.m1, IncomingFile("document", ""), deal_id=world.deal)
    with pytest.raises(InvalidInput):  # neither card, or both
        await world.files.attach(world.m1, pdf())
    with pytest.raises(InvalidInput):
        await world.files.attach(world.m1, pdf(), deal_id=world.deal, company_id=world.company)
    assert await count(world.db, m.StoredFile) == 0
    long = clean_incoming(IncomingFile("photo", "AgAD", "u" * 100, None, "image/jpeg", 10,
                                       "c" * 5000))
    assert long.caption is not None and len(long.caption) == 1024
    assert long.unique_id is not None and len(long.unique_id) == 64


async def test_a_file_over_the_download_limit_is_kept_and_flagged(world: World) -> None:
    big = DOWNLOAD_LIMIT + 1
    kept = (await world.files.attach(world.m1, pdf("scan.zip", big), deal_id=world.deal)).file
    assert kept.size == big and not kept.downloadable
    again = await world.files.get(world.m1, kept.id)
    assert again.telegram_file_id == "BQAD-scan.zip" and not again.downloadable
    small = (await world.files.attach(world.m1, pdf("ok.pdf", DOWNLOAD_LIMIT),
                                      deal_id=world.deal)).file
    assert small.downloadable


async def test_a_timeline_note_opens_from_its_file_id_or_its_bytes(world: World) -> None:
    voice = IncomingFile("voice", "AwAD-voice", "uv", None, "audio/ogg", 9)
    new = await world.interactions.add(
        world.m1, "note", None, deal_id=world.deal,
        attachment=Attachment("voice.ogg", "audio/ogg", b"OggS-new", telegram=voice))
    old = await world.interactions.add(
        world.m1, "call", "before files", company_id=world.company,
        attachment=Attachment("photo.jpg", "image/jpeg", b"\xff\xd8old"))
    huge = IncomingFile("voice", "AwAD-huge", "uh", None, "audio/ogg", DOWNLOAD_LIMIT + 5)
    only_id = await world.interactions.add(
        world.m1, "note", None, company_id=world.company,
        attachment=Attachment("voice.ogg", "audio/ogg", b"", telegram=huge))
    assert new.file_id is not None and new.document_id is not None
    assert old.file_id is None and old.document_id is not None
    assert only_id.file_id is not None and only_id.document_id is None
    assert only_id.file_mime == "audio/ogg"  # shown as a voice note though no bytes are kept

    media = await world.files.note_media(world.m1, new.id)
    assert media.kind == "voice" and media.file is not None
    assert media.file.telegram_file_id == "AwAD-voice" and media.file.deal_id == world.deal
    assert media.file.company_id == world.company
    media = await world.files.note_media(world.m1, old.id)
    assert (media.kind, media.file, media.content, media.filename) == (
        "photo", None, b"\xff\xd8old", "photo.jpg")
    media = await world.files.note_media(world.m1, only_id.id)
    assert media.file is not None and media.file.telegram_file_id == "AwAD-huge"
    assert media.content is None
    for note in (new, old, only_id):
        with pytest.raises(NotFound):
            await world.files.note_media(world.m2, note.id)
        assert (await world.files.note_media(world.admin, note.id)).kind in ("voice", "photo")
    # The kept voice notes are files of their cards too.
    assert (await world.files.listing(world.m1, company_id=world.company)).total == 2
    with pytest.raises(InvalidInput):  # neither bytes nor a file_id
        await world.interactions.add(world.m1, "note", None, company_id=world.company,
                                     attachment=Attachment("voice.ogg", "audio/ogg", b""))
