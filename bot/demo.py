"""`dealchat demo`: the whole product offline. Starts the Bot API sandbox, runs the bot
against it exactly as `dealchat run` does (long polling over HTTP, a fresh SQLite file), plays
a scripted conversation and writes a Markdown transcript (every message and button) plus the
documents the bot sent into the output folder.

Scenes are plain async functions taking a `Demo`; later features append theirs to SCENES.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from bot.app import run_polling
from bot.settings import Settings
from sandbox.client import SandboxClient
from sandbox.server import BotApiSandbox
from services.clock import FrozenClock
from services.statements.generate import generate_1c
from storage.outbox import SqlOutboxRepository

logger = logging.getLogger(__name__)

DEMO_TOKEN = "100200300:DemoTokenForTheOfflineSandbox_0123456"
TAGS = re.compile(r"</?(b|i|u|s|code|pre|a)( [^>]*)?>")
# Telegram's /start payload alphabet: tokens are URL-safe base64, so "-" and "_" are common and
# a `\w+` pattern would cut the token at its first "-" (the customer then opens a dead link).
START_PAYLOAD = re.compile(r"[?&]start=([A-Za-z0-9_-]+)")
# Ceilings, not expected times: every wait ends at the event it waits for (an unloaded run
# takes seconds); these only turn a bot that hangs into an error instead of a demo that hangs.
SETTLE_CEILING = 120.0
START_CEILING = 120.0
STOP_CEILING = 60.0
CLOCK_JOBS = ("replan", "alerts", "watchdog")  # bot.scheduler's interval jobs


def start_payload(text: str | None, prefix: str) -> str:
    """The whole /start payload of the first t.me deep link in `text` that starts with
    `prefix` ("join_", "quo_", "inv_"); AssertionError when the message has none."""
    for match in START_PAYLOAD.finditer(text or ""):
        if match.group(1).startswith(prefix):
            return match.group(1)
    raise AssertionError(f"no {prefix}... deep link in {text!r}")


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    role: str
    language: str = "en"


ADMIN = Person(7001, "Anna Smirnova", "admin")
MANAGER = Person(7002, "Ivan Petrov", "manager")
MANAGER_RU = Person(7003, "Ольга Кузнецова", "manager", "ru")


@dataclass
class Demo:
    client: SandboxClient
    out: Path
    app: Any = None  # the running bot.app.App (its clock and scheduler jobs)
    lines: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    vars: dict[str, Any] = field(default_factory=dict)
    recorded: dict[int, int] = field(default_factory=dict)  # chat -> last recorded message id
    _jobs: Any = None  # bot.scheduler.SchedulerJobs, built on first use

    def scene(self, title: str) -> None:
        self.lines += ["", f"## {title}", ""]

    def note(self, text: str) -> None:
        self.lines += [f"*{text}*", ""]

    async def meet(self, person: Person) -> None:
        await self.client.user(person.id, first_name=person.name.split()[0],
                               last_name=" ".join(person.name.split()[1:]) or None,
                               language_code=person.language)

    def _said(self, person: Person, what: str) -> None:
        self.lines += [f"**{person.name}** ({person.role}): `{what}`", ""]

    async def _record_bot(self, person: Person, msg: dict[str, Any], edited: bool = False
                          ) -> None:
        text = msg.get("text") or msg.get("caption") or ""
        text = html.unescape(TAGS.sub("", text))
        label = "Dealchat (edits its message)" if edited else "Dealchat"
        body = "\n".join(f"> {line}" if line else ">" for line in text.splitlines()) or "> "
        self.lines += [f"**{label}** → {person.name.split()[0]}:", "", body, ""]
        rows = msg.get("buttons") or []
        if rows:
            self.lines += ["Buttons: " + " ".join(f"[{b['text']}]" for row in rows
                                                   for b in row), ""]
        doc = msg.get("document")
        if doc:
            data = await self.client.file_bytes(person.id, msg["message_id"])
            path = self.out / doc["file_name"]
            path.write_bytes(data)
            self.files.append(path)
            self.lines += [f"Document: [{doc['file_name']}]({doc['file_name']}) "
                           f"({len(data):,} bytes)", ""]
        if msg.get("photo"):
            data = await self.client.file_bytes(person.id, msg["message_id"])
            path = self.out / f"photo-{person.id}-{msg['message_id']}.png"
            path.write_bytes(data)
            self.files.append(path)
            self.lines += [f"Photo: ![{path.name}]({path.name})", ""]

    async def settle(self, ceiling: float = SETTLE_CEILING) -> None:
        """Returns once the bot has said everything it is going to say for now: the sandbox
        holds no update the bot has not taken, no update is still being handled, and the
        outbox has nothing due or on the wire (what is due is sent here, as the scheduler's
        drain would). Follows those events instead of guessing a quiet period, so a loaded
        machine only makes the demo slower; TimeoutError after `ceiling` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ceiling
        idle_checks = 0
        while idle_checks < 2:  # twice in a row: nothing slipped in between the checks
            idle_checks = idle_checks + 1 if await self._idle() else 0
            if loop.time() > deadline:
                raise TimeoutError(f"the bot was still busy after {ceiling:.0f} s")
            if idle_checks < 2:
                await asyncio.sleep(0.02)

    async def _idle(self) -> bool:
        if await self.client.updates():
            return False
        # aiogram handles each update as a task and confirms the update (the next getUpdates
        # offset) only after creating it, so "no update left" + "no task" means all handled.
        if any(not t.done() for t in getattr(self.app.dp, "_handle_update_tasks", ())):
            return False
        if self._jobs is None:
            from bot.scheduler import build_jobs

            self._jobs = build_jobs(self.app)
        if await self._jobs.drain():
            return False
        stats = await SqlOutboxRepository(self.app.db).stats(self.app.clock.now())
        return stats.due == 0 and stats.claimed == 0

    async def _record_new(self, person: Person) -> list[dict[str, Any]]:
        """Records the bot's messages in the person's chat not recorded yet, oldest first."""
        last = self.recorded.get(person.id, 0)
        new = [m for m in await self.client.messages(person.id)
               if m["message_id"] > last and not m.get("deleted")]
        for msg in new:
            self.recorded[person.id] = int(msg["message_id"])
            await self._record_bot(person, msg)
        return new

    async def _view(self, person: Person, message_id: int) -> dict[str, Any]:
        for msg in await self.client.messages(person.id):
            if msg["message_id"] == message_id:
                return msg
        raise RuntimeError(f"message {message_id} is not in {person.name}'s chat")

    async def say(self, person: Person, text: str) -> dict[str, Any]:
        """The person writes `text`; records everything the bot answers and returns its last
        message."""
        self._said(person, text)
        await self.client.send_text(person.id, text)
        return await self._answered(person, f"{person.name}'s {text!r}")

    async def upload(self, person: Person, filename: str, data: bytes, mime_type: str,
                     caption: str | None = None) -> dict[str, Any]:
        await self.client.send_document(person.id, filename, data, mime_type=mime_type,
                                        caption=caption)
        return await self._answered(person, f"{person.name}'s file {filename}")

    async def _answered(self, person: Person, what: str) -> dict[str, Any]:
        await self.settle()
        new = await self._record_new(person)
        if not new:
            raise RuntimeError(f"the bot did not answer {what}")
        return new[-1]

    async def with_button(self, person: Person, last: dict[str, Any], button: str
                          ) -> dict[str, Any]:
        """`last`, or the newest message in the chat with a button starting with `button`
        (the document with its buttons may come before the bot's last words)."""
        def has(msg: dict[str, Any]) -> bool:
            return any(b["text"].startswith(button) for row in msg.get("buttons") or []
                       for b in row)

        if has(last):
            return last
        await self.settle()
        for msg in reversed(await self.client.messages(person.id)):
            if has(msg) and not msg.get("deleted"):
                return msg
        raise RuntimeError(f"no message with a button {button!r} in {person.name}'s chat")

    async def press(self, person: Person, message: dict[str, Any], button: str,
                    edits: bool = False) -> dict[str, Any]:
        """Taps the button whose label starts with `button`; records what the bot does next,
        whether it edits that message or sends new ones (`edits`: the script expects an
        edit, said for the reader; both are recorded either way)."""
        labels = [b["text"] for row in message.get("buttons") or [] for b in row]
        label = next((t for t in labels if t.startswith(button)), None)
        if label is None:
            raise RuntimeError(f"no button {button!r} in {labels!r}")
        self.lines += [f"**{person.name}** taps [{label}]", ""]
        before = await self._view(person, int(message["message_id"]))
        await self.client.press(person.id, message["message_id"], text=label)
        await self.settle()
        after = await self._view(person, int(message["message_id"]))
        edited = after if after["edits"] > before["edits"] and not after["deleted"] else None
        if edited is not None:
            await self._record_bot(person, edited, edited=True)
        new = await self._record_new(person)
        if new:
            return new[-1]
        if edited is None:
            raise RuntimeError(f"the bot did nothing when {person.name} tapped [{label}]")
        return edited


