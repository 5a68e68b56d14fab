"""Printable documents (invoice, quote, receipt, act, delivery note, client statement): the
view models and the renderer port.

Invariants:

* A ``DocumentView`` is built from ONE ``compute_totals`` call (``build_invoice_view``): the
  totals the chat shows, the PDF prints and the database stores are the same numbers. Templates
  never do arithmetic on money; they only format what the view holds.
* Every amount in a view is a ``Decimal`` at the currency's minor unit; never a float.
* The document's text is in the document's language (``ru``/``en``/``ro``), chosen per
  document and independent of the UI language of whoever issues it (``DocumentLabels``).
* ``qr_standard``/``qr_payload`` come from ``payment_qr_for``; when there is no QR,
  ``qr_reason`` holds the machine code and ``qr_note`` the sentence the document prints.
* Views are frozen and picklable: the renderer ships them to worker processes.

No framework here: templates, WeasyPrint and QR images live behind ``DocumentRenderer``
(``bot/pdf.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Final, Literal, NamedTuple, Protocol

from services.money import check_currency, format_money, round_money
from services.payment_qr import Standard, payment_qr_for
from services.pricing import LineInput, LineResult, TaxMode, Totals, VatRate, compute_totals
from services.words import amount_in_words

DocumentKind = Literal["invoice", "quote", "receipt", "act", "delivery_note"]
Layout = Literal["ru", "intl"]
Lang = Literal["ru", "en", "ro"]

DOCUMENT_KINDS: Final = ("invoice", "quote", "receipt", "act", "delivery_note")
#: What an issued invoice can also be printed as (`as_printed`).
PRINT_KINDS: Final = ("act", "delivery_note", "receipt")
LAYOUTS: Final = ("ru", "intl")
LANGUAGES: Final = ("ru", "en", "ro")


# --- the view ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartyView:
    """A seller or buyer as printed. Empty strings are simply not printed."""

    name: str
    legal_name: str = ""
    country: str = ""
    tax_id_label: str = ""  # "ИНН", "УНП", "IDNO", "CUI", "VAT ID"
    tax_id: str = ""
    kpp: str = ""
    address: str = ""
    bank_name: str = ""
    bik_or_bic: str = ""
    account: str = ""
    corr_account: str = ""
    iban: str = ""
    phone: str = ""
    email: str = ""
    director: str = ""
    accountant: str = ""

    @property
    def display_name(self) -> str:
        return self.legal_name or self.name


@dataclass(frozen=True, slots=True)
class LineView:
    """One printed line. ``total`` is what the line adds to «Итого»: the net (prices without
    VAT) or the gross (prices include VAT), after discounts."""

    position: int
    name: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    vat_rate_label: str
    vat: Decimal
    total: Decimal


class VatLine(NamedTuple):
    """One row of the VAT summary: «В том числе НДС 22%», base (net of the rate), VAT."""

    label: str
    base: Decimal
    vat: Decimal
    exempt: bool = False  # the "none" rate: print «Без НДС» and a dash, not "0,00"


@dataclass(frozen=True, slots=True)
class DocumentView:
    """Everything a template may print; no arithmetic left to the template.

    ``subtotal - discount_total`` is «Итого» (the sum of the line totals); then the VAT rows
    (``vat_breakdown``), then ``grand_total`` («Всего к оплате»). ``remaining`` =
    ``grand_total - paid_amount``.
    """

    kind: DocumentKind
    layout: Layout
    language: Lang
    number: str
    issue_date: date
    due_date: date | None
    valid_until: date | None
    currency: str
    tax_mode: TaxMode
    seller: PartyView
    buyer: PartyView
    lines: tuple[LineView, ...]
    subtotal: Decimal
    discount_total: Decimal
    net_total: Decimal
    vat_total: Decimal
    vat_breakdown: tuple[VatLine, ...]
    grand_total: Decimal
    amount_in_words: str
    qr_standard: Standard | None
    qr_payload: str | None
    qr_reason: str | None
    qr_note: str
    purpose: str
    notes: str = ""
    logo: bytes | None = field(default=None, repr=False)
    stamp: bytes | None = field(default=None, repr=False)
    signature: bytes | None = field(default=None, repr=False)
    paid_amount: Decimal = Decimal("0.00")
    remaining: Decimal = Decimal("0.00")

    @property
    def lines_total(self) -> Decimal:
        """«Итого»: the sum of the printed line totals."""
        return self.subtotal - self.discount_total

    @property
    def has_discount(self) -> bool:
        return self.discount_total != 0

    @property
    def labels(self) -> DocumentLabels:
        return labels_for(self.language)

    @property
    def title(self) -> str:
        """«Счёт на оплату № 42 от 5 марта 2026 г.», "Invoice No. 42 of 5 March 2026"."""
        labels = self.labels
        return (
            f"{labels.title(self.kind)} {labels.number_sign} {self.number} "
            f"{labels.dated} {format_date(self.issue_date, self.language, long=True)}"
        )


# --- labels --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentLabels:
    """The fixed words of a document in one language (not gettext: the document's language is
    chosen per document, not per user)."""

    invoice: str
    quote: str
    receipt: str
    act: str
    delivery_note: str
    statement: str
    number_sign: str
    dated: str
    seller: str
    buyer: str
    bank_of_recipient: str
    recipient: str
    bik: str
    bic: str
    account_no: str
    corr_account: str
    iban: str
    bank: str
    kpp: str
    phone: str
    email: str
    col_position: str
    col_name: str
    col_quantity: str
    col_unit: str
    col_price: str
    col_discount: str
    col_vat_rate: str
    col_vat: str
    col_total: str
    amount_before_discount: str
    discount: str
    total: str
    vat: str
    vat_included: str
    without_vat: str
    grand_total: str
    items_summary_pattern: str
    amount_in_words: str
    due_date: str
    valid_until: str
    accept_note: str
    purpose: str
    notes: str
    paid: str
    remaining: str
    director: str
    accountant: str
    chief_accountant: str
    cashier: str
    received_from: str
    basis: str
    receipt_sum: str
    including: str
    stamp_place: str
    page: str
    default_unit: str
    act_statement: str
    performer_signature: str
    customer_signature: str
    shipper: str
    consignee: str
    released_by: str
    received_by: str
    delivery_statement: str
    period: str
    col_date: str
    col_document: str
    col_debit: str
    col_credit: str
    col_balance: str
    payment_row: str
    owed_to_seller: str
    owed_to_buyer: str
    settled: str
    qr_gost: str
    qr_epc: str
    qr_none: str
    qr_reasons: dict[str, str]
    months: tuple[str, ...]

    def title(self, kind: str) -> str:
        return {
            "invoice": self.invoice,
            "quote": self.quote,
            "receipt": self.receipt,
            "act": self.act,
            "delivery_note": self.delivery_note,
            "statement": self.statement,
        }[kind]

    def items_summary(self, count: int, amount: str) -> str:
        """«Всего наименований 3, на сумму 1 200,00 ₽»."""
        return self.items_summary_pattern.format(count=count, amount=amount)

    def vat_rate(self, rate: VatRate) -> str:
        """ "22%", or «Без НДС» for the "none" rate."""
        if isinstance(rate, str):
            return self.without_vat
        return f"{format_quantity(rate, 'en')}%"

    def vat_row(self, rate: VatRate, tax_mode: TaxMode) -> str:
        """The label of a VAT summary row: «В том числе НДС 22%» when prices include VAT,
        «НДС 22%» when VAT is on top, «Без НДС» for the "none" rate."""
        if isinstance(rate, str):
            return self.without_vat
        pattern = self.vat_included if tax_mode == "included" else self.vat
        return f"{pattern} {self.vat_rate(rate)}"

    def qr_note(self, standard: Standard | None, reason: str | None, currency: str) -> str:
        if standard == "gost":
            return self.qr_gost
        if standard == "epc":
            return self.qr_epc
        why = self.qr_reasons.get(reason or "", self.qr_reasons["invalid"])
        return f"{self.qr_none}: {why.format(currency=currency, code=reason)}"


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


def format_quantity(value: Decimal, language: str) -> str:
    """A quantity without trailing zeros: "2", "1,5" (ru, ro), "1.5" (en), "1 000" grouped."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"quantity must be Decimal or int, not {type(value).__name__}")
    number = Decimal(value)
    text = f"{number.normalize():f}" if number != number.to_integral() else f"{number:.0f}"
    sign = "-" if text.startswith("-") else ""
    integer, _, fraction = text.lstrip("-").partition(".")
    group = {"ru": "\u202f", "en": ",", "ro": "."}[language]
    head = len(integer) % 3 or 3
    parts = [integer[:head]] + [integer[i : i + 3] for i in range(head, len(integer), 3)]
    grouped = group.join(parts)
    if not fraction:
        return sign + grouped
    return f"{sign}{grouped}{'.' if language == 'en' else ','}{fraction}"


