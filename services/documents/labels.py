"""The label tables (ru, en, ro), ``labels_for`` and the dates they print."""

from __future__ import annotations

from datetime import date
from typing import Final

from services.documents.model import DocumentLabels

_RU_MONTHS: Final = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
_EN_MONTHS: Final = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_RO_MONTHS: Final = (
    "ianuarie", "februarie", "martie", "aprilie", "mai", "iunie",
    "iulie", "august", "septembrie", "octombrie", "noiembrie", "decembrie",
)  # fmt: skip

RU_LABELS: Final = DocumentLabels(
    invoice="Счёт на оплату",
    quote="Коммерческое предложение",
    receipt="Квитанция к приходному кассовому ордеру",
    act="Акт выполненных работ",
    delivery_note="Товарная накладная",
    statement="Акт сверки взаимных расчётов",
    number_sign="№",
    dated="от",
    seller="Поставщик",
    buyer="Покупатель",
    bank_of_recipient="Банк получателя",
    recipient="Получатель",
    bik="БИК",
    bic="BIC",
    account_no="Сч. №",
    corr_account="Корр. счёт",
    iban="IBAN",
    bank="Банк",
    kpp="КПП",
    phone="Тел.",
    email="E-mail",
    col_position="№",
    col_name="Товары (работы, услуги)",
    col_quantity="Кол-во",
    col_unit="Ед.",
    col_price="Цена",
    col_discount="Скидка",
    col_vat_rate="Ставка НДС",
    col_vat="НДС",
    col_total="Сумма",
    amount_before_discount="Сумма без скидки",
    discount="Скидка",
    total="Итого",
    vat="НДС",
    vat_included="В том числе НДС",
    without_vat="Без НДС",
    grand_total="Всего к оплате",
    items_summary_pattern="Всего наименований {count}, на сумму {amount}",
    amount_in_words="Сумма прописью",
    due_date="Оплатить не позднее",
    valid_until="Предложение действительно до",
    accept_note=(
        "Чтобы принять предложение, ответьте в чате или подпишите и верните копию. "
        "После принятия мы выставим счёт на оплату."
    ),
    purpose="Назначение платежа",
    notes="Примечание",
    paid="Оплачено",
    remaining="Остаток к оплате",
    director="Руководитель",
    accountant="Бухгалтер",
    chief_accountant="Главный бухгалтер",
    cashier="Кассир",
    received_from="Принято от",
    basis="Основание",
    receipt_sum="Сумма",
    including="в том числе",
    stamp_place="М.П.",
    page="Стр.",
    default_unit="шт.",
    act_statement=(
        "Вышеперечисленные работы (услуги) выполнены полностью и в срок. "
        "Заказчик претензий по объёму, качеству и срокам оказания услуг не имеет."
    ),
    performer_signature="Исполнитель",
    customer_signature="Заказчик",
    shipper="Поставщик (грузоотправитель)",
    consignee="Покупатель (грузополучатель)",
    released_by="Отпуск груза произвёл",
    received_by="Груз получил",
    delivery_statement="Товар получен в полном объёме, претензий по количеству и качеству нет.",
    period="по состоянию на {date}",
    col_date="Дата",
    col_document="Документ",
    col_debit="Дебет",
    col_credit="Кредит",
    col_balance="Сальдо",
    payment_row="Оплата",
    owed_to_seller="Задолженность {buyer} перед {seller}: {amount}",
    owed_to_buyer="Задолженность {seller} перед {buyer} (аванс): {amount}",
    settled="Задолженности нет: расчёты сверены.",
    qr_gost="QR-код для оплаты: ГОСТ Р 56042-2014 (ST00012)",
    qr_epc="QR-код для оплаты: SEPA EPC QR (EPC069-12)",
    qr_none="QR-код для оплаты не сформирован",
    qr_reasons={
        "no_standard_for_currency": "для валюты {currency} нет стандарта платёжного QR-кода",
        "missing_requisites": "не указаны банковские реквизиты продавца",
        "no_iban": "не указан IBAN продавца",
        "nothing_to_pay": "сумма к оплате равна нулю",
        "not_an_invoice": "документ не является счётом",
        "invalid": "реквизиты продавца не прошли проверку ({code})",
    },
    months=_RU_MONTHS,
)