Scene = Callable[[Demo], Awaitable[None]]


async def scene_team(demo: Demo) -> None:
    demo.scene("1. A stranger finds the bot")
    stranger = Person(7999, "Random Visitor", "stranger")
    await demo.meet(stranger)
    await demo.say(stranger, "/start")

    demo.scene("2. The admin starts the bot and invites a manager")
    await demo.meet(ADMIN)
    await demo.say(ADMIN, "/start")
    menu = await demo.say(ADMIN, "/invite")
    invite = await demo.press(ADMIN, menu, "Manager", edits=True)
    payload = start_payload(invite["text"], "join_")
    demo.note("The admin forwards the link to Ivan; Ivan opens it.")

    demo.scene("3. The manager joins through the deep link")
    await demo.meet(MANAGER)
    await demo.say(MANAGER, f"/start {payload}")
    demo.note("Used again, the same link is refused:")
    await demo.meet(MANAGER_RU)
    await demo.say(MANAGER_RU, f"/start {payload}")
    menu = await demo.say(ADMIN, "/invite")
    invite = await demo.press(ADMIN, menu, "Manager", edits=True)
    second = start_payload(invite["text"], "join_")
    await demo.say(MANAGER_RU, f"/start {second}")

    demo.scene("4. The manager adds a client")
    await demo.say(MANAGER, "/newclient")
    await demo.say(MANAGER, "ООО «Ромашка»")
    await demo.say(MANAGER, "8 (912) 345-67-89")
    summary = await demo.say(MANAGER, "zakupki@romashka.example")
    await demo.press(MANAGER, summary, "Save", edits=True)
    await demo.say(MANAGER, "/clients")


