"""Messages the bot sends on its own, as outbox rows (GUIDE habit 13).

Everything that is not the direct answer to the update being handled - payment pushes, the
team chat's copy, receipts and thanks to customers, documents into a customer's chat, lead
pushes, what a customer did with a document, reassignment notices - is written here as an
outbox message in the same unit of work as the change that causes it. The outbox sender
(`bot/outbox_sender.py`) renders it in the recipient's language (`payload["lang"]`) and sends
it under the limiter, with retries.

Keys are "<cause>:<recipient>:<kind>": the cause is the change (a payment's allocation, the
lead, the action's id), so repeating the cause (a re-delivered update, a second import of the
same statement, a double tap) never queues a message twice, while two genuine causes (two
equal receipts) are two messages.

Notices carry no `invoice_id` on the row: that column ties *reminders* to their invoice, and
the reminder planner cancels the invoice's pending rows it did not plan.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from services.outbox import MAX_KEY_LEN, NewOutboxMessage
from services.payment_events import (
    PaymentApplied,
    PaymentDigest,
    PaymentEvent,
    ReviewCandidate,
    ReviewNeeded,
)

# Kinds rendered from their payload alone (bot/outbox_sender.py -> handlers/notices.py).
PAYMENT_APPLIED: Final = "payment_applied"
PAYMENT_TEAM: Final = "payment_team"
PAYMENT_RECEIPT: Final = "payment_receipt"
PAYMENT_REVIEW: Final = "payment_review"
PAYMENT_DIGEST: Final = "payment_digest"
THANKS: Final = "customer_thanks"
CUSTOMER_ACTION: Final = "customer_action"
LEAD_PUSH: Final = "lead_push"
REASSIGNED: Final = "client_reassigned"
DEAL_REASSIGNED: Final = "deal_reassigned"
REMINDER_ANSWER: Final = "reminder_answer"
MEETING_ANSWER: Final = "meeting_answer"  # the client's answer to a meeting reminder
DOCUMENT_DELIVERED: Final = "document_delivered"
DOCUMENT_FAILED: Final = "document_failed"
TASK_ASSIGNED: Final = "task_assigned"
TASK_COMMENT: Final = "task_comment"
INVOICE_CANCELLED: Final = "invoice_cancelled"  # to the customer who had received it
BUSINESS_CHAT: Final = "business_chat"  # someone new wrote in the manager's business account
MAIL_PUSH: Final = "mail_push"  # an e-mail to the company mailbox, to its manager
MAILBOX_DOWN: Final = "mailbox_down"  # to admins: the mailbox fails again and again
MAIL_FAILED: Final = "mail_reply_failed"  # to the manager: the SMTP server refused a reply
# Kinds that carry a stored file into a customer's chat; their delivery is recorded (and an
# invoice becomes "sent") only once Telegram accepted it.
DOCUMENT: Final = "document"
DOCUMENT_QR: Final = "document_qr"
FILE: Final = "file"

NOTICE_KINDS: Final = frozenset({
    PAYMENT_APPLIED, PAYMENT_TEAM, PAYMENT_RECEIPT, PAYMENT_REVIEW, PAYMENT_DIGEST, THANKS,
    CUSTOMER_ACTION,
    LEAD_PUSH, REASSIGNED, REMINDER_ANSWER, MEETING_ANSWER, DOCUMENT_DELIVERED, DOCUMENT_FAILED,
    TASK_ASSIGNED, TASK_COMMENT, DEAL_REASSIGNED, INVOICE_CANCELLED, BUSINESS_CHAT,
    MAIL_PUSH, MAILBOX_DOWN, MAIL_FAILED,
})
FILE_KINDS: Final = frozenset({DOCUMENT, DOCUMENT_QR, FILE})


def notice(key: str, kind: str, chat_id: int, now: datetime, language: str | None,
           payload: Mapping[str, Any] | None = None,
           recipient_user_id: int | None = None) -> NewOutboxMessage:
    """One Telegram message to `chat_id`, due now. A key longer than the outbox allows keeps
    its head and a digest of the whole (still unique and stable)."""
    if len(key) > MAX_KEY_LEN:
        key = key[:MAX_KEY_LEN - 17] + ":" + hashlib.sha256(key.encode()).hexdigest()[:16]
    return NewOutboxMessage(
        key=key, channel="telegram", kind=kind, due_at=now, chat_id=chat_id,
        payload={**(payload or {}), "lang": language}, recipient_user_id=recipient_user_id)


# --- payment events <-> payloads ----------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def applied_payload(e: PaymentApplied) -> dict[str, Any]:
    return {name: _plain(getattr(e, name)) for name in PaymentApplied.__dataclass_fields__}


def applied_from(payload: Mapping[str, Any]) -> PaymentApplied:
    values: dict[str, Any] = {name: payload.get(name)
                              for name in PaymentApplied.__dataclass_fields__}
    values["amount"] = Decimal(str(values["amount"]))
    values["remaining"] = Decimal(str(values["remaining"]))
    values["deal_won"] = bool(values["deal_won"])
    return PaymentApplied(**values)


def review_payload(e: ReviewNeeded) -> dict[str, Any]:
    out = {name: _plain(getattr(e, name)) for name in ReviewNeeded.__dataclass_fields__
           if name != "candidates"}
    out["candidates"] = [
        {"invoice_id": c.invoice_id, "number_text": c.number_text,
         "company_name": c.company_name, "remaining": str(c.remaining)}
        for c in e.candidates]
    return out


def review_from(payload: Mapping[str, Any]) -> ReviewNeeded:
    values: dict[str, Any] = {name: payload.get(name)
                              for name in ReviewNeeded.__dataclass_fields__}
    values["amount"] = Decimal(str(values["amount"]))
    values["received_on"] = date.fromisoformat(str(values["received_on"]))
    values["candidates"] = tuple(
        ReviewCandidate(int(c["invoice_id"]), str(c["number_text"]), str(c["company_name"]),
                        Decimal(str(c["remaining"])))
        for c in payload.get("candidates") or ())
    return ReviewNeeded(**values)


def digest_payload(e: PaymentDigest) -> dict[str, Any]:
    out = {name: _plain(getattr(e, name)) for name in PaymentDigest.__dataclass_fields__
           if name != "totals"}
    out["totals"] = [[currency, str(amount)] for currency, amount in e.totals]
    return out


def digest_from(payload: Mapping[str, Any]) -> PaymentDigest:
    values: dict[str, Any] = {name: payload.get(name)
                              for name in PaymentDigest.__dataclass_fields__}
    values["totals"] = tuple((str(c), Decimal(str(a))) for c, a in payload.get("totals") or ())
    values["team"] = bool(values["team"])
    return PaymentDigest(**values)


def payment_messages(events: Iterable[PaymentEvent], now: datetime,
                     team_chat: int | None = None, *,
                     manager_pushes: bool = True) -> list[NewOutboxMessage]:
    """The pushes of payment events: the invoice's manager, the team chat's copy and the
    customer's receipt for money applied (only the receipt when not `manager_pushes`: a
    digest tells the managers); the review request for a doubtful payment; a statement's
    digest. The cause of an applied push is the allocation (payment, invoice and what
    remained after it), so the same money is pushed once however often its cause is
    repeated; a digest's is its statement."""
    out: list[NewOutboxMessage] = []
    for e in events:
        if isinstance(e, PaymentApplied):
            if not manager_pushes and e.customer_chat is None:
                continue  # nobody to tell one by one
            cause = f"pay{e.payment_id}:inv{e.invoice_id}:rem{e.remaining}"
            body = applied_payload(e)
            if manager_pushes:
                out.append(notice(f"{cause}:chat{e.manager_chat}:{PAYMENT_APPLIED}",
                                  PAYMENT_APPLIED, e.manager_chat, now, e.manager_language,
                                  body))
            if manager_pushes and team_chat is not None and team_chat != e.manager_chat:
                out.append(notice(f"{cause}:chat{team_chat}:{PAYMENT_TEAM}", PAYMENT_TEAM,
                                  team_chat, now, None, body))
            if e.customer_chat is not None:
                out.append(notice(f"{cause}:chat{e.customer_chat}:{PAYMENT_RECEIPT}",
                                  PAYMENT_RECEIPT, e.customer_chat, now, e.customer_language,
                                  body))
        elif isinstance(e, ReviewNeeded):
            out.append(notice(f"review{e.payment_id}:chat{e.recipient_chat}:{PAYMENT_REVIEW}",
                              PAYMENT_REVIEW, e.recipient_chat, now, e.recipient_language,
                              review_payload(e)))
        elif isinstance(e, PaymentDigest):
            out.append(notice(f"stmt{e.statement_id}:chat{e.recipient_chat}:{PAYMENT_DIGEST}",
                              PAYMENT_DIGEST, e.recipient_chat, now, e.recipient_language,
                              digest_payload(e)))
    return out


