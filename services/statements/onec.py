"""1CClientBankExchange (the «обмен с клиент-банком» text format, versions 1.01-1.03).

The format is `Key=Value` lines between section markers:

    1CClientBankExchange            first line, literally (a UTF-8 BOM may precede it)
    ВерсияФормата=1.03 ... РасчСчет=...     header; blank lines may appear anywhere
    СекцияРасчСчет ... КонецРасчСчет        balances of one account for a period
    СекцияДокумент=<kind> ... КонецДокумента one payment document (some programs write a bare
                                            `СекцияДокумент` line with no kind)
    КонецФайла                              required: without it the file is truncated

The same format carries payment orders from 1C to the bank. Such a file has no account
section and no document says when money arrived or left (ДатаПоступило / ДатаСписано): it is
refused as "payment_orders", and a file without documents as "no_transactions", rather than
imported as an empty statement.

Banks lie about the encoding: `Кодировка=Windows` files often arrive as UTF-8 (with or without
a BOM), so the bytes decide: strict UTF-8 first, then what the header claims, then cp1251.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.statements._common import currency_for_account, parse_amount
from services.statements.model import (
    AccountSection,
    Direction,
    Statement,
    StatementError,
    StatementTransaction,
    with_balance_warnings,
)

MAGIC = "1CClientBankExchange"
SUPPORTED_VERSIONS = frozenset({"1.01", "1.02", "1.03"})

_END_FILE = "КонецФайла"
_END_DOC = "КонецДокумента"
_END_ACCOUNT = "КонецРасчСчет"
_ACCOUNT_SECTION = "СекцияРасчСчет"
_DOC_SECTION = "СекцияДокумент"
# Keys that only a real 1C file has: used to tell which candidate encoding decoded it right.
_SIGNATURE_KEYS = (_END_FILE, _DOC_SECTION, "ВерсияФормата", _ACCOUNT_SECTION)
_CLAIMS = {"windows": "cp1251", "dos": "cp866", "utf-8": "utf-8", "utf8": "utf-8"}
_CLAIM_RE = re.compile(
    b"^(?:"
    + b"|".join(re.escape("Кодировка=".encode(enc)) for enc in ("cp1251", "cp866", "utf-8"))
    + rb")[ \t]*([A-Za-z0-9-]+)",
    re.MULTILINE,
)
_DATE_RE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


@dataclass
class _RawDocument:
    kind: str
    start: int  # index into lines (line number - 1) of the СекцияДокумент line
    end: int
    fields: dict[str, str]


@dataclass
class _RawSection:
    start: int
    end: int
    fields: dict[str, str]


def parse_1c(data: bytes) -> Statement:
    """Parse a whole 1CClientBankExchange file or raise StatementError."""
    if not data.strip():
        raise StatementError("empty", None, "the file is empty")
    text, encoding = _decode(data)
    lines = _split_lines(text)
    if lines[0].strip() != MAGIC:
        raise StatementError("not_a_statement", 1, f"the first line is not {MAGIC}")
    return _Parser(lines, encoding).parse()


def _decode(data: bytes) -> tuple[str, str]:
    body = data.removeprefix(codecs.BOM_UTF8)
    match = _CLAIM_RE.search(body, 0, 8192)
    claimed = _CLAIMS.get(match.group(1).decode("ascii").lower()) if match else None
    candidates: list[str] = []
    for encoding in ("utf-8", claimed, "cp1251", "cp866"):
        if encoding and encoding not in candidates:
            candidates.append(encoding)
    first: tuple[str, str] | None = None
    for encoding in candidates:
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            continue
        if first is None:
            first = (text, encoding)
        head = text[:65536]
        if any(key in head for key in _SIGNATURE_KEYS) or _END_FILE in text[-4096:]:
            return text, encoding
    if first is None:  # pragma: no cover - cp866 decodes any byte sequence
        raise StatementError("bad_encoding", None, "not UTF-8, cp1251 or cp866")
    return first


def _split_lines(text: str) -> list[str]:
    if "\n" in text:
        return text.replace("\r\n", "\n").split("\n")
    return text.split("\r")  # classic Mac line ends; harmless for one-line garbage


class _Parser:
    def __init__(self, lines: list[str], encoding: str) -> None:
        self.lines = lines
        self.encoding = encoding
        self.header: dict[str, str] = {}
        self.own_accounts: list[str] = []
        self.sections: list[_RawSection] = []
        self.documents: list[_RawDocument] = []
        self.warnings: list[str] = []
        self._dates: dict[str, date] = {}

    # -- structure -------------------------------------------------------------------------

    def parse(self) -> Statement:
        lines = self.lines
        count = len(lines)
        index = 1
        ended = False
        while index < count:
            line = lines[index]
            key, sep, value = line.partition("=")
            key = key.strip()
            if not key:
                if sep:
                    self._warn(index, "a line with no key")
                index += 1
                continue
            if sep:
                if key == _DOC_SECTION:
                    index = self._read_document(index, value.strip())
                    continue
                self._header_value(key, value)
            elif key == _ACCOUNT_SECTION:
                index = self._read_section(index)
                continue
            elif key == _DOC_SECTION:
                index = self._read_document(index, "")
                continue
            elif key == _END_FILE:
                ended = True
                break
            elif key in (_END_DOC, _END_ACCOUNT):
                raise StatementError("bad_structure", index + 1, f"{key} without its section")
            elif key.strip("\x00\x1a"):
                self._warn(index, f"unrecognised line {key[:40]!r} ignored")
            index += 1
        if not ended:
            # Payment orders for the bank are named as such even when cut short.
            if self.documents:
                self._refuse_non_statement(count - 1)
            raise StatementError("truncated", count, f"no {_END_FILE}: the file is cut short")
        if any(line.strip(" \t\x00\x1a") for line in lines[index + 1 :]):
            self._warn(index, f"text after {_END_FILE} ignored")
        self._refuse_non_statement(index)
        return self._build()

    def _refuse_non_statement(self, end: int) -> None:
        """A file with no documents, or one of payment orders on their way to the bank, is not
        a statement: say which, instead of importing nothing."""
        if not self.documents:
            # No detail: the reason, translated, says it all to the user.
            raise StatementError("no_transactions", end + 1)
        if self.sections:
            return
        own = set(self.own_accounts)
        for doc in self.documents:
            fields = doc.fields
            if fields.get("ДатаПоступило", "").strip() or fields.get("ДатаСписано", "").strip():
                return
            payer = {
                fields.get("ПлательщикСчет", "").strip(),
                fields.get("ПлательщикРасчСчет", "").strip(),
            }
            if own and not payer & own:
                return
        raise StatementError("payment_orders", self.documents[0].start + 1)

    def _header_value(self, key: str, value: str) -> None:
        value = value.strip()
        if key == "РасчСчет":
            self._add_own(value)
        elif key == "Документ":
            kinds = self.header.get(key)
            self.header[key] = f"{kinds};{value}" if kinds else value
        else:
            self.header[key] = value

    def _add_own(self, account: str) -> None:
        account = account.replace(" ", "")
        if account and account not in self.own_accounts:
            self.own_accounts.append(account)

    def _read_block(self, start: int, closing: str) -> tuple[dict[str, str], int]:
        """Key/values from the line after `start` to the `closing` marker; returns the index
        of the line after the marker."""
        lines = self.lines
        fields: dict[str, str] = {}
        index = start + 1
        count = len(lines)
        while index < count:
            line = lines[index]
            key, sep, value = line.partition("=")
            if sep:
                key = key.strip()
                if key == _DOC_SECTION:
                    raise StatementError(
                        "bad_structure", start + 1, f"section is not closed by {closing}"
                    )
                fields[key] = value
            else:
                key = key.strip()
                if key == closing:
                    return fields, index
                if key in (_END_FILE, _END_DOC, _END_ACCOUNT, _ACCOUNT_SECTION, _DOC_SECTION):
                    raise StatementError(
                        "bad_structure", start + 1, f"section is not closed by {closing}"
                    )
                if key:
                    self._warn(index, f"unrecognised line {key[:40]!r} ignored")
            index += 1
        raise StatementError("truncated", start + 1, f"the file ends before {closing}")

    def _read_document(self, start: int, kind: str) -> int:
        fields, end = self._read_block(start, _END_DOC)
        self.documents.append(_RawDocument(kind, start, end, fields))
        return end + 1

    def _read_section(self, start: int) -> int:
        fields, end = self._read_block(start, _END_ACCOUNT)
        self.sections.append(_RawSection(start, end, fields))
        account = fields.get("РасчСчет", "").strip()
        if account:
            self._add_own(account)
        return end + 1

    def _warn(self, index: int, text: str) -> None:
        self.warnings.append(f"line {index + 1}: {text}")

    # -- values ----------------------------------------------------------------------------

    def _line_of(self, start: int, end: int, key: str) -> int:
        """1-based line of `key` inside a block (looked up only when reporting an error)."""
        for index in range(start + 1, end):
            if self.lines[index].partition("=")[0].strip() == key:
                return index + 1
        return start + 1

    def _date(self, value: str, start: int, end: int, key: str) -> date:
        value = value.strip()
        cached = self._dates.get(value)
        if cached is not None:
            return cached
        match = _DATE_RE.fullmatch(value)
        line = None if match else self._line_of(start, end, key)
        if match is None:
            raise StatementError("bad_date", line, f"{key}={value}")
        day, month, year = (int(part) for part in match.groups())
        try:
            parsed = date(year, month, day)
        except ValueError:
            raise StatementError(
                "bad_date", self._line_of(start, end, key), f"{key}={value}"
            ) from None
        self._dates[value] = parsed
        return parsed

    def _optional_date(
        self, fields: dict[str, str], start: int, end: int, key: str
    ) -> date | None:
        value = fields.get(key, "").strip()
        return self._date(value, start, end, key) if value else None

    def _amount(
        self, fields: dict[str, str], start: int, end: int, key: str, *, signed: bool = False
    ) -> Decimal | None:
        value = fields.get(key, "").strip()
        if not value:
            return None
        try:
            return parse_amount(value, None, key, signed=signed)
        except StatementError as exc:
            raise StatementError(exc.code, self._line_of(start, end, key), exc.detail) from None

    # -- assembly --------------------------------------------------------------------------

    def _build(self) -> Statement:
        version = self.header.get("ВерсияФормата", "")
        if version not in SUPPORTED_VERSIONS:
            self.warnings.append(f"unsupported_version: ВерсияФормата={version!r}")
        accounts = [self._section(section) for section in self.sections]
        own = set(self.own_accounts)
        transactions = [self._document(doc, own) for doc in self.documents]
        statement = Statement(
            format="1c",
            encoding=self.encoding,
            version=version,
            sender=self.header.get("Отправитель", ""),
            accounts=accounts,
            transactions=transactions,
            warnings=self.warnings,
        )
        return with_balance_warnings(statement)

    def _section(self, section: _RawSection) -> AccountSection:
        fields, start, end = section.fields, section.start, section.end
        account = fields.get("РасчСчет", "").strip().replace(" ", "")
        if not account:
            if len(self.own_accounts) != 1:
                raise StatementError("missing_field", start + 1, "СекцияРасчСчет без РасчСчет")
            account = self.own_accounts[0]
        return AccountSection(
            account=account,
            currency=currency_for_account(account),
            date_from=self._optional_date(fields, start, end, "ДатаНачала"),
            date_to=self._optional_date(fields, start, end, "ДатаКонца"),
            opening_balance=self._amount(fields, start, end, "НачальныйОстаток", signed=True),
            total_in=self._amount(fields, start, end, "ВсегоПоступило"),
            total_out=self._amount(fields, start, end, "ВсегоСписано"),
            closing_balance=self._amount(fields, start, end, "КонечныйОстаток", signed=True),
        )

    def _document(self, doc: _RawDocument, own: set[str]) -> StatementTransaction:
        fields, start, end = doc.fields, doc.start, doc.end
        line = start + 1
        amount = self._amount(fields, start, end, "Сумма")
        if amount is None:
            raise StatementError("missing_field", line, f"{doc.kind or 'документ'} без Сумма")
        if not fields.get("Дата", "").strip():
            raise StatementError("missing_field", line, f"{doc.kind or 'документ'} без Дата")
        doc_date = self._date(fields["Дата"], start, end, "Дата")
        received = self._optional_date(fields, start, end, "ДатаПоступило")
        written_off = self._optional_date(fields, start, end, "ДатаСписано")

        def get(key: str) -> str:
            return fields.get(key, "").strip()

        payer_accounts = {get("ПлательщикСчет"), get("ПлательщикРасчСчет")} - {""}
        payee_accounts = {get("ПолучательСчет"), get("ПолучательРасчСчет")} - {""}
        payer_own = bool(payer_accounts & own)
        payee_own = bool(payee_accounts & own)
        direction: Direction
        if payee_own and not payer_own:
            direction = "in"
        elif payer_own and not payee_own:
            direction = "out"
        elif received and not written_off:
            direction = "in"
        elif written_off and not received:
            direction = "out"
        elif payer_own and payee_own:
            # A transfer between two of our own accounts in one file: book it as leaving the
            # payer's account and say so, rather than guess silently.
            direction = "out"
            self._warn(start, "transfer between own accounts booked as outgoing")
        else:
            raise StatementError(
                "unknown_direction",
                line,
                "neither account is ours and neither ДатаПоступило nor ДатаСписано is filled",
            )

        payer_account = get("ПлательщикСчет") or get("ПлательщикРасчСчет")
        payee_account = get("ПолучательСчет") or get("ПолучательРасчСчет")
        side = payee_accounts if direction == "in" else payer_accounts
        mine = sorted(side & own)
        if mine:
            account = mine[0]
        elif len(self.own_accounts) == 1:
            account = self.own_accounts[0]
        else:
            account = payee_account if direction == "in" else payer_account

        return StatementTransaction(
            direction=direction,
            amount=amount,
            currency=currency_for_account(account),
            doc_number=get("Номер"),
            doc_date=doc_date,
            value_date=received if direction == "in" else written_off,
            doc_kind=doc.kind,
            payer_name=get("Плательщик1") or get("Плательщик"),
            payer_inn=get("ПлательщикИНН"),
            payer_kpp=get("ПлательщикКПП"),
            payer_account=payer_account,
            payer_bank_bic=get("ПлательщикБИК"),
            payee_name=get("Получатель1") or get("Получатель"),
            payee_inn=get("ПолучательИНН"),
            payee_kpp=get("ПолучательКПП"),
            payee_account=payee_account,
            payee_bank_bic=get("ПолучательБИК"),
            purpose=get("НазначениеПлатежа"),
            line=line,
            account=account,
            raw=fields,
        )
