"""One word for each thing (the glossary in ../shared/GUIDE.md), Romanian with comma-below
ș ț, and statuses that agree with the thing they describe.

The glossary test reads every translated string of both catalogs (``messages`` for the chat,
``documents`` for the PDFs) in ru and ro and fails on a synonym the glossary does not use.
Real exceptions (a legal term a document must print, a bank's "transaction") are allowed one by
one in ALLOWED, each with its reason."""

from __future__ import annotations

import ast
import re
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES, create_i18n
from handlers.invoices.texts import STATUS_NAMES as INVOICE_STATUSES
from handlers.payments import applied_text
from handlers.quotes.texts import STATUS_NAMES as QUOTE_STATUSES
from handlers.search import status_name
from services.payment_events import PaymentApplied
from services.search import HitKind, SearchHit

ROOT = Path(__file__).resolve().parents[2]

#: language -> (forbidden stem, the glossary's word for that thing)
FORBIDDEN: dict[str, dict[str, str]] = {
    "ru": {
        "контрагент": "Клиент (a Company the deal card and every message call «Клиент»)",
        "этап": "стадия (Pipeline, Stage)",
        "инвойс": "счёт (Invoice)",
        "оферт": "КП / коммерческое предложение (Quote)",
        "транзакц": "сделка (Deal) or платёж (Payment)",
        "заказчик": "клиент (Company)",
        "контракт": "договор (Contract)",
        "лидогенерац": "лид (Lead)",
    },
    "ro": {
        "tranzacți": "oportunitate (Deal)",
        "tranzacție": "oportunitate (Deal)",
        "afacer": "oportunitate (Deal)",
        "lead": "client potențial (Lead)",
        "organizați": "firmă emitentă (Organization)",
        "stadiu": "etapă (Stage)",
        "task": "sarcină (Task)",
        "cotați": "ofertă (Quote)",
        # the GUIDE's glossary says "pipeline"; the catalog says «pâlnie» (de vânzări) on every
        # other screen, the funnel report included, as Romanian CRMs do: one word, the native one
        "pipeline": "pâlnie (Pipeline)",
    },
}

#: (language, domain, msgctxt, msgid) -> why the synonym is right there
ALLOWED: dict[tuple[str, str, str | None, str], str] = {
    ("ro", "messages", None, "the statement has no transactions"):
        "a bank statement's lines are «tranzacții», not deals",
    ("ru", "documents", None, "Customer"):
        "the act of services names the parties «Заказчик» and «Исполнитель» (Civil Code)",
    ("ru", "documents", None,
     "The services listed above have been performed in full and on time. The customer has "
     "no claims as to their scope, quality or timing."):
        "the act's standard acceptance clause, in the Civil Code's words",
    ("ru", "documents", "contract",
     "The Contractor undertakes to render, and the Customer to accept and pay for, the "
     "services listed in the specification below."):
        "a services agreement names its parties «Исполнитель» and «Заказчик» (Civil Code, "
        "art. 779), as the act does",
    ("ru", "documents", "upd", "Government contract (agreement) identifier"):
        "the UPD's own field name (Russian tax form)",
    ("ro", "documents", "upd", "Head of the organization or other authorized person"):
        "the UPD's signature line, as the Russian tax form words it",
}

CEDILLA = re.compile("[şţŞŢ]")
#: code that reads what people type: it must know the cedilla forms to accept them
NORMALISERS = {"services/contacts_norm.py", "services/matching/references.py"}


