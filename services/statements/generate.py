"""Build 1CClientBankExchange files: for tests, demos and the parser benchmark.

Each transaction is a dict:
    direction      "in" | "out" (required)
    amount         Decimal | str | int, positive (required)
    date           datetime.date of the document (required)
    number         document number (default: its position, 1-based)
    kind           document kind (default «Платежное поручение»)
    value_date     ДатаПоступило / ДатаСписано (default: `date`)
    counterparty_name, counterparty_inn, counterparty_kpp, counterparty_account,
    counterparty_bic, purpose, own_name, own_inn, own_kpp   (optional strings)
    extra          dict[str, str] of further keys written as they are
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

_CENT = Decimal("0.01")


def _money(value: Any) -> str:
    return str(Decimal(str(value)).quantize(_CENT))


def _day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def generate_1c(
    own_account: str,
    bank_bic: str,
    transactions: list[dict[str, Any]],
    encoding: str = "cp1251",
    version: str = "1.03",
    header_encoding_claim: str = "Windows",
    *,
    opening_balance: Decimal = Decimal("0.00"),
    date_from: date | None = None,
    date_to: date | None = None,
    sender: str = "Dealchat test bank",
    newline: str = "\r\n",
) -> bytes:
    """A complete file with one СекцияРасчСчет whose totals and closing balance match the
    documents. `encoding="utf-8-sig"` writes a BOM."""
    days = [tx["date"] for tx in transactions]
    start = date_from or (min(days) if days else date.today())
    end = date_to or (max(days) if days else start)
    total_in = sum(
        (Decimal(str(tx["amount"])) for tx in transactions if tx["direction"] == "in"), Decimal(0)
    )
    total_out = sum(
        (Decimal(str(tx["amount"])) for tx in transactions if tx["direction"] == "out"),
        Decimal(0),
    )
    closing = opening_balance + total_in - total_out
    out: list[str] = [
        "1CClientBankExchange",
        f"ВерсияФормата={version}",
        f"Кодировка={header_encoding_claim}",
        f"Отправитель={sender}",
        "Получатель=Dealchat",
        f"ДатаСоздания={_day(end)}",
        "ВремяСоздания=12:00:00",
        f"ДатаНачала={_day(start)}",
        f"ДатаКонца={_day(end)}",
        f"РасчСчет={own_account}",
        "СекцияРасчСчет",
        f"ДатаНачала={_day(start)}",
        f"ДатаКонца={_day(end)}",
        f"РасчСчет={own_account}",
        f"НачальныйОстаток={_money(opening_balance)}",
        f"ВсегоПоступило={_money(total_in)}",
        f"ВсегоСписано={_money(total_out)}",
        f"КонечныйОстаток={_money(closing)}",
        "КонецРасчСчет",
    ]
    for position, tx in enumerate(transactions, start=1):
        out.extend(_document(position, tx, own_account, bank_bic))
    out.append("КонецФайла")
    return (newline.join(out) + newline).encode(encoding)


def _document(position: int, tx: Mapping[str, Any], own_account: str, bank_bic: str) -> list[str]:
    incoming = tx["direction"] == "in"
    if tx["direction"] not in ("in", "out"):
        raise ValueError(f"direction must be 'in' or 'out', not {tx['direction']!r}")
    own = {
        "Счет": own_account,
        "ИНН": tx.get("own_inn", "7700000000"),
        "КПП": tx.get("own_kpp", ""),
        "1": tx.get("own_name", "ООО Наша компания"),
        "БИК": bank_bic,
    }
    other = {
        "Счет": tx.get("counterparty_account", "40702810900000000999"),
        "ИНН": tx.get("counterparty_inn", ""),
        "КПП": tx.get("counterparty_kpp", ""),
        "1": tx.get("counterparty_name", ""),
        "БИК": tx.get("counterparty_bic", bank_bic),
    }
    payer, payee = (other, own) if incoming else (own, other)
    value_date = _day(tx.get("value_date") or tx["date"])
    lines = [
        f"СекцияДокумент={tx.get('kind', 'Платежное поручение')}",
        f"Номер={tx.get('number', position)}",
        f"Дата={_day(tx['date'])}",
        f"Сумма={_money(tx['amount'])}",
        f"ПлательщикСчет={payer['Счет']}",
        f"ДатаСписано={'' if incoming else value_date}",
        f"Плательщик1={payer['1']}",
        f"ПлательщикИНН={payer['ИНН']}",
        f"ПлательщикКПП={payer['КПП']}",
        f"ПлательщикБИК={payer['БИК']}",
        f"ПолучательСчет={payee['Счет']}",
        f"ДатаПоступило={value_date if incoming else ''}",
        f"Получатель1={payee['1']}",
        f"ПолучательИНН={payee['ИНН']}",
        f"ПолучательКПП={payee['КПП']}",
        f"ПолучательБИК={payee['БИК']}",
        "ВидОплаты=01",
        "Очередность=5",
        f"НазначениеПлатежа={tx.get('purpose', '')}",
    ]
    lines.extend(f"{key}={value}" for key, value in tx.get("extra", {}).items())
    lines.append("КонецДокумента")
    return lines
