"""A small ISO Schematron interpreter: ``pattern / rule / assert / report / let`` (with
``include``, abstract patterns and their ``param``s), XPath 2 by elementpath over lxml.

Semantics kept from the standard (and from the XSLT "skeleton" every validator is built on):

* every pattern sees every node of the document; within one pattern a node is checked by the
  FIRST rule (in document order of the schema) whose context matches it; later rules of the
  same pattern with a matching context are shadowed for that node;
* a rule context is an XSLT match pattern: ``a/b`` matches any ``b`` child of an ``a``
  anywhere, ``/x`` only the root element; we select the matches once per rule by evaluating
  the pattern from the document node (``//`` put in front of each relative branch);
* ``let`` of a pattern is evaluated once per document (context: the document node), ``let``
  of a rule once per context node, in order, each seeing those before it;
* a failed ``assert`` or a fired ``report`` is a finding with the assert's ``flag`` (or the
  rule's, else "error"); "fatal" and "error" findings make a document invalid.

Every XPath expression is compiled once, when the schema is loaded; a loaded ``Schematron`` is
reused across documents (it holds no per-document state).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import elementpath
from elementpath import XPath2Parser, XPathContext
from lxml import etree

SCH = "http://purl.oclc.org/dsdl/schematron"
_S = "{" + SCH + "}"
INVALID_FLAGS = frozenset({"fatal", "error"})
_CLARK = re.compile(r"Q\{([^}]*)\}")
_PARAM_REF = re.compile(r"\$([A-Za-z_][\w.\-]*)")


class SchematronError(Exception):
    """The schema itself cannot be read or one of its expressions does not compile."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One failed assert or fired report: the rule id (e.g. "BR-RO-120"), its flag, where
    (the XPath of the context node) and the rule's text."""

    rule_id: str
    flag: str
    location: str
    text: str

    @property
    def is_error(self) -> bool:
        return self.flag in INVALID_FLAGS


@dataclass(frozen=True, slots=True)
class Result:
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_error)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.is_error)

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass(slots=True)
class _Check:
    kind: str  # "assert" | "report"
    rule_id: str
    flag: str
    test: Any  # a compiled elementpath token
    message: list[Any]  # str pieces, ("value", token) or ("name",)


@dataclass(slots=True)
class _Rule:
    context: Any
    lets: list[tuple[str, Any]]
    checks: list[_Check]


@dataclass(slots=True)
class _Pattern:
    pattern_id: str
    lets: list[tuple[str, Any]]
    rules: list[_Rule] = field(default_factory=list)


def _split_union(pattern: str) -> list[str]:
    """``a | b[c | d]`` -> ["a", "b[c | d]"]: split on top-level bars only."""
    parts: list[str] = []
    depth = 0
    quote = ""
    start = 0
    for i, ch in enumerate(pattern):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    parts.append(pattern[start:])
    return [p.strip() for p in parts if p.strip()]


def _selection(pattern: str) -> str:
    """An XSLT match pattern as an expression selecting its matches from the document."""
    return " | ".join(
        branch if branch.startswith("/") else "//" + branch
        for branch in _split_union(" ".join(pattern.split()))
    )


_KEYWORDS = frozenset({"and", "or", "div", "idiv", "mod", "return", "in", "satisfies",
                       "then", "else", "eq", "ne", "lt", "le", "gt", "ge", "is", "to"})
_DESCENDANT_STEP = re.compile(
    r"//(@)?(?:([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)|(\*))(?![\w.\-:(])")


def _index_descendants(expr: str, wanted: dict[str, tuple[str, str, str]]) -> str:
    """Absolute ``//p:name`` steps become ``$d.p.name``, a variable holding every such
    element in document order, bound once per document (elementpath walks the whole tree for
    each ``//``, and the EN 16931 rules evaluate hundreds of them per line); likewise
    ``//*`` (``$d.any``) and ``//@name`` (``$a..name``, the attributes of that name).

    Equivalent because ``//p:name[pred]`` == ``(every p:name)[pred]`` when ``pred`` is not
    positional; a step followed by a positional predicate (a number, ``position()``,
    ``last()``) is left alone, as is any relative ``a//b``.
    """
    out: list[str] = []
    i = 0
    quote = ""
    while i < len(expr):
        ch = expr[i]
        if quote:
            if ch == quote:
                quote = ""
            out.append(ch)
            i += 1
            continue
        if ch in "'\"":
            quote = ch
            out.append(ch)
            i += 1
            continue
        m = _DESCENDANT_STEP.match(expr, i) if expr.startswith("//", i) else None
        if m and _absolute_here(expr, i) and not _positional_after(expr, m.end()):
            attribute, prefix = bool(m.group(1)), (m.group(2) or ":")[:-1]
            if m.group(4):  # a wildcard
                if attribute:
                    out.append(ch)
                    i += 1
                    continue
                name, local = "d.any", "*"
            else:
                local = m.group(3)
                name = f"{'a' if attribute else 'd'}.{prefix}.{local}"
            wanted[name] = ("attribute" if attribute else "element", prefix, local)
            out.append("$" + name)
            i = m.end()
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _absolute_here(expr: str, i: int) -> bool:
    before = expr[:i].rstrip()
    if not before:
        return True
    last = before[-1]
    if last in "(,[|=<>!+-":
        return True
    if last.isalpha():
        word = re.search(r"[\w.\-:]+$", before)
        return word is not None and word.group(0) in _KEYWORDS
    return False


