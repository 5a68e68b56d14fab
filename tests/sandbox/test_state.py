"""Pure parts of the sandbox: HTML entities and the token bucket."""

from __future__ import annotations

import pytest

from sandbox.html import EntityParseError, parse_html
from sandbox.state import Limits, RateLimiter


def test_html_becomes_text_and_utf16_entities() -> None:
    text, entities = parse_html('😀 <b>Счёт</b> <a href="https://x.io/a?b=1&amp;c=2">№7</a>')
    assert text == "😀 Счёт №7"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 4},  # the emoji is two UTF-16 units
        {"type": "text_link", "offset": 8, "length": 2, "url": "https://x.io/a?b=1&amp;c=2"},
    ]


def test_pre_with_language() -> None:
    text, entities = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert text == "x = 1"
    assert entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("ж<b", "Unclosed start tag at byte offset 2"),
    ],
)
def test_html_errors_use_telegram_wording(source: str, error: str) -> None:
    with pytest.raises(EntityParseError) as info:
        parse_html(source)
    assert str(info.value) == error


def test_token_buckets_global_and_per_chat() -> None:
    now = [0.0]
    limiter = RateLimiter(Limits(10.0, 3, 1.0, 2), clock=lambda: now[0])
    assert limiter.acquire("a") is None
    assert limiter.acquire("a") is None
    assert limiter.acquire("a") == 1  # chat bucket empty: next token in 1 s
    assert limiter.acquire("b") is None  # global still has one
    assert limiter.acquire("c") == 1  # global empty: 0.1 s rounds up to 1
    now[0] = 1.0
    assert limiter.acquire("a") is None
    limiter.limits.per_chat_rate = 0.25
    limiter.reset()
    limiter.acquire("z")
    limiter.acquire("z")
    assert limiter.acquire("z") == 4
