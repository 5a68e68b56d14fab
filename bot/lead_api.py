"""The website lead form: `POST /api/leads` on the bot's web server.

Request: JSON {name, company?, phone?, email?, city?, topic?, source?} with the header
`X-Api-Key` equal to LEAD_API_KEY. Answers (all JSON):
201 {"id"} created; 200 {"id", "duplicate": true} the same phone or e-mail within a minute;
400 {"error": "invalid_json"} or {"error": "invalid", "fields": {field: code}};
401 {"error": "unauthorized"}; 413 {"error": "too_large"} over 16 KB;
429 {"error": "rate_limited"} over 30 requests a minute from one address;
503 {"error": "no_staff"} when nobody can take the lead.

The assigned manager's push is written to the outbox in the lead's own transaction and sent
by the outbox sender: the form never waits for Telegram, and a crash loses no push.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from services.errors import Conflict
from services.leads import InvalidFields, LeadService

if TYPE_CHECKING:
    from bot.container import App

logger = logging.getLogger(__name__)

PATH = "/api/leads"
MAX_BODY = 16 * 1024
RATE_LIMIT = 30
RATE_PERIOD = 60.0

class IpRateLimit:
    """At most `limit` requests per `period` seconds from one address (sliding window).
    The address is the TCP peer: behind a reverse proxy, that proxy must limit instead."""

    def __init__(
        self,
        limit: int = RATE_LIMIT,
        period: float = RATE_PERIOD,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.period = period
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        now = self._clock()
        if len(self._hits) > 10_000:  # forget idle addresses so the map cannot grow forever
            self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - self.period}
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.period:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True


def _error(status: int, error: str, **extra: Any) -> web.Response:
    return web.json_response({"error": error, **extra}, status=status)


def add_lead_api(
    web_app: web.Application,
    leads: LeadService,
    api_key: str | None,
    *,
    limiter: IpRateLimit | None = None,
    max_body: int = MAX_BODY,
) -> None:
    limiter = limiter or IpRateLimit()
    async def post_lead(request: web.Request) -> web.Response:
        if not limiter.allow(request.remote or "unknown"):
            return web.json_response(
                {"error": "rate_limited"},
                status=429,
                headers={"Retry-After": str(int(limiter.period))},
            )
        given = request.headers.get("X-Api-Key", "")
        if not api_key or not hmac.compare_digest(given.encode(), api_key.encode()):
            return _error(401, "unauthorized")
        if request.content_length is not None and request.content_length > max_body:
            return _error(413, "too_large")
        body = await request.content.read(max_body + 1)  # chunked bodies have no length
        if len(body) > max_body:
            return _error(413, "too_large")
        try:
            form = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _error(400, "invalid_json")
        if not isinstance(form, dict):
            return _error(400, "invalid_json")
        try:
            result = await leads.create_from_web(form)
        except InvalidFields as err:
            return _error(400, "invalid", fields=err.params["fields"])
        except Conflict as err:
            logger.error("website lead refused: %s", err)
            return _error(503, err.code)
        if result.duplicate:
            return web.json_response({"id": result.lead.id, "duplicate": True}, status=200)
        # The manager's push was queued in the outbox with the lead.
        return web.json_response({"id": result.lead.id}, status=201)

    web_app.router.add_post(PATH, post_lead)


def mount_lead_api(web_app: web.Application, app: App) -> None:
    key = app.settings.lead_api_key.get_secret_value() if app.settings.lead_api_key else None
    if key is None:
        logger.warning("LEAD_API_KEY is not set: %s refuses every request", PATH)
    add_lead_api(web_app, app.services.leads, key)
