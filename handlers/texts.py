"""Sentences for domain error codes, in the user's language. Services give codes only."""

from __future__ import annotations

import html

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from services.errors import DomainError

FIELD_NAMES = {
    "name": __("name"),
    "phone": __("phone"),
    "email": __("e-mail"),
    "role": __("role"),
    "user": __("user"),
    "language": __("language"),
    "query": __("search text"),
    "country": __("Country"),
    "legal_form": __("Legal form"),
    "legal_name": __("legal name"),
    "legal_address": __("legal address"),
    "inn": __("INN"),
    "kpp": __("KPP"),
    "ogrn": __("OGRN"),
    "bik": __("BIK"),
    "settlement_account": __("Account"),
    "corr_account": __("Correspondent account"),
    "unp": __("UNP"),
    "idno": __("IDNO"),
    "cui": __("CUI"),
    "iban": __("IBAN"),
    "bic": __("BIC"),
    "title": __("title"),
    "text": __("text"),
    "due": __("time"),
    "amount": __("amount"),
    "company": __("client company"),
    "contact": __("contact"),
    "expected_close": __("expected close date"),
    "lost_reason": __("reason"),
    "decision_maker": __("decision maker"),
    "budget_confirmed": __("budget confirmed"),
    "delivery_address": __("delivery address"),
    "contract_number": __("contract number"),
    "timezone": __("time zone"),
    "ends_on": __("end date"),
    "next_task": __("next task"),
    "contact_name": __("contact name"),
    "company_name": __("company name"),
    "city": __("city"),
    "topic": __("topic"),
    "source": __("source"),
    "junk_reason": __("reason"),
    "tax_id": __("tax id"),
    "account": __("account"),
    "address": __("address"),
    "currency": __("currency"),
    "invoice_prefix": __("invoice prefix"),
    "number_pattern": __("number pattern"),
    "bank_name": __("bank name"),
    "quantity": __("quantity"),
    "price": __("price"),
    "discount": __("discount"),
    "due_date": __("due date"),
    "valid_until": __("validity date"),
    "vat": __("VAT rate"),
    "sku": __("SKU"),
    "unit": __("unit"),
    "line": __("line"),
    "file": __("file"),
    "template": __("template"),
    "doc_number": __("document number"),
    "assignee": __("assignee"),
    "price_list": __("price list"),
    "director": __("director"),
    "accountant": __("chief accountant"),
    "director_position": __("director's position"),
    "signer_name": __("signer's name"),
    "signer_position": __("signer's position"),
    "signer_poa_number": __("power of attorney number"),
    "signer_poa_date": __("power of attorney date"),
    "trade_register": __("trade register number"),
    "postal_code": __("postal code"),
    "region": __("county code"),
    "position": __("position"),
    "reason": __("reason"),
    "payment_terms_days": __("payment terms"),
    "delivery_date": __("delivery date"),
    "exchange_rate": __("exchange rate"),
    "vat_exemption_reason": __("VAT exemption reason"),
}

