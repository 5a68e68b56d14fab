"""`DeliveryService`: the delivery use cases (one mixin per use-case module) over their shared
state and internals (`services.delivery.base`)."""

from __future__ import annotations

from services.delivery.contracts import ContractsMixin
from services.delivery.customer import CustomerMixin
from services.delivery.links import LinksMixin
from services.delivery.outbox import OutboxMixin
from services.delivery.printing import PrintingMixin
from services.delivery.templates import TemplatesMixin


class DeliveryService(LinksMixin, CustomerMixin, PrintingMixin, ContractsMixin, OutboxMixin,
                      TemplatesMixin):
    """Documents to the customer: rendered and stored (`rendering`), printed as other
    documents (`printing`), contracts drawn from deals (`contracts`), linked (`links`), into
    the customer's chat or by e-mail (`customer`), through the outbox (`outbox`), with the
    organization's templates and images (`templates`). The invariants are in
    `services.delivery`."""
