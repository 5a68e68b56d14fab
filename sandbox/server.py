"""The Bot API sandbox: an aiohttp server speaking the Telegram Bot API over real HTTP.

Bot API:      POST/GET {base}/bot{token}/{method}, files at {base}/file/bot{token}/{file_path}
Control API:  {base}/_sandbox/... (JSON), used by ``sandbox.client.SandboxClient``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import re
import time
from collections.abc import Callable
from http import HTTPStatus
from types import EllipsisType, TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web

from sandbox.methods import METHODS, RATE_LIMITED, Params, Upload, scope_key
from sandbox.state import FILE_KINDS, ApiError, BotState, Fault, FaultPlan, Limits, RateLimiter

logger = logging.getLogger(__name__)

TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,128}$")
UNAUTHORIZED = ApiError(401, "Unauthorized")
MAX_BODY = 60 * 1024 * 1024  # Telegram accepts 50 MB uploads


class _Bot:
    """A bot's state plus what the event loop needs to serve it."""

    def __init__(self, sandbox: BotApiSandbox, state: BotState) -> None:
        self.sandbox = sandbox
        self.state = state
        self.limiter = RateLimiter(sandbox.limits)
        self.event = asyncio.Event()
        self.poll_generation = 0
        self.webhook_task: asyncio.Task[None] | None = None
        self.webhook_log: list[dict[str, Any]] = []
        state.listener = self.notify

    def notify(self) -> None:
        # A fresh Event per change: waiters grab the current one before checking their
        # condition, so no wake-up is lost between the check and the wait.
        event, self.event = self.event, asyncio.Event()
        event.set()
        self.sandbox._kick_webhook(self)

    async def wait(self, ready: Callable[[], bool], within: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            event = self.event
            if ready():
                return True
            remaining = deadline - loop.time()
            if remaining <= 0 or self.sandbox._closing:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)


