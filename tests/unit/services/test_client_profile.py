"""The client card's pure rules: which requisite fields apply, how a merge fills the survivor,
when a card is stale."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.companies import ClientProfile, requisite_fields
from services.companies.profile import clean_company_value, merge_fill, stale
from services.errors import Conflict, InvalidInput

EMPTY = ClientProfile(
    id=1, owner_id=1, name="Ромашка", country=None, legal_form=None, tax_id=None, kpp=None,
    ogrn=None, vat_payer=None, legal_address=None, phone=None, email=None, timezone=None,
    language=None, price_list=None, payment_terms_days=None, archived_at=None,
    archive_reason=None, merged_into_id=None)
SBER = replace(EMPTY, id=2, name="Сбер", country="RU", legal_form="ПАО", tax_id="7707083893",
               kpp="773601001", ogrn="1027700132195", legal_address="Москва",
               phone="+79123456789", payment_terms_days=0)


def test_requisite_fields_follow_the_country_and_the_kind_of_inn() -> None:
    assert requisite_fields(EMPTY) == ()
    assert requisite_fields(SBER) == ("tax_id", "kpp", "ogrn")
    assert requisite_fields(replace(SBER, tax_id="500100732259", kpp=None)) == (
        "tax_id", "ogrn")
    assert requisite_fields(replace(SBER, country="RO")) == ("tax_id",)


def test_merge_fills_only_empty_fields_and_requisites_together() -> None:
    fill = merge_fill(EMPTY, SBER)
    assert fill == {"country": "RU", "legal_form": "ПАО", "tax_id": "7707083893",
                    "kpp": "773601001", "ogrn": "1027700132195", "vat_payer": None,
                    "legal_address": "Москва", "phone": "+79123456789",
                    "payment_terms_days": 0}
    # The survivor's own INN is never paired with the other's KPP.
    own = replace(EMPTY, country="RU", tax_id="7736207543")
    assert "kpp" not in merge_fill(own, SBER) and "tax_id" not in merge_fill(own, SBER)
    assert merge_fill(SBER, EMPTY) == {}


def test_values_checked_as_at_creation() -> None:
    assert clean_company_value(SBER, "kpp", "773601002", "RU", ()) == {"kpp": "773601002"}
    with pytest.raises(InvalidInput) as err:
        clean_company_value(replace(SBER, tax_id="500100732259"), "kpp", "773601002", "RU", ())
    assert err.value.code == "req_kpp_not_applicable"
    # A 12-digit INN drops the KPP; a 13-digit OGRN then no longer fits.
    with pytest.raises(InvalidInput) as err:
        clean_company_value(SBER, "tax_id", "500100732259", "RU", ())
    assert err.value.code == "req_ogrn_kind_mismatch"
    assert clean_company_value(replace(SBER, ogrn=None), "tax_id", "500100732259", "RU",
                               ()) == {"tax_id": "500100732259", "vat_payer": None,
                                       "kpp": None}
    with pytest.raises(Conflict):
        clean_company_value(EMPTY, "ogrn", "1027700132195", "RU", ())
    assert clean_company_value(EMPTY, "price_list", "vip", "RU", ("base", "vip")) == {
        "price_list": "vip"}
    assert clean_company_value(EMPTY, "payment_terms_days", "0", "RU", ()) == {
        "payment_terms_days": 0}
    with pytest.raises(InvalidInput):
        clean_company_value(EMPTY, "payment_terms_days", "١٤", "RU", ())  # not ASCII digits


def test_a_card_is_stale_when_the_value_it_showed_changed() -> None:
    assert not stale(SBER, "phone", "+79123456789")
    assert stale(SBER, "phone", "+79120000000")
    assert not stale(SBER, "payment_terms_days", "0") and not stale(EMPTY, "email", None)
