"""Files on client and deal cards end to end, in Russian: a PDF, a photo, a voice, a video
sent to a deal card (its «Прикрепить файл» step) and to a client card (a reply to the card)
are kept by Telegram file_id with name, size, type, who and when, audited; «📎 Файлы» lists
them and a tap sends each back with its own method and the same file_id; a voice note in the
timeline opens the same way; another manager's forged buttons get «not found» and nothing;
a file over 20 MB is kept by file_id with a plain warning."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sandbox.client import eventually
from services.access import AccessService
from services.clients import ClientService, CompanyDraft
from services.deals import DealDraft, DealService
from services.interactions import Attachment, InteractionService
from services.pipelines import load_pipelines
from services.users import Role
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons

PIPELINES = load_pipelines(Path(__file__).resolve().parents[2] / "config" / "pipelines.toml")
IVAN, PETR = 2101, 2102
PDF = b"%PDF-1.7\n" + b"x" * 2991  # 3000 bytes: 2,9 KB
JPEG = b"\xff\xd8\xff\xe0" + b"j" * 2044  # 2048 bytes: 2 KB
VOICE = b"OggS\x00voice-of-ivan"  # 18 bytes
NOT_FOUND = "Не найдено. Возможно, запись удалена или недоступна вам."
TOO_BIG = ("Файл больше 20 МБ: он сохранён на карточке и открывается отсюда, но Telegram не "
           "даёт боту скачать его, поэтому бот не сможет его прочитать или отправить по e-mail.")


@dataclass
class Seeded:
    company_id: int
    deal_id: int


async def seed(bot: Harness) -> Seeded:
    """Иван (a manager) with the client «Ромашка» and its deal «Поставка кресел»; Пётр, a
    second manager; the admin. Everyone speaks Russian."""
    db = Database(create_engine(bot.database_url))
    try:
        access = AccessService(db.uow, bot.clock, bot.settings.default_timezone)
        (admin,) = await access.ensure_admins([ADMIN])
        ivan = await access.join(IVAN, (await access.create_invite(admin, Role.MANAGER)).token,
                                 "Иван", None, "ru")
        await access.join(PETR, (await access.create_invite(admin, Role.MANAGER)).token,
                          "Пётр", None, "ru")
        company = await ClientService(db.uow, bot.clock).create_company(
            ivan, CompanyDraft(name="Ромашка"))
        deal = await DealService(db.uow, bot.clock, PIPELINES).create(
            ivan, DealDraft(title="Поставка кресел", company_id=company.id))
    finally:
        await db.dispose()
    for uid, name in ((ADMIN, "Анна"), (IVAN, "Иван"), (PETR, "Пётр")):
        await bot.client.user(uid, first_name=name, language_code="ru")
    return Seeded(company.id, deal.id)


async def rows(bot: Harness, query: Any) -> list[tuple[Any, ...]]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            return [tuple(r) for r in (await uow.session.execute(query)).all()]
    finally:
        await db.dispose()


def local_now(bot: Harness) -> str:
    """The bot's frozen now as the team reads it (Moscow by default), day and time."""
    zone = ZoneInfo(bot.settings.default_timezone)
    return bot.clock.now().astimezone(zone).strftime("%d.%m.%Y %H:%M")


async def deal_card(bot: Harness, user_id: int) -> dict[str, Any]:
    listing = await bot.say(user_id, "/deals")
    assert listing["text"] == "Открытые сделки: 1"
    return await bot.press(user_id, listing, buttons(listing)[0])


async def client_card(bot: Harness, user_id: int) -> dict[str, Any]:
    listing = await bot.say(user_id, "/clients")
    assert listing["text"] == "Клиенты: 1"
    return await bot.press(user_id, listing, "Ромашка")


def callback_of(message: dict[str, Any], text: str) -> str:
    for row in message["buttons"]:
        for b in row:
            if b["text"] == text:
                return str(b["callback_data"])
    raise AssertionError(f"no button {text!r} in {buttons(message)}")


async def sent_back(bot: Harness, user_id: int, listing: dict[str, Any], text: str
                    ) -> dict[str, Any]:
    """Taps a file's button in a listing; returns the message that brought the file."""
    return await bot.press(user_id, listing, text)


