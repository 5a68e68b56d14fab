"""Reading incoming mail into a safe summary: the bad inputs of issue 19 (no text part,
HTML-only with scripts, broken MIME, an unknown charset, a forged From) and what a stranger's
message tells for a lead."""

from __future__ import annotations

from services.mail import parse_message
from services.mail.extract import sender_facts
from services.mail.parse import strip_quoted


def test_a_message_with_no_text_part_keeps_its_attachment_and_says_so() -> None:
    raw = (b"From: a@b.ro\r\nSubject: scan\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
           b"Content-Type: application/pdf\r\nContent-Disposition: attachment; "
           b"filename=scan.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n"
           b"--XX--\r\n")
    mail = parse_message(raw, fallback_id="<x>")
    assert mail.no_text and mail.text == ""
    assert [(a.filename, a.content) for a in mail.attachments] == [("scan.pdf", b"%PDF-1.4")]


def test_html_only_mail_is_read_as_text_and_its_scripts_never_run_or_show() -> None:
    raw = ("From: a@b.ro\r\nSubject: hi\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           "<html><head><title>T</title><style>p{color:red}</style>"
           "<script>alert('x');fetch('http://evil')</script></head><body>"
           "<p>Bună ziua,</p><p>Vrem o ofertă.<img src='http://track/pixel'></p>"
           "<script>document.cookie</script></body></html>").encode()
    mail = parse_message(raw, fallback_id="<x>")
    assert mail.text == "Bună ziua,\n\nVrem o ofertă."
    assert "alert" not in mail.text and "cookie" not in mail.text and "http" not in mail.text


def test_broken_mime_and_an_unknown_charset_are_read_as_far_as_they_go() -> None:
    raw = (b"From: =?bogus?Q?x?= <a@b.ru>\r\nSubject: =?x-unknown?B?!!!?=\r\n"
           b"Content-Type: multipart/mixed; boundary=NEVER\r\n\r\n"
           b"--NEVER\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\n") \
        + "Здравствуйте, нужен счёт".encode("cp1251") + b"\r\n(no closing boundary)"
    mail = parse_message(raw, fallback_id="<uid7@box>")
    assert mail.message_id == "<uid7@box>"  # none in the headers: its place in the mailbox
    assert mail.from_addr == "a@b.ru"
    assert "Здравствуйте, нужен счёт" in mail.text


def test_a_forged_from_with_another_return_path_is_unverified() -> None:
    raw = (b"Return-Path: <bounce@phish.example>\r\nFrom: Ion <ion@alfa-construct.ro>\r\n"
           b"Subject: new bank account\r\n\r\nPlease pay to the new IBAN.\r\n")
    mail = parse_message(raw, fallback_id="<x>")
    assert not mail.verified and mail.unverified_by == "bounce@phish.example"
    own = parse_message(raw.replace(b"bounce@phish.example", b"bounces@mail.alfa-construct.ro"),
                        fallback_id="<x>")
    assert own.verified  # a subdomain of the sender's own domain
    failed = parse_message(b"Authentication-Results: mx.crm.example; dmarc=fail\r\n"
                           b"From: ion@alfa-construct.ro\r\n\r\nhi\r\n", fallback_id="<x>")
    assert not failed.verified


def test_the_quoted_history_is_cut_in_english_russian_and_romanian() -> None:
    for quote in ("On Mon, 1 Dec 2025 at 10:00, Ana <ana@x.ro> wrote:",
                  "1 дек. 2025 г., в 10:00, Анна <ana@x.ro> написал(а):",
                  "În lun., 1 dec. 2025 la 10:00, Ana <ana@x.ro> a scris:",
                  "-----Original Message-----"):
        text = f"New text.\n\nIon\n\n{quote}\n> old text\n> older\n"
        assert strip_quoted(text) == "New text.\n\nIon", quote


def test_a_strangers_signature_gives_phone_company_and_a_valid_tax_id_only() -> None:
    raw = ("From: Maria Ionescu <maria@beta-servicii.ro>\r\nSubject: ofertă\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n"
           "Bună ziua,\r\nComanda 123456789 din 12.03.\r\n\r\nMaria Ionescu\r\n"
           "Beta Servicii SRL\r\nCUI RO18547290\r\nTel: 0721 234 567\r\n").encode()
    facts = sender_facts(parse_message(raw, fallback_id="<x>"), "RU")
    assert (facts.name, facts.email, facts.phone, facts.company, facts.country,
            facts.tax_id, facts.vat_payer) == (
        "Maria Ionescu", "maria@beta-servicii.ro", "+40721234567", "Beta Servicii SRL", "RO",
        "18547290", True)
    wrong = raw.replace(b"RO18547290", b"RO18547291")  # the checksum fails
    facts = sender_facts(parse_message(wrong, fallback_id="<x>"), "RU")
    assert facts.tax_id is None
    free = sender_facts(parse_message(b"From: x@gmail.com\r\n\r\nhello\r\n", fallback_id="<x>"),
                        "RU")
    assert free.company is None and free.phone is None and free.name == "x"