# --- documents into a customer's chat -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentSend:
    """A stored PDF going into a customer's chat on a manager's action (`action_key`)."""

    action_key: str
    chat_id: int
    language: str | None
    subject_kind: str  # "invoice" / "quote"
    subject_id: int
    number: str | None  # its number (for the manager's "not delivered")
    stored_document_id: int
    contact_name: str
    manager_id: int
    manager_chat: int
    manager_language: str | None
    qr_payload: str | None = None
    record: bool = True  # a delivery row and "sent" once Telegram accepted it
    # Sent as the manager into their Telegram Business chat with the customer (issue 20):
    # no customer buttons (they talk to the manager, not to the bot).
    business_connection_id: str | None = None


def document_messages(send: DocumentSend, now: datetime) -> list[NewOutboxMessage]:
    """The PDF (with the customer's buttons), then its payment QR photo when it has one; in
    this order in the customer's chat (the sender keeps one chat's messages in order)."""
    cause = f"doc{send.subject_kind[:3]}{send.subject_id}:{send.action_key}"
    body = {"subject_kind": send.subject_kind, "subject_id": send.subject_id,
            "number": send.number, "stored_document_id": send.stored_document_id,
            "contact_name": send.contact_name,
            "manager_id": send.manager_id, "manager_chat": send.manager_chat,
            "manager_lang": send.manager_language, "record": send.record}
    qr: dict[str, Any] = {"qr": send.qr_payload}
    if send.business_connection_id is not None:
        body["business_connection_id"] = qr["business_connection_id"] = \
            send.business_connection_id
    out = [notice(f"{cause}:chat{send.chat_id}:{DOCUMENT}", DOCUMENT, send.chat_id, now,
                  send.language, body)]
    if send.qr_payload:
        out.append(notice(f"{cause}:chat{send.chat_id}:{DOCUMENT_QR}", DOCUMENT_QR,
                          send.chat_id, now, send.language, qr))
    return out