def _plain_amount(value: Decimal, language: str) -> str:
    # For a payment purpose line: no symbols or special spaces (banks' forms choke on them).
    text = f"{value:.2f}"
    return text if language == "en" else text.replace(".", ",")


def default_purpose(
    kind: str, number: str, issue_date: date, language: str, totals: Totals | None = None
) -> str:
    """«Оплата по счёту № 42 от 05.03.2026, в т.ч. НДС 22% 1833,33» / «…, без НДС»; for
    other kinds the document's own title and number."""
    day = format_date(issue_date, language)
    if kind != "invoice":
        labels = labels_for(language)
        return f"{labels.title(kind)} {labels.number_sign} {number} {labels.dated} {day}"
    if language == "ru":
        head = f"Оплата по счёту № {number} от {day}"
        if totals is None:
            return head
        rated = [
            f"НДС {format_quantity(b.rate, 'ru')}% {_plain_amount(b.vat, 'ru')}"
            for b in totals.vat_breakdown
            if not isinstance(b.rate, str)
        ]
        return f"{head}, в т.ч. {', '.join(rated)}" if rated else f"{head}, без НДС"
    if language == "ro":
        return f"Plata facturii nr. {number} din {day}"
    return f"Payment of invoice {number} of {day}"


# --- builder -------------------------------------------------------------------------------