async def test_files_sent_to_a_deal_card_are_kept_listed_and_sent_back(bot: Harness) -> None:
    seeded = await seed(bot)
    card = await deal_card(bot, IVAN)
    assert "Поставка кресел" in card["text"]
    assert buttons(card)[-2:] == ["📎 Файлы", "Прикрепить файл"]

    prompt = await bot.press(IVAN, card, "Прикрепить файл")
    assert prompt["text"] == (
        "Пришлите файлы для сделки «Поставка кресел»\n"
        "Документ, фото, голосовое сообщение, видео или аудио; можно несколько подряд. "
        "Потом нажмите «Готово».")
    assert buttons(prompt) == ["✅ Готово"]

    pdf = await bot.client.send_document(IVAN, "Договор №7.pdf", PDF, "application/pdf",
                                         caption="Подписанный договор")
    answer = await bot.client.wait_for(IVAN)
    assert answer["text"] == ("Прикреплено: Договор №7.pdf (PDF, 2,9 КБ). "
                              "Файлов на карточке: 1.")
    assert buttons(answer) == ["✅ Готово"]
    photo = await bot.client.send_photo(IVAN, JPEG, caption="Образец ткани")
    answer = await bot.client.wait_for(IVAN)
    assert answer["text"] == "Прикреплено: Фото (Фото, 2 КБ). Файлов на карточке: 2."
    voice = await bot.client.send_voice(IVAN, VOICE)
    answer = await bot.client.wait_for(IVAN)
    assert answer["text"] == ("Прикреплено: Голосовое сообщение (Голосовое сообщение, 18 Б). "
                              "Файлов на карточке: 3.")
    # Text is not a file: said so, nothing kept.
    other = await bot.say(IVAN, "вот договор")
    assert other["text"] == ("Это нельзя прикрепить. Пришлите документ, фото, голосовое "
                             "сообщение, видео или аудио — или нажмите «Готово».")
    await bot.client.press(IVAN, answer["message_id"], text="✅ Готово")
    done = await bot.client.wait_for(IVAN)
    assert done["text"] == "Готово. Файлов на карточке: 3."
    assert buttons(done) == ["1. 🎤 Голосовое сообщение", "2. 🖼 Фото", "3. 📄 Договор №7.pdf",
                             "Прикрепить файл"]
    # The step is over: a photo now is not attached to the deal.
    await bot.client.send_photo(IVAN, JPEG)
    assert "Прикреплено" not in ((await bot.client.wait_for(IVAN))["text"] or "")

    pdf_id = pdf["document"]["file_id"]
    photo_id = photo["photo"][-1]["file_id"]
    voice_id = voice["voice"]["file_id"]
    stored = await rows(bot, select(
        m.StoredFile.kind, m.StoredFile.telegram_file_id, m.StoredFile.filename,
        m.StoredFile.mime_type, m.StoredFile.size, m.StoredFile.caption, m.StoredFile.deal_id,
        m.StoredFile.company_id, m.StoredFile.created_by, m.StoredFile.telegram_unique_id,
    ).order_by(m.StoredFile.id))
    ivan_id = (await rows(bot, select(m.User.id).where(m.User.telegram_id == IVAN)))[0][0]
    assert [r[:9] for r in stored] == [
        ("document", pdf_id, "Договор №7.pdf", "application/pdf", 3000, "Подписанный договор",
         seeded.deal_id, seeded.company_id, ivan_id),
        ("photo", photo_id, "", "image/jpeg", 2048, "Образец ткани", seeded.deal_id,
         seeded.company_id, ivan_id),
        ("voice", voice_id, "", "audio/ogg", 18, None, seeded.deal_id, seeded.company_id,
         ivan_id),
    ]
    assert all(r[9] for r in stored)  # Telegram's file_unique_id is kept too
    audit = await rows(bot, select(m.AuditEntry.action, m.AuditEntry.entity,
                                   m.AuditEntry.company_id, m.AuditEntry.deal_id,
                                   m.AuditEntry.actor_id, m.AuditEntry.data)
                       .where(m.AuditEntry.action == "file.add").order_by(m.AuditEntry.id))
    assert [a[:5] for a in audit] == [("file.add", "file", seeded.company_id, seeded.deal_id,
                                       ivan_id)] * 3
    assert [a[5]["kind"] for a in audit] == ["document", "photo", "voice"]
    assert audit[0][5]["name"] == "Договор №7.pdf" and audit[0][5]["size"] == 3000

    # The card lists them: name, type, size, when (the team's time zone), who.
    listing = await bot.press(IVAN, card, "📎 Файлы")
    when = local_now(bot)
    assert listing["text"].splitlines() == [
        "Файлы сделки «Поставка кресел» (3)",
        f"1. 🎤 Голосовое сообщение · Голосовое сообщение · 18 Б · {when} · Иван",
        f"2. 🖼 Фото · Фото · 2 КБ · {when} · Иван",
        "   Образец ткани",
        f"3. 📄 Договор №7.pdf · PDF · 2,9 КБ · {when} · Иван",
        "   Подписанный договор",
        "Нажмите на файл, чтобы получить его здесь.",
    ]
    # A tap sends each back by its file_id with the method of its kind.
    back = await sent_back(bot, IVAN, listing, "3. 📄 Договор №7.pdf")
    assert back["media_kind"] == "document" and back["file_id"] == pdf_id
    assert back["caption"] == "Подписанный договор"
    assert (await bot.client.calls("sendDocument"))[-1]["params"]["document"] == pdf_id
    back = await sent_back(bot, IVAN, listing, "2. 🖼 Фото")
    assert back["media_kind"] == "photo" and back["file_id"] == photo_id
    assert (await bot.client.calls("sendPhoto"))[-1]["params"]["photo"] == photo_id
    back = await sent_back(bot, IVAN, listing, "1. 🎤 Голосовое сообщение")
    assert back["media_kind"] == "voice" and back["file_id"] == voice_id
    assert (await bot.client.calls("sendVoice"))[-1]["params"]["voice"] == voice_id


