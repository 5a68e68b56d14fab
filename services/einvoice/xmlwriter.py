"""A tiny XML writer: elements with prefixed names, text escaped, UTF-8 bytes out. Enough for
the e-invoice syntaxes, fast, and with no dependency (the XML libraries belong to ``bot/``).
Elements whose text is None are left out; empty containers too."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr


@dataclass(slots=True)
class Node:
    name: str
    text: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)

    def add(self, name: str, text: object = None, **attrs: str) -> Node:
        """A child element; ``text`` None and no children later: the child is not written."""
        child = Node(name, None if text is None else str(text), attrs)
        self.children.append(child)
        return child

    def text_child(self, name: str, text: str | None, **attrs: str) -> None:
        """A child only when ``text`` is a non-empty string."""
        if text:
            self.add(name, text, **attrs)

    def _write(self, out: list[str]) -> bool:
        """Append this element; False (and nothing appended) when it would be empty."""
        start = len(out)
        if self.attrs:
            attrs = "".join(f" {k}={quoteattr(v)}" for k, v in self.attrs.items())
            out.append(f"<{self.name}{attrs}>")
        else:
            out.append(f"<{self.name}>")
        written = self.text is not None
        if written:
            out.append(escape(self.text))  # type: ignore[arg-type]
        for child in self.children:
            written = child._write(out) or written
        if not written:
            del out[start:]
            return False
        out.append(f"</{self.name}>")
        return True


def document(root: Node, namespaces: Mapping[str, str]) -> bytes:
    """``root`` with the namespace declarations, as UTF-8 bytes with an XML declaration."""
    decl: Iterable[tuple[str, str]] = namespaces.items()
    root.attrs = {
        **{("xmlns" if not p else f"xmlns:{p}"): uri for p, uri in decl}, **root.attrs}
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    root._write(out)
    return "".join(out).encode("utf-8")
