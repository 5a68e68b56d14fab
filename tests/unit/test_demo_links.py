"""The demo reads deep links the way a person copies them: the whole token, "-" and "_" too.
A `start=(\\w+)` pattern stopped at the first "-" and the demo's customer opened a dead link
about 4 runs in 10."""

from __future__ import annotations

import secrets

import pytest

from bot.demo import start_payload


def token_with(char: str) -> str:
    while True:
        token = secrets.token_urlsafe(24)
        if char in token[1:-1]:
            return token


@pytest.mark.parametrize("prefix", ["quo_", "inv_", "join_"])
def test_the_whole_token_is_taken_even_with_a_dash_and_an_underscore(prefix: str) -> None:
    for token in (token_with("-"), token_with("_"), "ab-cd_ef-" + token_with("-")):
        text = (f"Telegram link for the customer:\n"
                f"https://t.me/dealchat_demo_bot?start={prefix}{token}\n"
                "It works once the customer opens it.")
        assert start_payload(text, prefix) == prefix + token


def test_the_link_of_the_asked_kind_is_taken_and_html_around_it_is_not() -> None:
    quote, invoice = token_with("-"), token_with("-")
    text = (f'<a href="https://t.me/bot?start=quo_{quote}">quote</a> '
            f"https://t.me/bot?start=inv_{invoice}.")
    assert start_payload(text, "inv_") == f"inv_{invoice}"
    assert start_payload(text, "quo_") == f"quo_{quote}"


def test_a_message_without_the_link_fails_loudly() -> None:
    with pytest.raises(AssertionError, match="no inv_"):
        start_payload("The link could not be made.", "inv_")
    with pytest.raises(AssertionError):
        start_payload(None, "join_")