async def test_a_reply_to_the_client_card_attaches_there_and_the_card_lists_deal_files_too(
        bot: Harness) -> None:
    seeded = await seed(bot)
    card = await client_card(bot, IVAN)
    assert buttons(card)[-2:] == ["📎 Файлы", "Прикрепить файл"]
    empty = await bot.press(IVAN, card, "📎 Файлы")
    assert empty["text"] == ("Файлы клиента «Ромашка» (0)\n"
                             "Файлов пока нет. Нажмите «Прикрепить файл» или ответьте на "
                             "карточку файлом.")
    # A reply to the client card with a file keeps it on the client (no step needed).
    scan = await bot.client.send_document(IVAN, "Реквизиты.pdf", PDF, "application/pdf",
                                          reply_to=card["message_id"])
    answer = await bot.client.wait_for(IVAN)
    assert answer["text"] == ("Прикреплено: Реквизиты.pdf (PDF, 2,9 КБ). "
                              "Файлов на карточке: 1.")
    assert buttons(answer) == []  # no step to finish
    await bot.client.send_video(IVAN, b"\x00\x00\x00\x18ftypmp42video", "Склад.mp4",
                                reply_to=card["message_id"])
    answer = await bot.client.wait_for(IVAN)
    assert answer["text"] == "Прикреплено: Склад.mp4 (Видео, 17 Б). Файлов на карточке: 2."
    # A reply to the deal card keeps the file on the deal (and so on its client).
    dcard = await deal_card(bot, IVAN)
    voice = await bot.client.send_voice(IVAN, VOICE, reply_to=dcard["message_id"])
    answer = await bot.client.wait_for(IVAN)
    assert answer["text"].endswith("Файлов на карточке: 1.")

    stored = await rows(bot, select(m.StoredFile.kind, m.StoredFile.filename,
                                    m.StoredFile.company_id, m.StoredFile.deal_id)
                        .order_by(m.StoredFile.id))
    assert stored == [("document", "Реквизиты.pdf", seeded.company_id, None),
                      ("video", "Склад.mp4", seeded.company_id, None),
                      ("voice", "", seeded.company_id, seeded.deal_id)]
    audit = await rows(bot, select(m.AuditEntry.company_id, m.AuditEntry.deal_id)
                       .where(m.AuditEntry.action == "file.add").order_by(m.AuditEntry.id))
    assert audit == [(seeded.company_id, None), (seeded.company_id, None),
                     (seeded.company_id, seeded.deal_id)]

    # The client card lists the client's files and its deals'.
    listing = await bot.press(IVAN, card, "📎 Файлы")
    lines = listing["text"].splitlines()
    assert lines[0] == "Файлы клиента «Ромашка» (3)"
    assert buttons(listing) == ["1. 🎤 Голосовое сообщение", "2. 🎬 Склад.mp4",
                                "3. 📄 Реквизиты.pdf", "Прикрепить файл"]
    assert lines[2].startswith("2. 🎬 Склад.mp4 · Видео · 17 Б · ")
    back = await sent_back(bot, IVAN, listing, "2. 🎬 Склад.mp4")
    assert back["media_kind"] == "video"
    assert (await bot.client.calls("sendVideo"))[-1]["params"]["video"] == back["file_id"]
    back = await sent_back(bot, IVAN, listing, "1. 🎤 Голосовое сообщение")
    assert back["file_id"] == voice["voice"]["file_id"]
    back = await sent_back(bot, IVAN, listing, "3. 📄 Реквизиты.pdf")
    assert back["file_id"] == scan["document"]["file_id"]
    # A reply to the listing attaches to its card as well.
    await bot.client.send_photo(IVAN, JPEG, reply_to=listing["message_id"])
    assert (await bot.client.wait_for(IVAN))["text"] == (
        "Прикреплено: Фото (Фото, 2 КБ). Файлов на карточке: 4.")


