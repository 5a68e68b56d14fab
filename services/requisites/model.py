"""Requisites: countries, tax id kinds, the validated results and the errors every check raises."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass
from dataclasses import field as dc_field
from typing import Any, Literal

Country = Literal["RU", "BY", "MD", "RO"]
TaxIdKind = Literal["inn", "unp", "idno", "cui"]
InnKind = Literal["legal", "individual"]

COUNTRIES: tuple[Country, ...] = ("RU", "BY", "MD", "RO")

_MESSAGES: dict[str, str] = {
    "required": "a value is required",
    "digits": "must contain digits only",
    "length": "has the wrong length",
    "checksum": "check digit does not match",
    "kpp_format": "must be 4 digits, 2 digits or capital Latin letters, then 3 digits",
    "kpp_not_applicable": "an individual entrepreneur (12-digit INN) has no KPP",
    "ogrn_format": "an OGRN starts with 1 or 5, an OGRNIP with 3",
    "ogrn_kind_mismatch": "OGRN/OGRNIP does not match the INN kind",
    "bik_format": "a Russian BIK starts with 04",
    "account_key": "account control key does not match the BIK",
    "corr_account_bik": "correspondent account does not end with the BIK's last 3 digits",
    "unp_format": "must be 9 characters: 2 digits or letters, then 7 digits",
    "cui_format": "a CUI does not start with 0",
    "iban_format": "IBAN structure is wrong for its country",
    "iban_country": "IBAN country is unknown or not the one required",
    "iban_checksum": "IBAN check digits do not match",
    "bic_format": "BIC structure or country code is wrong",
    "unknown_country": "country is not supported",
}


def _exception_setattr(self: BaseException, name: str, value: object) -> None:
    # The interpreter assigns dunders on exceptions from Python code: contextlib sets
    # __traceback__ when an error leaves a @contextmanager, add_note() sets __notes__. A plain
    # frozen dataclass turns both into FrozenInstanceError, hiding the real error.
    if name.startswith("__") and name.endswith("__"):
        object.__setattr__(self, name, value)
        return
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


@dataclass(frozen=True, eq=False)
class RequisiteError(ValueError):
    """One failed check: `field` is the input's name, `code` the check (see _MESSAGES)."""

    field: str
    code: str
    detail: dict[str, Any] = dc_field(default_factory=dict)

    def __post_init__(self) -> None:
        BaseException.__init__(self, self.field, self.code, self.detail)

    def __str__(self) -> str:
        message = _MESSAGES.get(self.code, self.code)
        extras = ", ".join(f"{k}={v!r}" for k, v in self.detail.items() if k != "value")
        return f"{self.field}: {message} [{self.code}]" + (f" ({extras})" if extras else "")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.field, self.code, dict(self.detail)))


@dataclass(frozen=True, eq=False)
class RequisitesInvalid(ValueError):
    """Every check that failed in `validate_requisites`, in field order."""

    errors: list[RequisiteError]

    def __post_init__(self) -> None:
        BaseException.__init__(self, self.errors)

    def __str__(self) -> str:
        return "; ".join(str(e) for e in self.errors)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (list(self.errors),))


setattr(RequisiteError, "__setattr__", _exception_setattr)  # noqa: B010 (mypy: method-assign)
setattr(RequisitesInvalid, "__setattr__", _exception_setattr)  # noqa: B010


@dataclass(frozen=True)
class TaxId:
    """A checksum-valid tax id. `vat_payer` is only known in Romania (the "RO" prefix)."""

    country: Country
    kind: TaxIdKind
    value: str
    vat_payer: bool | None = None


@dataclass(frozen=True)
class Requisites:
    """Requisites that passed every check together; absent fields are None."""

    country: Country
    tax_id: TaxId
    kpp: str | None = None
    ogrn: str | None = None
    bik: str | None = None
    settlement_account: str | None = None
    corr_account: str | None = None
    iban: str | None = None
    bic: str | None = None
