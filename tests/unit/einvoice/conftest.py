"""The official artefacts are read from EFACTURA_RULES_DIR (default ../shared/efactura); the
validation tests skip, saying why, when the folder is absent. The validator is built once per
module (its schemas are also cached per process)."""

from __future__ import annotations

import pytest

from bot.einvoice.check import EInvoiceValidator, rules_dir


@pytest.fixture(scope="module")
def validator() -> EInvoiceValidator:
    folder = rules_dir()
    checker = EInvoiceValidator(folder)
    if not checker.available():
        pytest.skip(f"e-invoice rules folder {folder} is absent (EFACTURA_RULES_DIR): "
                    "XSD and schematron validation not run")
    return checker
