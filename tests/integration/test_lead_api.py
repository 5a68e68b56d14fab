"""POST /api/leads on the bot's web server: a real database, the real App and its bot, which
pushes to the assigned manager through the Bot API sandbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import test_utils, web
from sqlalchemy import func, select

from bot.app import App, open_app
from bot.lead_api import IpRateLimit, add_lead_api
from bot.web import create_web_app
from sandbox.client import SandboxClient
from sandbox.server import BotApiSandbox
from services.users import Role, User
from storage import models as m
from tests.e2e.harness import ADMIN, TOKEN, make_settings

KEY = "site-key-0123456789"
M1, M2 = 2101, 2102


@dataclass
class Api:
    app: App
    http: test_utils.TestClient[web.Request, web.Application]
    sandbox: SandboxClient
    managers: tuple[User, User]

    async def post(
        self, body: Any, key: str | None = KEY, raw: bytes | None = None
    ) -> tuple[int, dict[str, Any]]:
        headers = {"X-Api-Key": key} if key is not None else {}
        if raw is not None:
            resp = await self.http.post("/api/leads", data=raw, headers=headers)
        else:
            resp = await self.http.post("/api/leads", json=body, headers=headers)
        return resp.status, await resp.json()

    async def leads(self) -> list[tuple[int, int, str | None]]:
        async with self.app.db.uow(readonly=True) as uow:
            rows = await uow.session.execute(
                select(m.Lead.id, m.Lead.owner_id, m.Lead.phone).order_by(m.Lead.id)
            )
            return [tuple(r) for r in rows.all()]  # type: ignore[misc]


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    sandbox = BotApiSandbox(per_chat_rate=50.0, per_chat_burst=50)
    await sandbox.start()
    client = SandboxClient(sandbox.base_url, TOKEN)
    settings = make_settings(database_url, sandbox.base_url, lead_api_key=KEY)
    try:
        async with open_app(settings) as app:
            admin = await app.services.access.identify(ADMIN)
            assert admin is not None
            managers = []
            for tid, name in ((M1, "Ivan"), (M2, "Petr")):
                await client.user(tid, first_name=name, language_code="en")
                await client.send_text(tid, "/start")  # Telegram: a chat the user started
                link = await app.services.access.create_invite(admin, Role.MANAGER)
                managers.append(await app.services.access.join(tid, link.token, name, None, "en"))
            server = test_utils.TestServer(create_web_app(app))
            async with test_utils.TestClient(server) as http:
                yield Api(app, http, client, (managers[0], managers[1]))
    finally:
        await client.close()
        await sandbox.stop()


async def test_wrong_or_missing_key_is_refused(api: Api) -> None:
    form = {"name": "Ivan", "phone": "+79123456789"}
    assert await api.post(form, key="wrong") == (401, {"error": "unauthorized"})
    assert await api.post(form, key=None) == (401, {"error": "unauthorized"})
    assert await api.leads() == []


async def test_malformed_json_and_bad_fields(api: Api) -> None:
    assert await api.post(None, raw=b'{"name": "Ivan",') == (400, {"error": "invalid_json"})
    assert await api.post(None, raw=b"[1, 2]") == (400, {"error": "invalid_json"})
    status, body = await api.post(
        {"name": " ", "phone": "call me", "email": "a@@b", "city": 42, "source": "pigeon"}
    )
    assert status == 400
    assert body == {
        "error": "invalid",
        "fields": {
            "name": "missing",
            "phone": "not_a_number",
            "email": "invalid_email",
            "city": "not_a_string",
            "source": "unknown_source",
        },
    }
    status, body = await api.post({"name": "Ivan", "phone": "0721 234 567"})
    assert (status, body["fields"]) == (400, {"phone": "phone_foreign"})
    assert await api.leads() == []


async def test_same_phone_twice_within_a_minute_is_one_lead(api: Api) -> None:
    status, first = await api.post({"name": "Ivan", "phone": "+7 912 345-67-89"})
    assert status == 201
    status, second = await api.post({"name": "Ivan P.", "phone": "8 (912) 345 67 89"})
    assert (status, second) == (200, {"id": first["id"], "duplicate": True})
    status, by_mail = await api.post({"name": "Olga", "email": "olga@shop.example"})
    status2, again = await api.post({"name": "Olga", "email": "OLGA@shop.example"})
    assert (status, status2, again["id"]) == (201, 200, by_mail["id"])
    leads = await api.leads()
    assert [lead[0] for lead in leads] == [first["id"], by_mail["id"]]
    assert leads[0][2] == "+79123456789"


async def test_round_robin_and_push_to_the_assigned_manager(api: Api) -> None:
    m1, m2 = api.managers
    ids = []
    for i, phone in enumerate(("+79123456781", "+79123456782", "+79123456783")):
        status, body = await api.post(
            {"name": f"Client {i}", "company": "Acme & Co", "phone": phone, "topic": "Paper"}
        )
        assert status == 201
        ids.append(body["id"])
    assert [owner for _, owner, _ in await api.leads()] == [m1.id, m2.id, m1.id]
    push = await api.sandbox.wait_for_text(M2, "New lead from the website", after=0)
    assert "Client 1" in push["text"] and "Acme &amp; Co" not in push["text"]
    assert "Acme & Co" in push["text"] and "+79123456782" in push["text"]
    assert push["buttons"][0][0]["text"] == "Open lead"
    assert push["buttons"][0][0]["callback_data"] == f"ld:o:{ids[1]}::0"
    first = await api.sandbox.wait_for_text(M1, "Client 2", after=0)
    assert first["buttons"][0][0]["callback_data"] == f"ld:o:{ids[2]}::0"
    assert len(await api.sandbox.messages(M1)) == 2
    assert len(await api.sandbox.messages(M2)) == 1


async def test_body_size_and_rate_limits(api: Api) -> None:
    status, body = await api.post({"name": "Ivan", "topic": "x" * 20_000})
    assert (status, body) == (413, {"error": "too_large"})
    web_app = web.Application()
    add_lead_api(web_app, api.app.services.leads, KEY, limiter=IpRateLimit(limit=2))
    async with test_utils.TestClient(test_utils.TestServer(web_app)) as http:
        codes = []
        for i in range(3):
            resp = await http.post(
                "/api/leads", json={"name": f"N{i}"}, headers={"X-Api-Key": KEY}
            )
            codes.append(resp.status)
        assert codes == [201, 201, 429]
        assert (await resp.json()) == {"error": "rate_limited"}
    async with api.app.db.uow(readonly=True) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(m.Lead)) == 2


async def test_concurrent_duplicates_make_one_lead(api: Api) -> None:
    form = {"name": "Racer", "phone": "+79123450000"}
    results = await asyncio.gather(*(api.post(form) for _ in range(4)))
    assert sorted(status for status, _ in results) == [200, 200, 200, 201]
    assert len({body["id"] for _, body in results}) == 1
    assert len(await api.leads()) == 1
