"""The working book of one batch: the invoices' current open amounts and lookup indexes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TypeVar

from services.matching.model import OpenInvoice
from services.matching.normalize import _fold_prefix, _norm_account, _norm_tax_id
from services.matching.references import _Ref

# --- the working book of open amounts --------------------------------------------------------

_OrderedIds = dict[int, None]  # an insertion-ordered set of invoice ids
_K = TypeVar("_K")


def _due_order(invoice: OpenInvoice) -> tuple[date, date, int, int]:
    return (invoice.due_date, invoice.issue_date, invoice.number, invoice.id)


class _Book:
    """The invoices of one batch with their current open amounts and lookup indexes.

    Amount-keyed indexes hold only invoices with something open, under their *current* open
    amount; ``allocate`` moves an invoice between keys, so every lookup is a dict access.
    """

    def __init__(self, invoices: Iterable[OpenInvoice]) -> None:
        self.invoices: dict[int, OpenInvoice] = {}
        self.open: dict[int, int] = {}
        self.tax_ids: dict[int, str] = {}
        self.by_full: dict[tuple[str, int, int], list[int]] = {}
        self.by_year_number: dict[tuple[int, int], list[int]] = {}
        self.by_number: dict[int, list[int]] = {}
        self.prefixes: set[str] = set()
        self.companies_by_tax: dict[str, set[int]] = {}
        self.companies_by_account: dict[str, set[int]] = {}
        self.by_amount: dict[tuple[str, int], _OrderedIds] = {}
        self.by_tax_amount: dict[tuple[str, str, int], _OrderedIds] = {}
        self.by_account_amount: dict[tuple[str, str, int], _OrderedIds] = {}
        self.by_company: dict[tuple[int, str], _OrderedIds] = {}
        self.accounts: dict[int, tuple[str, ...]] = {}
        for invoice in sorted(invoices, key=_due_order):
            if invoice.id in self.invoices:
                raise ValueError(f"invoice {invoice.id} given twice")
            self.invoices[invoice.id] = invoice
            self.open[invoice.id] = invoice.open_minor
            prefix = _fold_prefix(invoice.series_prefix.strip())
            self.prefixes.add(prefix)
            self.by_full.setdefault((prefix, invoice.year, invoice.number), []).append(invoice.id)
            self.by_year_number.setdefault((invoice.year, invoice.number), []).append(invoice.id)
            self.by_number.setdefault(invoice.number, []).append(invoice.id)
            tax_id = _norm_tax_id(invoice.company_tax_id)
            self.tax_ids[invoice.id] = tax_id
            if tax_id:
                self.companies_by_tax.setdefault(tax_id, set()).add(invoice.company_id)
            accounts = tuple(sorted({_norm_account(a) for a in invoice.confirmed_accounts} - {""}))
            self.accounts[invoice.id] = accounts
            for account in accounts:
                self.companies_by_account.setdefault(account, set()).add(invoice.company_id)
            if invoice.open_minor > 0:
                self._index(invoice.id, invoice.open_minor)

    def _keys(
        self, invoice_id: int, amount: int
    ) -> Iterable[tuple[dict[tuple[str, str, int], _OrderedIds], tuple[str, str, int]]]:
        invoice = self.invoices[invoice_id]
        if self.tax_ids[invoice_id]:
            yield self.by_tax_amount, (self.tax_ids[invoice_id], invoice.currency, amount)
        for account in self.accounts[invoice_id]:
            yield self.by_account_amount, (account, invoice.currency, amount)

    def _index(self, invoice_id: int, amount: int) -> None:
        invoice = self.invoices[invoice_id]
        self.by_amount.setdefault((invoice.currency, amount), {})[invoice_id] = None
        self.by_company.setdefault((invoice.company_id, invoice.currency), {})[invoice_id] = None
        for index, key in self._keys(invoice_id, amount):
            index.setdefault(key, {})[invoice_id] = None

    def _unindex(self, invoice_id: int, amount: int) -> None:
        invoice = self.invoices[invoice_id]
        _discard(self.by_amount, (invoice.currency, amount), invoice_id)
        _discard(self.by_company, (invoice.company_id, invoice.currency), invoice_id)
        for index, key in self._keys(invoice_id, amount):
            _discard(index, key, invoice_id)

    def allocate(self, invoice_id: int, amount: int) -> None:
        old = self.open[invoice_id]
        if not 0 < amount <= old:
            raise AssertionError(f"allocation {amount} outside 1..{old}")  # a bug here
        self._unindex(invoice_id, old)
        self.open[invoice_id] = old - amount
        if old - amount:
            self._index(invoice_id, old - amount)

    def lookup(self, ref: _Ref) -> list[int]:
        if ref.prefix is not None and ref.year is not None:
            return self.by_full.get((ref.prefix, ref.year, ref.number), [])
        if ref.year is not None:
            return self.by_year_number.get((ref.year, ref.number), [])
        return self.by_number.get(ref.number, [])


def _discard(index: dict[_K, _OrderedIds], key: _K, invoice_id: int) -> None:
    ids = index.get(key)
    if ids is not None:
        ids.pop(invoice_id, None)
        if not ids:
            del index[key]