async def test_a_voice_note_in_the_timeline_opens_by_file_id_or_from_its_bytes(
        bot: Harness) -> None:
    seeded = await seed(bot)
    # A note recorded before files existed: its bytes only, in the documents table.
    db = Database(create_engine(bot.database_url))
    try:
        access = AccessService(db.uow, bot.clock, bot.settings.default_timezone)
        ivan = await access.identify(IVAN)
        assert ivan is not None
        await InteractionService(db.uow, bot.clock).add(
            ivan, "call", "Старый звонок", company_id=seeded.company_id,
            attachment=Attachment("voice.ogg", "audio/ogg", b"OggS\x00old-bytes"))
    finally:
        await db.dispose()
    bot.clock.advance(timedelta(minutes=5))
    # A voice note now: kept in the documents table and by its file_id in files.
    dcard = await deal_card(bot, IVAN)
    prompt = await bot.press(IVAN, dcard, "Добавить заметку")
    assert "голосовое" in prompt["text"]
    voice = await bot.client.send_voice(IVAN, VOICE)
    assert (await bot.client.wait_for(IVAN))["text"] == "Сохранено в ленте событий."
    voice_id = voice["voice"]["file_id"]
    notes = await rows(bot, select(m.Interaction.text, m.Interaction.document_id,
                                   m.StoredFile.telegram_file_id, m.StoredFile.deal_id)
                       .outerjoin(m.StoredFile, m.StoredFile.id == m.Interaction.file_id)
                       .order_by(m.Interaction.id))
    assert notes[0][0] == "Старый звонок" and notes[0][2] is None
    assert notes[1][1] is not None and notes[1][2:] == (voice_id, seeded.deal_id)

    card = await client_card(bot, IVAN)
    timeline = await bot.press(IVAN, card, "Лента событий")
    assert timeline["text"].startswith("Лента событий: Ромашка")
    zone = ZoneInfo(bot.settings.default_timezone)
    now = bot.clock.now().astimezone(zone)
    new_label = f"🎤 Голосовое {now:%d.%m %H:%M}"
    old_label = f"🎤 Голосовое {now - timedelta(minutes=5):%d.%m %H:%M}"
    assert buttons(timeline) == [new_label, old_label]
    # The new one goes back by its Telegram file_id.
    back = await bot.press(IVAN, timeline, new_label)
    assert back["media_kind"] == "voice" and back["file_id"] == voice_id
    assert (await bot.client.calls("sendVoice"))[-1]["params"]["voice"] == voice_id
    # The old one is uploaded from its bytes.
    back = await bot.press(IVAN, timeline, old_label)
    assert back["media_kind"] == "voice" and back["file_id"] != voice_id
    assert await bot.client.file_bytes(IVAN, back["message_id"]) == b"OggS\x00old-bytes"