ERRORS = {
    "not_found": __("Not found. It may have been removed, or it is not yours."),
    "mail_no_address": __("The message has no sender's address to reply to."),
    "mail_from_client": __("This e-mail is from a client already: it is on their timeline."),
    "forbidden": __("You do not have access to this."),
    "invite_invalid": __("This invitation link is not valid or has already been used."),
    "invite_expired": __("This invitation link has expired. Ask an admin for a new one."),
    "already_member": __("You are already a member of the team."),
    "bad_role": __("Unknown role: choose one with the buttons."),
    "no_subject": __("A note belongs to a deal or a client: open one first."),
    "already_deactivated": __("Already deactivated."),
    "self_deactivate": __("You cannot deactivate yourself."),
    "bad_language": __("Unknown language."),
    "empty": __("The {field} cannot be empty."),
    "too_long": __("The {field} is too long: at most {limit} characters."),
    "not_a_number": __("That does not look like a phone number. Example: +7 912 345-67-89."),
    "invalid_phone": __("This phone number is not valid. Add the country code, e.g. +373..."),
    "invalid_email": __("This e-mail address is not valid. Example: name@company.ru."),
    "query_too_short": __("Type at least {limit} characters to search."),
    "query_unreadable": __("Search by the start of a name, a phone, an e-mail, a tax id, an "
                           "account, a document number or an amount."),
    "bad_date_range": __("That is not a period. Example: 01.11.2026–30.11.2026."),
    "period_reversed": __("The period ends before it starts."),
    "period_too_long": __("A period can be at most {years} years long."),
    # the reports (issue 14)
    "bad_report": __("Unknown report."),
    "bad_scope": __("Unknown choice of whose figures to show."),
    "bad_currency": __("Unknown currency."),
    "bad_months": __("XYZ is computed over 6 or 12 months."),
    "plan_not_positive": __("A plan must be more than zero. Nothing was saved."),
    "bad_basis": __("A plan counts either paid or invoiced amounts."),
    "already_owner": __("This client already belongs to that manager."),
    # the client card: edits, contacts, archive, merge (services/companies/editing.py)
    "client_archived": __("This client is archived: restore it first. Nothing was changed."),
    "client_changed": __("The client was changed by someone else since this card was shown. "
                         "Open the card again; nothing was changed."),
    "client_busy": __("The client has open deals: {deals} and unpaid invoices: {invoices}. "
                      "Close them first; the client was not archived."),
    "client_not_archived": __("This client is not archived."),
    "client_merged": __("This client was merged into another one and cannot be restored."),
    "merge_self": __("A client cannot be merged with itself."),
    "requisites_first": __("Fill in the requisites first with the Requisites button."),
    "bad_terms": __("Payment terms are a whole number of days from 0 to {limit}."),
    "bad_legal_form": __("Please choose the legal form with the buttons."),
    "req_required": __("{field}: a value is required."),
    "req_digits": __("{field}: digits only, please."),
    "req_length": __("{field}: wrong length, {actual} characters; expected {expected}."),
    "req_checksum": __("{field}: the checksum does not match."),
    "req_kpp_format": __("{field}: 4 digits, 2 digits or capital Latin letters, then 3 digits."),
    "req_kpp_not_applicable": __("{field}: an entrepreneur (12-digit INN) has no KPP."),
    "req_ogrn_format": __("{field}: an OGRN starts with 1 or 5, an OGRNIP with 3."),
    "req_ogrn_kind_mismatch": __("{field}: a 10-digit INN goes with a 13-digit OGRN, a 12-digit "
                                 "INN with a 15-digit OGRNIP."),
    "req_bik_format": __("{field}: a Russian BIK starts with 04."),
    "req_account_key": __("{field}: the control key does not match BIK {bik}."),
    "req_corr_account_bik": __("{field}: a correspondent account ends with the last 3 digits "
                               "of BIK {bik}."),
    "req_unp_format": __("{field}: 9 characters, 2 digits or letters, then 7 digits."),
    "req_cui_format": __("{field}: a CUI does not start with 0."),
    "req_iban_format": __("{field}: the structure is wrong for its country."),
    "req_iban_country": __("{field}: unknown country code {actual}."),
    "req_iban_checksum": __("{field}: the check digits do not match."),
    "req_bic_format": __("{field}: 8 or 11 characters; letters 5-6 are a country code."),
    "req_unknown_country": __("Choose one of the countries with the buttons."),
    "bad_date": __("That is not a date. Example: 25.11.2026."),
    "bad_bool": __("Please answer Yes or No."),
    "amount_not_a_number": __("That is not an amount. Example: 1 200,50."),
    "amount_too_many_decimals": __("At most two digits after the decimal point, please."),
    "amount_negative": __("The amount cannot be negative."),
    "amount_too_large": __("The amount is too large."),
    "deal_closed": __("This deal is already closed."),
    "no_next_stage": __("There is no next stage: mark the deal won or lost."),
    "stage_not_allowed": __("This stage cannot be chosen now: this pipeline moves one stage "
                            "at a time."),
    "unknown_stage": __("Unknown stage."),
    "stage_changed": __("The deal has moved since this card was shown. Open it again."),
    "deal_changed": __("The deal has been changed since this card was shown: nothing was "
                       "changed. Open it again."),
    "deal_not_lost": __("Only a lost deal can be restored."),
    "same_pipeline": __("The deal is already in this pipeline."),
    "unknown_pipeline": __("Unknown pipeline."),
    "unknown_reason": __("Choose the reason with the buttons."),
    "head_only": __("Only a head of sales or an admin can do this."),
    "date_in_past": __("This date has already passed: give today or a later one."),
    "bad_when": __("I could not read the time. Examples: 25.11 15:00, tomorrow 10:00."),
    "bad_hour": __("The morning digest plans your day: send an hour from {first} to {last}, "
                   "for example 8."),
    "bad_alert_kind": __("There is no such alert."),
    "when_in_past": __("This moment has already passed."),
    "end_before_start": __("The end must be after the start."),
    "task_closed": __("This task is already closed."),
    # an alert's button pressed twice, or after its task, invoice or contract moved on
    "already_done": __("Already done."),
    "already_paid": __("Already paid: nothing was sent or created."),
    "reminders_off": __("Reminders for this invoice are stopped or paused: nothing was sent. "
                        "Resume them in /reminders."),
    "no_customer_channel": __("The client has no bound chat and no e-mail: the reminder "
                              "cannot reach them."),
    "meeting_changed": __("Already done: this meeting has changed since this message."),
    "slot_gone": __("This time is no longer offered."),
    "slot_offered": __("This time is already offered."),
    "slot_is_start": __("The meeting already starts then: offer another time."),
    "slots_full": __("At most {limit} times can be offered: take one back first."),
    "not_client_meeting": __("Times can be offered only on a meeting with client reminders."),
    "not_an_event": __("Only a meeting or a call is linked to a client."),
    "task_open": __("This task is open; there is nothing to restore."),
    "task_same_status": __("The task already has this status."),
    "bad_assignee": __("The task can only go to an active colleague: a manager or a head of "
                       "sales."),
    "already_assignee": __("This task is already with this colleague."),
    "bad_task_status": __("This status does not fit this task."),
    "bad_postpone": __("This task cannot be postponed like that."),
    "bad_interaction_kind": __("Unknown kind of interaction."),
    "file_too_large": __("The file is too large."),
    "file_kind": __("This cannot be kept on a card: send a document, a photo, a voice "
                    "message, a video or audio."),
    "bad_period": __("Unknown period."),
    "phone_foreign": __("This looks like a number from another country: add its +code "
                        "(e.g. {dial}...)."),
    "unknown_source": __("Please choose the source with the buttons."),
    "lead_missing": __("The {field} is required."),
    "tax_id_checksum": __("{kind} checksum does not match. Nothing was saved: check the "
                          "number."),
    "tax_id_length": __("{kind} has the wrong number of digits. Nothing was saved."),
    "tax_id_digits": __("{kind} must contain digits only. Nothing was saved."),
    "tax_id_unp_format": __("{kind}: 9 characters, 2 digits or letters, then 7 digits. "
                            "Nothing was saved."),
    "tax_id_cui_format": __("{kind}: a CUI does not start with 0. Nothing was saved."),
    "tax_id_required": __("{kind} is empty. Nothing was saved."),
    "tax_id_invalid": __("{kind} is not valid. Nothing was saved."),
    "lead_not_qualified": __("Only a qualified lead can be converted: mark it Qualified "
                             "first."),
    "lead_converted": __("This lead is already converted."),
    "lead_status": __("The lead cannot move to this status now."),
    "unknown_status": __("Unknown status."),
    "quantity_not_positive": __("The quantity must be more than zero."),
    "quantity_not_a_number": __("That is not a quantity. Example: 2 or 1,5."),
    "quantity_too_many_decimals": __("At most three digits after the decimal point, please."),
    "quantity_too_large": __("The quantity is too large."),
    "discount_over_100": __("A discount cannot be more than 100%."),
    "discount_over_line": __("The discount of line {line} is more than the line amount."),
    "discount_negative": __("A discount cannot be negative."),
    "discount_both": __("Give a percent or an amount, not both."),
    "total_discount_over_total": __("The discount is more than the total of the items."),
    "price_negative": __("The price cannot be negative."),
    "vat_rate_invalid": __("Unknown VAT rate."),
    "mixed_currency": __("All lines must be in the invoice currency."),
    "too_many_lines": __("Too many lines: at most {limit}."),
    "bad_tax_mode": __("Unknown tax mode."),
    "bad_line_kind": __("Unknown kind of line."),
    "no_lines": __("Add at least one line first."),
    "not_draft": __("Only a draft can be changed. Cancel and reissue the invoice to correct "
                    "it."),
    "no_buyer": __("Choose the client first."),
    "no_organization": __("No seller organization yet: an admin adds one with /org."),
    # Issue 16: the act and the UPD (nothing is issued, no number taken).
    "act_without_services": __("This invoice has no services, so it has no act: print the "
                               "UPD to hand over the goods."),
    "upd_russia_only": __("The UPD is a Russian document: print the act or the delivery "
                          "note instead."),
    "missing_seller_requisite": __("Nothing was issued: our organization has no {field} yet. "
                                   "An admin adds it in /org."),
    "missing_buyer_requisite": __("Nothing was issued: the client has no {field} yet. Add it "
                                  "on the client's card."),
    "busy": __("Many documents are being issued right now; please try again."),
    "bad_transition": __("This cannot be done in the current status of the document."),
    "has_payments": __("Payments were received for this invoice; it cannot be cancelled."),
    "has_credit_notes": __("This invoice has credit notes; it cannot be cancelled."),
    "not_creditable": __("A credit note is issued only against an issued invoice that is not "
                         "cancelled."),
    "fully_credited": __("This invoice is already fully credited."),
    "credit_empty": __("Choose at least one line and a quantity to credit."),
    "credit_over_invoice": __("The credit note is larger than what the invoice has left."),
    "credit_quantity_over": __("Line {line} has less left to credit than that."),
    "nothing_to_refund": __("There is nothing to refund on this credit note."),
    "refund_over": __("That is more than can be refunded on this credit note."),
    "reason_empty": __("Write the reason, please."),
    "currency_has_lines": __("Change the currency before adding lines."),
    "unknown_currency": __("Unknown currency. Use RUB, BYN, MDL, RON, EUR or USD."),
    "no_price_in_currency": __("This product has no price in {currency}: add it as a line "
                               "with a price."),
    "due_in_past": __("This date has already passed."),
    "due_too_far": __("This date is too far in the future."),
    "quote_expired": __("This offer has expired."),
    "quote_not_accepted": __("The offer has not been accepted yet."),
    "unknown_vat": __("Unknown VAT rate. Use 22, 10, 0 or «none» (the rates of your "
                      "country)."),
    "missing_name": __("The name is missing."),
    "bad_price": __("The price is not a valid amount."),
    "bad_sku": __("An SKU has no spaces and at most {limit} characters."),
    "sku_taken": __("A product with this SKU already exists."),
    "unknown_price_list": __("Unknown price list: no product has a price in it."),
    "bad_price_list": __("A price list's name has letters, digits, spaces, - and _ only."),
    "repeat_draft": __("A draft is not repeated: edit it instead."),
    "no_last_invoice": __("This client has no issued invoice yet to repeat."),
    "bad_terms_days": __("Payment terms are a number of days from 1 to {limit}."),
    "unknown_field": __("This field cannot be changed here."),
    "bad_kind": __("Unknown product kind: good or service."),
    "csv_no_header": __("The first line must name the columns: name, vat, price, currency "
                        "(and sku, unit, price_list if you have them)."),
    "csv_broken": __("The CSV file could not be read."),
    "csv_too_many_rows": __("Too many rows: at most {limit} per file."),
    "duplicate": __("The same product, price list and currency appear twice."),
    "unknown_country": __("Choose one of the countries with the buttons."),
    "bad_prefix": __("A prefix is 1 to {limit} Latin letters, digits or - _ /."),
    "bad_trade_register": __("That is not a trade register number. Example: J40/1234/2020."),
    "bad_region": __("That is not a county code. Example: B for Bucharest, CJ for Cluj."),
    "bad_postal_code": __("A postal code has letters, digits, spaces and - only."),
    "bad_yes_no": __("Answer yes or no."),
    "bad_number_pattern": __("The pattern must contain {{seq}} and may use {{prefix}}, "
                             "{{yyyy}}, {{yy}}; e.g. {{prefix}}-{{yyyy}}-{{seq:05}}."),
    # payments (services/payments)
    "payment_done": __("This payment is already done."),
    "invoice_not_payable": __("This invoice takes no payments now: it is a draft, paid or "
                              "cancelled."),
    "payment_currency": __("The payment is in {currency}; the invoice is in another "
                           "currency."),
    "payment_not_positive": __("The amount must be more than zero."),
    "payment_source": __("Unknown kind of payment: cash, card or bank."),
    "payment_in_future": __("This date is in the future."),
    "no_credit": __("This client has no credit to apply."),
    "payment_in_statement": __("This transfer is already in an imported bank statement "
                               "(№ {number} of {date}): it is not recorded twice."),
    "no_customer_chat": __("The customer has no Telegram chat with us."),
    "split_empty": __("Send at least one line: the invoice number and the amount."),
    "split_bad_line": __("Line {line}: write the invoice number, a space, then the amount, "
                         "e.g. INV-2026-00001 600,00."),
    "split_unknown_invoice": __("Line {line}: you have no invoice {number}."),
    "split_over_invoice": __("That is more than is left to pay on {number}."),
    "split_over_payment": __("The parts add up to more than the payment."),
    "split_several_clients": __("A payment can be split only across invoices of one client."),
    "split_duplicate": __("Each invoice once, please."),
    "statement_foreign_account": __("This statement is for account {account}, which is not "
                                    "an account of our organizations. Nothing was imported."),
    # documents to customers (services/delivery.py, services/customers.py)
    "link_invalid": __("This link is not valid: it may have expired or been revoked. Ask "
                       "your manager for a new one."),
    "not_sendable": __("A document in this status cannot be sent."),
    "no_links": __("A credit note is sent to the customer's chat or by e-mail; it has no "
                   "links."),
    "customer_not_bound": __("The customer has not opened a Telegram link yet: send them "
                             "one first."),
    "email_not_configured": __("E-mail is not set up on this bot (SMTP_HOST)."),
    # Telegram Business (services/business, services/delivery)
    "business_no_chat": __("You have no Telegram chat with this customer that the bot "
                           "logs. Nothing was sent."),
    "business_no_reply": __("Telegram does not let the bot reply in your chats: allow "
                            "«Reply to messages» in Telegram Business → Chatbots. Nothing "
                            "was sent."),
    "business_chat_excluded": __("This chat is excluded: include it in /business first."),
    "business_chat_known": __("This chat is already with a client's contact: its messages "
                              "are on the client's timeline."),
    "email_failed": __("The mail server did not accept the message. Nothing was sent."),
    "bad_template_name": __("Name the template: one of {names}. Example: /template "
                            "invoice_ru."),
    "template_not_html": __("A template is an .html.j2 file."),
    "template_error": __("The template was refused, the old one is kept: {error}"),
    "file_too_large_limit": __("The file is too large: at most {limit} KB."),
    "image_too_large": __("The picture is too large: at most {limit} MB."),
    "bad_image_kind": __("Unknown kind of picture: logo, stamp or signature."),
    "not_an_image": __("This file is not a picture: send a PNG or JPEG."),
    "unknown_timezone": __("Unknown time zone. Use a name like Europe/Chisinau, Europe/Moscow "
                           "or Europe/Bucharest."),
    "reminder_not_pending": __("This reminder is no longer waiting to be sent."),
    "invoice_closed": __("This invoice is already paid or cancelled."),
    "unknown_answer": __("Unknown answer."),
    "contract_end_before_start": __("The end date must not be before the start date."),
    "contract_without_client": __("Nothing was issued: the deal has no client. Set the "
                                  "client on the deal first."),
    "contract_without_lines": __("Nothing was issued: the deal has nothing to sell yet. Add "
                                 "a quote or an invoice with lines, or the deal's amount."),
    # card payments, shipments, receivables, exports (payments part B)
    "card_payload": __("This payment request is no longer valid. Press Pay again."),
    "card_invoice_paid": __("This invoice is already paid."),
    "card_invoice_closed": __("This invoice takes no payments now."),
    "card_amount_changed": __("The amount due has changed. Press Pay again for the new "
                              "amount."),
    "already_shipped": __("This invoice is already shipped."),
    "ship_needs_terms": __("The invoice is not paid in full: choose a guarantee letter or an "
                           "installment schedule."),
    "schedule_bad": __("Write the schedule like: 30%: today; 70%: 20.12.2026. The shares "
                       "must add up to 100%."),
    "schedule_past": __("A due date cannot be in the past."),
    # e-Factura and Factur-X (services/einvoice/checks.py): nothing is issued on a refusal
    "einvoice_seller_missing": __("No e-invoice: the seller's {field} is missing. Fill it in "
                                  "the organization's requisites."),
    "einvoice_buyer_missing": __("No e-invoice: the buyer's {field} is missing. Fill it in "
                                 "the client's requisites."),
    "einvoice_bad_region": __("No e-Factura: the county code {value} is not an ISO 3166-2:RO "
                              "code. Examples: RO-B (Bucharest), RO-CJ (Cluj)."),
    "einvoice_bad_sector": __("No e-Factura: in Bucharest the city must be the sector, e.g. "
                              "«Sector 3»; now it is «{value}»."),
    "einvoice_seller_not_ro": __("e-Factura is Romania's system: the seller must be registered "
                                 "in Romania, this organization is in {country}."),
    "einvoice_buyer_not_ro": __("e-Factura goes only to buyers in Romania; this client is in "
                                "{country}. A client in the EU invoiced in EUR gets Factur-X "
                                "instead."),
    "einvoice_no_rate": __("The invoice is in {currency}: give the exchange rate to RON (how "
                           "many RON for 1 {currency}) first."),
    "einvoice_vat_not_payer": __("The seller is not registered for VAT, but line {line} "
                                 "charges VAT. Use 0% or «none»."),
    "einvoice_reverse_charge_vat": __("Reverse charge: the lines carry no VAT, but line {line} "
                                      "does. Set its VAT to 0%."),
    "einvoice_no_exemption_reason": __("Lines without VAT need the legal reason of the "
                                       "exemption, e.g. «art. 292 Codul fiscal»."),
    "einvoice_bad_exemption_code": __("Unknown VAT exemption code {value}: use a VATEX code "
                                      "such as VATEX-EU-132."),
    "einvoice_number_digit": __("An e-Factura number must contain at least one digit."),
    "einvoice_too_long": __("The {field} is too long for an e-Factura: at most {limit} "
                            "characters."),
    "einvoice_vat_rounding": __("No e-invoice: at {rate}% the VAT of the lines, each rounded, "
                                "differs by {difference} from the VAT on their total; the "
                                "rules allow less than 1.00. Choose the tax mode «VAT on the "
                                "total»."),
    "einvoice_no_original": __("A credit note must name the invoice it credits (number and "
                               "date)."),
    "facturx_not_eur": __("Factur-X is made for invoices in EUR; this one is in {currency}."),
    "facturx_buyer_not_eu": __("Factur-X is made for buyers in the EU; this client is in "
                               "{country}."),
    # the invoice's market fields (issue 16, services/invoices/market.py)
    "exchange_rate_required": __("The invoice is in {currency} and the organization keeps its "
                                 "books in {local}: set the exchange rate first (Exchange "
                                 "rate). Nothing was issued."),
    "vat_exemption_reason_required": __("Some lines have no VAT: set the VAT exemption reason "
                                        "(the article of the law), or turn reverse charge "
                                        "on. Nothing was issued."),
    "bad_exchange_rate": __("That is not an exchange rate. Example: 4.9750."),
    "exchange_rate_not_needed": __("The invoice is in the organization's own currency "
                                   "({currency}): it needs no exchange rate."),
    "delivery_too_far": __("The delivery date is more than a year away from today."),
}


