"""Pipeline configuration: stages, their order and probability, the fields each requires.

The configuration is a TOML document (config/pipelines.toml). `parse_pipelines` validates it
completely and raises PipelineConfigError with one sentence naming the place that is wrong, so
the bot refuses to start on a bad file rather than failing in the middle of a sale.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any


class PipelineKind(StrEnum):
    STRICT = "strict"
    MANUAL = "manual"
    NONE = "none"


class FieldType(StrEnum):
    MONEY = "money"
    DATE = "date"
    TEXT = "text"
    BOOL = "bool"
    REF = "ref"  # filled by linking a record (company, contact, task)


# Every field a stage may require. Stored on the deal row (amount, company, contact) or in
# its `fields` JSON; `next_task` means an open task exists for the deal.
DEAL_FIELDS: dict[str, FieldType] = {
    "amount": FieldType.MONEY,
    "company": FieldType.REF,
    "contact": FieldType.REF,
    "expected_close": FieldType.DATE,
    "decision_maker": FieldType.TEXT,
    "budget_confirmed": FieldType.BOOL,
    "delivery_address": FieldType.TEXT,
    "contract_number": FieldType.TEXT,
    "next_task": FieldType.REF,
}
OUTCOMES = ("paid", "won", "lost")
LANGS = ("en", "ru", "ro")


class PipelineConfigError(Exception):
    """A sentence naming what is wrong in the pipeline configuration and where."""


@dataclass(frozen=True, slots=True)
class StageConfig:
    code: str
    names: dict[str, str]
    position: int
    probability: int
    required: tuple[str, ...]
    outcome: str | None

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names["en"]


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    code: str
    names: dict[str, str]
    kind: PipelineKind
    stages: tuple[StageConfig, ...]
    default: bool
    # The stage a deal moves to when one of its invoices is issued (None: it stays).
    on_invoice_issued: str | None = None

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names["en"]

    def stage(self, code: str) -> StageConfig | None:
        return next((s for s in self.stages if s.code == code), None)

    @property
    def working_stages(self) -> tuple[StageConfig, ...]:
        """The stages a deal walks through, without the won/lost ends."""
        return tuple(s for s in self.stages if s.outcome not in ("won", "lost"))


def _names(value: Any, where: str) -> dict[str, str]:
    if isinstance(value, str):
        return dict.fromkeys(LANGS, value)
    if not isinstance(value, dict) or "en" not in value:
        raise PipelineConfigError(f"{where}: name must be text or a table with at least 'en'")
    unknown = set(value) - set(LANGS)
    if unknown:
        raise PipelineConfigError(f"{where}: unknown language {sorted(unknown)[0]!r} in name")
    return {k: str(v) for k, v in value.items()}


def parse_pipelines(data: dict[str, Any]) -> tuple[PipelineConfig, ...]:
    raw = data.get("pipelines")
    if not isinstance(raw, dict) or not raw:
        raise PipelineConfigError("no [pipelines.<code>] table found")
    result = []
    for code, body in raw.items():
        where = f"pipeline {code!r}"
        if not isinstance(body, dict):
            raise PipelineConfigError(f"{where}: must be a table")
        unknown_keys = set(body) - {"kind", "name", "stages", "default", "on_invoice_issued"}
        if unknown_keys:
            raise PipelineConfigError(f"{where}: unknown key {sorted(unknown_keys)[0]!r}")
        try:
            kind = PipelineKind(body.get("kind", "strict"))
        except ValueError:
            raise PipelineConfigError(
                f"{where}: kind must be strict, manual or none, not {body.get('kind')!r}"
            ) from None
        stages_raw = body.get("stages", [])
        if kind == PipelineKind.NONE and stages_raw:
            raise PipelineConfigError(f"{where}: a pipeline of kind 'none' has no stages")
        if kind != PipelineKind.NONE and not stages_raw:
            raise PipelineConfigError(f"{where}: needs at least one stage")
        stages: list[StageConfig] = []
        seen: set[str] = set()
        for i, st in enumerate(stages_raw):
            swhere = f"{where}, stage {i + 1}"
            if not isinstance(st, dict) or "code" not in st:
                raise PipelineConfigError(f"{swhere}: needs a code")
            scode = str(st["code"])
            swhere = f"{where}, stage {scode!r}"
            unknown_keys = set(st) - {"code", "name", "probability", "required", "outcome"}
            if unknown_keys:
                raise PipelineConfigError(f"{swhere}: unknown key {sorted(unknown_keys)[0]!r}")
            if scode in seen:
                raise PipelineConfigError(f"{swhere}: duplicate stage code")
            seen.add(scode)
            prob = st.get("probability", 0)
            if not isinstance(prob, int) or not 0 <= prob <= 100:
                raise PipelineConfigError(f"{swhere}: probability must be 0..100")
            required = st.get("required", [])
            if not isinstance(required, list):
                raise PipelineConfigError(f"{swhere}: required must be a list")
            for fname in required:
                if fname not in DEAL_FIELDS:
                    raise PipelineConfigError(
                        f"{swhere}: unknown field {fname!r} in required "
                        f"(known: {', '.join(DEAL_FIELDS)})")
            outcome = st.get("outcome")
            if outcome is not None and outcome not in OUTCOMES:
                raise PipelineConfigError(f"{swhere}: outcome must be one of {OUTCOMES}")
            stages.append(StageConfig(code=scode, names=_names(st.get("name", scode), swhere),
                                      position=i, probability=prob,
                                      required=tuple(required), outcome=outcome))
        if kind != PipelineKind.NONE:
            for needed in ("won", "lost"):
                if not any(s.outcome == needed for s in stages):
                    raise PipelineConfigError(f"{where}: needs a stage with outcome = {needed!r}")
        on_issued = body.get("on_invoice_issued")
        if on_issued is not None:
            stage = next((s for s in stages if s.code == on_issued), None)
            if stage is None or stage.outcome in ("won", "lost"):
                raise PipelineConfigError(
                    f"{where}: on_invoice_issued must name one of its stages other than the "
                    f"won and lost ones, not {on_issued!r}")
        result.append(PipelineConfig(code=code, names=_names(body.get("name", code), where),
                                     kind=kind, stages=tuple(stages),
                                     default=bool(body.get("default", False)),
                                     on_invoice_issued=on_issued))
    defaults = [p for p in result if p.default]
    if len(defaults) > 1:
        raise PipelineConfigError("more than one pipeline has default = true")
    unknown_tables = set(data) - {"pipelines", "lost_reasons"}
    if unknown_tables:
        raise PipelineConfigError(f"unknown table {sorted(unknown_tables)[0]!r}")
    parse_lost_reasons(data)  # checked at start-up with the rest of the file
    return tuple(result)


@dataclass(frozen=True, slots=True)
class LostReason:
    """A reason a deal is lost, chosen with a button (the free-text one is OTHER_REASON)."""

    code: str
    names: dict[str, str]

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names["en"]


OTHER_REASON = "other"
REASON_CODE = re.compile(r"[a-z][a-z0-9_]{0,19}")
DEFAULT_LOST_REASONS = (
    LostReason("price", {"en": "Too expensive", "ru": "Дорого", "ro": "Prea scump"}),
    LostReason("competitor", {"en": "Chose a competitor", "ru": "Выбрали конкурента",
                              "ro": "Au ales un concurent"}),
    LostReason("no_budget", {"en": "No budget", "ru": "Нет бюджета", "ro": "Fără buget"}),
    LostReason("no_answer", {"en": "Stopped answering", "ru": "Перестал отвечать",
                             "ro": "Nu mai răspunde"}),
)


def parse_lost_reasons(data: dict[str, Any]) -> tuple[LostReason, ...]:
    """`[lost_reasons]`: code = name (text or {en, ru, ro}), in the order of the buttons.
    Absent: DEFAULT_LOST_REASONS. "other" (typed by the manager) is always offered and may
    not be configured."""
    raw = data.get("lost_reasons")
    if raw is None:
        return DEFAULT_LOST_REASONS
    if not isinstance(raw, dict) or not raw:
        raise PipelineConfigError("[lost_reasons] must be a table of code = name")
    result = []
    for code, name in raw.items():
        where = f"lost reason {code!r}"
        if code == OTHER_REASON:
            raise PipelineConfigError(f"{where}: 'other' is built in (the manager types it)")
        if not REASON_CODE.fullmatch(code):
            raise PipelineConfigError(
                f"{where}: a code is lower-case latin letters, digits and _, up to 20")
        result.append(LostReason(code, _names(name, where)))
    return tuple(result)


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PipelineConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise PipelineConfigError(f"{path}: {exc}") from None


def load_pipelines(path: Path) -> tuple[PipelineConfig, ...]:
    data = _read(path)
    try:
        return parse_pipelines(data)
    except PipelineConfigError as exc:
        raise PipelineConfigError(f"{path}: {exc}") from None


def load_lost_reasons(path: Path) -> tuple[LostReason, ...]:
    data = _read(path)
    try:
        return parse_lost_reasons(data)
    except PipelineConfigError as exc:
        raise PipelineConfigError(f"{path}: {exc}") from None


def default_pipeline(pipelines: tuple[PipelineConfig, ...]) -> PipelineConfig:
    return next((p for p in pipelines if p.default), pipelines[0])
