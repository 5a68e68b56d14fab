"""Local Telegram Bot API sandbox for tests, the demo and benchmarks."""

from sandbox.client import SandboxClient, SandboxError
from sandbox.server import BotApiSandbox

__all__ = ["BotApiSandbox", "SandboxClient", "SandboxError"]