def _line_view(
    result: LineResult, unit: str, labels: DocumentLabels, tax_mode: TaxMode
) -> LineView:
    return LineView(
        position=result.index + 1,
        name=result.name,
        unit=unit,
        quantity=result.quantity,
        unit_price=result.unit_price,
        discount=result.discount,
        vat_rate_label=labels.vat_rate(result.vat_rate),
        vat=result.vat,
        total=result.gross if tax_mode == "included" else result.net,
    )


def build_invoice_view(
    *,
    seller: PartyView,
    buyer: PartyView,
    lines: Sequence[LineInput],
    currency: str,
    number: str,
    issue_date: date,
    tax_mode: TaxMode = "per_line",
    language: Lang = "ru",
    layout: Layout = "ru",
    kind: DocumentKind = "invoice",
    due_date: date | None = None,
    valid_until: date | None = None,
    units: Sequence[str] | None = None,
    total_discount_percent: Decimal | None = None,
    total_discount_amount: Decimal | None = None,
    purpose: str | None = None,
    notes: str = "",
    logo: bytes | None = None,
    stamp: bytes | None = None,
    signature: bytes | None = None,
    paid_amount: Decimal = Decimal("0.00"),
) -> DocumentView:
    """Price ``lines`` once (``compute_totals``) and build the printable view from the result.

    ``units[i]`` is the unit of line i (default: «шт.» / "pcs" / "buc."). The payment QR is
    made for invoices only, for the amount still due (``grand_total - paid_amount``); for a
    receipt the amount in words is the amount received (``paid_amount``, or the grand total
    when it is zero). Raises ``PricingError`` for lines that cannot be priced and
    ``ValueError`` for an unknown kind, layout or language.
    """
    if kind not in DOCUMENT_KINDS:
        raise ValueError(f"unknown document kind: {kind!r}")
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout: {layout!r}")
    labels = labels_for(language)
    currency = check_currency(currency)
    if units is not None and len(units) != len(lines):
        raise ValueError("units must have one entry per line")
    totals = compute_totals(
        lines,
        currency,
        tax_mode,
        total_discount_percent=total_discount_percent,
        total_discount_amount=total_discount_amount,
    )
    paid = round_money(paid_amount, currency)
    remaining = totals.grand_total - paid
    purpose_text = (
        purpose
        if purpose is not None
        else default_purpose(kind, number, issue_date, language, totals)
    )

    qr_standard: Standard | None = None
    qr_payload: str | None = None
    qr_reason: str | None
    if kind == "invoice":
        choice = payment_qr_for(
            currency=currency,
            amount=remaining,
            payee_name=seller.display_name,
            purpose=purpose_text,
            account=seller.account or None,
            bank_name=seller.bank_name or None,
            bic=seller.bik_or_bic or None,
            corresp_acc=seller.corr_account or None,
            # INN/KPP only for the Russian standard: a foreign tax id would fail its check.
            payee_inn=(seller.tax_id or None) if currency == "RUB" else None,
            kpp=(seller.kpp or None) if currency == "RUB" else None,
            iban=seller.iban or None,
        )
        qr_standard, qr_payload, qr_reason = choice
    else:
        qr_reason = "not_an_invoice"

    in_words = paid if kind == "receipt" and paid > 0 else totals.grand_total
    return DocumentView(
        kind=kind,
        layout=layout,
        language=language,
        number=number,
        issue_date=issue_date,
        due_date=due_date,
        valid_until=valid_until,
        currency=currency,
        tax_mode=tax_mode,
        seller=seller,
        buyer=buyer,
        lines=tuple(
            _line_view(r, units[r.index] if units else labels.default_unit, labels, tax_mode)
            for r in totals.lines
        ),
        subtotal=totals.subtotal,
        discount_total=totals.discount_total,
        net_total=totals.net_total,
        vat_total=totals.vat_total,
        vat_breakdown=tuple(
            VatLine(labels.vat_row(b.rate, tax_mode), b.net, b.vat, isinstance(b.rate, str))
            for b in totals.vat_breakdown
        ),
        grand_total=totals.grand_total,
        amount_in_words=amount_in_words(in_words, currency, language),
        qr_standard=qr_standard,
        qr_payload=qr_payload,
        qr_reason=qr_reason,
        qr_note=labels.qr_note(qr_standard, qr_reason, currency) if kind == "invoice" else "",
        purpose=purpose_text,
        notes=notes,
        logo=logo,
        stamp=stamp,
        signature=signature,
        paid_amount=paid,
        remaining=remaining,
    )