EN_LABELS: Final = DocumentLabels(
    invoice="Invoice",
    quote="Quote",
    receipt="Receipt",
    act="Certificate of completion",
    delivery_note="Delivery note",
    statement="Statement of account",
    number_sign="No.",
    dated="of",
    seller="Seller",
    buyer="Buyer",
    bank_of_recipient="Beneficiary's bank",
    recipient="Beneficiary",
    bik="BIK",
    bic="BIC",
    account_no="Account No.",
    corr_account="Corr. account",
    iban="IBAN",
    bank="Bank",
    kpp="KPP",
    phone="Phone",
    email="E-mail",
    col_position="No.",
    col_name="Description",
    col_quantity="Qty",
    col_unit="Unit",
    col_price="Unit price",
    col_discount="Discount",
    col_vat_rate="VAT rate",
    col_vat="VAT",
    col_total="Amount",
    amount_before_discount="Amount before discount",
    discount="Discount",
    total="Total",
    vat="VAT",
    vat_included="Including VAT",
    without_vat="Without VAT",
    grand_total="Total due",
    items_summary_pattern="{count} item(s), total {amount}",
    amount_in_words="Amount in words",
    due_date="Due date",
    valid_until="This quote is valid until",
    accept_note=(
        "To accept this quote, reply in the chat or sign and return a copy. "
        "We will then issue an invoice."
    ),
    purpose="Payment reference",
    notes="Notes",
    paid="Paid",
    remaining="Balance due",
    director="Director",
    accountant="Accountant",
    chief_accountant="Chief accountant",
    cashier="Cashier",
    received_from="Received from",
    basis="For",
    receipt_sum="Amount",
    including="including",
    stamp_place="Stamp",
    page="Page",
    default_unit="pcs",
    act_statement=(
        "The services listed above have been performed in full and on time. "
        "The customer has no claims as to their scope, quality or timing."
    ),
    performer_signature="Contractor",
    customer_signature="Customer",
    shipper="Supplier (shipper)",
    consignee="Buyer (consignee)",
    released_by="Released by",
    received_by="Received by",
    delivery_statement="The goods were received in full; no claims as to quantity or quality.",
    period="as of {date}",
    col_date="Date",
    col_document="Document",
    col_debit="Debit",
    col_credit="Credit",
    col_balance="Balance",
    payment_row="Payment",
    owed_to_seller="{buyer} owes {seller}: {amount}",
    owed_to_buyer="{seller} owes {buyer} (prepayment): {amount}",
    settled="Nothing is owed: the accounts are settled.",
    qr_gost="Payment QR: GOST R 56042-2014 (ST00012)",
    qr_epc="Payment QR: SEPA EPC QR (EPC069-12)",
    qr_none="No payment QR",
    qr_reasons={
        "no_standard_for_currency": "there is no payment QR standard for {currency}",
        "missing_requisites": "the seller's bank details are incomplete",
        "no_iban": "the seller has no IBAN",
        "nothing_to_pay": "nothing to pay",
        "not_an_invoice": "this document is not an invoice",
        "invalid": "the seller's bank details did not validate ({code})",
    },
    months=_EN_MONTHS,
)

