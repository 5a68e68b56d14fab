"""Telegram Business: Dealchat inside the manager's own Telegram (issue 20)."""

from services.business.model import (
    KEPT_KINDS,
    NAMED_KINDS,
    BusinessChatTarget,
    BusinessScreen,
    Chat,
    ChatLead,
    Connection,
    ConnectionChange,
    ConnectionOutcome,
    ConnectionUpdate,
    IncomingMessage,
    MessageOutcome,
    Purged,
    Sender,
    StoredMessage,
    Subject,
)
from services.business.ports import BusinessRepository, BusinessUnitOfWork
from services.business.service import BusinessService

__all__ = [
    "KEPT_KINDS",
    "NAMED_KINDS",
    "BusinessChatTarget",
    "BusinessRepository",
    "BusinessScreen",
    "BusinessService",
    "BusinessUnitOfWork",
    "Chat",
    "ChatLead",
    "Connection",
    "ConnectionChange",
    "ConnectionOutcome",
    "ConnectionUpdate",
    "IncomingMessage",
    "MessageOutcome",
    "Purged",
    "Sender",
    "StoredMessage",
    "Subject",
]
