"""Run the Bot API sandbox standalone: ``python -m sandbox --port 8081``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from sandbox.server import BotApiSandbox


def _rate(value: str) -> float | None:
    return None if value.lower() in ("off", "none", "0") else float(value)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--bot-username", default="dealchat_test_bot")
    parser.add_argument("--global-rate", type=_rate, default=30.0, help="msg/s, 'off' disables")
    parser.add_argument("--global-burst", type=int, default=30)
    parser.add_argument("--per-chat-rate", type=_rate, default=1.0, help="msg/s, 'off' disables")
    parser.add_argument("--per-chat-burst", type=int, default=3)
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    sandbox = BotApiSandbox(
        bot_username=args.bot_username,
        global_rate=args.global_rate,
        global_burst=args.global_burst,
        per_chat_rate=args.per_chat_rate,
        per_chat_burst=args.per_chat_burst,
    )
    url = await sandbox.start(host=args.host, port=args.port)
    print(f"Bot API sandbox listening on {url} (control API under {url}/_sandbox/)", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