RO_LABELS: Final = DocumentLabels(
    invoice="Factură proformă",
    quote="Ofertă",
    receipt="Chitanță",
    act="Proces-verbal de acceptanță",
    delivery_note="Aviz de însoțire a mărfii",
    statement="Fișă de cont client",
    number_sign="nr.",
    dated="din",
    seller="Furnizor",
    buyer="Cumpărător",
    bank_of_recipient="Banca beneficiarului",
    recipient="Beneficiar",
    bik="BIK",
    bic="BIC",
    account_no="Cont nr.",
    corr_account="Cont corespondent",
    iban="IBAN",
    bank="Banca",
    kpp="KPP",
    phone="Tel.",
    email="E-mail",
    col_position="Nr. crt.",
    col_name="Denumirea produselor sau a serviciilor",
    col_quantity="Cant.",
    col_unit="U.M.",
    col_price="Preț unitar",
    col_discount="Reducere",
    col_vat_rate="Cota TVA",
    col_vat="TVA",
    col_total="Valoare",
    amount_before_discount="Valoare fără reducere",
    discount="Reducere",
    total="Total",
    vat="TVA",
    vat_included="din care TVA",
    without_vat="Fără TVA",
    grand_total="Total de plată",
    items_summary_pattern="Total poziții: {count}, în valoare de {amount}",
    amount_in_words="Suma în litere",
    due_date="Termen de plată",
    valid_until="Ofertă valabilă până la",
    accept_note=(
        "Pentru a accepta oferta, răspundeți în chat sau semnați și returnați o copie. "
        "După acceptare vom emite factura."
    ),
    purpose="Detalii plată",
    notes="Mențiuni",
    paid="Achitat",
    remaining="Rest de plată",
    director="Administrator",
    accountant="Contabil",
    chief_accountant="Contabil-șef",
    cashier="Casier",
    received_from="Am primit de la",
    basis="Reprezentând",
    receipt_sum="Suma de",
    including="din care",
    stamp_place="L.Ș.",
    page="Pagina",
    default_unit="buc.",
    act_statement=(
        "Serviciile de mai sus au fost prestate integral și la termen. "
        "Beneficiarul nu are obiecții privind volumul, calitatea și termenele."
    ),
    performer_signature="Prestator",
    customer_signature="Beneficiar",
    shipper="Furnizor (expeditor)",
    consignee="Cumpărător (destinatar)",
    released_by="Am predat",
    received_by="Am primit",
    delivery_statement=(
        "Marfa a fost primită integral, fără obiecții privind cantitatea și calitatea."
    ),
    period="la data de {date}",
    col_date="Data",
    col_document="Document",
    col_debit="Debit",
    col_credit="Credit",
    col_balance="Sold",
    payment_row="Plată",
    owed_to_seller="{buyer} datorează către {seller}: {amount}",
    owed_to_buyer="{seller} datorează către {buyer} (avans): {amount}",
    settled="Nu există datorii: conturile sunt decontate.",
    qr_gost="Cod QR de plată: GOST R 56042-2014 (ST00012)",
    qr_epc="Cod QR de plată: SEPA EPC QR (EPC069-12)",
    qr_none="Fără cod QR de plată",
    qr_reasons={
        "no_standard_for_currency": "nu există un standard de cod QR de plată pentru {currency}",
        "missing_requisites": "datele bancare ale furnizorului sunt incomplete",
        "no_iban": "furnizorul nu are IBAN",
        "nothing_to_pay": "nu este nimic de plată",
        "not_an_invoice": "documentul nu este o factură",
        "invalid": "datele bancare ale furnizorului nu sunt valide ({code})",
    },
    months=_RO_MONTHS,
)

_LABELS: Final[dict[str, DocumentLabels]] = {"ru": RU_LABELS, "en": EN_LABELS, "ro": RO_LABELS}


def labels_for(language: str) -> DocumentLabels:
    try:
        return _LABELS[language]
    except KeyError:
        raise ValueError(f"unsupported document language: {language!r}") from None


# --- formatting helpers shared by the templates --------------------------------------------


def format_date(day: date, language: str, *, long: bool = False) -> str:
    """Short: "05.03.2026" (ru, ro), "2026-03-05" (en). Long: «5 марта 2026 г.»,
    "5 March 2026", "5 martie 2026"."""
    labels = labels_for(language)
    if long:
        month = labels.months[day.month - 1]
        suffix = " г." if language == "ru" else ""
        return f"{day.day} {month} {day.year}{suffix}"
    if language == "en":
        return day.isoformat()
    return day.strftime("%d.%m.%Y")
