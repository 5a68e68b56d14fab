"""The kernel every feature may import and that imports no feature: the unit of work's base
Protocol, the generic factory that opens one, and the audit trail every use case writes.
(`services.money`, `services.clock`, `services.errors` and `services.text` are kernel too;
they keep their import paths.)"""

from services.kernel.audit import AuditedUnitOfWork, AuditRepository
from services.kernel.uow import UnitOfWork, UowFactory

__all__ = ["AuditRepository", "AuditedUnitOfWork", "UnitOfWork", "UowFactory"]
