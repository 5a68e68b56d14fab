"""The shortcuts' filters (async: no thread hop)."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import Message

from services.leads import LeadService


class HasContact(Filter):
    async def __call__(self, message: Message) -> bool:
        return message.contact is not None


class IsForwarded(Filter):
    async def __call__(self, message: Message) -> bool:
        return message.forward_origin is not None


class LooksLikeTaxId(Filter):
    async def __call__(self, message: Message, leads: LeadService) -> bool:
        text = message.text
        return (
            text is not None
            and not text.startswith("/")
            and len(text) <= 40
            and leads.looks_like_tax_id(text)
        )
