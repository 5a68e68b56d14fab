"""E-mail over SMTP (aiosmtplib): one document per message, the PDF attached, a plain-text
body in the document's language (ru/en/ro; not the manager's UI language)."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Final

import aiosmtplib

from services.delivery import OutgoingEmail
from services.documents import format_date
from services.errors import Conflict
from services.mail import OutgoingReply
from services.money import format_money

logger = logging.getLogger(__name__)

SUBJECTS: Final = {
    "ru": {"invoice": "Счёт на оплату № {number}", "quote": "Коммерческое предложение № {number}",
           "credit_note": "Корректировочный документ № {number}",
           "contract": "Договор № {number}"},
    "en": {"invoice": "Invoice {number}", "quote": "Quote {number}",
           "credit_note": "Credit note {number}", "contract": "Agreement No. {number}"},
    "ro": {"invoice": "Factura nr. {number}", "quote": "Oferta nr. {number}",
           "credit_note": "Factura de stornare nr. {number}",
           "contract": "Contractul nr. {number}"},
}
BODIES: Final = {
    "ru": {
        "greeting": "Здравствуйте!",
        "invoice": "Направляем счёт на оплату № {number} на сумму {total}.",
        "credit_note": "Направляем корректировочный документ № {number}: сумма счёта "
                       "уменьшена на {total}.",
        "quote": "Направляем коммерческое предложение № {number} на сумму {total}.",
        "contract": "Направляем договор № {number} на сумму {total} для подписания.",
        "due": "Оплатить не позднее {due}.",
        "attached": "Документ во вложении (PDF).",
        "efactura": "Также во вложении — электронный счёт e-Factura (XML).",
        "bye": "С уважением,\n{seller}",
    },
    "en": {
        "greeting": "Hello,",
        "invoice": "Please find attached invoice {number} for {total}.",
        "credit_note": "Please find attached credit note {number}: {total} credited to you.",
        "quote": "Please find attached our quote {number} for {total}.",
        "contract": "Please find attached agreement No. {number} for {total}, for signature.",
        "due": "Payment is due by {due}.",
        "attached": "The document is attached as a PDF.",
        "efactura": "The e-Factura (XML) is attached too.",
        "bye": "Kind regards,\n{seller}",
    },
    "ro": {
        "greeting": "Bună ziua,",
        "invoice": "Vă transmitem factura nr. {number} în valoare de {total}.",
        "credit_note": "Vă transmitem factura de stornare nr. {number}, în valoare de {total} "
                       "în favoarea dumneavoastră.",
        "quote": "Vă transmitem oferta nr. {number} în valoare de {total}.",
        "contract": "Vă transmitem spre semnare contractul nr. {number} în valoare de {total}.",
        "due": "Termen de plată: {due}.",
        "attached": "Documentul este atașat (PDF).",
        "efactura": "Este atașată și factura electronică (e-Factura, XML).",
        "bye": "Cu stimă,\n{seller}",
    },
}


def compose(email: OutgoingEmail, sender: str) -> EmailMessage:
    """The message: subject and body in the document's language, the PDF attached."""
    lang: Any = email.language if email.language in BODIES else "en"
    words = BODIES[lang]
    total = format_money(email.total, email.currency, lang)
    lines = [words["greeting"], "",
             words[email.kind if email.kind in words else "invoice"].format(
                 number=email.number, total=total)]
    if email.kind == "invoice" and email.due_date is not None:
        lines.append(words["due"].format(due=format_date(email.due_date, lang)))
    lines.append(words["attached"])
    if email.attachments:
        lines.append(words["efactura"])
    lines += ["", words["bye"].format(seller=email.seller_name).rstrip()]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = SUBJECTS[lang].get(email.kind, SUBJECTS[lang]["invoice"]).format(
        number=email.number)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content("\n".join(lines) + "\n", charset="utf-8")
    message.add_attachment(email.pdf, maintype="application", subtype="pdf",
                           filename=email.filename)
    for extra in email.attachments:  # the e-Factura of a Romanian B2B document
        maintype, _, subtype = extra.mime_type.partition("/")
        message.add_attachment(extra.content, maintype=maintype, subtype=subtype,
                               filename=extra.filename)
    return message


def compose_reply(reply: OutgoingReply, sender: str) -> EmailMessage:
    """A reply typed in the chat: In-Reply-To the customer's message and References the
    whole thread, so their mail client files it in the same conversation; its Message-ID
    was fixed when it was queued (a retry sends the same message)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = reply.to
    message["Subject"] = reply.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = reply.message_id
    if reply.in_reply_to:
        message["In-Reply-To"] = reply.in_reply_to
    if reply.references:
        message["References"] = " ".join(reply.references)
    message.set_content(reply.text + "\n", charset="utf-8")
    if reply.attachment is not None:
        maintype, _, subtype = reply.attachment.mime_type.partition("/")
        message.add_attachment(reply.attachment.content, maintype=maintype or "application",
                               subtype=subtype or "octet-stream",
                               filename=reply.attachment.filename)
    return message


class SmtpMailer:
    """``services.delivery.Mailer`` over SMTP; STARTTLS and login when configured."""

    def __init__(self, host: str, port: int = 25, *, sender: str, user: str | None = None,
                 password: str | None = None, starttls: bool = False,
                 timeout: float = 30.0) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self._user = user
        self._password = password
        self._starttls = starttls
        self._timeout = timeout

    async def send_document(self, email: OutgoingEmail) -> None:
        message = compose(email, self.sender)
        try:
            await aiosmtplib.send(
                message, hostname=self.host, port=self.port, username=self._user,
                password=self._password, start_tls=self._starttls, use_tls=False,
                timeout=self._timeout)
        except (aiosmtplib.SMTPException, OSError) as exc:
            logger.warning("e-mail to %s failed: %s", email.to, exc)
            raise Conflict("email_failed") from None
