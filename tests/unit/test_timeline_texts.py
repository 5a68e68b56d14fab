"""Audit entries in the client timeline: one label per action and field, translated; an
unknown action or field gets a generic label, never its raw code."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.utils.i18n import I18n

from bot.i18n import DOMAIN, LOCALES
from handlers.timeline_texts import ACTION_LABELS, FIELD_LABELS, audit_line
from services.interactions import AuditRecord

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def line(action: str, data: dict[str, object], lang: str = "ru",
         who: str | None = "Иван") -> str:
    i18n = I18n(path=LOCALES, default_locale="en", domain=DOMAIN)
    with i18n.context(), i18n.use_locale(lang):
        return audit_line(AuditRecord(id=1, at=AT, actor_name=who, action=action,
                                      entity=action.split(".")[0], entity_id=5, data=data),
                          "20.11 12:00")


def test_an_edit_shows_field_old_and_new() -> None:
    text = line("company.edit", {"changes": [
        {"field": "phone", "old": "+79123456789", "new": "+79120001122"},
        {"field": "price_list", "old": None, "new": "vip"}]})
    assert text == ("📝 20.11 12:00 · Иван · Клиент изменён: телефон +79123456789 → "
                    "+79120001122; прайс-лист — → vip")


def test_other_streams_entries_and_unknown_codes() -> None:
    assert line("invoice.cancel", {"reason": "ошибка в сумме"}) == (
        "📝 20.11 12:00 · Иван · Счёт аннулирован: причина: ошибка в сумме")
    assert line("deal.edit", {"changes": [{"field": "amount", "old": "100", "new": "200"}]},
                lang="en") == "📝 20.11 12:00 · Иван · Deal edited: amount 100 → 200"
    unknown = line("gizmo.frobnicate", {"changes": [{"field": "zzz_code", "old": "a",
                                                     "new": "<b>"}]}, who=None)
    assert unknown == "📝 20.11 12:00 · бот · Изменение: поле a → &lt;b&gt;"
    assert "gizmo" not in unknown and "zzz_code" not in unknown


def test_a_task_status_is_shown_in_words() -> None:
    text = line("task.in_progress", {"changes": [
        {"field": "status", "old": "planned", "new": "in_progress"}]})
    assert text == ("📝 20.11 12:00 · Иван · Задача в работе: статус запланировано → в работе")


def test_the_action_codes_of_issue_13_have_labels() -> None:
    for code in ("company.edit", "company.archive", "company.restore", "company.merge",
                 "contact.edit", "lead.edit", "deal.edit", "deal.archive", "product.edit",
                 "product.archive", "organization.edit", "invoice.cancel",
                 "credit_note.issue", "payment.refund", "task.in_progress", "task.waiting",
                 "task.deferred", "task.done", "task.cancelled", "task.assign",
                 "task.comment", "file.add", "task.restore", "task.held", "task.create",
                 "deal.lost", "deal.restore", "deal.move", "lead.junk", "lead.restore",
                 "invoice.repeat", "quote.repeat", "product.restore"):
        assert code in ACTION_LABELS, code
    for field in ("name", "tax_id", "kpp", "ogrn", "legal_address", "phone", "email",
                  "timezone", "language", "price_list", "payment_terms_days", "position",
                  "title", "amount", "currency", "expected_close", "pipeline", "owner",
                  "price", "vat_rate", "unit", "status", "due", "assignee"):
        assert field in FIELD_LABELS, field


def test_a_long_entry_is_cut_to_keep_the_timeline_one_message() -> None:
    long = line("company.merge", {"name": "Ромашка", "changes": [
        {"field": "legal_address", "old": None, "new": "<" * 150},
        {"field": "email", "old": None, "new": "x" * 150},
        {"field": "phone", "old": None, "new": "+79120000000"},
        {"field": "timezone", "old": None, "new": "Europe/Moscow"}]})
    assert long.startswith("📝 20.11 12:00 · Иван · Клиенты объединены с «Ромашка»: "
                           "юридический адрес — → &lt;&lt;")
    assert long.endswith("…") and "&lt;&lt;" in long and "Europe/Moscow" not in long
    assert len(long.replace("&lt;", "<")) <= len("📝 20.11 12:00 · Иван · ") + 300
