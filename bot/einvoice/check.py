"""Validation of e-invoices against the official artefacts: the XML schemas (lxml) and the
CIUS-RO schematron (our interpreter, ``bot.einvoice.schematron``).

The artefacts are never copied into the project: they are read from the rules folder
(setting ``EFACTURA_RULES_DIR``, default ``../shared/efactura`` next to the project; its
README says what is where). Loaded schemas are cached per process and reused for every
document (the schematron compiles its ~1,000 XPath expressions once).

* UBL (e-Factura, CIUS-RO 1.0.9): ``UBL-Invoice-2.1.xsd`` / ``UBL-CreditNote-2.1.xsd``, then
  ``EN16931-CIUS_RO-UBL-validation.sch`` (EN 16931 model, syntax and code lists, and the
  Romanian rules), only when the XSD passes (the rules assume a well-formed structure).
* CII (Factur-X, EN 16931 profile): the CEN D16B schema and the Factur-X EN16931 schema.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from bot.einvoice.schematron import INVALID_FLAGS, Finding, Schematron
from bot.settings import load_settings

UBL_INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"

UBL_INVOICE_XSD = "ubl21/maindoc/UBL-Invoice-2.1.xsd"
UBL_CREDIT_NOTE_XSD = "ubl21/maindoc/UBL-CreditNote-2.1.xsd"
CIUS_RO_SCH = "cius-ro/1.0.9/anaf-source/ro16931-ubl-1.0.9/EN16931-CIUS_RO-UBL-validation.sch"
CII_D16B_XSD = "en16931/cii/xsd/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd"
FACTURX_EN16931_XSD = "facturx/1.0.9-2/xsd/FACTUR-X_EN16931.xsd"


def rules_dir() -> Path:
    """The rules folder the settings name (``EFACTURA_RULES_DIR``)."""
    return Path(load_settings().efactura_rules_dir)


def parse_xml(xml: bytes) -> etree._Element:
    """A file from anywhere: no entity expansion, no network, no DTD loading."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)
    return etree.fromstring(xml, parser)


class RulesMissing(Exception):
    """The rules folder (or a file in it) is absent; the message names the path."""


@dataclass(frozen=True, slots=True)
class Report:
    """What a validation found: ``kind`` is "ubl-invoice", "ubl-credit-note" or "cii";
    ``findings`` hold the XSD errors (rule id "XSD" or "XSD:<schema>") and the schematron's
    failed asserts and fired reports, warnings included."""

    kind: str
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.flag in INVALID_FLAGS)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.flag not in INVALID_FLAGS)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def error_ids(self) -> list[str]:
        return [f.rule_id for f in self.errors]


def _need(path: Path) -> Path:
    if not path.exists():
        raise RulesMissing(f"{path} is missing (EFACTURA_RULES_DIR)")
    return path


@functools.lru_cache(maxsize=8)
def _xsd(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(_need(path))))


@functools.lru_cache(maxsize=2)
def _schematron(path: Path) -> Schematron:
    return Schematron(_need(path))


def _xsd_findings(schema: etree.XMLSchema, doc: etree._ElementTree, label: str) -> list[Finding]:
    if schema.validate(doc):
        return []
    return [
        Finding(label, "fatal", f"line {e.line}", e.message) for e in schema.error_log
    ]


class EInvoiceValidator:
    """Validates UBL (e-Factura) and CII (Factur-X) documents with the artefacts in
    ``rules_dir``. Cheap to build; the schemas load on first use and stay cached."""

    def __init__(self, rules_dir: Path) -> None:
        self.rules_dir = Path(rules_dir)

    def available(self) -> bool:
        return (self.rules_dir / CIUS_RO_SCH).exists()

    def preload(self) -> None:
        """Load every schema now (a benchmark or a server start, not the first request)."""
        for rel in (UBL_INVOICE_XSD, UBL_CREDIT_NOTE_XSD, CII_D16B_XSD, FACTURX_EN16931_XSD):
            _xsd((self.rules_dir / rel).resolve())
        _schematron((self.rules_dir / CIUS_RO_SCH).resolve())

    def validate(self, xml: bytes) -> Report:
        """Any of the three kinds, told apart by the root element."""
        try:
            doc = parse_xml(xml).getroottree()
        except etree.XMLSyntaxError as exc:
            return Report("unknown", (Finding("XML", "fatal", "", str(exc)),))
        ns = etree.QName(doc.getroot()).namespace
        if ns in (UBL_INVOICE_NS, UBL_CREDIT_NOTE_NS):
            return self.validate_ubl(doc)
        if ns == CII_NS:
            return self.validate_cii(doc)
        return Report("unknown", (Finding(
            "XML", "fatal", "", f"not an e-invoice: root element {doc.getroot().tag}"),))

    def validate_ubl(self, xml: bytes | etree._ElementTree) -> Report:
        doc = parse_xml(xml).getroottree() if isinstance(xml, bytes) else xml
        credit = etree.QName(doc.getroot()).namespace == UBL_CREDIT_NOTE_NS
        xsd = _xsd((self.rules_dir / (UBL_CREDIT_NOTE_XSD if credit else UBL_INVOICE_XSD))
                   .resolve())
        kind = "ubl-credit-note" if credit else "ubl-invoice"
        findings = _xsd_findings(xsd, doc, "XSD")
        if findings:
            return Report(kind, tuple(findings))
        result = _schematron((self.rules_dir / CIUS_RO_SCH).resolve()).validate(doc)
        return Report(kind, result.findings)

    def validate_cii(self, xml: bytes | etree._ElementTree) -> Report:
        doc = parse_xml(xml).getroottree() if isinstance(xml, bytes) else xml
        findings = _xsd_findings(_xsd((self.rules_dir / CII_D16B_XSD).resolve()), doc,
                                 "XSD:CII-D16B")
        findings += _xsd_findings(_xsd((self.rules_dir / FACTURX_EN16931_XSD).resolve()), doc,
                                  "XSD:Factur-X-EN16931")
        return Report("cii", tuple(findings))