async def scene_lead_to_deal(demo: Demo) -> None:
    demo.scene("5. A lead comes in, is qualified and converted")
    await demo.say(MANAGER, "/lead")
    await demo.say(MANAGER, "Мария Соколова")
    await demo.say(MANAGER, "ООО «Вектор»")
    await demo.say(MANAGER, "+7 903 555-12-34")
    await demo.say(MANAGER, "m.sokolova@vector.example")
    await demo.say(MANAGER, "Казань")
    ask = await demo.say(MANAGER, "Офисная мебель на 40 мест")
    summary = await demo.press(MANAGER, ask, "Exhibition")
    card = await demo.press(MANAGER, summary, "Save")
    card = await demo.press(MANAGER, card, "Qualified")
    done = await demo.press(MANAGER, card, "Convert")
    deal = await demo.press(MANAGER, done, "Open deal")

    demo.scene("6. The deal moves through the stages; the bot asks for what each requires")
    ask = await demo.press(MANAGER, deal, "Next stage")
    ask = await demo.say(MANAGER, "1 250 000")
    ask = await demo.press(MANAGER, ask, "Next stage")
    moved = await demo.say(MANAGER, "20.12.2026")
    demo.vars["deal_card"] = moved
    await demo.say(MANAGER, "/deals")


CATALOG_CSV = """sku;name;unit;kind;vat;price;currency
CH-01;Кресло офисное «Эргон»;шт;good;22;18 500,00;RUB
DS-02;Стол письменный 140×70;шт;good;22;24 900,00;RUB
AS-01;Сборка и монтаж мебели;час;service;22;1 800,00;RUB
XX-99;Broken row;шт;good;22;дорого;RUB
""".encode()


