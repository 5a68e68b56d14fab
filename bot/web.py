"""The bot's aiohttp web server: the Telegram webhook (secret header checked), a health
check, and later public document links and the website lead API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.lead_api import mount_lead_api
from bot.public_links import mount_public_links

if TYPE_CHECKING:
    from bot.container import App


def create_web_app(app: App) -> web.Application:
    web_app = web.Application(client_max_size=1024 * 1024)

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    web_app.router.add_get("/healthz", health)
    mount_lead_api(web_app, app)
    mount_public_links(web_app, app.services.delivery)
    return web_app


async def start_site(runner: web.AppRunner, host: str, port: int, *,
                     reuse_port: bool = False) -> int:
    """Serves `runner` on host:port and returns the port bound (port 0 picks a free one).
    `reuse_port` (WEBHOOK_REUSE_PORT) binds with SO_REUSEPORT: several processes listen on
    the same port and the kernel spreads incoming connections over them."""
    site = web.TCPSite(runner, host, port, reuse_port=reuse_port or None)
    await site.start()
    server = site._server
    sockets = getattr(server, "sockets", None) or []
    return int(sockets[0].getsockname()[1]) if sockets else port


class WebhookHandler(SimpleRequestHandler):
    """aiogram's webhook handler, except that the web server's shutdown leaves the bot's
    session open: updates it answered 200 are still being handled then, and the app closes
    the session once they are (`bot.app.finish_updates`)."""

    async def close(self) -> None:
        return None


def mount_webhook(web_app: web.Application, app: App) -> SimpleRequestHandler:
    """The webhook route; the handler returned holds the updates being handled (answered
    200 at once, handled in the background), which a stop lets finish."""
    secret = app.settings.webhook_secret.get_secret_value() if app.settings.webhook_secret \
        else None
    # aiogram answers 401 when X-Telegram-Bot-Api-Secret-Token does not match.
    handler = WebhookHandler(dispatcher=app.dp, bot=app.bot, secret_token=secret,
                             handle_in_background=True)
    handler.register(web_app, path=app.settings.webhook_path)
    setup_application(web_app, app.dp, bot=app.bot)
    return handler
