"""e-Factura benchmark: 100 invoices of varied shapes (1-30 lines; the three tax modes; 21 %,
11 %, exempt, reverse charge; line and document discounts; RON and EUR with a rate; a credit
note in ten) built with ``build_einvoice`` and written as UBL (``write_ubl``), then validated
against the UBL 2.1 XSD and the CIUS-RO 1.0.9 schematron (``bot.einvoice``, rules from
EFACTURA_RULES_DIR, loaded once before timing).

Prints a table, then the judged figures: `figure: efactura_generate_ms` per invoice (goal
<= 5 ms: pricing + model + XML bytes; the mean of the fastest of 3 passes over the 100) and
`figure: efactura_validate_ms` per invoice (XSD + schematron). Every generated file must be
valid; the run fails otherwise.

    .venv/bin/python bench/einvoice.py [--count 100] [--out DIR]

With ``--out DIR`` it also writes each EUR invoice, made out to an EU buyer, as its Factur-X
PDF (PDF/A-3b with the CII embedded; its CII validated), ``<number>.pdf``.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.einvoice.check import EInvoiceValidator, rules_dir
from bot.pdf import render_sync
from services.documents import build_invoice_view
from services.documents.views import PartyView
from services.einvoice import build_einvoice
from services.einvoice.cii import write_cii
from services.einvoice.ubl import write_ubl
from services.pricing import LineInput

D = Decimal
SELLER = PartyView(
    name="Softline", legal_name="SC Softline Solutions SRL", country="RO",
    tax_id="RO18547290", address="Str. Aviatorilor 12", city="Sector 1", region="RO-B",
    postal_code="011853", reg_number="J40/1234/2010", vat_payer="yes",
    iban="RO49AAAA1B31007593840000", bik_or_bic="RNCBROBU", email="office@softline.ro")
BUYERS = [
    PartyView(name=f"Client {i}", legal_name=f"Client {i} SRL", country="RO",
              tax_id=f"RO{14399840 + i}", address=f"Str. Memorandumului {i}",
              city=city, region=region, postal_code="400114", vat_payer="yes")
    for i, (city, region) in enumerate([("Cluj-Napoca", "RO-CJ"), ("Sector 3", "RO-B"),
                                        ("Iași", "RO-IS"), ("Timișoara", "RO-TM")])
]
PRODUCTS = ["Scaun de birou", "Licență software", "Consultanță IT", "Carte tehnică",
            "Hârtie A4", "Monitor 27\"", "Mentenanță lunară", "Cablu de rețea"]
UNITS = ["buc.", "buc.", "ore", "buc.", "set", "buc.", "lună", "m"]


def invoice_args(i: int, rng: random.Random) -> dict[str, Any]:
    mode = ("per_line", "on_total", "included")[i % 3]
    count = rng.randint(1, 30)
    reverse = i % 10 == 4
    lines, units = [], []
    for n in range(count):
        k = rng.randrange(len(PRODUCTS))
        rate: Decimal | str = D(0) if reverse else rng.choice([D(21), D(21), D(11), "none"])
        discount = D(rng.choice([0, 0, 5, 10])) or None
        lines.append(LineInput(f"{PRODUCTS[k]} {n + 1}", D(rng.randint(1, 40)) / rng.choice(
            [1, 1, 2, 4]), D(rng.randint(100, 500000)) / 100, rate, discount_percent=discount))
        units.append(UNITS[k])
    currency = "EUR" if i % 7 == 3 else "RON"
    args: dict[str, Any] = {
        "seller": replace(SELLER, vat_on_collection="yes" if i % 9 == 5 else ""),
        "buyer": BUYERS[i % len(BUYERS)], "lines": lines, "units": units,
        "currency": currency, "number": f"SLS-2026-{i + 1:05d}",
        "issue_date": date(2026, 3, 1) + timedelta(days=i % 28),
        "due_date": date(2026, 4, 15), "tax_mode": mode, "reverse_charge": reverse,
        "vat_exemption_reason": "Scutit cf. art. 292 Cod fiscal",
        "exchange_rate": D("4.9771") if currency == "EUR" else None,
    }
    if i % 4 == 1:
        args["total_discount_percent"] = D(rng.choice([2, 3, 5]))
    if i % 10 == 9:
        args.update(kind="credit_note", original_number=f"SLS-2026-{i:05d}",
                    original_date=date(2026, 2, 1))
    return args


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--out", type=Path, help="write each generated XML (and each "
                        "Factur-X PDF) into this folder")
    args = parser.parse_args()
    rng = random.Random(16)
    inputs = [invoice_args(i, rng) for i in range(args.count)]

    validator = EInvoiceValidator(rules_dir())
    if not validator.available():
        print(f"rules folder {validator.rules_dir} is absent (EFACTURA_RULES_DIR)")
        return 2
    started = time.perf_counter()
    validator.preload()
    load_s = time.perf_counter() - started
    # As the bot does after start-up (bot.app, freeze_gc): the compiled rules are ~10^5
    # long-lived objects; frozen, a full collection no longer walks them mid-invoice.
    gc.collect()
    gc.freeze()

    # Warm the imports and the catalogs once (not part of a steady-state invoice). The 100
    # are generated in 3 passes and the fastest pass is judged: the machine is shared, and a
    # pass's mean of ~1 ms items is easily doubled by another process taking the core.
    write_ubl(build_einvoice(**inputs[0]))
    passes: list[list[float]] = []
    files: list[bytes] = []
    facturx_files: list[Path] = []
    for _ in range(3):
        generate_ms: list[float] = []
        files = []
        for kw in inputs:
            t0 = time.perf_counter()
            xml = write_ubl(build_einvoice(**kw))
            generate_ms.append((time.perf_counter() - t0) * 1000)
            files.append(xml)
        passes.append(generate_ms)
    generate_ms = min(passes, key=statistics.mean)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        for kw, xml in zip(inputs, files, strict=True):
            (args.out / f"{kw['number']}.xml").write_bytes(xml)
        facturx_files = write_facturx(inputs, args.out, validator)

    validate_ms: list[float] = []
    invalid: list[tuple[str, list[str]]] = []
    for kw, xml in zip(inputs, files, strict=True):
        t0 = time.perf_counter()
        report = validator.validate_ubl(xml)
        validate_ms.append((time.perf_counter() - t0) * 1000)
        if not report.valid:
            invalid.append((kw["number"], report.error_ids))

    lines = [len(kw["lines"]) for kw in inputs]
    credit_notes = sum(kw.get("kind") == "credit_note" for kw in inputs)
    rows = [
        ("invoices (credit notes)", f"{len(inputs)} ({credit_notes})"),
        ("lines per invoice: mean / max", f"{statistics.mean(lines):.1f} / {max(lines)}"),
        ("XML size: mean", f"{statistics.mean(len(x) for x in files) / 1024:.1f} KB"),
        ("rules load (XSD + schematron, once)", f"{load_s * 1000:.0f} ms"),
        ("generate, 3 passes: mean of each",
         " / ".join(f"{statistics.mean(p):.2f}" for p in passes) + " ms"),
        ("generate, fastest pass: mean / median / p95", _stats(generate_ms)),
        ("validate: mean / median / p95", _stats(validate_ms)),
        ("invalid files", str(len(invalid))),
    ]
    if args.out:
        rows.append(("written to --out: XML / Factur-X PDF",
                     f"{len(files)} / {len(facturx_files)} ({args.out})"))
    width = max(len(name) for name, _ in rows)
    print(f"{'measure'.ljust(width)}  value")
    print(f"{'-' * width}  {'-' * 30}")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    print()
    for number, ids in invalid:
        print(f"INVALID {number}: {', '.join(ids)}")
    print(f"figure: efactura_generate_ms={statistics.mean(generate_ms):.2f} ms")
    print(f"figure: efactura_validate_ms={statistics.mean(validate_ms):.1f} ms")
    return 1 if invalid else 0


#: The EU buyer of the Factur-X variants: an EUR invoice to Germany is Factur-X, not
#: e-Factura (services.delivery.structured.facturx_applies).
EU_BUYER = PartyView(
    name="Beispiel", legal_name="Beispiel GmbH", country="DE", tax_id="DE136695976",
    address="Friedrichstraße 68", city="Berlin", postal_code="10117", vat_payer="yes")


def write_facturx(inputs: list[dict[str, Any]], out: Path,
                  validator: EInvoiceValidator) -> list[Path]:
    """Each EUR invoice of the set, made out to an EU buyer, as its Factur-X: the invoice PDF
    rendered as PDF/A-3b with the CII embedded (bot.pdf, the factur-x library), written as
    <number>.pdf beside the XMLs. The CII is validated (CII D16B and Factur-X EN16931 XSD);
    not timed (a PDF is ~0.1 s of WeasyPrint)."""
    written = []
    for kw in inputs:
        if kw["currency"] != "EUR" or kw.get("kind") == "credit_note":
            continue
        args = {k: v for k, v in kw.items() if k not in ("exchange_rate", "buyer")}
        reverse = kw["reverse_charge"]
        cii = write_cii(build_einvoice(**args, buyer=EU_BUYER, profile="en16931",
                                       language="en"))
        report = validator.validate_cii(cii)
        if not report.valid:
            raise SystemExit(f"Factur-X {kw['number']}: {', '.join(report.error_ids)}")
        view = build_invoice_view(
            seller=kw["seller"], buyer=EU_BUYER, lines=kw["lines"], units=kw["units"],
            currency="EUR", number=kw["number"], issue_date=kw["issue_date"],
            due_date=kw["due_date"], tax_mode=kw["tax_mode"], language="en", layout="intl",
            total_discount_percent=kw.get("total_discount_percent"),
            notes="Reverse charge" if reverse else "")
        path = out / f"{kw['number']}.pdf"
        path.write_bytes(render_sync(replace(view, facturx=cii)))
        written.append(path)
    return written


def _stats(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    return (f"{statistics.mean(values):.2f} / {statistics.median(values):.2f} / "
            f"{p95:.2f} ms")


if __name__ == "__main__":
    sys.exit(main())