def money_text(view: DocumentView, amount: Decimal) -> str:
    """An amount of the view formatted as the chat shows it (``format_money``)."""
    return format_money(amount, view.currency, view.language)


# --- the same invoice printed as another document --------------------------------------------


def receipt_basis(number: str, issue_date: date, language: str) -> str:
    """«Оплата по счёту № 42 от 05.03.2026» (no VAT figures: a receipt may be partial)."""
    day = format_date(issue_date, language)
    if language == "ru":
        return f"Оплата по счёту № {number} от {day}"
    if language == "ro":
        return f"Plata facturii nr. {number} din {day}"
    return f"Payment of invoice {number} of {day}"


def as_printed(view: DocumentView, kind: DocumentKind, number: str, issue_date: date,
               received: Decimal | None = None) -> DocumentView:
    """The invoice's view printed as its act, its delivery note, or the cash receipt of
    `received` (numbered and dated on their own). A receipt's VAT rows are the share of the
    invoice's VAT in the amount received; its amount in words is that amount."""
    if view.kind != "invoice" or kind not in PRINT_KINDS:
        raise ValueError(f"an invoice cannot be printed as {kind!r}")
    printed = replace(view, kind=kind, number=number, issue_date=issue_date, due_date=None,
                      qr_standard=None, qr_payload=None, qr_reason="not_an_invoice",
                      qr_note="")
    if kind != "receipt":
        return replace(printed, purpose=default_purpose(kind, number, issue_date,
                                                        view.language))
    if received is None or received <= 0:
        raise ValueError("a receipt needs the amount received")
    cur = view.currency
    share = received / view.grand_total if view.grand_total else Decimal(0)
    rows = tuple(VatLine(r.label, round_money(r.base * share, cur),
                         round_money(r.vat * share, cur), r.exempt)
                 for r in view.vat_breakdown)
    return replace(printed, vat_breakdown=rows, paid_amount=received,
                   remaining=view.grand_total - received,
                   amount_in_words=amount_in_words(received, cur, view.language),
                   purpose=receipt_basis(view.number, view.issue_date, view.language))


# --- the client statement (акт сверки) -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatementRow:
    day: date
    document: str
    debit: Decimal  # invoiced: the client owes more
    credit: Decimal  # paid
    balance: Decimal  # > 0: the client owes us


