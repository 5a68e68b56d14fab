"""What a user reads when an e-invoice is refused: the field named in their language."""

from __future__ import annotations

import pytest
from aiogram.utils.i18n import I18n

from bot.i18n import DOMAIN, LOCALES, compile_catalogs
from handlers.texts import error_text
from services.errors import InvalidInput


@pytest.mark.parametrize(("lang", "err", "expected"), [
    ("ro", InvalidInput("einvoice_buyer_missing", field="cui"),
     "Factura electronică nu a fost emisă: lipsește CUI cumpărătorului. Completați-l în datele "
     "de identificare ale clientului."),
    ("ru", InvalidInput("einvoice_buyer_missing", field="region"),
     "Электронный счёт не создан: у покупателя не заполнено поле «код жудеца». Заполните его "
     "в реквизитах клиента."),
    ("en", InvalidInput("einvoice_seller_missing", field="iban"),
     "No e-invoice: the seller's IBAN is missing. Fill it in the organization's requisites."),
    ("ro", InvalidInput("einvoice_buyer_not_ro", country="DE"),
     "e-Factura se trimite doar cumpărătorilor din România; acest client este în DE. Un client "
     "din UE facturat în EUR primește în schimb Factur-X."),
    ("ru", InvalidInput("einvoice_no_rate", currency="EUR"),
     "Счёт в EUR: сначала укажите курс к RON (сколько RON за 1 EUR)."),
])
def test_refusal_texts(lang: str, err: InvalidInput, expected: str) -> None:
    compile_catalogs()
    i18n = I18n(path=LOCALES, default_locale="en", domain=DOMAIN)
    with i18n.context(), i18n.use_locale(lang):
        assert error_text(err) == expected
