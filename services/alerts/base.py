"""What every part of `AlertService` shares: the unit of work, the clock, the configuration,
the drain's last run, and the reader's time zone."""

from __future__ import annotations

from datetime import datetime

from services.alerts.model import AlertConfig, zone_name
from services.alerts.ports import AlertUowFactory
from services.clock import Clock


class AlertServiceBase:
    """The state and helpers the use-case mixins of `AlertService` build on."""

    def __init__(
        self, uow: AlertUowFactory, clock: Clock, config: AlertConfig | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.config = config or AlertConfig()
        self.last_drain_at: datetime | None = None
        self._stall_reported = False

    def _tz(self, *candidates: str | None) -> str:
        return zone_name(self.config, *candidates)

    def reader_zone(self, timezone: str | None) -> str:
        """The zone a user with this saved `timezone` reads times in (else the default)."""
        return self._tz(timezone)
