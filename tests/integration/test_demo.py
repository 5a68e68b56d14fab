"""README command 1 plays the offline demo: the whole sale, from a stranger to the act, against
the sandbox; its transcript and documents land where the README says."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.demo import run_demo
from tests.integration.test_pdf import flat


@pytest.mark.alone
async def test_the_demo_plays_from_first_contact_to_the_act(tmp_path: Path) -> None:
    transcript = await run_demo(tmp_path / "demo-out")
    text = transcript.read_text(encoding="utf-8")
    for scene in ("## 1. A stranger finds the bot",
                  "## 13. The bank statement arrives; the payment is matched and pushed at once",
                  "## 14. The manager ships from the payment push; the deal is won; the act is "
                  "issued"):
        assert scene in text
    assert "> 💰 Payment received: ООО «Вектор», invoice INV-2026-00001" in text
    assert "> Invoice INV-2026-00001 is shipped.\n> The deal is won." in text
    out = transcript.parent
    assert "Оплата по счёту № INV-2026-00001" in flat((out / "Invoice_INV-2026-00001.pdf")
                                                      .read_bytes())
    act = flat((out / "Act_1.pdf").read_bytes())  # the act's own series (issue 16)
    assert "Акт выполненных работ (оказанных услуг) № 1" in act
    assert "Основание: Счёт на оплату № INV-2026-00001" in act
    assert "Сборка" in act and "Кресло" not in act  # the service, not the goods