class BotApiSandbox:
    """A local Telegram Bot API server with a control API for tests, demo and benchmarks."""

    def __init__(
        self,
        bot_username: str = "dealchat_test_bot",
        global_rate: float | None = 30.0,
        global_burst: int = 30,
        per_chat_rate: float | None = 1.0,
        per_chat_burst: int = 3,
        webhook_retry_delay: float = 0.1,
        webhook_timeout: float = 10.0,
    ) -> None:
        self.bot_username = bot_username
        self.limits = Limits(global_rate, global_burst, per_chat_rate, per_chat_burst)
        self.faults = FaultPlan()
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        self._bots: dict[str, _Bot] = {}
        self._unbound: _Bot | None = None  # created by the control API before any bot call
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._base_url: str | None = None
        self._closing = False

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("sandbox is not started")
        return self._base_url

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_bot_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        for name, handler in self._control_routes().items():
            app.router.add_route("*", f"/_sandbox/{name}", handler)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._closing = False
        self._http = aiohttp.ClientSession()
        # handler_cancellation: a client that gives up a long poll frees its handler.
        self._runner = web.AppRunner(
            self.make_app(), handler_cancellation=True, access_log=None, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        bound_port = sockets[0].getsockname()[1] if sockets else port
        self._base_url = f"http://{host}:{bound_port}"
        return self._base_url

    async def stop(self) -> None:
        self._closing = True
        for bot in self._all_bots():
            bot.notify()
            if bot.webhook_task is not None:
                bot.webhook_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await bot.webhook_task
                bot.webhook_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ python control

    def inject(
        self,
        kind: str,
        method: str | None = None,
        count: int = 1,
        retry_after: int = 1,
        delay: float = 0.0,
        status: int = 500,
    ) -> None:
        """Make the next ``count`` calls of ``method`` (any but getUpdates if None) fail."""
        self.faults.add(Fault(kind, method, count, retry_after, delay, status))

    def clear_faults(self) -> None:
        self.faults.clear()

    def set_limits(
        self,
        global_rate: float | EllipsisType | None = ...,
        global_burst: int | EllipsisType = ...,
        per_chat_rate: float | EllipsisType | None = ...,
        per_chat_burst: int | EllipsisType = ...,
    ) -> Limits:
        """Change flood limits (None turns a limit off, ... keeps it); buckets start full."""
        if not isinstance(global_rate, EllipsisType):
            self.limits.global_rate = global_rate
        if not isinstance(global_burst, EllipsisType):
            self.limits.global_burst = global_burst
        if not isinstance(per_chat_rate, EllipsisType):
            self.limits.per_chat_rate = per_chat_rate
        if not isinstance(per_chat_burst, EllipsisType):
            self.limits.per_chat_burst = per_chat_burst
        for bot in self._all_bots():
            bot.limiter.reset()
        return self.limits

    def state(self, token: str | None = None) -> BotState:
        """Direct access to a bot's state (the only bot when token is None)."""
        return self._control_bot(token).state

    def reset(self) -> None:
        """Forget all bots, users, chats, updates, logs and faults (limits are kept)."""
        for bot in self._all_bots():
            if bot.webhook_task is not None:
                bot.webhook_task.cancel()
            bot.state.listener = None
        self._bots.clear()
        self._unbound = None
        self.faults.clear()

    # ------------------------------------------------------------------ bots

    def _all_bots(self) -> list[_Bot]:
        bots = list(self._bots.values())
        if self._unbound is not None:
            bots.append(self._unbound)
        return bots

    def _bot(self, token: str) -> _Bot:
        bot = self._bots.get(token)
        if bot is None:
            if self._unbound is not None and not self._bots:
                # Users made through the control API before the bot's first call belong to it.
                bot, self._unbound = self._unbound, None
                bot.state.token = token
            else:
                bot = _Bot(self, BotState(token, self.bot_username))
            self._bots[token] = bot
        return bot

    def _control_bot(self, token: str | None) -> _Bot:
        if token:
            if not TOKEN.match(token):
                raise ApiError(400, "malformed bot token")
            return self._bot(token)
        if self._bots:
            return next(iter(self._bots.values()))
        if self._unbound is None:
            self._unbound = _Bot(self, BotState(None, self.bot_username))
        return self._unbound

    # ------------------------------------------------------------------ Bot API

    async def _handle_bot_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        method = request.match_info["method"]
        if not TOKEN.match(token):
            return _api_response(UNAUTHORIZED.payload(), 401)
        bot = self._bot(token)
        try:
            values, files = await _read_params(request)
        except ApiError as exc:
            return _api_response(exc.payload(), exc.code)
        entry: dict[str, Any] = {
            "method": method,
            "params": _loggable(values, files),
            "time": time.time(),
            "status": None,
        }
        bot.state.calls.append(entry)
        fault = self.faults.take(method)
        if fault is not None:
            entry["fault"] = fault.kind
            if fault.kind == "drop":
                # Close the connection before doing anything: the call is not processed,
                # so a client that retries does not duplicate the message.
                entry["status"] = 0
                entry["description"] = "connection dropped"
                if request.transport is not None:
                    request.transport.close()
                raise asyncio.CancelledError
            if fault.kind == "429":
                error = ApiError(
                    429, f"Too Many Requests: retry after {fault.retry_after}", fault.retry_after
                )
                return _finish(entry, error.payload(), error.code)
            if fault.kind == "chat_gone":  # the chat was deleted: Telegram's 400
                error = ApiError(400, "Bad Request: chat not found")
                return _finish(entry, error.payload(), error.code)
            if fault.kind == "5xx":
                phrase = _phrase(fault.status)
                error = ApiError(fault.status, phrase)
                return _finish(entry, error.payload(), error.code)
            await asyncio.sleep(fault.delay)
        try:
            result = await self._execute(bot, method, Params(values, files))
        except ApiError as exc:
            return _finish(entry, exc.payload(), exc.code)
        return _finish(entry, {"ok": True, "result": result}, 200)

    async def _execute(self, bot: _Bot, method: str, params: Params) -> Any:
        name = method.lower()
        if name == "getupdates":
            return await self._get_updates(bot, params)
        func = METHODS.get(name)
        if func is None:
            raise ApiError(404, "Not Found: method not found")
        if name in RATE_LIMITED:
            chat_id = params.raw("chat_id")
            key = None if chat_id is None else str(chat_id)
            connection_id = params.string("business_connection_id")
            if key is not None and connection_id is not None:
                key = f"{connection_id}:{key}"  # not the bot's own chat with that user
            retry_after = bot.limiter.acquire(key)
            if retry_after is not None:
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        return func(bot.state, params)

    async def _get_updates(self, bot: _Bot, p: Params) -> Any:
        state = bot.state
        if state.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = p.integer("offset", 0) or 0
        limit = min(max(p.integer("limit", 100) or 100, 1), 100)
        timeout = max(p.integer("timeout", 0) or 0, 0)
        allowed = p.json("allowed_updates", "can't parse allowed updates JSON object")
        if allowed is not None:
            state.allowed_updates = list(allowed) or None
        state.confirm_updates(offset)
        # A newer getUpdates ends an older one, as with two bot instances on one token.
        bot.poll_generation += 1
        generation = bot.poll_generation
        bot.notify()
        await bot.wait(
            lambda: (
                bool(state.pending_updates(limit))
                or bot.poll_generation != generation
                or state.webhook is not None
            ),
            timeout,
        )
        if bot.poll_generation != generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        return state.pending_updates(limit)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if not TOKEN.match(token):
            return _api_response(UNAUTHORIZED.payload(), 401)
        stored = self._bot(token).state.files_by_path.get(request.match_info["path"])
        if stored is None:
            return _api_response(ApiError(404, "Not Found").payload(), 404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    # ------------------------------------------------------------------ webhook delivery

    def _kick_webhook(self, bot: _Bot) -> None:
        state = bot.state
        if self._closing or self._http is None or state.webhook is None or not state.updates:
            return
        if bot.webhook_task is not None and not bot.webhook_task.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        bot.webhook_task = loop.create_task(self._deliver(bot))

    async def _deliver(self, bot: _Bot) -> None:
        """POST pending updates one by one, in order; a failed delivery is retried."""
        state = bot.state
        failures = 0
        while not self._closing and self._http is not None:
            hook = state.webhook
            if hook is None or not state.updates:
                return
            update = state.updates[0]
            headers = {}
            if hook.secret_token:
                headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
            record: dict[str, Any] = {
                "update_id": update["update_id"],
                "url": hook.url,
                "time": time.time(),
            }
            bot.webhook_log.append(record)
            reply: dict[str, Any] | None = None
            error: str | None = None
            try:
                async with self._http.post(
                    hook.url,
                    json=update,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
                ) as resp:
                    record["status"] = resp.status
                    if 200 <= resp.status < 300:
                        reply = await _webhook_reply(resp)
                    else:
                        error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                record["status"] = 0
                error = f"Connection failed: {type(exc).__name__}: {exc}"
            if error is not None:
                record["error"] = error
                hook.last_error_date = int(time.time())
                hook.last_error_message = error
                failures += 1
                await asyncio.sleep(min(self.webhook_retry_delay * 2 ** (failures - 1), 5.0))
                continue
            failures = 0
            if state.updates and state.updates[0] is update:
                state.updates.pop(0)
            if reply is not None and reply.get("method"):
                await self._webhook_reply_call(bot, reply)
            bot.notify()

    async def _webhook_reply_call(self, bot: _Bot, reply: dict[str, Any]) -> None:
        """Telegram executes a method given in the webhook's HTTP answer."""
        method = str(reply.pop("method"))
        entry: dict[str, Any] = {
            "method": method,
            "params": dict(reply),
            "time": time.time(),
            "status": None,
            "via": "webhook_reply",
        }
        bot.state.calls.append(entry)
        try:
            await self._execute(bot, method, Params(reply))
            entry["status"] = 200
        except ApiError as exc:
            entry["status"] = exc.code
            entry["description"] = exc.description

    # ------------------------------------------------------------------ control API

    def _control_routes(self) -> dict[str, Callable[[web.Request], Any]]:
        return {
            "users": self._c_users,
            "send_text": self._c_send_text,
            "send_contact": self._c_send_contact,
            "forward_text": self._c_forward_text,
            "send_file": self._c_send_file,
            "press": self._c_press,
            "inline_query": self._c_inline_query,
            "inline_answer": self._c_inline_answer,
            "pre_checkout": self._c_pre_checkout,
            "pre_checkout_answer": self._c_pre_checkout_answer,
            "successful_payment": self._c_successful_payment,
            "block": self._c_block,
            "messages": self._c_messages,
            "changes": self._c_changes,
            "file": self._c_file,
            "callback_answers": self._c_callback_answers,
            "calls": self._c_calls,
            "commands": self._c_commands,
            "inject": self._c_inject,
            "clear_faults": self._c_clear_faults,
            "faults": self._c_faults,
            "limits": self._c_limits,
            "reset": self._c_reset,
            "updates": self._c_updates,
            "webhook_log": self._c_webhook_log,
            "actions": self._c_actions,
            "business_connect": self._c_business_connect,
            "business_rights": self._c_business_rights,
            "business_disconnect": self._c_business_disconnect,
            "business_connection": self._c_business_connection,
            "business_write": self._c_business_write,
            "business_burst": self._c_business_burst,
            "business_edit": self._c_business_edit,
            "business_delete": self._c_business_delete,
            "push_update": self._c_push_update,
        }

    async def _control(self, request: web.Request) -> tuple[_Bot, dict[str, Any]]:
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "control API expects a JSON body") from None
            if isinstance(body, dict):
                args.update(body)
        return self._control_bot(args.pop("token", None)), args

    async def _c_users(self, request: web.Request) -> web.StreamResponse:
        return await self._run_control(request, self._users)

    async def _run_control(
        self, request: web.Request, func: Callable[[_Bot, dict[str, Any]], Any]
    ) -> web.StreamResponse:
        try:
            bot, args = await self._control(request)
            result = func(bot, args)
            if asyncio.iscoroutine(result):
                result = await result
        except ApiError as exc:
            return _api_response(exc.payload(), exc.code)
        except (KeyError, TypeError, ValueError) as exc:
            error = ApiError(400, f"bad control request: {type(exc).__name__}: {exc}")
            return _api_response(error.payload(), 400)
        if isinstance(result, web.StreamResponse):
            return result
        return _api_response({"ok": True, "result": result}, 200)

    def _users(self, bot: _Bot, args: dict[str, Any]) -> Any:
        if "id" not in args:
            return [user.as_dict() for user in bot.state.users.values()]
        user = bot.state.add_user(
            int(args["id"]),
            str(args.get("first_name") or f"User{args['id']}"),
            last_name=args.get("last_name"),
            username=args.get("username"),
            language_code=args.get("language_code", "en"),
        )
        bot.state.changed()
        return user.as_dict()

    async def _c_send_text(self, request: web.Request) -> web.StreamResponse:
        return await self._run_control(
            request, lambda b, a: b.state.send_text(int(a["user_id"]), str(a["text"]))
        )

    async def _c_send_contact(self, request: web.Request) -> web.StreamResponse:
        return await self._run_control(
            request,
            lambda b, a: b.state.send_contact(
                int(a["user_id"]),
                str(a["phone_number"]),
                str(a["first_name"]),
                last_name=a.get("last_name"),
                contact_user_id=a.get("contact_user_id"),
            ),
        )

    async def _c_forward_text(self, request: web.Request) -> web.StreamResponse:
        return await self._run_control(
            request,
            lambda b, a: b.state.forward_text(
                int(a["user_id"]),
                str(a["text"]),
                from_user=a.get("from_user"),
                sender_name=a.get("sender_name"),
            ),
        )

    async def _c_send_file(self, request: web.Request) -> web.StreamResponse:
        def run(bot: _Bot, a: dict[str, Any]) -> Any:
            kind = str(a["kind"])
            if kind not in FILE_KINDS:
                raise ApiError(400, f"unknown file kind {kind!r}")
            reply_to = a.get("reply_to")
            size = a.get("declared_size")
            return bot.state.send_file(
                int(a["user_id"]),
                kind,
                base64.b64decode(a.get("data_b64") or ""),
                file_name=a.get("file_name"),
                mime_type=a.get("mime_type"),
                caption=a.get("caption"),
                reply_to=int(reply_to) if reply_to is not None else None,
                declared_size=int(size) if size is not None else None,
            )

        return await self._run_control(request, run)

    async def _c_press(self, request: web.Request) -> web.StreamResponse:
        return await self._run_control(
            request,
            lambda b, a: b.state.press(
                int(a["user_id"]),
                int(a["message_id"]),
                callback_data=a.get("callback_data"),
                text=a.get("text"),
                check=bool(a.get("check", True)),
            ),
        )

    async def _c_inline_query(self, request: web.Request) -> web.StreamResponse:
        return await self._run_control(
            request, lambda b, a: b.state.inline_query(int(a["user_id"]), str(a["query"]))
        )

    async def _c_inline_answer(self, request: web.Request) -> web.StreamResponse:
        def run(bot: _Bot, a: dict[str, Any]) -> Any:
            query = bot.state.inline_queries.get(str(a["id"]))
            if query is None:
                raise ApiError(404, "inline query not found")
            return query["answer"]

        return await self._run_control(request, run)

    async def _c_pre_checkout(self, request: web.Request) -> web.StreamResponse:
        return await self._run_control(
            request,
            lambda b, a: b.state.pre_checkout(int(a["user_id"]), int(a["invoice_message_id"])),
        )

    async def _c_pre_checkout_answer(self, request: web.Request) -> web.StreamResponse:
        def run(bot: _Bot, a: dict[str, Any]) -> Any:
            query = bot.state.pre_checkouts.get(str(a["id"]))
            if query is None:
                raise ApiError(404, "pre-checkout query not found")
            return query["answer"]

        return await self._run_control(request, run)

    async def _c_successful_payment(self, request: web.Request) -> web.StreamResponse:
        return await self._run_control(
            request,
            lambda b, a: b.state.successful_payment(
                int(a["user_id"]),
                int(a["invoice_message_id"]),
                telegram_payment_charge_id=a.get("telegram_payment_charge_id"),
                provider_payment_charge_id=a.get("provider_payment_charge_id"),
            ),
        )

    async def _c_block(self, request: web.Request) -> web.StreamResponse:
        def run(bot: _Bot, a: dict[str, Any]) -> Any:
            bot.state.set_blocked(int(a["user_id"]), bool(a.get("blocked", True)))
            return True

        return await self._run_control(request, run)

    async def _c_messages(self, request: web.Request) -> web.StreamResponse:
        def run(bot: _Bot, a: dict[str, Any]) -> Any:
            return _views(
                bot.state, int(a["chat_id"]), _from_bot(a.get("from_bot", "true")), _owner(a)
            )

        return await self._run_control(request, run)

    async def _c_changes(self, request: web.Request) -> web.StreamResponse:
        """Long poll: messages of a chat changed after version ``since`` (newer than min_id)."""

        async def run(bot: _Bot, a: dict[str, Any]) -> Any:
            state = bot.state
            chat_id = int(a["chat_id"])
            min_id = int(a.get("min_id", 0))
            only = int(a["message_id"]) if a.get("message_id") is not None else None
            from_bot = _from_bot(a.get("from_bot", "true"))
            owner_id = _owner(a)

            def changed() -> list[dict[str, Any]]:
                if "since" not in a:
                    return []
                since = int(a["since"])
                chat = state.find_chat(chat_id, owner_id)
                if chat is None:
                    return []
                return [
                    state.message_view(m)
                    for m in chat.messages.values()
                    if m.version > since
                    and m.message_id > min_id
                    and (only is None or m.message_id == only)
                    and (from_bot is None or m.from_bot == from_bot)
                ]

            version = state.version
            if "since" in a:
                await bot.wait(lambda: bool(changed()), float(a.get("timeout", 0)))
                version = state.version
            chat = state.find_chat(chat_id, owner_id)
            return {
                "version": version,
                "last_message_id": chat.next_message_id - 1 if chat else 0,
                "messages": changed(),
            }

        return await self._run_control(request, run)

    async def _c_file(self, request: web.Request) -> web.StreamResponse:
        def run(bot: _Bot, a: dict[str, Any]) -> Any:
            data = bot.state.file_bytes(int(a["chat_id"]), int(a["message_id"]), _owner(a))
            return web.Response(body=data, content_type="application/octet-stream")

        return await self._run_control(request, run)

    async def _c_callback_answers(self, request: web.Request) -> web.StreamResponse:
        def run(bot: _Bot, a: dict[str, Any]) -> Any:
            wanted = a.get("id")
            return [
                q["answer"]
                for q in bot.state.callback_queries.values()
                if q["answer"] is not None and (wanted is None or q["id"] == str(wanted))
            ]

        return await self._run_control(request, run)

    async def _c_calls(self, request: web.Request) -> web.StreamResponse:
        def run(bot: _Bot, a: dict[str, Any]) -> Any:
            method = a.get("method")
            return [
                c
                for c in bot.state.calls
                if method is None or c["method"].lower() == str(method).lower()
            ]

        return await self._run_control(request, run)

    async def _c_commands(self, request: web.Request) -> web.StreamResponse:
        def run(bot: _Bot, a: dict[str, Any]) -> Any:
            scope: dict[str, Any] = {"type": a.get("scope", "default")}
            if a.get("chat_id") is not None:
                scope["chat_id"] = int(a["chat_id"])
            if a.get("user_id") is not None:
                scope["user_id"] = int(a["user_id"])
            return bot.state.commands.get(scope_key(scope, a.get("language_code")), [])

        return await self._run_control(request, run)

    async def _c_inject(self, request: web.Request) -> web.StreamResponse:
        def run(bot: _Bot, a: dict[str, Any]) -> Any:
            self.inject(
                str(a["kind"]),
                method=a.get("method"),
                count=int(a.get("count", 1)),
                retry_after=int(a.get("retry_after", 1)),
                delay=float(a.get("delay", 0.0)),
                status=int(a.get("status", 500)),
            )
            return [f.as_dict() for f in self.faults.faults]

        return await self._run_control(request, run)

    async def _c_clear_faults(self, request: web.Request) -> web.StreamResponse:
        def run(bot: _Bot, a: dict[str, Any]) -> Any:
            self.clear_faults()
            return True

        return await self._run_control(request, run)

    async def _c_faults(self, request: web.Request) -> web.StreamResponse:
        return await self._run_control(
            request, lambda b, a: [f.as_dict() for f in self.faults.faults]
        )

    async def _c_limits(self, request: web.Request) -> web.StreamResponse:
        def run(bot: _Bot, a: dict[str, Any]) -> Any:
            keys = ("global_rate", "global_burst", "per_chat_rate", "per_chat_burst")
            self.set_limits(**{k: a[k] for k in keys if k in a})
            return vars(self.limits)

        return await self._run_control(request, run)

    async def _c_reset(self, request: web.Request) -> web.StreamResponse:
        try:
            self.reset()
        except ApiError as exc:
            return _api_response(exc.payload(), exc.code)
        return _api_response({"ok": True, "result": True}, 200)

    async def _c_updates(self, request: web.Request) -> web.StreamResponse:
        return await self._run_control(request, lambda b, a: list(b.state.updates))

    async def _c_webhook_log(self, request: web.Request) -> web.StreamResponse:
        return await self._run_control(request, lambda b, a: list(b.webhook_log))

    async def _c_business_connect(self, request: web.Request) -> web.StreamResponse:
        return await self._run_control(
            request, lambda b, a: b.state.business_connect(int(a["owner_id"]), a.get("rights"))
        )

    async def _c_business_rights(self, request: web.Request) -> web.StreamResponse:
        return await self._run_control(
            request, lambda b, a: b.state.business_set_rights(int(a["owner_id"]), a["rights"])
        )

    async def _c_business_disconnect(self, request: web.Request) -> web.StreamResponse:
        return await self._run_control(
            request, lambda b, a: b.state.business_disconnect(int(a["owner_id"]))
        )

    async def _c_business_connection(self, request: web.Request) -> web.StreamResponse:
        def run(bot: _Bot, a: dict[str, Any]) -> Any:
            connection = bot.state.business_by_owner.get(int(a["owner_id"]))
            return connection.to_api() if connection else None

        return await self._run_control(request, run)

    async def _c_business_write(self, request: web.Request) -> web.StreamResponse:
        def run(bot: _Bot, a: dict[str, Any]) -> Any:
            content = bot.state.user_content(
                str(a["kind"]),
                text=a.get("text"),
                data=base64.b64decode(a.get("data_b64") or ""),
                file_name=a.get("file_name"),
                mime_type=a.get("mime_type"),
                caption=a.get("caption"),
                contact=a.get("contact"),
                poll=a.get("poll"),
                location=a.get("location"),
            )
            reply_to = a.get("reply_to")
            return bot.state.business_write(
                int(a["owner_id"]),
                int(a["customer_id"]),
                int(a["writer_id"]),
                content,
                reply_to=int(reply_to) if reply_to is not None else None,
            )

        return await self._run_control(request, run)

    async def _c_business_burst(self, request: web.Request) -> web.StreamResponse:
        return await self._run_control(
            request,
            lambda b, a: b.state.business_burst(
                int(a["owner_id"]),
                int(a["customer_id"]),
                int(a["count"]),
                str(a.get("text") or "Message {n}"),
            ),
        )

    async def _c_business_edit(self, request: web.Request) -> web.StreamResponse:
        return await self._run_control(
            request,
            lambda b, a: b.state.business_edit(
                int(a["owner_id"]),
                int(a["customer_id"]),
                int(a["message_id"]),
                text=a.get("text"),
                caption=a.get("caption"),
            ),
        )

    async def _c_business_delete(self, request: web.Request) -> web.StreamResponse:
        return await self._run_control(
            request,
            lambda b, a: b.state.business_delete(
                int(a["owner_id"]), int(a["customer_id"]), [int(i) for i in a["message_ids"]]
            ),
        )

    async def _c_push_update(self, request: web.Request) -> web.StreamResponse:
        return await self._run_control(
            request, lambda b, a: b.state.push_raw(str(a["kind"]), dict(a["payload"]))
        )

    async def _c_actions(self, request: web.Request) -> web.StreamResponse:
        def run(bot: _Bot, a: dict[str, Any]) -> Any:
            chat = bot.state.chats.get(int(a["chat_id"]))
            return list(chat.actions) if chat else []

        return await self._run_control(request, run)


# --------------------------------------------------------------------------- helpers


def _api_response(payload: dict[str, Any], status: int) -> web.Response:
    return web.Response(
        text=json.dumps(payload, ensure_ascii=False),
        status=status,
        content_type="application/json",
    )


def _finish(entry: dict[str, Any], payload: dict[str, Any], status: int) -> web.Response:
    entry["status"] = status
    if not payload.get("ok"):
        entry["description"] = payload.get("description")
        retry_after = payload.get("parameters", {}).get("retry_after")
        if retry_after is not None:
            entry["retry_after"] = retry_after
    return _api_response(payload, status)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Internal Server Error"


def _from_bot(value: Any) -> bool | None:
    text = str(value).lower()
    if text in ("all", "none", "null", "any"):
        return None
    return text in ("true", "1", "yes")


def _owner(args: dict[str, Any]) -> int | None:
    """owner_id picks a business account's chat instead of the bot's own chat."""
    owner = args.get("owner_id")
    return None if owner is None or owner == "" else int(owner)


def _views(
    state: BotState, chat_id: int, from_bot: bool | None, owner_id: int | None = None
) -> list[dict[str, Any]]:
    chat = state.find_chat(chat_id, owner_id)
    if chat is None:
        return []
    return [
        state.message_view(m)
        for m in chat.messages.values()
        if from_bot is None or m.from_bot == from_bot
    ]


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    values: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if not request.can_read_body:
        return values, files
    ctype = request.content_type
    if ctype == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON object") from None
        if isinstance(body, dict):
            values.update(body)
    elif ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                with value.file:  # closed here: a cancelled request never closes it
                    files[key] = Upload(value.filename, value.content_type, value.file.read())
            else:
                values[key] = value
    return values, files


def _loggable(values: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
    """Call parameters for the log: uploaded files appear as their file names."""
    logged: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
            value = upload.filename if upload else value
        logged[key] = value
    for key, upload in files.items():
        if not any(v == f"attach://{key}" for v in values.values()):
            logged[key] = upload.filename
    return logged


async def _webhook_reply(resp: aiohttp.ClientResponse) -> dict[str, Any] | None:
    """A method call in the webhook's answer: JSON, a form or multipart (aiogram's way)."""
    ctype = resp.content_type
    try:
        if ctype == "application/json":
            body = await resp.json()
            return body if isinstance(body, dict) else None
        if ctype == "multipart/form-data":
            reader = aiohttp.MultipartReader.from_response(resp)
            values: dict[str, Any] = {}
            while True:
                part = await reader.next()
                if part is None:
                    break
                if isinstance(part, aiohttp.BodyPartReader) and part.name:
                    values[part.name] = await part.text()
            return values
    except (ValueError, aiohttp.ClientError):
        return None
    return None