def error_text(err: DomainError) -> str:
    template = ERRORS.get(err.code)
    if template is None:
        return _("This cannot be done: {reason}.").format(reason=err.code)
    params = dict(err.params)
    if err.code == "bad_date" and "text" in params:  # the date as typed, e.g. in a period
        template = __("There is no date {text}. Example: 25.11.2026.")
        params["text"] = html.escape(str(params["text"]))
    field = params.get("field")
    if field is not None:
        params["field"] = str(FIELD_NAMES.get(field, field))
    return str(template).format(**params)


#: The tax id's name by country, as the reader writes it (ИНН, УНП in Russian; IDNO, CUI).
TAX_ID_KINDS = {"RU": "inn", "BY": "unp", "MD": "idno", "RO": "cui"}


def tax_id_kind(country: str | None) -> str:
    kind = TAX_ID_KINDS.get(country or "")
    return str(FIELD_NAMES[kind]) if kind else _("tax id")


def unit_text(unit: str) -> str:
    """A product's unit in the reader's language: the catalog's neutral "pcs" (a unit left
    empty) reads «шт.» / "buc."; a unit the user typed is shown as typed."""
    if unit.strip().lower() in ("pcs", "pc", ""):
        return _("pcs")
    return unit


def unexpected_error_text() -> str:
    return _("Something went wrong on our side; nothing was saved. Please try again.")