async def scene_organization_and_catalog(demo: Demo) -> None:
    demo.scene("7. The admin sets up our organization and imports the catalog")
    orgs = await demo.say(ADMIN, "/org")
    ask = await demo.press(ADMIN, orgs, "Add organization")
    ask = await demo.say(ADMIN, "ООО «Демо»")
    ask = await demo.press(ADMIN, ask, "RU")
    for answer in ("7707083893", "773601001", "117997, г. Москва, ул. Вавилова, д. 19"):
        ask = await demo.say(ADMIN, answer)
    ask = await demo.press(ADMIN, ask, "RUB")
    for answer in ("INV", "044525225", "ПАО Сбербанк", "40702810938000000001",
                   "30101810400000000225"):
        ask = await demo.say(ADMIN, answer)
    await demo.press(ADMIN, ask, "Save")
    # Who signs the acts and UPDs (issue 16): the director and the position.
    for label, value in (("Director", "Иванов Иван Иванович"),
                         ("Director's position", "Генеральный директор")):
        orgs = await demo.say(ADMIN, "/org")
        fields = await demo.press(ADMIN, orgs, "Edit")
        await demo.press(ADMIN, fields, label)
        await demo.say(ADMIN, value)
    demo.lines += ["**Anna Smirnova** sends the file `catalog.csv` with the caption "
                   "`/import_products`", ""]
    await demo.upload(ADMIN, "catalog.csv", CATALOG_CSV, "text/csv", "/import_products")


async def scene_quote(demo: Demo) -> None:
    demo.scene("8. The manager sends a quote from the deal; the customer accepts it in her chat")
    deals = await demo.say(MANAGER, "/deals")
    card = await demo.press(MANAGER, deals, "Офисная мебель")
    draft = await demo.press(MANAGER, card, "Quote")
    await demo.press(MANAGER, draft, "Add product")
    found = await demo.say(MANAGER, "кресло")
    await demo.press(MANAGER, found, "Кресло")
    draft = await demo.say(MANAGER, "40")
    await demo.press(MANAGER, draft, "Add product")
    found = await demo.say(MANAGER, "сборка")
    await demo.press(MANAGER, found, "Сборка")
    draft = await demo.say(MANAGER, "12")
    await demo.press(MANAGER, draft, "Discount")
    draft = await demo.say(MANAGER, "5%")
    menu = await demo.press(MANAGER, draft, "Send")
    link = await demo.press(MANAGER, menu, "Telegram link")
    payload = start_payload(link.get("text"), "quo_")
    demo.note("Ivan forwards the link to Мария; she opens it (her Telegram is in Russian).")
    await demo.meet(CUSTOMER)
    doc = await demo.say(CUSTOMER, f"/start {payload}")
    await demo.press(CUSTOMER, await demo.with_button(CUSTOMER, doc, "Принять"), "Принять")
    await record_pushes(demo, MANAGER)

    demo.scene("9. The accepted quote becomes an invoice in one tap; the invoice is issued")
    quotes = await demo.say(MANAGER, "/quotes")
    card = await demo.press(MANAGER, quotes, "Q-")
    invoice = await demo.press(MANAGER, card, "Make invoice")
    issued = await demo.press(MANAGER, invoice, "Issue")
    demo.vars["invoice_card"] = issued
    await demo.say(MANAGER, "/invoices")