def _positional_after(expr: str, end: int) -> bool:
    rest = expr[end:].lstrip()
    if not rest.startswith("["):
        return False
    inner = rest[1:].lstrip()
    return inner[:1].isdigit() or inner.startswith(("position()", "last()", "$"))


def _substitute(text: str, params: Mapping[str, str]) -> str:
    """Abstract pattern parameters are macros: ``$name`` replaced by its value as text."""
    if not params:
        return text
    return _PARAM_REF.sub(lambda m: params.get(m.group(1), m.group(0)), text)


def _load_tree(path: Path) -> etree._Element:
    """The schema with every ``sch:include`` replaced by the element it points to."""
    root = etree.parse(str(path)).getroot()
    for inc in list(root.iter(_S + "include")):
        target = (path.parent / inc.get("href", "")).resolve()
        included = _load_tree(target)
        parent = inc.getparent()
        assert parent is not None
        parent.replace(inc, included)
    return root


class Schematron:
    """A compiled schema; ``validate`` may be called any number of times (thread-compatible:
    evaluation builds its own context per document)."""

    def __init__(self, path: Path, phase: str | None = None) -> None:
        self.path = path
        try:
            root = _load_tree(path)
        except (OSError, etree.XMLSyntaxError) as exc:
            raise SchematronError(f"{path}: {exc}") from exc
        self.namespaces = {
            ns.get("prefix", ""): ns.get("uri", "") for ns in root.iter(_S + "ns")
        }
        self._parser = XPath2Parser(namespaces=self.namespaces, strict=False)
        self._prefixes: dict[str, str] = {}
        for prefix, uri in self.namespaces.items():
            self._prefixes.setdefault(uri, f"{prefix}:" if prefix else "")
        self._cache: dict[str, Any] = {}
        # variable name -> (node kind, prefix, local name or "*") of the nodes it indexes
        # (see _index_descendants); filled while compiling.
        self._indexed: dict[str, tuple[str, str, str]] = {}
        abstract = {
            p.get("id", ""): p for p in root.iter(_S + "pattern") if p.get("abstract") == "true"
        }
        active = self._active_patterns(root, phase)
        self.patterns: list[_Pattern] = []
        for pat in root.iter(_S + "pattern"):
            if pat.get("abstract") == "true":
                continue
            pid = pat.get("id", "")
            if active is not None and pid not in active:
                continue
            params: dict[str, str] = {}
            body = pat
            if pat.get("is-a"):
                body = abstract[pat.get("is-a", "")]
                params = {
                    p.get("name", "").strip(): p.get("value", "") for p in pat.iter(_S + "param")
                }
            self.patterns.append(self._compile_pattern(pid, body, params))

    @staticmethod
    def _active_patterns(root: etree._Element, phase: str | None) -> set[str] | None:
        if phase is None or phase == "#ALL":
            return None
        for ph in root.iter(_S + "phase"):
            if ph.get("id") == phase:
                return {a.get("pattern", "") for a in ph.iter(_S + "active")}
        raise SchematronError(f"no phase {phase!r}")

    def _compile(self, expr: str) -> Any:
        token = self._cache.get(expr)
        if token is None:
            try:
                token = self._parser.parse(_index_descendants(expr, self._indexed))
            except elementpath.ElementPathError as exc:
                raise SchematronError(f"{expr!r}: {exc}") from exc
            self._cache[expr] = token
        return token

    def _compile_pattern(
        self, pid: str, body: etree._Element, params: Mapping[str, str]
    ) -> _Pattern:
        pattern = _Pattern(pid, lets=self._lets(body, params))
        for rule in body.iterchildren(_S + "rule"):
            if rule.get("abstract") == "true":
                continue
            context = _selection(_substitute(rule.get("context", ""), params))
            checks: list[_Check] = []
            for node in rule:
                kind = etree.QName(node).localname if isinstance(node.tag, str) else ""
                if kind not in ("assert", "report"):
                    continue
                checks.append(_Check(
                    kind=kind,
                    rule_id=node.get("id", "") or node.get("role", "") or "?",
                    flag=node.get("flag") or rule.get("flag") or "error",
                    test=self._compile(_substitute(node.get("test", ""), params)),
                    message=self._message(node, params),
                ))
            pattern.rules.append(
                _Rule(self._compile(context), self._lets(rule, params), checks)
            )
        return pattern

    def _lets(self, parent: etree._Element, params: Mapping[str, str]) -> list[tuple[str, Any]]:
        return [
            (let.get("name", ""), self._compile(_substitute(let.get("value", ""), params)))
            for let in parent.iterchildren(_S + "let")
        ]

    def _message(self, node: etree._Element, params: Mapping[str, str]) -> list[Any]:
        pieces: list[Any] = [node.text or ""]
        for child in node:
            if child.tag == _S + "value-of":
                pieces.append(("value", self._compile(_substitute(child.get("select", ""),
                                                                  params))))
            elif child.tag == _S + "name":
                pieces.append(("name",))
            pieces.append(child.tail or "")
        return pieces

    # --- evaluation ---------------------------------------------------------------------

    def validate(self, document: etree._ElementTree | etree._Element | bytes) -> Result:
        if isinstance(document, bytes):
            document = etree.fromstring(document).getroottree()
        elif isinstance(document, etree._Element):
            document = document.getroottree()
        # One context (one elementpath node tree) per document, shared by the patterns.
        ctx = XPathContext(document, namespaces=self.namespaces)
        elements: dict[str, list[Any]] = {}
        attributes: dict[str, list[Any]] = {}
        every: list[Any] = []
        assert ctx.root is not None
        for node in ctx.root.iter_descendants():
            if node.node_kind == "element" and node.name:
                every.append(node)
                elements.setdefault(node.name, []).append(node)
                for attr in node.attributes or ():
                    if attr.name:
                        attributes.setdefault(attr.name, []).append(attr)
        for var, (kind, prefix, local) in self._indexed.items():
            if local == "*":
                ctx.variables[var] = every
                continue
            uri = self.namespaces.get(prefix, "") if prefix else ""
            index = attributes if kind == "attribute" else elements
            ctx.variables[var] = index.get(f"{{{uri}}}{local}" if uri else local, [])
        findings: list[Finding] = []
        for pattern in self.patterns:
            findings.extend(self._run_pattern(pattern, ctx))
        return Result(tuple(findings))

    def _run_pattern(self, pattern: _Pattern, ctx: XPathContext) -> Iterable[Finding]:
        # Pattern lets are set once per document; a rule's lets per context node, taken
        # away after the rule.
        for name, token in pattern.lets:
            ctx.variables[name] = _evaluate(token, ctx, ctx.root)
        seen: set[int] = set()
        found: list[Finding] = []
        for rule in pattern.rules:
            matches = _evaluate(rule.context, ctx, ctx.root)
            if not isinstance(matches, list):
                matches = [matches] if matches is not None else []
            saved = {name: ctx.variables.get(name) for name, _ in rule.lets}
            for node in matches:
                key = id(node)
                if key in seen:
                    continue
                seen.add(key)
                for name, token in rule.lets:
                    ctx.variables[name] = _evaluate(token, ctx, node)
                for check in rule.checks:
                    outcome = check.test.boolean_value(_evaluate(check.test, ctx, node))
                    if outcome == (check.kind == "report"):
                        found.append(Finding(check.rule_id, check.flag, self._path(node),
                                             self._text(check, ctx, node)))
            for name, value in saved.items():
                if value is None:
                    ctx.variables.pop(name, None)
                else:
                    ctx.variables[name] = value
        return found

    def _path(self, node: Any) -> str:
        """elementpath's ``/Q{urn:...}Invoice[1]/Q{urn:...}Party[1]`` with the schema's own
        prefixes: ``/ubl:Invoice[1]/cac:Party[1]``."""
        path = str(getattr(node, "path", "") or "")
        return _CLARK.sub(lambda m: self._prefixes.get(m.group(1), m.group(0)), path)

    @staticmethod
    def _text(check: _Check, ctx: XPathContext, node: Any) -> str:
        out: list[str] = []
        for piece in check.message:
            if isinstance(piece, str):
                out.append(piece)
            elif piece[0] == "value":
                try:
                    value = _evaluate(piece[1], ctx, node)
                except elementpath.ElementPathError:
                    value = ""
                items = value if isinstance(value, list) else [value]
                out.append(" ".join(_string(v) for v in items))
            else:
                out.append(str(getattr(node, "name", "") or ""))
        return " ".join("".join(out).split())


def _evaluate(token: Any, ctx: XPathContext, item: Any) -> Any:
    # elementpath leaves the focus where an expression ended (a short-circuited exists()
    # leaves axis="child" on a child node): set the whole focus before every evaluation.
    ctx.item = item
    ctx.axis = None
    ctx.position = ctx.size = 1
    return token.evaluate(ctx)


def _string(item: Any) -> str:
    if item is None:
        return ""
    value = getattr(item, "string_value", None)
    return str(value) if value is not None else str(item)


