"""Documents to the customer: PDFs rendered once and stored, deep links into the bot, public
links, e-mail, and the organization's templates and images.

Invariants:

* Every PDF a customer receives is stored as the exact bytes sent (``documents`` with its
  sha256) and each sending is recorded (``document_deliveries``): a later change to the
  invoice can never silently alter what the customer got.
* A stored PDF is keyed by the hash of what it was rendered from (the ``DocumentView``, the
  template source and the images): re-sending an unchanged document re-uses the stored bytes
  and renders nothing; a changed one (a payment lowered the amount due) is rendered again.
* Tokens (deep links, public links) are unguessable (``secrets``), expire after
  ``link_days`` and can be revoked; an unknown, expired or revoked token is NotFound, the
  same answer for all three.
* Every manager's read and write is scoped by the actor (another manager's document is
  NotFound); customers are scoped by the contacts bound to their Telegram id
  (``services.customers``).
* Uploaded templates are test-rendered before they are stored; a failing one is refused with
  the renderer's error and the previous template stays in use. Uploaded images must decode
  as images and are re-encoded (PNG, at most ``IMAGE_MAX_SIDE`` px) before they are stored.

The package, one module per use case (submodules import `model`, never this `__init__`):
`model` (values, constants and limits, ``check_kind``), `ports` (``ImageTools``, ``Mailer``),
`base` (the service's state and shared internals), `rendering` (a document's PDF, rendered once
and stored), `printing` (an invoice as its act, delivery note or receipt; the client
statement), `contracts` (a contract drawn from a deal, numbered and stored once),
`structured` and `einvoices` (the e-Factura of an invoice or credit note, stored; the
Factur-X CII an EU buyer's PDF embeds), `links` (deep and public links), `customer` (the
customer's chat and e-mail, the e-Factura beside the PDF),
`outbox` (files through the outbox, delivered or failed), `templates` (the organization's
templates and images), `service` (``DeliveryService`` composing them).
"""

from services.delivery.contracts import ContractPlan, IssuedContract
from services.delivery.links import parse_start_payload
from services.delivery.model import (
    CUSTOMER_VISIBLE,
    IMAGE_KINDS,
    IMAGE_MAX_BYTES,
    IMAGE_MAX_SIDE,
    PAYLOAD_PREFIX,
    SENDABLE,
    SUBJECT_KINDS,
    TEMPLATE_MAX_BYTES,
    TEMPLATE_NAMES,
    TOKEN_BYTES,
    TOKEN_RE,
    AccessLink,
    BoundContact,
    CustomerCopy,
    Delivery,
    DeliverySettings,
    DocHeader,
    OutgoingEmail,
    PdfFile,
    Printing,
    SendOptions,
    StatementPdf,
    StoredFile,
    SubjectKind,
    XmlFile,
    check_kind,
)
from services.delivery.ports import ImageTools, Mailer
from services.delivery.rendering import (
    FILE_WORDS,
    layout_for,
    pdf_filename,
    template_key,
    view_hash,
)
from services.delivery.rendering import _digest as _digest
from services.delivery.service import DeliveryService
from services.delivery.templates import (
    check_image_upload,
    check_template_upload,
    clean_template_name,
)

__all__ = [
    "CUSTOMER_VISIBLE",
    "FILE_WORDS",
    "IMAGE_KINDS",
    "IMAGE_MAX_BYTES",
    "IMAGE_MAX_SIDE",
    "PAYLOAD_PREFIX",
    "SENDABLE",
    "SUBJECT_KINDS",
    "TEMPLATE_MAX_BYTES",
    "TEMPLATE_NAMES",
    "TOKEN_BYTES",
    "TOKEN_RE",
    "AccessLink",
    "BoundContact",
    "ContractPlan",
    "CustomerCopy",
    "Delivery",
    "DeliveryService",
    "DeliverySettings",
    "DocHeader",
    "ImageTools",
    "IssuedContract",
    "Mailer",
    "OutgoingEmail",
    "PdfFile",
    "Printing",
    "SendOptions",
    "StatementPdf",
    "StoredFile",
    "SubjectKind",
    "XmlFile",
    "check_image_upload",
    "check_kind",
    "check_template_upload",
    "clean_template_name",
    "layout_for",
    "parse_start_payload",
    "pdf_filename",
    "template_key",
    "view_hash",
]