def delivered_message(key: str, payload: Mapping[str, Any], now: datetime,
                      ) -> NewOutboxMessage | None:
    """The manager told that the document reached the customer's chat."""
    chat = payload.get("manager_chat")
    if chat is None:
        return None
    return notice(f"{key}:{DOCUMENT_DELIVERED}", DOCUMENT_DELIVERED, int(chat), now,
                  payload.get("manager_lang"),
                  {"subject_kind": payload.get("subject_kind"),
                   "subject_id": payload.get("subject_id"),
                   "contact_name": payload.get("contact_name")})


def failed_message(key: str, payload: Mapping[str, Any], reason: str, now: datetime,
                   ) -> NewOutboxMessage | None:
    """The manager told why Telegram refused the document (`reason`: "blocked",
    "no_chat", "error"); e-mail is offered when the customer blocked the bot."""
    chat = payload.get("manager_chat")
    if chat is None:
        return None
    return notice(f"{key}:{DOCUMENT_FAILED}", DOCUMENT_FAILED, int(chat), now,
                  payload.get("manager_lang"),
                  {"subject_kind": payload.get("subject_kind"),
                   "subject_id": payload.get("subject_id"), "number": payload.get("number"),
                   "contact_name": payload.get("contact_name"), "reason": reason})


def failure_reason(error: str | None, business: bool = False) -> str:
    """What the outbox recorded as the error, as a reason the manager can act on. Sent as
    the manager (Telegram Business), any refusal means the bot may not write there now."""
    text = (error or "").lower()
    if business:
        return "business"
    if text.startswith("403"):
        return "blocked"
    if "chat not found" in text or "user not found" in text:
        return "no_chat"
    return "error"


# --- Telegram Business ----------------------------------------------------------------------


def business_chat_message(chat_ref: int, manager_chat: int, language: str | None,
                          payload: Mapping[str, Any], now: datetime) -> NewOutboxMessage:
    """The manager told that someone new wrote in their business account (once per chat: the
    cause is the chat's row), with "Make a lead" and "Exclude this chat"."""
    return notice(f"bizchat{chat_ref}:chat{manager_chat}:{BUSINESS_CHAT}", BUSINESS_CHAT,
                  manager_chat, now, language, {**payload, "chat": chat_ref})
