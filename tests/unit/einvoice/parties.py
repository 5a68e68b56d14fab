"""Parties and line sets the e-invoice tests share."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from services.documents.views import PartyView
from services.pricing import LineInput

D = Decimal

SELLER = PartyView(
    name="Softline", legal_name="SC Softline Solutions SRL", country="RO",
    tax_id="RO18547290", address="Str. Aviatorilor 12", city="Sector 1", region="RO-B",
    postal_code="011853", reg_number="J40/1234/2010", vat_payer="yes",
    iban="RO49 AAAA 1B31 0075 9384 0000", bik_or_bic="RNCBROBU",
    email="office@softline.ro", phone="+40 21 123 4567",
)
BUYER = PartyView(
    name="Client Impex", legal_name="Client Impex SRL", country="RO", tax_id="RO14399840",
    address="Str. Memorandumului 28", city="Cluj-Napoca", region="RO-CJ", postal_code="400114",
    vat_payer="yes",
)
EU_BUYER = PartyView(
    name="Kunde", legal_name="Kunde Handels GmbH", country="DE", tax_id="DE123456789",
    address="Hauptstraße 1", city="Berlin", postal_code="10115", vat_payer="yes",
)
NOT_A_PAYER = replace(SELLER, tax_id="18547290", vat_payer="no")
ON_COLLECTION = replace(SELLER, vat_on_collection="yes")

CHAIRS = LineInput("Scaun de birou ergonomic", D(3), D("450.00"), D(21))
BOOKS = LineInput("Carte tehnică", D(7), D("80.55"), D(11))
SERVICE = LineInput("Consultanță IT", D("12.5"), D("210.00"), D(21))
EXEMPT = LineInput("Curs de formare profesională", D(1), D("1500.00"), "none")