CUSTOMER = Person(7100, "Мария Соколова", "customer", "ru")


async def scene_customer_receives(demo: Demo) -> None:
    demo.scene("10. The invoice reaches the customer in her own Telegram chat")
    menu = await demo.press(MANAGER, demo.vars["invoice_card"], "Send")
    link = await demo.press(MANAGER, menu, "Telegram link")
    payload = start_payload(link.get("text"), "inv_")
    demo.note("Ivan forwards the new link; Мария opens it.")
    await demo.say(CUSTOMER, f"/start {payload}")
    await record_pushes(demo, MANAGER)
    demo.note("A customer never reaches the team's commands:")
    await demo.say(CUSTOMER, "/clients")


async def run_scheduler(demo: Demo) -> None:
    """One pass of what APScheduler runs on its intervals, at the demo clock's time."""
    from bot.scheduler import build_jobs

    jobs = build_jobs(demo.app)
    await jobs.replan()
    await jobs.enqueue_alerts()
    while await jobs.drain():
        pass


async def travel_to(demo: Demo, local: str, tz: str = "Europe/Moscow") -> None:
    moment = datetime.strptime(local, "%d.%m.%Y %H:%M").replace(tzinfo=ZoneInfo(tz))
    demo.app.clock.set(moment)
    demo.note(f"The demo clock moves to {local} Moscow time; the scheduler's jobs run.")
    await run_scheduler(demo)
    await record_pushes(demo, CUSTOMER, MANAGER, ADMIN)


async def record_pushes(demo: Demo, *people: Person) -> None:
    """Records what the bot sent these people on its own (pushes, reminders), once it has
    sent everything due."""
    await demo.settle()
    for person in people:
        await demo._record_new(person)


async def scene_reminders(demo: Demo) -> None:
    demo.scene("11. Three days before the due date the customer is reminded")
    await travel_to(demo, "24.11.2026 10:05")
    demo.scene("12. On the due date the morning digest reaches the manager at 09:00 his time: "
               "the invoice due, a task, a meeting, each with its button")
    kinds = await demo.say(MANAGER, "/task")
    await demo.press(MANAGER, kinds, "Task", edits=True)
    await demo.say(MANAGER, "Позвонить в «Вектор»: подтвердить оплату")
    await demo.say(MANAGER, "27.11 11:00")
    kinds = await demo.say(MANAGER, "/task")
    await demo.press(MANAGER, kinds, "Meeting", edits=True)
    await demo.say(MANAGER, "Монтаж мебели у «Вектора»")
    await demo.say(MANAGER, "27.11 15:00")
    remind = await demo.say(MANAGER, "17:00")
    await demo.press(MANAGER, remind, "No")
    demo.note("The admin's digest covers the team; Ольга has nothing that day and gets none.")
    await travel_to(demo, "27.11.2026 09:01")
    digest = next(m for m in reversed(await demo.client.messages(MANAGER.id))
                  if (m.get("text") or "").startswith("Good morning!"))
    for button in ("1. INV-", "3. Монтаж"):  # the invoice's card, the meeting's card
        await demo.press(MANAGER, digest, button)


async def scene_payment(demo: Demo) -> None:
    demo.scene("13. The bank statement arrives; the payment is matched and pushed at once")
    statement = generate_1c("40702810938000000001", "044525225", [{
        "direction": "in", "date": date(2026, 11, 27), "amount": "882694.40",
        "number": "318", "counterparty_name": "ООО «Вектор»",
        "counterparty_inn": "7701234567", "counterparty_account": "40702810400000012345",
        "own_inn": "7707083893", "own_name": "ООО «Демо»",
        "purpose": "Оплата по счету № INV-2026-00001 от 22.11.2026, в т.ч. НДС 22%",
    }])
    (demo.out / "kl_to_1c.txt").write_bytes(statement)
    demo.lines += ["**Anna Smirnova** sends the bank's file `kl_to_1c.txt` "
                   "(1CClientBankExchange, Windows-1251)", ""]
    await demo.upload(ADMIN, "kl_to_1c.txt", statement, "text/plain")
    await record_pushes(demo, MANAGER, CUSTOMER)
    await demo.say(MANAGER, "/deals")
    demo.note("At 10:00 no reminder goes out on the due date: the invoice is paid.")
    await travel_to(demo, "27.11.2026 10:05")


