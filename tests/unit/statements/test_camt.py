from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.statements import StatementError, parse_camt053, parse_statement
from tests.unit.statements.paths import data

ROOT = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.{v}"


def test_v08_incoming_outgoing_batch_and_balances() -> None:
    statement = parse_statement(data("camt053_v08.xml"), "extras.xml")

    assert (statement.format, statement.version, statement.sender) == (
        "camt053",
        "camt.053.001.08",
        "Banca Test SA",
    )
    [section] = statement.accounts
    assert section.account == "RO49AAAA1B31007593840000"
    assert section.currency == "RON"
    assert (section.date_from, section.date_to) == (date(2026, 3, 2), date(2026, 3, 2))
    assert (section.opening_balance, section.closing_balance) == (
        Decimal("1000.00"),
        Decimal("1429.50"),
    )
    assert (section.total_in, section.total_out) == (Decimal("550.00"), Decimal("120.50"))
    assert statement.check_balances() == []

    first, fee, alfa, beta = statement.transactions
    assert (first.direction, first.amount, first.currency) == ("in", Decimal("250.00"), "RON")
    assert first.doc_number == "INV-2026-0042"
    assert (first.payer_name, first.payer_inn) == ("Client SRL", "RO18547290")
    assert (first.payer_account, first.payer_bank_bic) == ("RO09BCYP0000001234567890", "BCYPROBU")
    assert first.payee_account == section.account
    assert first.purpose == "Plata factura INV-2026-0042"
    assert first.doc_kind == "PMNT/RCDT/DMCT"
    assert first.raw["Amt@Ccy"] == "RON"
    assert first.raw["NtryDtls/TxDtls/Refs/EndToEndId"] == "INV-2026-0042"

    assert (fee.direction, fee.amount) == ("out", Decimal("120.50"))
    assert fee.doc_number == "BANKREF-0002"  # EndToEndId was NOTPROVIDED
    assert (fee.payee_name, fee.payer_account) == ("Furnizor Internet SA", section.account)

    # one booked entry of 300.00 carrying two payments: split, each with its own reference
    assert [(t.doc_number, t.amount, t.payer_name) for t in (alfa, beta)] == [
        ("INV-2026-0043", Decimal("100.00"), "Alfa SRL"),
        ("INV-2026-0044", Decimal("200.00"), "Beta SRL"),
    ]
    assert alfa.value_date == date(2026, 3, 3)
    assert alfa.stable_key() != beta.stable_key()

    # the pending entry is not booked money
    assert statement.warnings == ["line 100: entry with status PDNG skipped"]


def test_entry_line_is_where_its_ntry_starts() -> None:
    raw = data("camt053_v08.xml")
    lines = raw.decode().splitlines()
    for tx in parse_camt053(raw).transactions:
        assert lines[tx.line - 1].strip() == "<Ntry>"


def test_v02_names_debit_opening_balance_and_computed_totals() -> None:
    statement = parse_statement(data("camt053_v02.xml"))
    [section] = statement.accounts
    assert section.opening_balance == Decimal("-50.00")  # DBIT
    assert (section.total_in, section.total_out) == (Decimal("2500.00"), Decimal("500.00"))
    assert statement.check_balances() == []
    incoming, fee = statement.transactions
    assert (incoming.payer_name, incoming.payer_bank_bic) == ("Client Moldova SRL", "EXMMMD22")
    assert incoming.purpose == "Achitare cont 15 fara TVA"
    assert incoming.currency == "MDL"
    assert (fee.direction, fee.purpose, fee.doc_number) == ("out", "Comision bancar", "MDREF-78")


def _doc(version: str, entries: str, closing: str = "10.00") -> bytes:
    return f"""<?xml version="1.0"?>
<Document xmlns="{ROOT.format(v=version)}"><BkToCstmrStmt><Stmt>
<Acct><Id><Othr><Id>40702810900000012345</Id></Othr></Id><Ccy>RUB</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="RUB">0</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-01</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="RUB">{closing}</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-01</Dt></Dt></Bal>
{entries}
</Stmt></BkToCstmrStmt></Document>""".encode()


_ENTRY = (
    '<Ntry><Amt Ccy="RUB">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
    "<BookgDt><Dt>{day}</Dt></BookgDt></Ntry>"
)


@pytest.mark.parametrize("version", ["02", "03", "04", "05", "06", "07", "08"])
def test_every_supported_namespace(version: str) -> None:
    statement = parse_camt053(_doc(version, _ENTRY.format(amount="10.00", day="2026-03-01")))
    assert statement.version == f"camt.053.001.{version}"
    assert statement.warnings == []
    assert statement.transactions[0].amount == Decimal("10.00")


def test_closing_balance_mismatch_warns() -> None:
    raw = _doc("08", _ENTRY.format(amount="10.00", day="2026-03-01"), closing="11.00")
    assert parse_camt053(raw).warnings == [
        "balance_mismatch: account 40702810900000012345: closing_balance stated 11.00, "
        "computed 10.00"
    ]


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        (_ENTRY.format(amount="-10.00", day="2026-03-01"), "negative_amount"),
        (_ENTRY.format(amount="ten", day="2026-03-01"), "bad_amount"),
        (_ENTRY.format(amount="10.00", day="2026-02-31"), "bad_date"),
        ('<Ntry><Amt Ccy="RUB">1</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>', "missing_field"),
    ],
)
def test_bad_entries_name_their_line(entry: str, code: str) -> None:
    with pytest.raises(StatementError) as caught:
        parse_camt053(_doc("08", entry))
    assert (caught.value.code, caught.value.line) == (code, 8)


@pytest.mark.parametrize(
    "payload",
    [
        b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaa">]><Document>&a;</Document>',
        b'<?xml version="1.0"?>\n<!doctype Document SYSTEM "file:///etc/passwd"><Document/>',
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'.encode(
            "utf-16"
        ),
    ],
)
def test_dtds_and_entities_are_refused(payload: bytes) -> None:
    with pytest.raises(StatementError) as caught:
        parse_camt053(payload)
    assert caught.value.code == "xml_forbidden"


def test_broken_xml_and_other_xml() -> None:
    with pytest.raises(StatementError) as caught:
        parse_camt053(_doc("08", "<Ntry>")[:-40])
    assert caught.value.code == "bad_xml"
    assert caught.value.line is not None
    with pytest.raises(StatementError) as caught:
        parse_camt053(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>')
    assert caught.value.code == "not_a_statement"
