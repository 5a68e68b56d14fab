"""services.business on SQLite and PostgreSQL: who may connect, a connection that changes
hands, redelivery, the scope of a chat and of its buttons, a head's connection matching the
team's contacts, a reconnection keeping the exclusions, and a document refused in the
business chat telling the manager (nothing recorded)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.access import AccessService
from services.business import (
    BusinessService,
    ConnectionOutcome,
    ConnectionUpdate,
    IncomingMessage,
    MessageOutcome,
    Sender,
)
from services.clients import ClientService, CompanyDraft
from services.clock import FrozenClock
from services.companies import CompanyService
from services.deals import DealService
from services.errors import NotFound
from services.files import IncomingFile
from services.leads import LeadService, LeadSettings
from services.notices import DocumentSend, document_messages, failure_reason
from services.pipelines import load_pipelines
from services.users import Role, User
from storage import models as m
from storage.uow import Database

PIPELINES = load_pipelines(Path(__file__).resolve().parents[2] / "config" / "pipelines.toml")
NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
IVAN, PETR, HEAD, CUSTOMER, STRANGER = 2001, 2002, 2003, 5001, 9001


def make(db: Database) -> tuple[BusinessService, AccessService, FrozenClock]:
    clock = FrozenClock(NOW)
    leads = LeadService(db.uow, clock, DealService(db.uow, clock, PIPELINES), LeadSettings(
        default_region="MD"))
    return BusinessService(db.uow, clock, leads), AccessService(db.uow, clock, "UTC"), clock


async def team(access: AccessService) -> tuple[User, User, User]:
    (admin,) = await access.ensure_admins([1001])
    ivan = await access.join(IVAN, (await access.create_invite(admin, Role.MANAGER)).token,
                             "Ivan", None, "en")
    petr = await access.join(PETR, (await access.create_invite(admin, Role.MANAGER)).token,
                             "Petr", None, "en")
    head = await access.join(HEAD, (await access.create_invite(admin, Role.HEAD)).token,
                             "Hana", None, "en")
    return ivan, petr, head


def connected(connection_id: str, owner: int, enabled: bool = True,
              can_reply: bool = True) -> ConnectionUpdate:
    return ConnectionUpdate(connection_id=connection_id, telegram_user_id=owner,
                            user_chat_id=owner, is_enabled=enabled, can_reply=can_reply,
                            rights={"can_reply": can_reply})


def said(connection_id: str, message_id: int, text: str, writer: int = CUSTOMER,
         chat: int = CUSTOMER, **extra: object) -> IncomingMessage:
    return IncomingMessage(connection_id=connection_id, chat_id=chat, message_id=message_id,
                           sent_at=NOW, kind=str(extra.pop("kind", "text")), text=text,
                           sender=Sender(writer, "Ion Popa", "ionpopa", "ro"),
                           **extra)  # type: ignore[arg-type]


async def count(db: Database, model: type[m.Base]) -> int:
    async with db.uow(readonly=True) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_only_staff_connect_and_a_connection_never_changes_hands(db: Database) -> None:
    business, access, _ = make(db)
    ivan, _, _ = await team(access)
    stranger = await business.connection_changed(connected("c-x", STRANGER))
    assert stranger.outcome == ConnectionOutcome.IGNORED
    assert await count(db, m.BusinessConnection) == 0

    first = await business.connection_changed(connected("c-1", IVAN))
    assert first.outcome == ConnectionOutcome.CONNECTED and first.connection is not None
    assert first.connection.user_id == ivan.id and first.language == "en"
    again = await business.connection_changed(connected("c-1", IVAN))
    assert again.outcome == ConnectionOutcome.UNCHANGED
    rights = await business.connection_changed(connected("c-1", IVAN, can_reply=False))
    assert rights.outcome == ConnectionOutcome.RIGHTS
    assert rights.connection is not None and rights.connection.can_reply is False
    # The same Telegram connection id claimed by Petr's account: ignored, still Ivan's.
    taken = await business.connection_changed(connected("c-1", PETR))
    assert taken.outcome == ConnectionOutcome.IGNORED
    off = await business.connection_changed(connected("c-1", IVAN, enabled=False))
    assert off.outcome == ConnectionOutcome.DISCONNECTED
    async with db.uow(readonly=True) as uow:
        rows = (await uow.session.execute(select(m.BusinessConnection.user_id,
                                                 m.BusinessConnection.is_enabled))).all()
    assert [tuple(r) for r in rows] == [(ivan.id, False)]


async def test_redelivery_stores_once_and_a_disabled_connection_nothing(db: Database) -> None:
    business, access, _ = make(db)
    await team(access)
    await business.connection_changed(connected("c-1", IVAN))
    assert await business.message(said("c-1", 1, "Bună")) == MessageOutcome.STORED
    assert await business.message(said("c-1", 1, "Bună")) == MessageOutcome.DUPLICATE
    assert await business.message(said("c-unknown", 2, "Bună")) == MessageOutcome.IGNORED
    assert await count(db, m.BusinessMessage) == 1 and await count(db, m.Interaction) == 1
    # One push for the chat, however many messages.
    assert await business.message(said("c-1", 3, "Alo?")) == MessageOutcome.STORED
    async with db.uow(readonly=True) as uow:
        pushes = (await uow.session.execute(select(m.OutboxMessage.kind, m.OutboxMessage.chat_id)
                                            )).all()
    assert [tuple(p) for p in pushes] == [("business_chat", IVAN)]
    await business.connection_changed(connected("c-1", IVAN, enabled=False))
    assert await business.message(said("c-1", 4, "Mai e cineva?")) == MessageOutcome.IGNORED
    assert await business.edited(said("c-1", 1, "Bună ziua")) == MessageOutcome.IGNORED
    assert await business.deleted("c-1", CUSTOMER, [1, 3]) == 0
    assert await count(db, m.BusinessMessage) == 2


async def test_a_chat_and_its_buttons_are_its_managers_only(db: Database) -> None:
    business, access, _ = make(db)
    ivan, petr, head = await team(access)
    await business.connection_changed(connected("c-1", IVAN))
    await business.message(said("c-1", 1, "Bună"))
    screen = await business.screen(ivan)
    (chat,) = screen.recent
    for actor in (petr, head):  # a head sees the team's records, not a manager's chat
        with pytest.raises(NotFound):
            await business.make_lead(actor, chat.id)
        with pytest.raises(NotFound):
            await business.exclude(actor, chat.id)
        with pytest.raises(NotFound):
            await business.include(actor, chat.id)
        assert (await business.screen(actor)).recent == []
    made = await business.make_lead(ivan, chat.id)
    assert made.created and made.lead.owner_id == ivan.id and made.lead.language == "ro"
    assert made.first_message == "Bună"


async def test_a_heads_connection_matches_the_teams_contacts(db: Database) -> None:
    """The head's own chats go to whom the head may see: a manager's contact."""
    business, access, clock = make(db)
    ivan, _, head = await team(access)
    company = await ClientService(db.uow, clock).create_company(ivan, CompanyDraft(name="Ромашка"))
    await CompanyService(db.uow, clock, "MD").add_contact(
        ivan, company.id, {"name": "Ion", "phone": "+37369123456"})
    await business.connection_changed(connected("c-h", HEAD))
    card = said("c-h", 1, "Ion Popa 37369123456", kind="contact",
                card_phone="37369123456")
    assert await business.message(card) == MessageOutcome.STORED
    await business.message(said("c-h", 2, "Factura?"))
    async with db.uow(readonly=True) as uow:
        rows = (await uow.session.execute(select(m.Interaction.company_id, m.Interaction.owner_id)
                                          .order_by(m.Interaction.id))).all()
        pushes = await uow.session.scalar(select(func.count()).select_from(m.OutboxMessage))
    assert [tuple(r) for r in rows] == [(company.id, head.id), (company.id, head.id)]
    assert pushes == 0  # a known contact: nobody new to push about


async def test_exclusion_survives_a_reconnection_and_purges_kept_files(db: Database) -> None:
    business, access, _ = make(db)
    ivan, _, _ = await team(access)
    await business.connection_changed(connected("c-1", IVAN))
    photo = IncomingFile("photo", "AgAD-photo", "u1", None, "image/jpeg", 1000, "Uite")
    await business.message(said("c-1", 1, "Uite", kind="photo", file=photo))
    (chat,) = (await business.screen(ivan)).recent
    purged = await business.exclude(ivan, chat.id)
    assert purged.messages == 1
    assert (await count(db, m.StoredFile), await count(db, m.Interaction)) == (0, 0)
    await business.connection_changed(connected("c-1", IVAN, enabled=False))
    await business.connection_changed(connected("c-2", IVAN))  # a new id after reconnecting
    assert await business.message(said("c-2", 5, "Salut")) == MessageOutcome.EXCLUDED
    assert await count(db, m.BusinessMessage) == 0


def test_a_document_for_the_business_chat_carries_its_connection() -> None:
    """The document and its QR go through the usual document kinds, with the connection in
    their payload (the sender passes it to Telegram; a refusal is reason "business")."""
    send = DocumentSend(action_key="q1", chat_id=CUSTOMER, language="ro", subject_kind="invoice",
                        subject_id=7, number="INV-1", stored_document_id=3,
                        contact_name="Ion", manager_id=1, manager_chat=IVAN,
                        manager_language="en", qr_payload="ST00012|Name=X",
                        business_connection_id="c-1")
    doc, qr = document_messages(send, NOW)
    assert (doc.kind, qr.kind) == ("document", "document_qr")
    assert doc.payload["business_connection_id"] == qr.payload["business_connection_id"] == "c-1"
    assert failure_reason("400: Bad Request: BUSINESS_PEER_USAGE_MISSING", business=True) == \
        "business"
    assert failure_reason("403: Forbidden: bot was blocked by the user") == "blocked"