async def scene_shipment(demo: Demo) -> None:
    demo.scene("14. The manager ships from the payment push; the deal is won; the act is issued")
    await demo.settle()
    pushes = [m for m in await demo.client.messages(MANAGER.id)
              if any(b["text"] == "Ship" for row in m.get("buttons") or [] for b in row)]
    assert pushes, "no payment push with [Ship] in the manager's chat"
    shipped = await demo.press(MANAGER, pushes[-1], "Ship")
    await demo.press(MANAGER, shipped, "Act")


SCENES: list[Scene] = [scene_team, scene_lead_to_deal, scene_organization_and_catalog,
                       scene_quote, scene_customer_receives, scene_reminders, scene_payment,
                       scene_shipment]


def demo_settings(database_url: str, api_url: str) -> Settings:
    return Settings(_env_file=None, bot_token=SecretStr(DEMO_TOKEN),  # type: ignore[call-arg]
                    database_url=database_url, telegram_api_url=api_url,
                    admin_ids=[ADMIN.id], default_language="en", redis_url=None,
                    telegram_chat_rate=20.0, telegram_chat_burst=20, web_port=0)


async def run_demo(out: Path) -> Path:
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        if old.is_file():
            old.unlink()
    db_path = out / "demo.db"
    sandbox = BotApiSandbox(per_chat_rate=20.0, per_chat_burst=20)
    await sandbox.start()
    client = SandboxClient(sandbox.base_url, DEMO_TOKEN)
    stop = asyncio.Event()
    settings = demo_settings(f"sqlite+aiosqlite:///{db_path}", sandbox.base_url)
    ready: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    clock = FrozenClock(datetime.now(UTC).replace(year=2026, month=11, day=22, hour=8,
                                                  minute=0))
    bot_task = asyncio.create_task(run_polling(settings, stop=stop, clock=clock, ready=ready))
    demo = Demo(client, out)
    try:
        done, _ = await asyncio.wait({bot_task, ready}, timeout=START_CEILING,
                                     return_when=asyncio.FIRST_COMPLETED)
        if bot_task in done:
            bot_task.result()
        if not ready.done():
            raise TimeoutError(f"the bot did not start polling within {START_CEILING:.0f} s")
        demo.app = ready.result()
        # The demo's clock stands still between its moves, and each move (`travel_to`) runs the
        # clock-driven jobs itself. Left on their wall-clock intervals they would also fire in
        # the middle of a conversation on a run longer than a minute (a slow machine): a
        # digest for the frozen day lands between a question and its answer.
        for job in CLOCK_JOBS:
            if demo.app.scheduler.get_job(job) is not None:
                demo.app.scheduler.pause_job(job)
        for scene in SCENES:
            await scene(demo)
    finally:
        stop.set()
        await asyncio.wait_for(bot_task, STOP_CEILING)
        await client.close()
        await sandbox.stop()
    elapsed = time.perf_counter() - started
    header = ["# Dealchat demo transcript", "",
              "Recorded offline: the bot ran exactly as `dealchat run` does, long-polling a "
              "local Telegram Bot API sandbox over HTTP, on a fresh SQLite database.", "",
              f"Played in {elapsed:.1f} s."]
    if demo.files:
        header += ["", "Documents: " + ", ".join(f"[{p.name}]({p.name})" for p in demo.files)]
    transcript = out / "transcript.md"
    transcript.write_text("\n".join(header + demo.lines) + "\n", encoding="utf-8")
    return transcript
