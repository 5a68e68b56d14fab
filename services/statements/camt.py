"""ISO 20022 camt.053 (BankToCustomerStatement) and camt.054
(BankToCustomerDebitCreditNotification), versions .001.02 to .08.

The versions differ in the namespace and in a few elements, all read here: `BIC` (.02) became
`BICFI` (.03+); `TxDtls/Amt` appears in .03 beside `AmtDtls/TxAmt/Amt`; `Sts` became
`Sts/Cd` in the later versions (.08 has it); related parties moved under `Dbtr/Pty`,
`Cdtr/Pty` (.08). A camt.054 carries
`Ntfctn` blocks instead of `Stmt` and, as a rule, no balances. Some banks leave `CdtDbtInd` off
a balance: the amount's own sign is then taken.

Untrusted XML: a DOCTYPE or entity declaration is refused outright ("xml_forbidden") before
and while parsing, so no entity expansion or external fetch can happen. We drive expat
ourselves to learn the line each entry starts on.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from typing import NoReturn
from xml.parsers import expat

from services.statements._common import make_date, parse_amount
from services.statements.model import (
    AccountSection,
    Direction,
    Statement,
    StatementError,
    StatementTransaction,
    with_balance_warnings,
)

NAMESPACE_RE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.(053|054)\.001\.(\d{2})")
# The message body and its repeated block, per message type.
_BODIES = {"053": ("BkToCstmrStmt", "Stmt"), "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn")}
SUPPORTED_VERSIONS = frozenset(f"{n:02d}" for n in range(2, 9))
_FORBIDDEN_RE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_camt053(data: bytes) -> Statement:
    """Parse a whole camt.053 or camt.054 document or raise StatementError."""
    if not data.strip():
        raise StatementError("empty", None, "the file is empty")
    root, entry_lines, encoding = _parse_xml(data)
    match = NAMESPACE_RE.fullmatch(root.tag[1:].partition("}")[0]) if root.tag[:1] == "{" else None
    if match is None or root.tag.partition("}")[2] != "Document":
        raise StatementError("not_a_statement", 1, "not a camt.053/camt.054 Document")
    message, version = match.group(1), match.group(2)
    return _Reader(match.group(0), message, version, encoding, entry_lines).read(root)


def _forbid(*_args: object) -> NoReturn:
    raise StatementError("xml_forbidden", None, "DTDs and entities are not accepted")


def _parse_xml(data: bytes) -> tuple[ET.Element, dict[ET.Element, int], str]:
    if _FORBIDDEN_RE.search(data):
        raise StatementError("xml_forbidden", None, "DTDs and entities are not accepted")
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    entry_lines: dict[ET.Element, int] = {}
    declared = ["utf-8"]

    def qualify(name: str) -> str:
        return "{" + name if "}" in name else name

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = qualify(name)
        element = builder.start(tag, {qualify(k): v for k, v in attrs.items()})
        if tag.endswith("}Ntry"):
            entry_lines[element] = parser.CurrentLineNumber

    def xml_decl(_version: str | None, encoding: str | None, _standalone: int) -> None:
        if encoding:
            declared[0] = encoding.lower()

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: builder.end(qualify(name))
    parser.CharacterDataHandler = builder.data
    parser.XmlDeclHandler = xml_decl
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    try:
        parser.Parse(data, True)
        root = builder.close()
    except expat.ExpatError as exc:
        raise StatementError("bad_xml", exc.lineno, expat.ErrorString(exc.code)) from None
    except (AssertionError, LookupError, ValueError) as exc:
        raise StatementError("bad_xml", None, str(exc)) from None
    return root, entry_lines, declared[0]


class _Reader:
    def __init__(
        self,
        namespace: str,
        message: str,
        version: str,
        encoding: str,
        entry_lines: dict[ET.Element, int],
    ) -> None:
        self.ns = "{" + namespace + "}"
        self.message = message
        self.version = version
        self.encoding = encoding
        self.entry_lines = entry_lines
        self.warnings: list[str] = []

    # -- element helpers -------------------------------------------------------------------

    def _path(self, path: str) -> str:
        return "/".join(self.ns + part for part in path.split("/"))

    def find(self, element: ET.Element | None, path: str) -> ET.Element | None:
        if element is None:
            return None
        return element.find(self._path(path))

    def findall(self, element: ET.Element | None, path: str) -> list[ET.Element]:
        if element is None:
            return []
        return element.findall(self._path(path))

    def text(self, element: ET.Element | None, *paths: str) -> str:
        """Text of the first of `paths` that is present and not blank."""
        for path in paths:
            found = self.find(element, path)
            if found is not None and found.text and found.text.strip():
                return found.text.strip()
        return ""

    def _date(self, element: ET.Element | None, path: str, line: int | None) -> date | None:
        value = self.text(element, f"{path}/Dt", f"{path}/DtTm")
        if not value:
            return None
        match = _ISO_DATE_RE.match(value)
        if match is None:
            raise StatementError("bad_date", line, f"{path}={value}")
        year, month, day = (int(part) for part in match.groups())
        return make_date(year, month, day, line, f"{path}={value}")

    def _amount(self, element: ET.Element | None, path: str, line: int | None) -> Decimal:
        value = self.text(element, path)
        if not value:
            raise StatementError("missing_field", line, f"{path} is missing")
        return parse_amount(value, line, path)

    def _signed(self, element: ET.Element, line: int | None, *, balance: bool = False) -> Decimal:
        indicator = self.text(element, "CdtDbtInd")
        if balance and not indicator:
            # A balance without CdtDbtInd (seen in real exports): the amount carries its sign.
            value = self.text(element, "Amt")
            if not value:
                raise StatementError("missing_field", line, "Amt is missing")
            return parse_amount(value, line, "Bal/Amt", signed=True)
        amount = self._amount(element, "Amt", line)
        if indicator not in ("CRDT", "DBIT"):
            raise StatementError("missing_field", line, f"CdtDbtInd={indicator!r}")
        return -amount if indicator == "DBIT" else amount

    # -- statement -------------------------------------------------------------------------

    def read(self, root: ET.Element) -> Statement:
        name = f"camt.{self.message}.001.{self.version}"
        if self.version not in SUPPORTED_VERSIONS:
            self.warnings.append(f"unsupported_version: {name}")
        body_tag, block_tag = _BODIES[self.message]
        body = self.find(root, body_tag)
        statements = self.findall(body, block_tag)
        if body is None or not statements:
            raise StatementError("not_a_statement", None, f"no {body_tag}/{block_tag}")
        accounts: list[AccountSection] = []
        transactions: list[StatementTransaction] = []
        sender = ""
        for stmt in statements:
            section, entries = self._statement(stmt)
            accounts.append(section)
            transactions.extend(entries)
            sender = sender or self.text(
                stmt,
                "Acct/Svcr/FinInstnId/Nm",
                "Acct/Svcr/FinInstnId/BICFI",
                "Acct/Svcr/FinInstnId/BIC",
            )
        statement = Statement(
            format="camt054" if self.message == "054" else "camt053",
            encoding=self.encoding,
            version=name,
            sender=sender,
            accounts=accounts,
            transactions=transactions,
            warnings=self.warnings,
        )
        return with_balance_warnings(statement)

    def _statement(self, stmt: ET.Element) -> tuple[AccountSection, list[StatementTransaction]]:
        account = self.text(stmt, "Acct/Id/IBAN", "Acct/Id/Othr/Id")
        if not account:
            raise StatementError("missing_field", None, "Stmt/Acct/Id")
        opening: Decimal | None = None
        closing: Decimal | None = None
        opening_date: date | None = None
        closing_date: date | None = None
        entries = self.findall(stmt, "Ntry")
        currency = self.text(stmt, "Acct/Ccy") or _currency_of(self.find(stmt, "Ntry/Amt"))
        balance_currency = ""
        for balance in self.findall(stmt, "Bal"):
            code = self.text(balance, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry")
            stated = _currency_of(self.find(balance, "Amt"))
            currency = currency or stated
            if code in ("OPBD", "PRCD") and (opening is None or code == "OPBD"):
                opening = self._signed(balance, None, balance=True)
                opening_date = self._date(balance, "Dt", None)
            elif code == "CLBD":
                closing = self._signed(balance, None, balance=True)
                closing_date = self._date(balance, "Dt", None)
            else:
                continue
            if stated and stated != currency and not balance_currency:
                balance_currency = stated

        transactions: list[StatementTransaction] = []
        for entry in entries:
            transactions.extend(self._entry(entry, account, currency))

        stated_in = self.text(stmt, "TxsSummry/TtlCdtNtries/Sum")
        stated_out = self.text(stmt, "TxsSummry/TtlDbtNtries/Sum")
        own = [tx for tx in transactions if tx.account == account]
        total_in = (
            _stated_sum(stated_in, "TtlCdtNtries/Sum")
            if stated_in
            else sum((tx.amount for tx in own if tx.direction == "in"), Decimal("0.00"))
        )
        total_out = (
            _stated_sum(stated_out, "TtlDbtNtries/Sum")
            if stated_out
            else sum((tx.amount for tx in own if tx.direction == "out"), Decimal("0.00"))
        )
        period_from = self.text(stmt, "FrToDt/FrDtTm")
        period_to = self.text(stmt, "FrToDt/ToDtTm")
        section = AccountSection(
            account=account,
            currency=currency,
            date_from=self._iso_date(period_from) or opening_date,
            date_to=self._iso_date(period_to) or closing_date,
            opening_balance=opening,
            total_in=total_in,
            total_out=total_out,
            closing_balance=closing,
            balance_currency=balance_currency,
        )
        return section, transactions

    def _iso_date(self, value: str) -> date | None:
        match = _ISO_DATE_RE.match(value)
        if match is None:
            return None
        year, month, day = (int(part) for part in match.groups())
        return make_date(year, month, day, None, value)

    # -- entries ---------------------------------------------------------------------------

    def _entry(self, entry: ET.Element, account: str, currency: str) -> list[StatementTransaction]:
        line = self.entry_lines.get(entry)
        status = self.text(entry, "Sts/Cd", "Sts")
        if status and status != "BOOK":
            self.warnings.append(f"line {line}: entry with status {status} skipped")
            return []
        signed = self._signed(entry, line)
        direction: Direction = "in" if signed >= 0 else "out"
        amount_element = self.find(entry, "Amt")
        entry_currency = (amount_element.get("Ccy") if amount_element is not None else "") or ""
        booked = self._date(entry, "BookgDt", line)
        valued = self._date(entry, "ValDt", line)
        doc_date = booked or valued
        if doc_date is None:
            raise StatementError("missing_field", line, "Ntry without BookgDt or ValDt")
        details = self.findall(entry, "NtryDtls/TxDtls")
        parts: list[tuple[ET.Element | None, Decimal]] = [(None, abs(signed))]
        if len(details) == 1:
            parts = [(details[0], abs(signed))]
        elif len(details) > 1:
            amounts = [self.text(d, "Amt", "AmtDtls/TxAmt/Amt") for d in details]
            if all(amounts):
                split = [parse_amount(a, line, "TxDtls/Amt") for a in amounts]
                if sum(split) == abs(signed):
                    parts = list(zip(details, split, strict=True))
            if len(parts) == 1:
                parts = [(details[0], abs(signed))]
        base_raw = _flatten(entry, self.ns, skip="NtryDtls")
        result: list[StatementTransaction] = []
        for detail, amount in parts:
            raw = dict(base_raw)
            if detail is not None:
                raw.update(_flatten(detail, self.ns, prefix="NtryDtls/TxDtls/"))
            result.append(
                self._transaction(
                    entry,
                    detail,
                    direction,
                    amount,
                    entry_currency or currency,
                    doc_date,
                    valued,
                    account,
                    line or 0,
                    raw,
                )
            )
        return result

    def _party(self, detail: ET.Element | None, role: str) -> tuple[str, str, str, str]:
        """(name, tax id, account, agent BIC) of Dbtr or Cdtr, for schema .02 and .08 alike."""
        parties = self.find(detail, "RltdPties")
        name = self.text(parties, f"{role}/Nm", f"{role}/Pty/Nm")
        tax_id = ""
        for other in self.findall(parties, f"{role}/Id/OrgId/Othr") + self.findall(
            parties, f"{role}/Pty/Id/OrgId/Othr"
        ):
            scheme = self.text(other, "SchmeNm/Cd", "SchmeNm/Prtry").upper()
            if scheme in ("TXID", "INN"):
                tax_id = self.text(other, "Id")
                break
        acct = self.text(parties, f"{role}Acct/Id/IBAN", f"{role}Acct/Id/Othr/Id")
        agents = self.find(detail, "RltdAgts")
        bic = self.text(agents, f"{role}Agt/FinInstnId/BICFI", f"{role}Agt/FinInstnId/BIC")
        return name, tax_id, acct, bic

    def _transaction(
        self,
        entry: ET.Element,
        detail: ET.Element | None,
        direction: Direction,
        amount: Decimal,
        currency: str,
        doc_date: date,
        value_date: date | None,
        account: str,
        line: int,
        raw: dict[str, str],
    ) -> StatementTransaction:
        end_to_end = self.text(detail, "Refs/EndToEndId")
        if end_to_end.upper() == "NOTPROVIDED":
            end_to_end = ""
        number = (
            end_to_end
            or self.text(detail, "Refs/AcctSvcrRef", "Refs/TxId", "Refs/InstrId")
            or self.text(entry, "AcctSvcrRef", "NtryRef")
        )
        purpose_parts = [
            (element.text or "").strip() for element in self.findall(detail, "RmtInf/Ustrd")
        ]
        purpose = (
            " ".join(part for part in purpose_parts if part)
            or self.text(detail, "RmtInf/Strd/CdtrRefInf/Ref", "AddtlTxInf")
            or self.text(entry, "AddtlNtryInf")
        )
        payer_name, payer_tax, payer_account, payer_bic = self._party(detail, "Dbtr")
        payee_name, payee_tax, payee_account, payee_bic = self._party(detail, "Cdtr")
        if direction == "in":
            payee_account = payee_account or account
        else:
            payer_account = payer_account or account
        kind = "/".join(
            part
            for part in (
                self.text(entry, "BkTxCd/Domn/Cd"),
                self.text(entry, "BkTxCd/Domn/Fmly/Cd"),
                self.text(entry, "BkTxCd/Domn/Fmly/SubFmlyCd"),
            )
            if part
        ) or self.text(entry, "BkTxCd/Prtry/Cd")
        return StatementTransaction(
            direction=direction,
            amount=amount,
            currency=currency,
            doc_number=number,
            doc_date=doc_date,
            value_date=value_date,
            doc_kind=kind,
            payer_name=payer_name,
            payer_inn=payer_tax,
            payer_kpp="",
            payer_account=payer_account,
            payer_bank_bic=payer_bic,
            payee_name=payee_name,
            payee_inn=payee_tax,
            payee_account=payee_account,
            payee_bank_bic=payee_bic,
            purpose=purpose,
            line=line,
            account=account,
            raw=raw,
        )


def _stated_sum(value: str, name: str) -> Decimal:
    """A TxsSummry total: the element says credit or debit, so a sign some banks (Wise) put
    on the debit total is dropped."""
    return abs(parse_amount(value, None, name, signed=True))


def _currency_of(amount: ET.Element | None) -> str:
    return (amount.get("Ccy") or "").strip() if amount is not None else ""


def _flatten(element: ET.Element, ns: str, *, prefix: str = "", skip: str = "") -> dict[str, str]:
    """{"Amt": "10.00", "Amt@Ccy": "EUR", "NtryDtls/TxDtls/Refs/EndToEndId": ...}; repeated
    siblings get [2], [3]..."""
    out: dict[str, str] = {}

    def walk(node: ET.Element, path: str) -> None:
        seen: dict[str, int] = {}
        for child in node:
            if not isinstance(child.tag, str):
                continue
            name = child.tag.removeprefix(ns)
            if not path and name == skip:
                continue
            seen[name] = seen.get(name, 0) + 1
            key = f"{path}{name}" if seen[name] == 1 else f"{path}{name}[{seen[name]}]"
            for attr, value in child.attrib.items():
                out[f"{key}@{attr}"] = value
            if child.text and child.text.strip():
                out[key] = child.text.strip()
            walk(child, key + "/")

    walk(element, prefix)
    return out
