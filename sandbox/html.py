"""Telegram's HTML parse mode, loosely: tags are checked and turned into message entities.

Telegram strips the markup, returns plain text plus entities (offsets in UTF-16 code units) and
refuses unknown or unbalanced tags with "can't parse entities: ...". The wording of the errors
follows what the real server answers.
"""

from __future__ import annotations

import re
from typing import Any

_ENTITY_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "a": "text_link",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
}
_NAME = re.compile(r"[a-zA-Z0-9-]*")
_ATTR = re.compile(r"""([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*("([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_CHAR_REF = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class EntityParseError(ValueError):
    """Unparsable text; str(error) is Telegram's detail after "can't parse entities: "."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities) for an HTML-formatted message text or caption."""
    out: list[str] = []
    pos16 = 0
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == "<":
            if not (source[i + 1 : i + 2].isalnum() or source[i + 1 : i + 2] == "/"):
                # A bare "<" must be written as &lt; in HTML mode.
                raise EntityParseError(
                    f'Unsupported start tag "" at byte offset {_byte_offset(source, i)}'
                )
            end = source.find(">", i)
            if end < 0:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(source, i)}"
                )
            inner = source[i + 1 : end]
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not stack:
                    raise EntityParseError(
                        f"Unexpected end tag at byte offset {_byte_offset(source, i)}"
                    )
                open_name, start16, attrs = stack[-1]
                if name != open_name:
                    raise EntityParseError(
                        f"Unmatched end tag at byte offset {_byte_offset(source, i)}, "
                        f'expected "</{open_name}>", found "</{name}>"'
                    )
                stack.pop()
                entity = _make_entity(open_name, start16, pos16 - start16, attrs)
                if entity is not None:
                    entities.append(entity)
            else:
                match = _NAME.match(inner)
                name = match.group(0).lower() if match else ""
                attrs = {
                    m.group(1).lower(): next(g for g in m.group(3, 4, 5) if g is not None)
                    for m in _ATTR.finditer(inner[len(name) :])
                }
                supported = name in _ENTITY_TAGS
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    supported = False
                if not supported:
                    raise EntityParseError(
                        f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, i)}'
                    )
                stack.append((name, pos16, attrs))
            i = end + 1
            continue
        if ch == "&":
            ref = _CHAR_REF.match(source, i)
            if ref:
                body = ref.group(1)
                if body.startswith("#x"):
                    decoded = chr(int(body[2:], 16))
                elif body.startswith("#"):
                    decoded = chr(int(body[1:]))
                else:
                    decoded = _NAMED[body]
                out.append(decoded)
                pos16 += utf16_len(decoded)
                i = ref.end()
                continue
        out.append(ch)
        pos16 += utf16_len(ch)
        i += 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"], e["type"] != "pre"))
    return "".join(out), _merge_pre_code(entities)


def _make_entity(name: str, offset: int, length: int, attrs: dict[str, str]) -> dict | None:
    if length <= 0:
        return None
    kind = _ENTITY_TAGS[name]
    entity: dict[str, Any] = {"type": kind, "offset": offset, "length": length}
    if name == "a":
        href = attrs.get("href")
        if not href:
            return None
        entity["url"] = href
    elif name == "code" and attrs.get("class", "").startswith("language-"):
        entity["language"] = attrs["class"][len("language-") :]
    elif name == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif name == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    return entity


def _merge_pre_code(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """<pre><code class="language-x"> is one pre entity with a language, as Telegram does."""
    result: list[dict[str, Any]] = []
    for entity in entities:
        prev = result[-1] if result else None
        if (
            prev is not None
            and prev["type"] == "pre"
            and entity["type"] == "code"
            and (prev["offset"], prev["length"]) == (entity["offset"], entity["length"])
        ):
            if "language" in entity:
                prev["language"] = entity["language"]
            continue
        result.append(entity)
    return result