@dataclass(frozen=True, slots=True)
class StatementView:
    """A client's invoices and payments in one currency, oldest first, with the running
    balance; printed by the same renderer as documents (``kind`` "statement")."""

    language: Lang
    currency: str
    issue_date: date
    seller: PartyView
    buyer: PartyView
    rows: tuple[StatementRow, ...]
    total_debit: Decimal
    total_credit: Decimal
    closing: Decimal
    closing_text: str
    logo: bytes | None = field(default=None, repr=False)
    stamp: bytes | None = field(default=None, repr=False)
    signature: bytes | None = field(default=None, repr=False)
    kind: str = "statement"
    number: str = ""
    qr_payload: None = None

    @property
    def labels(self) -> DocumentLabels:
        return labels_for(self.language)

    @property
    def title(self) -> str:
        labels = self.labels
        return (f"{labels.statement} "
                f"{labels.period.format(date=format_date(self.issue_date, self.language))}")


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One invoice (debit) or payment (credit) for `build_statement_view`."""

    day: date
    kind: Literal["invoice", "payment"]
    number: str
    amount: Decimal


def build_statement_view(*, seller: PartyView, buyer: PartyView, currency: str,
                         issue_date: date, entries: Sequence[StatementEntry],
                         language: Lang = "ru", logo: bytes | None = None,
                         stamp: bytes | None = None, signature: bytes | None = None
                         ) -> StatementView:
    """Rows oldest first (an invoice before a payment of the same day), running balance,
    totals and the closing sentence, all in `language`."""
    labels = labels_for(language)
    currency = check_currency(currency)
    rows: list[StatementRow] = []
    balance = debit_total = credit_total = Decimal("0.00")
    zero = round_money(Decimal(0), currency)
    for e in sorted(entries, key=lambda x: (x.day, x.kind != "invoice", x.number)):
        amount = round_money(e.amount, currency)
        if e.kind == "invoice":
            text = f"{labels.invoice} {labels.number_sign} {e.number}"
            debit, credit = amount, zero
        else:
            sign = f" {labels.number_sign} {e.number}" if e.number else ""
            text = f"{labels.payment_row}{sign}"
            debit, credit = zero, amount
        balance += debit - credit
        debit_total += debit
        credit_total += credit
        rows.append(StatementRow(e.day, text, debit, credit, balance))
    names = {"seller": seller.display_name, "buyer": buyer.display_name}
    shown = format_money(abs(balance), currency, language)
    if balance > 0:
        closing_text = labels.owed_to_seller.format(amount=shown, **names)
    elif balance < 0:
        closing_text = labels.owed_to_buyer.format(amount=shown, **names)
    else:
        closing_text = labels.settled
    return StatementView(language, currency, issue_date, seller, buyer, tuple(rows),
                         round_money(debit_total, currency), round_money(credit_total, currency),
                         round_money(balance, currency), closing_text, logo, stamp, signature)


# --- a sample, for template checks, previews and warm-up ------------------------------------


def sample_view(
    kind: DocumentKind = "invoice", layout: Layout = "ru", language: Lang = "ru"
) -> DocumentView:
    """A small but complete document (two lines, both parties, bank details, a QR) used to
    test-render an uploaded template and to warm the renderer."""
    seller = PartyView(
        name="Пример",
        legal_name="ООО «Пример»",
        country="RU",
        tax_id_label="ИНН",
        tax_id="7707083893",
        kpp="773601001",
        address="117997, г. Москва, ул. Вавилова, д. 19",
        bank_name="ПАО Сбербанк",
        bik_or_bic="044525225",
        account="40702810938000000001",
        corr_account="30101810400000000225",
        iban="DE89370400440532013000",
        phone="+7 495 000-00-00",
        email="billing@example.com",
        director="Иванов И. И.",
        accountant="Петрова А. А.",
    )
    buyer = PartyView(
        name="Покупатель",
        legal_name="ИП Сидоров С. С.",
        country="RU",
        tax_id_label="ИНН",
        tax_id="500100732259",
        address="г. Тверь, ул. Советская, д. 1",
    )
    return build_invoice_view(
        seller=seller,
        buyer=buyer,
        lines=[
            LineInput("Консультация", Decimal("2"), Decimal("1500.00"), Decimal("22")),
            LineInput("Доставка", Decimal("1"), Decimal("300.00"), Decimal("22")),
        ],
        currency="RUB",
        number="1",
        issue_date=date(2026, 1, 15),
        due_date=date(2026, 1, 25),
        valid_until=date(2026, 2, 15) if kind == "quote" else None,
        tax_mode="included",
        language=language,
        layout=layout,
        kind=kind,
        units=["ч", "усл."],
        notes="",
    )


# --- the port ------------------------------------------------------------------------------


class DocumentRenderer(Protocol):
    """Turns a view into a PDF. Implementations must not block the event loop (rendering is
    CPU-bound: it runs in worker processes) and must treat ``template_source`` as untrusted
    (a manager may upload it): sandboxed, no file or network access beyond the shipped
    templates and ``data:`` URIs."""

    async def render(self, view: DocumentView | StatementView,
                     template_source: str | None = None) -> bytes:
        """PDF bytes of ``view``, with the shipped template for its kind and layout, or with
        ``template_source`` (a Jinja2 HTML template) when given."""
        ...

    async def check_template(self, kind: str, source: str) -> str | None:
        """None when ``source`` compiles and renders a sample document of ``kind``; else the
        error to show the user (a syntax error with its line, an undefined variable ...)."""
        ...
