"""The company mailbox end to end: a real IMAP server (dovecot, TLS, on loopback) and a real
SMTP server (aiosmtpd), the real bot polling the sandbox. A stranger's e-mail becomes a push
and, with one tap, a lead with the phone and tax id found in it; a client's e-mail lands on
the timeline with its attachment on the card; a reply typed in the chat leaves with its
threading headers and the invoice attached; a bot restarted mid-mailbox processes each
message once."""

from __future__ import annotations

import email.utils
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import func, select

from sandbox.client import eventually
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons, running_bot
from tests.e2e.test_delivery import MANAGER, MANAGER2, Inbox, serving
from tests.e2e.test_delivery import seed as delivery_seed
from tests.fixtures.dovecot import Dovecot, dovecot  # noqa: F401 (the fixture)

CLIENT_ADDR = "buh@romashka.ru"


def mail(sender: str, subject: str, body: str, *, msgid: str,
         attachment: tuple[str, bytes] | None = None, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "office@crm.example"
    message["Subject"] = subject
    message["Message-ID"] = msgid
    message["Date"] = email.utils.formatdate()
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    if attachment is not None:
        message.add_attachment(attachment[1], maintype="application", subtype="pdf",
                               filename=attachment[0])
    return message.as_bytes()


STRANGER = mail(
    "Maria Ionescu <maria@beta-servicii.ro>", "Cerere de ofertă: curățenie birouri",
    "Bună ziua,\n\nAvem nevoie de o ofertă pentru curățenia a 300 mp de birouri.\n\n"
    "Cu stimă,\nMaria Ionescu\nBeta Servicii SRL\nCUI RO18547290\nTel: 0721 234 567\n",
    msgid="<req-1@beta-servicii.ro>")


async def seed(bot: Harness) -> int:
    """test_delivery's world (an admin, two managers, the first with the client «Ромашка»,
    e-mail buh@romashka.ru, and its issued invoice), each person's chat with the bot opened.
    Returns the client's id."""
    await delivery_seed(bot)
    for uid in (ADMIN, MANAGER, MANAGER2):
        await bot.say(uid, "/start")  # their chats with the bot exist from now on
    (company_id,), = await rows(bot, select(m.Company.id).where(m.Company.email == CLIENT_ADDR))
    return int(company_id)


@pytest.fixture
def smtp() -> Any:
    with serving(Inbox()) as served:
        yield served


@pytest.fixture
async def bot(database_url: str, dovecot: Dovecot,  # noqa: F811
              smtp: tuple[Inbox, int]) -> AsyncIterator[Harness]:
    async with running_bot(database_url, pdf_workers=1, smtp_host="127.0.0.1",
                           smtp_port=smtp[1], smtp_from="office@crm.example",
                           lead_assignment=str(MANAGER), **dovecot.settings()) as harness:
        yield harness


async def rows(bot: Harness, stmt: Any) -> list[Any]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            return list((await uow.session.execute(stmt)).all())
    finally:
        await db.dispose()


async def test_a_strangers_mail_becomes_a_lead_with_its_phone_and_tax_id(
        bot: Harness, dovecot: Dovecot) -> None:  # noqa: F811
    await seed(bot)
    await dovecot.append(STRANGER)
    push = await bot.client.wait_for_text(MANAGER, "maria@beta-servicii.ro")
    assert "not in the CRM yet" in push["text"]
    assert "Cerere de ofertă: curățenie birouri" in push["text"]
    assert "+40721234567" in push["text"] and "18547290" in push["text"]
    assert "Make a lead" in buttons(push) and "Reply" in buttons(push)

    # Another manager's forged tap learns nothing and makes nothing.
    data = next(b["callback_data"] for row in push["buttons"] for b in row
                if b["text"] == "Make a lead")
    own = (await bot.client.messages(MANAGER2))[-1]["message_id"]
    answer = await bot.press_for_answer(MANAGER2, own, data, forged=True)
    assert "Not found" in answer

    card = await bot.press(MANAGER, push, "Make a lead")
    assert "Maria Ionescu" in card["text"]
    leads = await rows(bot, select(m.Lead.contact_name, m.Lead.company_name, m.Lead.phone,
                                   m.Lead.email, m.Lead.country, m.Lead.tax_id,
                                   m.Lead.vat_payer, m.Lead.source, m.Lead.owner_id))
    assert len(leads) == 1
    name, company, phone, addr, country, tax_id, vat_payer, source, _owner = leads[0]
    assert (name, phone, addr, country, tax_id, vat_payer, source) == (
        "Maria Ionescu", "+40721234567", "maria@beta-servicii.ro", "RO", "18547290", True,
        "email")
    assert company == "Beta Servicii SRL"
    # The same tap again: the same lead, not a second one.
    await bot.press(MANAGER, push, "Make a lead")
    assert len(await rows(bot, select(m.Lead.id))) == 1


async def test_a_clients_mail_goes_on_the_timeline_and_the_reply_keeps_the_thread(
        bot: Harness, dovecot: Dovecot, smtp: tuple[Inbox, int]) -> None:  # noqa: F811
    company_id = await seed(bot)
    body = ("Hello,\n\nPlease send the invoice again, and the act.\n\nIon\n\n"
            "On Mon, 1 Dec 2025 at 10:00, Office <office@crm.example> wrote:\n"
            "> Please find attached invoice 1.\n> Kind regards\n")
    await dovecot.append(mail(f"Ion Popescu <{CLIENT_ADDR}>", "Invoice again", body,
                              msgid="<q-7@alfa-construct.ro>",
                              References="<first@crm.example>",
                              attachment=("plan.pdf", b"%PDF-1.4 plan")))
    push = await bot.client.wait_for_text(MANAGER, CLIENT_ADDR)
    assert "It is on the client's timeline" in push["text"]
    assert "Ромашка" in push["text"] and "plan.pdf" in push["text"]
    assert buttons(push) == ["Reply", "Open client", "Make a task"]
    # The attachment comes into the manager's chat and is kept on the client's card.
    await bot.client.wait_for(MANAGER, lambda v: (v.get("document") or {}).get(
        "file_name") == "plan.pdf")
    files = await eventually(lambda: _files(bot, company_id), "the attachment on the card")
    assert files == [("plan.pdf",)]
    (text,), = await rows(bot, select(m.Interaction.text).where(
        m.Interaction.company_id == company_id, m.Interaction.kind == "email"))
    assert "Please send the invoice again" in text
    assert "Please find attached invoice 1" not in text  # the quoted history is gone

    # Make a task: one task, however many taps.
    made = await bot.press(MANAGER, push, "Make a task")
    assert made["text"].startswith("Task created.")
    again = await bot.press_for_answer(MANAGER, push["message_id"], text="Make a task")
    assert again == "Already done."
    assert len(await rows(bot, select(m.Task.id).where(m.Task.company_id == company_id))) == 1

    prompt = await bot.press(MANAGER, push, "Reply")
    assert CLIENT_ADDR in prompt["text"] and "Re: Invoice again" in prompt["text"]
    preview = await bot.say(MANAGER, "Dear Ion, here it is again.")
    invoice_button = next(b for b in buttons(preview) if b.startswith("📎 Invoice"))
    await bot.client.press(MANAGER, preview["message_id"], text=invoice_button)
    await bot.client.wait_for_edit(MANAGER, preview["message_id"],
                                   lambda v: "With Invoice" in (v["text"] or ""))
    done = await bot.press(MANAGER, preview, "Send")
    assert "on its way" in done["text"]

    inbox = smtp[0]
    sent = await eventually(lambda: _first(inbox), "the reply at the SMTP server")
    assert sent["To"] == CLIENT_ADDR
    assert sent["Subject"] == "Re: Invoice again"
    assert sent["In-Reply-To"] == "<q-7@alfa-construct.ro>"
    assert sent["References"].split() == ["<first@crm.example>", "<q-7@alfa-construct.ro>"]
    assert "Dear Ion, here it is again." in sent.get_body(("plain",)).get_content()
    pdfs = [p for p in sent.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0].get_content().startswith(b"%PDF")
    # Recorded on the timeline once the server took it.
    replies = await eventually(lambda: _reply_entries(bot, company_id), "the reply on the "
                               "timeline")
    assert "Dear Ion, here it is again." in replies[0][0]


async def _files(bot: Harness, company_id: int) -> list[Any] | None:
    found = await rows(bot, select(m.StoredFile.filename).where(
        m.StoredFile.company_id == company_id))
    return [tuple(r) for r in found] or None


async def _reply_entries(bot: Harness, company_id: int) -> list[Any] | None:
    found = await rows(bot, select(m.Interaction.text).where(
        m.Interaction.company_id == company_id, m.Interaction.text.like("Re:%")))
    return found or None


async def _first(inbox: Inbox) -> EmailMessage | None:
    return inbox.messages[0] if inbox.messages else None


async def test_a_bot_restarted_mid_mailbox_processes_each_message_once(
        database_url: str, dovecot: Dovecot, smtp: tuple[Inbox, int]) -> None:  # noqa: F811
    count = 6
    # A short outbox lease: a push claimed by the stopped bot is sent by the next one soon.
    async with running_bot(database_url, lead_assignment=str(MANAGER), imap_batch=1,
                           outbox_lease_seconds=1.0, **dovecot.settings()) as bot:
        await seed(bot)
        await bot.stop()
        await dovecot.append(*(mail(f"Client {i} <c{i}@gamma{i}.md>", f"Order {i}",
                                    f"Order {i}", msgid=f"<order-{i}@gamma.md>")
                               for i in range(count)))
        await bot.start()

        async def first_processed() -> bool | None:
            return True if await rows(bot, select(m.MailMessage.id)) else None

        await eventually(first_processed, "the first message processed")
        await bot.restart()  # mid-mailbox: the rest are read by the next bot
        await bot.restart()
        # A push the stopped bot had claimed is sent again once its lease is over (the
        # bot's clock is frozen: move it past the lease).
        bot.clock.advance(timedelta(seconds=5))

        async def all_pushed() -> list[Any] | None:
            found = await rows(bot, select(m.OutboxMessage.idempotency_key).where(
                m.OutboxMessage.kind == "mail_push", m.OutboxMessage.status == "sent"))
            return found if len(found) >= count else None

        await eventually(all_pushed, "every message pushed")
        processed = await rows(bot, select(m.MailMessage.message_id, func.count())
                               .group_by(m.MailMessage.message_id))
        assert sorted(p[0] for p in processed) == sorted(f"<order-{i}@gamma.md>"
                                                         for i in range(count))
        assert all(p[1] == 1 for p in processed)
        # One push per message in the outbox (a push claimed at a stop may be sent again:
        # the outbox is at-least-once), and each reached the manager.
        pushed = await rows(bot, select(func.count()).select_from(m.OutboxMessage)
                            .where(m.OutboxMessage.kind == "mail_push"))
        assert pushed[0][0] == count
        pushes = [v["text"] for v in await bot.client.messages(MANAGER)
                  if "Order" in (v["text"] or "")]
        assert all(any(f"Order {i}" in t for t in pushes) for i in range(count)), pushes
        mailbox = await rows(bot, select(m.Mailbox.last_uid, m.Mailbox.failures))
        assert mailbox == [(count, 0)]
