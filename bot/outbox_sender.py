"""Delivers outbox messages (`services.outbox.Sender`): reminders, alerts and report pushes
(composed from the database at send time), notices (rendered from their payload:
handlers/notices.py) and files into customers' chats; Telegram through the bot's own session
(so its rate limiter, ~30/s overall and ~1/s per chat, and its 429 / 5xx / network retries
apply to reminders too) and e-mail through SMTP (aiosmtplib).

Outcomes, as the dispatcher records them (attempts, last_error on the row):
* 429 that outlasted the session's own retries -> retry at `retry_after`;
* 403 (the user blocked the bot), "chat not found" or another 400 -> dead; `on_dead` marks
  the chat dead, enqueues an e-mail copy when the customer has an address and tells the
  invoice's manager;
* network and server errors -> retry with the dispatcher's backoff;
* the message no longer applies (invoice paid, cancelled, paused, stopped or deleted;
  meeting moved; a report push turned off or stale) -> the claimed row is cancelled, nothing
  is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from email.message import EmailMessage
from typing import Any, Protocol

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import I18n

from bot.mailer import compose_reply
from handlers.customer import customer_keyboard, document_caption, qr_caption
from handlers.notices import render_notice
from handlers.reminders import render, render_digest
from handlers.reports_push import render_push
from services.alerts import REPORT_PUSH_KINDS, AlertService, DigestPage
from services.clock import Clock
from services.delivery import DeliveryService
from services.errors import NotFound
from services.mail import MAIL_FILE, MAIL_REPLY, MailService
from services.notices import DOCUMENT, DOCUMENT_QR, FILE, FILE_KINDS, NOTICE_KINDS
from services.outbox import OutboxItem, SendResult

logger = logging.getLogger(__name__)

BLOCKED_PREFIX = "403"


class SmtpSettings(Protocol):
    smtp_host: str | None
    smtp_port: int
    smtp_user: str | None
    smtp_from: str
    smtp_starttls: bool


class Mail(Protocol):
    async def __call__(self, message: EmailMessage) -> None: ...


def smtp_mail(settings: SmtpSettings, password: str | None) -> Mail | None:
    """An aiosmtplib sender from the settings, or None when no SMTP host is set."""
    if not settings.smtp_host:
        return None
    import aiosmtplib

    async def send(message: EmailMessage) -> None:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user,
            password=password,
            start_tls=settings.smtp_starttls,
            timeout=30,
        )

    return send


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        alerts: AlertService,
        i18n: I18n,
        clock: Clock,
        mail: Mail | None = None,
        mail_from: str = "dealchat@localhost",
        delivery: DeliveryService | None = None,
        mail_service: MailService | None = None,
    ) -> None:
        self._delivery = delivery
        self._mail_service = mail_service
        # Documents that just failed, by their key's cause: their QR waits or is dropped.
        self._undelivered: dict[str, SendResult] = {}
        self._bot = bot
        self._alerts = alerts
        self._i18n = i18n
        self._clock = clock
        self._mail = mail
        self._from = mail_from

    def _locale(self, language: Any) -> str:
        """The recipient's language, else the bot's default (the team chat has none)."""
        return language if language in self._i18n.available_locales \
            else self._i18n.default_locale

    async def send(self, item: OutboxItem) -> SendResult:
        if item.kind == MAIL_REPLY:
            return await self._mail_reply(item)
        if item.kind == MAIL_FILE:
            return await self._mail_file(item)
        if item.kind in NOTICE_KINDS:
            return await self._notice(item)
        if item.kind in FILE_KINDS:
            return await self._file(item)
        return await self._reminder(item)

    @staticmethod
    async def _telegram(call: Awaitable[Any]) -> SendResult:
        """One Bot API call, its failure as the dispatcher's outcome."""
        try:
            await call
        except TelegramRetryAfter as exc:
            return SendResult.retry(f"429: {exc.message}", retry_after=float(exc.retry_after))
        except TelegramForbiddenError as exc:
            return SendResult.dead(f"{BLOCKED_PREFIX}: {exc.message}")
        except TelegramBadRequest as exc:
            return SendResult.dead(f"400: {exc.message}")
        except (TelegramNetworkError, TelegramServerError) as exc:
            return SendResult.retry(f"{type(exc).__name__}: {exc.message}")
        return SendResult.sent()

    async def _notice(self, item: OutboxItem) -> SendResult:
        if item.chat_id is None:
            return SendResult.dead("no chat")
        with self._i18n.context(), self._i18n.use_locale(self._locale(item.payload.get("lang"))):
            text, markup = render_notice(item.kind, item.payload)
        return await self._telegram(self._bot.send_message(item.chat_id, text,
                                                           reply_markup=markup))

    async def _file(self, item: OutboxItem) -> SendResult:
        """A document into a customer's chat (its delivery recorded once Telegram accepted
        it), its payment QR, or another stored file."""
        if item.chat_id is None or self._delivery is None:
            return SendResult.dead("no chat" if item.chat_id is None else "no delivery")
        chat = item.chat_id
        cause = item.key.rsplit(":", 1)[0]  # the document's and its QR's common part
        # Into the manager's Telegram Business chat, as the manager (issue 20).
        business = item.payload.get("business_connection_id")
        with self._i18n.context(), self._i18n.use_locale(self._locale(item.payload.get("lang"))):
            if item.kind == DOCUMENT_QR:
                held = self._undelivered.pop(cause, None)
                if held is not None:  # the QR follows its document, never goes alone
                    return SendResult.dead("its document was not delivered") if held.permanent \
                        else SendResult.retry("waits for its document")
                png = await self._delivery.qr_png(str(item.payload["qr"]))
                return await self._telegram(self._bot.send_photo(
                    chat, BufferedInputFile(png, "qr.png"),
                    caption=qr_caption(), business_connection_id=business))
            try:
                stored, header = await self._delivery.outbox_file(item.payload)
            except NotFound:
                return SendResult.dead("the stored file is gone")
            if item.kind == FILE:
                caption = str(item.payload.get("caption") or "") or None
                markup = None
            elif header is None:
                return SendResult.dead("the document is gone")
            else:
                # The customer's buttons are the bot's: not in the manager's own chat.
                caption = document_caption(header)
                markup = None if business else customer_keyboard(header)
            result = await self._telegram(self._bot.send_document(
                chat, BufferedInputFile(stored.content, stored.filename), caption=caption,
                reply_markup=markup, business_connection_id=business))
        if item.kind == DOCUMENT:
            if result.ok:
                await self._delivery.document_delivered(item.id, item.key, item.payload, chat)
            else:
                self._undelivered[cause] = result
                if len(self._undelivered) > 1000:  # only the last few matter
                    self._undelivered.pop(next(iter(self._undelivered)))
        return result

    async def _reminder(self, item: OutboxItem) -> SendResult:
        composed = await self._alerts.compose(item)
        if composed is None:
            await self._alerts.cancel_claimed(item.id)
            logger.info("outbox %s no longer applies: cancelled", item.key)
            return SendResult.sent()
        locale = self._locale(composed.language)  # "de" reads the default language
        with self._i18n.context(), self._i18n.use_locale(locale):
            if item.kind in REPORT_PUSH_KINDS:  # the head's weekly / the admin's monthly
                text, markup = render_push(composed.facts, locale)
            elif isinstance(composed.facts, DigestPage):  # the morning digest's first page
                text, markup = render_digest(composed.facts, locale)
            else:
                text, markup = render(composed, item.payload, item.invoice_id, item.id)
        if item.channel == "email":
            return await self._email(item, text)
        if item.chat_id is None:
            return SendResult.dead("no chat")
        return await self._telegram(self._bot.send_message(item.chat_id, text,
                                                           reply_markup=markup))

    async def _email(self, item: OutboxItem, html_text: str) -> SendResult:
        if self._mail is None or not item.email:
            return SendResult.dead("e-mail is not configured")
        message = EmailMessage()
        message["From"] = self._from
        message["To"] = item.email
        first = html_text.split("\n", 1)[0]
        message["Subject"] = first[:120]
        message.set_content(html_text)
        try:
            await self._mail(message)
        except Exception as exc:  # SMTP and network errors: the dispatcher retries later
            return SendResult.retry(f"smtp: {type(exc).__name__}: {exc}")
        return SendResult.sent()

    async def _mail_reply(self, item: OutboxItem) -> SendResult:
        """A reply typed in the chat, by SMTP; recorded (and on the timeline) once the server
        took it. Sent already (a retry after a crash in between): nothing more is sent."""
        if self._mail is None or self._mail_service is None:
            return SendResult.dead("e-mail is not configured")
        reply = await self._mail_service.outgoing(int(item.payload["reply_id"]))
        if reply is None:
            return SendResult.sent()
        try:
            await self._mail(compose_reply(reply, self._from))
        except Exception as exc:  # SMTP and network errors: the dispatcher retries later
            return SendResult.retry(f"smtp: {type(exc).__name__}: {exc}")
        await self._mail_service.reply_sent(reply.id)
        return SendResult.sent()

    async def _mail_file(self, item: OutboxItem) -> SendResult:
        """An e-mail's attachment into its manager's chat; kept on the client's card by the
        file_id Telegram gave it, once Telegram took it."""
        if item.chat_id is None or self._mail_service is None:
            return SendResult.dead("no chat")
        try:
            attachment = await self._mail_service.attachment(int(item.payload["document_id"]))
        except NotFound:
            return SendResult.dead("the attachment is gone")
        sent: list[Any] = []

        async def upload() -> None:
            sent.append(await self._bot.send_document(
                item.chat_id or 0, BufferedInputFile(attachment.content, attachment.filename)))

        result = await self._telegram(upload())
        document = getattr(sent[0], "document", None) if sent else None
        if result.ok and document is not None:
            await self._mail_service.attachment_kept(item.payload, document.file_id,
                                                     document.file_unique_id,
                                                     document.file_size)
        return result

    async def on_dead(self, item: OutboxItem, result: SendResult) -> None:
        """A document refused: the manager is told why. A blocked chat otherwise: e-mail
        fallback and the manager told (`AlertService.chat_blocked`)."""
        if item.kind == DOCUMENT and self._delivery is not None:
            await self._delivery.document_failed(item.key, item.payload, result.error)
            return
        if item.kind == MAIL_REPLY and self._mail_service is not None:
            await self._mail_service.reply_failed(item.payload, result.error or "")
            return
        if item.kind in NOTICE_KINDS or item.kind in FILE_KINDS or item.kind == MAIL_FILE:
            return
        if item.channel == "telegram" and (result.error or "").startswith(BLOCKED_PREFIX):
            await self._alerts.chat_blocked(item, self._clock.now())
