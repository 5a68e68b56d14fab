"""Validation of company requisites (tax ids, bank ids, accounts) for RU, BY, MD and RO.

Every validator returns the normalized value (separators removed, upper-cased where letters are
allowed) or raises `RequisiteError(field, code, detail)`. `code` is machine-readable so the bot
can translate it; `str()` of the error is plain English for logs and never contains the value
itself (a 12-digit INN belongs to a person). `detail` always carries the normalized `value` the
check was run on when there was one, plus code-specific keys:

* `length`: `expected` (list of allowed lengths) and `actual`.
* `iban_country`: `expected` (required country or None) and `actual` (the IBAN's prefix).
* `ogrn_kind_mismatch`: `inn_kind`, `expected` and `actual` lengths.
* `account_key`, `corr_account_bik`: `bik`.

python-stdnum does the INN, UNP, IDNO, CUI, IBAN and BIC arithmetic. KPP, BIK, the OGRN/OGRNIP
check digit and the Russian account control key are ours: stdnum has no KPP/BIK/account key, and
its OGRNIP check compares with `% 13` instead of `% 13 % 10`, rejecting valid numbers whose
remainder is 10-12.

The package: `model` (countries, TaxId, Requisites, the errors), `normalize` (labels and
separators), `russia`, `by_md_ro`, `banking` (IBAN, BIC), `tax_ids` (one country's tax id,
detection) and `combined` (validate_requisites).
"""

from __future__ import annotations

from services.requisites.banking import validate_bic, validate_iban
from services.requisites.by_md_ro import validate_cui, validate_idno, validate_unp
from services.requisites.combined import validate_requisites
from services.requisites.model import (
    COUNTRIES,
    Country,
    InnKind,
    RequisiteError,
    Requisites,
    RequisitesInvalid,
    TaxId,
    TaxIdKind,
)
from services.requisites.russia import (
    inn_kind,
    validate_bik,
    validate_inn,
    validate_kpp,
    validate_ogrn,
    validate_ru_account,
    validate_ru_corr_account,
    validate_ru_settlement_account,
)
from services.requisites.tax_ids import (
    TAX_ID_FIELD,
    detect_tax_id,
    looks_like_tax_id,
    validate_tax_id,
)

__all__ = [
    "COUNTRIES",
    "TAX_ID_FIELD",
    "Country",
    "InnKind",
    "RequisiteError",
    "Requisites",
    "RequisitesInvalid",
    "TaxId",
    "TaxIdKind",
    "detect_tax_id",
    "inn_kind",
    "looks_like_tax_id",
    "validate_bic",
    "validate_bik",
    "validate_cui",
    "validate_iban",
    "validate_idno",
    "validate_inn",
    "validate_kpp",
    "validate_ogrn",
    "validate_requisites",
    "validate_ru_account",
    "validate_ru_corr_account",
    "validate_ru_settlement_account",
    "validate_tax_id",
    "validate_unp",
]
