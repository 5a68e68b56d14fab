"""An MT940 statement imported on a real database: a reversal (RD: the bank undoes a debit
and the money comes back) is never taken for a customer's payment, even when its amount and
text name an open invoice; the same amount paid for real is matched."""

from __future__ import annotations

import pytest

from services.statements import StatementError
from storage import models as m
from tests.integration.test_payments import C1_INN, World, count, invoice_row, issue
from tests.integration.test_payments import w as w

OWN = "40702810938000000001"  # the demo organization's account (see test_statement_import)


def mt940(*entries: str, closing: str) -> bytes:
    lines = [":20:STMT1", f":25:{OWN}", ":28C:1/1", ":60F:C260302RUB0,00", *entries,
             f":62F:C260302RUB{closing}"]
    return ("\r\n".join(lines) + "\r\n").encode()


async def test_a_reversal_is_never_matched_to_an_invoice(w: World) -> None:
    inv, number = await issue(w, w.m1, w.c1, "1500.00")
    data = mt940(
        ":61:2603020302RD1500,00NTRF101//B1",
        f":86:Оплата по счету {number} ИНН {C1_INN}",
        closing="1500,00",
    )
    report = await w.payments.import_statement(w.m1, data, "statement.sta")

    assert (report.incoming, report.new, report.auto, report.review) == (0, 0, 0, 0)
    assert report.balances == ()
    assert await count(w, m.Payment) == 0
    assert (await invoice_row(w, inv))[:2] == (0, "issued")

    paid = mt940(
        ":61:2603020302RD1500,00NTRF101//B1",
        f":86:Оплата по счету {number} ИНН {C1_INN}",
        ":61:2603020302C1500,00NTRF102//B2",
        f":86:Оплата по счету {number} ИНН {C1_INN}",
        closing="3000,00",
    )
    report = await w.payments.import_statement(w.m1, paid, "statement2.sta")
    assert (report.incoming, report.new, report.auto) == (1, 1, 1)
    assert (await invoice_row(w, inv))[:2] == (150000, "paid")


async def test_an_mt942_is_refused_and_nothing_is_written(w: World) -> None:
    await issue(w, w.m1, w.c1, "10.00")
    data = ("\r\n".join([":20:INTRA", f":25:{OWN}", ":28C:1/1", ":34F:RUBD0,00",
                         ":61:2603020302C10,00NTRF101//B1"]) + "\r\n").encode()
    with pytest.raises(StatementError) as err:
        await w.payments.import_statement(w.m1, data, "intraday.sta")
    assert (err.value.code, err.value.line) == ("mt942_intraday", 4)
    assert (await count(w, m.Payment), await count(w, m.BankStatement)) == (0, 0)