def catalog(lang: str, domain: str) -> list[tuple[str | None, str, str]]:
    with (LOCALES / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as f:
        cat = read_po(f, locale=lang)
    out = []
    for m in cat:
        if not m.id:
            continue
        msgid = m.id if isinstance(m.id, str) else m.id[0]
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        out.extend((m.context, msgid, s) for s in strings if s)
    return out


def words_of(text: str) -> str:
    """The text a reader reads as words: no {placeholders}, /commands or e-mail addresses."""
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\S+@\S+", " ", text)
    return re.sub(r"(?<!\w)/\w+", " ", text)


def synonyms(lang: str, domain: str) -> list[str]:
    found = []
    for ctx, msgid, text in catalog(lang, domain):
        if (lang, domain, ctx, msgid) in ALLOWED:
            continue
        for stem, right in FORBIDDEN[lang].items():
            if re.search(rf"(?<!\w){stem}", words_of(text), re.IGNORECASE):
                found.append(f"{msgid!r} -> {text!r}: «{stem}», say {right}")
    return found


@pytest.mark.parametrize("domain", ["messages", "documents"])
@pytest.mark.parametrize("lang", ["ru", "ro"])
def test_catalogs_use_the_glossarys_word_for_each_thing(lang: str, domain: str) -> None:
    found = synonyms(lang, domain)
    assert found == [], f"{lang}/{domain}: {len(found)} synonyms:\n" + "\n".join(found)


def test_the_allow_list_is_still_needed() -> None:
    """An exception whose text no longer has the synonym (or whose msgid is gone) goes."""
    texts = {(lang, domain, ctx, msgid): text for lang in ("ru", "ro")
             for domain in ("messages", "documents")
             for ctx, msgid, text in catalog(lang, domain)}
    stale = [key for key in ALLOWED if key not in texts or not any(
        re.search(rf"(?<!\w){stem}", words_of(texts[key]), re.IGNORECASE)
        for stem in FORBIDDEN[key[0]])]
    assert stale == []


def test_the_check_catches_a_synonym(tmp_path: Path) -> None:
    assert re.search(r"(?<!\w)контрагент", words_of("Контрагент: {name}"), re.IGNORECASE)
    assert re.search(r"(?<!\w)lead", words_of("Lead-uri preluate"), re.IGNORECASE)
    assert not re.search(r"(?<!\w)lead", words_of("Adăugați unul cu /lead {leads}."),
                         re.IGNORECASE)


@pytest.mark.parametrize("domain", ["messages", "documents"])
def test_romanian_catalogs_use_comma_below(domain: str) -> None:
    cedillas = [text for _ctx, _id, text in catalog("ro", domain) if CEDILLA.search(text)]
    assert cedillas == []
    # ...and the language really is written with diacritics (the check would see them)
    assert sum("ș" in text or "ț" in text for _c, _i, text in catalog("ro", domain)) > 30


def test_romanian_quotes_are_romanian() -> None:
    """„…” in Romanian; a lone « is the back arrow of a button and stays."""
    paired = [text for _ctx, _id, text in catalog("ro", "messages")
              if re.search("«[^«»]*»", text)]
    assert paired == []
    assert sum("„" in text for _c, _i, text in catalog("ro", "messages")) > 50


def test_templates_services_and_config_use_comma_below() -> None:
    found = []
    for folder, suffixes in (("templates", {".j2", ".css", ".html", ".xml"}),
                             ("config", {".toml"})):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in suffixes and CEDILLA.search(path.read_text("utf-8")):
                found.append(str(path.relative_to(ROOT)))
    for path in sorted((ROOT / "services").rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        if rel in NORMALISERS:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and CEDILLA.search(node.value):
                found.append(f"{rel}:{node.lineno}")
    assert found == []
    # the normalisers really accept the cedilla forms (or they would not need the exception)
    for rel in NORMALISERS:
        assert CEDILLA.search((ROOT / rel).read_text("utf-8")), rel


@pytest.fixture(scope="module")
def i18n():  # type: ignore[no-untyped-def]
    return create_i18n("en")


def credit_note_hit(status: str) -> SearchHit:
    return SearchHit(kind=HitKind.CREDIT_NOTE, id=1, owner_id=1, name="", status=status)


@pytest.mark.parametrize(("lang", "invoice", "quote", "credit_note"), [
    ("ru", "выставлен", "отправлено", "выставлена"),
    ("ro", "emisă", "trimisă", "emisă"),
    ("en", "issued", "sent", "issued"),
])
def test_statuses_agree_with_the_document(i18n, lang: str, invoice: str,  # type: ignore[no-untyped-def]
                                          quote: str, credit_note: str) -> None:
    with i18n.context(), i18n.use_locale(lang):
        assert str(INVOICE_STATUSES["issued"]) == invoice
        assert str(QUOTE_STATUSES["sent"]) == quote
        assert status_name(credit_note_hit("issued")) == credit_note


@pytest.mark.parametrize(("lang", "line"), [
    ("ru", "Сделка переведена на стадию «Оплачена»."),
    ("ro", "Oportunitatea a trecut în etapa „Plătită”."),
    ("en", "The deal moved to the stage «Paid»."),
])
def test_payment_push_names_the_stage_as_configured(i18n, lang: str,  # type: ignore[no-untyped-def]
                                                    line: str) -> None:
    event = PaymentApplied(
        payment_id=1, invoice_id=2, invoice_number="INV-2026-00001", company_name="Ромашка",
        amount=Decimal("100.00"), remaining=Decimal("0"), currency="RUB", manager_chat=1,
        manager_language=lang, customer_chat=None, customer_language=None, deal_stage="paid",
        deal_stage_names={"en": "Paid", "ru": "Оплачена", "ro": "Plătită"})
    with i18n.context(), i18n.use_locale(lang):
        assert applied_text(event).split("\n")[-1] == line