async def test_another_managers_forged_file_buttons_are_refused_heads_see_all(
        bot: Harness) -> None:
    seeded = await seed(bot)
    card = await deal_card(bot, IVAN)
    await bot.client.send_document(IVAN, "Смета.pdf", PDF, "application/pdf",
                                   reply_to=card["message_id"])
    await bot.client.wait_for(IVAN)
    dcard_note = await bot.press(IVAN, card, "Добавить заметку")
    assert dcard_note["text"]
    await bot.client.send_voice(IVAN, VOICE)
    await bot.client.wait_for(IVAN)
    file_id = (await rows(bot, select(m.StoredFile.id).order_by(m.StoredFile.id)))[0][0]
    note_id = (await rows(bot, select(m.Interaction.id)))[0][0]
    ccard = await client_card(bot, IVAN)
    files_before = await rows(bot, select(m.StoredFile.id))

    # Пётр forges Иван's buttons on a message of his own chat.
    own = await bot.say(PETR, "/deals")
    forged = [
        callback_of(card, "📎 Файлы"), callback_of(card, "Прикрепить файл"),
        callback_of(ccard, "📎 Файлы"), callback_of(ccard, "Прикрепить файл"),
        f"fl:s:0:0:{file_id}", f"fl:n:0:0:{note_id}",
    ]
    assert forged[0] == f"fl:l:{seeded.deal_id}:0:0"
    assert forged[2] == f"fl:l:0:{seeded.company_id}:0"
    before = len(await bot.client.messages(PETR))
    for data in forged:
        answer = await bot.press_for_answer(PETR, own["message_id"], data, forged=True)
        assert answer == NOT_FOUND, data
    await bot.settled()
    assert len(await bot.client.messages(PETR)) == before  # nothing was sent to him
    # No attach step was opened: his photo now is no file of Иван's card.
    await bot.client.send_photo(PETR, JPEG)
    assert "Прикреплено" not in ((await bot.client.wait_for(PETR))["text"] or "")
    assert await rows(bot, select(m.StoredFile.id)) == files_before
    ivan_id = (await rows(bot, select(m.User.id).where(m.User.telegram_id == IVAN)))[0][0]
    assert await rows(bot, select(m.AuditEntry.actor_id).where(
        m.AuditEntry.action == "file.add")) == [(ivan_id,)]

    # The admin sees every file: the same forged buttons work for them.
    admin_msg = await bot.say(ADMIN, "/deals")
    await bot.client.press_raw(ADMIN, admin_msg["message_id"], f"fl:s:0:0:{file_id}")
    back = await bot.client.wait_for(ADMIN, lambda v: v["media_kind"] == "document")
    assert back["document"]["file_name"] == "Смета.pdf"
    await bot.client.press_raw(ADMIN, admin_msg["message_id"], forged[0])
    listing = await bot.client.wait_for(ADMIN, lambda v: bool(v["text"]))
    assert listing["text"].startswith("Файлы сделки «Поставка кресел» (2)")


async def test_a_file_over_20_mb_is_kept_by_file_id_with_a_plain_warning(bot: Harness) -> None:
    seeded = await seed(bot)
    card = await deal_card(bot, IVAN)
    big = 25 * 1024 * 1024
    sent = await bot.client.send_document(IVAN, "Чертежи.zip", b"PK\x03\x04",
                                          "application/zip", reply_to=card["message_id"],
                                          declared_size=big)
    answer = await bot.client.wait_for(IVAN)
    assert answer["text"] == ("Прикреплено: Чертежи.zip (ZIP, 25 МБ). Файлов на карточке: 1.\n"
                              + TOO_BIG)
    assert await rows(bot, select(m.StoredFile.size, m.StoredFile.deal_id)) == [
        (big, seeded.deal_id)]
    listing = await bot.press(IVAN, card, "📎 Файлы")
    assert re.search(r"1\. 📄 Чертежи\.zip · ZIP · 25 МБ · .* · Иван · больше 20 МБ",
                     listing["text"]), listing["text"]
    # It goes back by file_id all the same: no download is needed for that.
    back = await bot.press(IVAN, listing, "1. 📄 Чертежи.zip")
    assert back["file_id"] == sent["document"]["file_id"]

    # A voice note over 20 MB: kept by file_id only (Telegram refuses the download), and it
    # opens from the timeline all the same.
    await bot.press(IVAN, card, "Добавить заметку")
    voice = await bot.client.send_voice(IVAN, VOICE, declared_size=21 * 1024 * 1024)
    assert (await bot.client.wait_for(IVAN))["text"] == "Сохранено в ленте событий."
    assert await rows(bot, select(m.Document.id).where(m.Document.kind == "interaction")) == []
    timeline = await bot.press(IVAN, await client_card(bot, IVAN), "Лента событий")
    assert "[голосовое сообщение]" in timeline["text"]
    label = buttons(timeline)[0]
    assert label.startswith("🎤 Голосовое ")
    back = await bot.press(IVAN, timeline, label)
    assert back["file_id"] == voice["voice"]["file_id"]

    async def no_download() -> bool | None:
        calls = await bot.client.calls("getFile")
        return True if not any(c["params"].get("file_id") == voice["voice"]["file_id"]
                               for c in calls) else None

    await eventually(no_download, "the bot tried to download a file over 20 MB", 1.0)
