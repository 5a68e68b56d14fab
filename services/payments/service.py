"""`PaymentService`: the payment use cases (one mixin per use-case module) over their shared
state and internals (`services.payments.base`)."""

from __future__ import annotations

from services.payments.manual import ManualMixin
from services.payments.refunds import RefundMixin
from services.payments.review import ReviewMixin
from services.payments.statement_import import StatementImportMixin


class PaymentService(ManualMixin, StatementImportMixin, ReviewMixin, RefundMixin):
    """Money in: by hand (`manual`), from bank statements (`statement_import`) and by a
    person's decision (`review`). The invariants are in `services.payments`."""
