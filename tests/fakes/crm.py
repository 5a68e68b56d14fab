"""People and clients in memory: users and invites, companies and contacts, the audit log,
deals with their stage history, tasks and leads. Each method does what its SQL twin in
storage/ does (the same filters, order and errors); tests/integration/test_repository_contract.py
runs the same cases on both."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from services.clients import Company, CompanyDraft
from services.contacts_norm import normalize_name
from services.deals import Deal, DealEdit, StageChange
from services.errors import Conflict
from services.leads import ClientMatch, Lead, LeadDraft, NewCompany, NewContact
from services.tasks import CANCELLED, CLOSED_STATUSES, MeetingSlot, Task, TaskComment
from services.users import Invite, Role, User

if TYPE_CHECKING:
    from tests.fakes.store import State

MATCH_LIMIT = 5
LEAD_COLUMNS = ("id", "owner_id", "status", "source", "contact_name", "company_name", "phone",
                "email", "city", "topic", "country", "tax_id", "vat_payer", "telegram_user_id",
                "telegram_username", "junk_reason", "company_id", "contact_id", "deal_id",
                "created_at", "updated_at")


def _page(rows: list[Any], offset: int, limit: int) -> list[Any]:
    return rows[max(0, offset):max(0, offset) + max(0, limit)]


# --- users ----------------------------------------------------------------------------------


class FakeUserRepository:
    def __init__(self, state: State) -> None:
        self._t = state

    async def by_telegram_id(self, telegram_id: int) -> User | None:
        return next((u for u in self._t.users.values() if u.telegram_id == telegram_id), None)

    async def get(self, user_id: int) -> User | None:
        return self._t.users.get(user_id)

    async def add(self, telegram_id: int, role: Role, full_name: str, username: str | None,
                  language: str | None, timezone: str | None) -> User:
        if any(u.telegram_id == telegram_id for u in self._t.users.values()):
            raise self._t.integrity("users.telegram_id")
        user = User(id=self._t.next_id("users"), telegram_id=telegram_id, role=Role(role),
                    full_name=full_name, username=username, language=language,
                    timezone=timezone, is_active=True, created_at=self._t.clock_now())
        self._t.users[user.id] = user
        return user

    async def update(self, user_id: int, **fields: Any) -> None:
        user = self._t.users.get(user_id)
        if user is None:
            return
        known = {k: v for k, v in fields.items() if k in User.__dataclass_fields__}
        if "role" in known:
            known["role"] = Role(known["role"])
        self._t.users[user_id] = replace(user, **known)

    async def staff(self, active_only: bool = False) -> Sequence[User]:
        return [u for _, u in sorted(self._t.users.items())
                if u.role != Role.CUSTOMER and (u.is_active or not active_only)]


class FakeInviteRepository:
    def __init__(self, state: State) -> None:
        self._t = state

    async def add(self, token: str, role: Role, created_by: int, expires_at: datetime) -> None:
        if token in self._t.invites:
            raise self._t.integrity("invites.token")
        self._t.invites[token] = Invite(token, Role(role), created_by, expires_at, None, None)

    async def get_for_update(self, token: str) -> Invite | None:
        return self._t.invites.get(token)

    async def mark_used(self, token: str, user_id: int, at: datetime) -> bool:
        invite = self._t.invites.get(token)
        if invite is None or invite.used_by is not None:
            return False
        self._t.invites[token] = replace(invite, used_by=user_id, used_at=at)
        return True


class FakeAuditRepository:
    def __init__(self, state: State) -> None:
        self._t = state

    async def add(self, actor_id: int | None, action: str, entity: str, entity_id: int | None,
                  data: dict[str, Any] | None = None, *, company_id: int | None = None,
                  deal_id: int | None = None) -> None:
        self._t.audit.append({"id": self._t.next_id("audit"), "actor_id": actor_id,
                              "action": action, "entity": entity, "entity_id": entity_id,
                              "data": dict(data or {}), "company_id": company_id,
                              "deal_id": deal_id, "at": self._t.clock_now()})


# --- companies and contacts -----------------------------------------------------------------


def to_company(row: dict[str, Any]) -> Company:
    return Company(id=row["id"], owner_id=row["owner_id"], name=row["name"],
                   phone=row["phone"], email=row["email"], country=row["country"],
                   tax_id=row["tax_id"], created_at=row["created_at"])


def new_company_row(state: State, owner_id: int, name: str, now: datetime,
                    **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": state.next_id("companies"), "owner_id": owner_id, "name": name,
        "name_norm": normalize_name(name)[:300], "legal_form": None, "country": None,
        "tax_id": None, "kpp": None, "vat_payer": None, "legal_address": None, "phone": None,
        "email": None, "payment_terms_days": None, "timezone": None, "created_at": now,
        "updated_at": now}
    row.update(values)
    state.companies[row["id"]] = row
    return row


def new_contact_row(state: State, owner_id: int, name: str, now: datetime,
                    **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": state.next_id("contacts"), "owner_id": owner_id, "company_id": None,
        "name": name, "name_norm": normalize_name(name)[:200], "phone": None, "email": None,
        "city": None, "telegram_user_id": None, "language": None, "timezone": None,
        "created_at": now}
    row.update(values)
    state.contacts[row["id"]] = row
    return row


class FakeCompanyRepository:
    def __init__(self, state: State) -> None:
        self._t = state

    async def add(self, owner_id: int, draft: CompanyDraft, now: datetime) -> Company:
        return to_company(new_company_row(
            self._t, owner_id, draft.name, now, phone=draft.phone, email=draft.email,
            country=draft.country, tax_id=draft.tax_id))

    async def get(self, company_id: int, owner_id: int | None) -> Company | None:
        row = self._t.companies.get(company_id)
        if row is None or (owner_id is not None and row["owner_id"] != owner_id):
            return None
        return to_company(row)

    async def list(self, owner_id: int | None, offset: int, limit: int,
                   archived: bool = False) -> tuple[Sequence[Company], int]:
        rows = sorted((r for r in self._t.companies.values()
                       if (owner_id is None or r["owner_id"] == owner_id)
                       and (r.get("archived_at") is not None) == archived),
                      key=lambda r: (r["name_norm"], r["id"]))
        return [to_company(r) for r in _page(rows, offset, limit)], len(rows)

    async def reassign_owner(self, from_owner: int, to_owner: int) -> int:
        moved = 0
        for row in self._t.companies.values():
            if row["owner_id"] == from_owner:
                row["owner_id"] = to_owner
                moved += 1
        for table in (self._t.contacts, self._t.leads):
            for row in table.values():
                if row["owner_id"] == from_owner:
                    row["owner_id"] = to_owner
        for row in self._t.deals.values():
            if row["owner_id"] == from_owner and row["status"] == "open":
                row["owner_id"] = to_owner
        for row in self._t.invoices.values():
            if row["owner_id"] == from_owner and row["status"] not in ("paid", "cancelled"):
                row["owner_id"] = to_owner
        return moved


# --- deals ----------------------------------------------------------------------------------


def _when(task: dict[str, Any]) -> datetime | None:
    when: datetime | None = task["due_at"] if task["due_at"] is not None else task["starts_at"]
    return when


def _stamp(when: datetime | None) -> float:
    return when.timestamp() if when is not None else 0.0


class FakeDealRepository:
    """Deals of the pipelines the store knows (`State.pipelines`: as `sync_pipelines` left
    the tables). A stage code the pipeline lacks is stored as no stage, as in SQL."""

    def __init__(self, state: State) -> None:
        self._t = state

    def _stage(self, pipeline_code: str, stage_code: str | None) -> str | None:
        pipeline = self._t.pipelines.get(pipeline_code)
        if pipeline is None:
            raise LookupError(f"pipeline {pipeline_code!r} is not synchronised")
        if stage_code is None:
            return None
        return stage_code if pipeline.stage(stage_code) is not None else None

    def _deal(self, row: dict[str, Any]) -> Deal:
        open_tasks = sum(1 for t in self._t.tasks.values()
                         if t["deal_id"] == row["id"] and t["status"] not in CLOSED_STATUSES)
        return Deal(id=row["id"], owner_id=row["owner_id"], pipeline_code=row["pipeline_code"],
                    stage_code=row["stage_code"], title=row["title"],
                    company_id=row["company_id"], contact_id=row["contact_id"],
                    amount_minor=row["amount_minor"], currency=row["currency"],
                    status=row["status"], lost_reason=row["lost_reason"],
                    fields=dict(row["fields"] or {}), created_at=row["created_at"],
                    updated_at=row["updated_at"], closed_at=row["closed_at"],
                    open_tasks=open_tasks)

    async def add(self, owner_id: int, pipeline_code: str, stage_code: str | None, title: str,
                  company_id: int | None, contact_id: int | None, amount_minor: int | None,
                  currency: str, fields: dict[str, Any], now: datetime,
                  origin_key: str | None = None) -> Deal:
        if origin_key is not None and await self.by_origin(origin_key):
            raise Conflict("already_done")  # the unique index uq_deals_origin_key
        stage = self._stage(pipeline_code, stage_code)
        row = {"id": self._t.next_id("deals"), "owner_id": owner_id,
               "pipeline_code": pipeline_code, "stage_code": stage, "title": title,
               "title_norm": normalize_name(title), "company_id": company_id,
               "contact_id": contact_id, "amount_minor": amount_minor, "currency": currency,
               "status": "open", "lost_reason": None, "fields": dict(fields),
               "created_at": now, "updated_at": now, "closed_at": None,
               "origin_key": origin_key}
        self._t.deals[row["id"]] = row
        return self._deal(row)

    async def by_origin(self, origin_key: str) -> Deal | None:
        found = [r for r in self._t.deals.values() if r.get("origin_key") == origin_key]
        return self._deal(found[0]) if found else None

    async def get(self, deal_id: int, owner_id: int | None) -> Deal | None:
        row = self._t.deals.get(deal_id)
        if row is None or (owner_id is not None and row["owner_id"] != owner_id):
            return None
        return self._deal(row)

    async def list(self, owner_id: int | None, status: str, offset: int, limit: int
                   ) -> tuple[Sequence[Deal], int]:
        rows = [r for r in self._t.deals.values() if r["status"] == status
                and (owner_id is None or r["owner_id"] == owner_id)]
        rows.sort(key=lambda r: (r["updated_at"], r["id"]), reverse=True)
        return [self._deal(r) for r in _page(rows, offset, limit)], len(rows)

    async def set_stage(self, deal_id: int, stage_code: str | None, status: str,
                        lost_reason: str | None, now: datetime, closed_at: datetime | None
                        ) -> None:
        row = self._t.deals[deal_id]
        stage = self._stage(row["pipeline_code"], stage_code)
        row.update(status=status, updated_at=now, closed_at=closed_at)
        if stage_code is not None:
            row["stage_code"] = stage
        if lost_reason is not None:
            row["lost_reason"] = lost_reason

    async def log_stage(self, deal_id: int, from_code: str | None, to_code: str | None,
                        actor_id: int | None, now: datetime, note: str | None) -> None:
        pipeline = self._t.deals[deal_id]["pipeline_code"]
        from_stage = self._stage(pipeline, from_code)
        to_stage = self._stage(pipeline, to_code)
        self._t.stage_changes.append({
            "id": self._t.next_id("stage_changes"), "deal_id": deal_id,
            "from_stage": from_stage, "to_stage": to_stage, "actor_id": actor_id, "at": now,
            "note": note if to_stage is not None else (note or to_code)})

    async def stage_history(self, deal_id: int) -> Sequence[StageChange]:
        rows = sorted((c for c in self._t.stage_changes if c["deal_id"] == deal_id),
                      key=lambda c: (c["at"], c["id"]))
        out = []
        for c in rows:
            actor = self._t.users.get(c["actor_id"]) if c["actor_id"] is not None else None
            out.append(StageChange(from_stage=c["from_stage"],
                                   to_stage=c["to_stage"] or c["note"], actor_id=c["actor_id"],
                                   actor_name=actor.full_name if actor else "", at=c["at"],
                                   note=c["note"]))
        return out

    async def update(self, deal_id: int, changes: dict[str, Any], now: datetime) -> None:
        row = self._t.deals.get(deal_id)
        if row is not None:
            if "title" in changes:
                changes = {**changes, "title_norm": normalize_name(changes["title"])}
            row.update(changes, updated_at=now)

    async def relocate(self, deal_id: int, pipeline_code: str, stage_code: str | None,
                       actor_id: int | None, now: datetime) -> None:
        row = self._t.deals[deal_id]
        from_stage = row["stage_code"]
        stage = self._stage(pipeline_code, stage_code)
        row.update(pipeline_code=pipeline_code, stage_code=stage, updated_at=now)
        self._t.stage_changes.append({
            "id": self._t.next_id("stage_changes"), "deal_id": deal_id,
            "from_stage": from_stage, "to_stage": stage, "actor_id": actor_id, "at": now,
            "note": None})

    async def edits(self, deal_id: int, limit: int) -> Sequence[DealEdit]:
        rows = [a for a in self._t.audit if a["deal_id"] == deal_id
                and a["action"] == "deal.edit"][-limit:] if limit else []
        out = []
        for a in rows:
            actor = self._t.users.get(a["actor_id"]) if a["actor_id"] is not None else None
            out.append(DealEdit(at=a["at"], actor_name=actor.full_name if actor else "",
                                changes=tuple((c["field"], c["old"], c["new"])
                                              for c in a["data"].get("changes", []))))
        return out

    async def create_company_for(self, deal: Deal, name: str, now: datetime) -> int:
        company = new_company_row(self._t, deal.owner_id, name, now)
        contact = self._t.contacts.get(deal.contact_id) if deal.contact_id else None
        if contact is not None and contact["company_id"] is None:
            contact["company_id"] = company["id"]
        return int(company["id"])

    async def create_contact_for(self, deal: Deal, name: str, now: datetime) -> int:
        return int(new_contact_row(self._t, deal.owner_id, name, now,
                                   company_id=deal.company_id)["id"])

    async def create_task_for(self, deal: Deal, title: str, now: datetime) -> int:
        return new_task_row(self._t, deal.owner_id, {
            "kind": "task", "title": title, "status": "planned", "deal_id": deal.id,
            "company_id": deal.company_id}, now)["id"]

    async def card_names(self, deal: Deal) -> tuple[str | None, str | None, str]:
        company = self._t.companies.get(deal.company_id) if deal.company_id else None
        contact = self._t.contacts.get(deal.contact_id) if deal.contact_id else None
        owner = self._t.users.get(deal.owner_id)
        return (company["name"] if company else None, contact["name"] if contact else None,
                owner.full_name if owner else "")

    async def find_companies(self, owner_id: int | None, prefix: str, limit: int
                             ) -> Sequence[Company]:
        key = normalize_name(prefix)
        rows = sorted((r for r in self._t.companies.values()
                       if r["name_norm"].startswith(key)
                       and (owner_id is None or r["owner_id"] == owner_id)),
                      key=lambda r: (r["name_norm"], r["id"]))
        return [to_company(r) for r in rows[:limit]]


# --- tasks ----------------------------------------------------------------------------------


TASK_DEFAULTS: dict[str, Any] = {
    "kind": "task", "title": "", "status": "planned", "deal_id": None, "company_id": None,
    "contact_id": None, "due_at": None, "starts_at": None, "ends_at": None,
    "remind_client": False, "done_at": None, "created_by": None, "origin_key": None}


def new_task_row(state: State, owner_id: int, values: dict[str, Any],
                 now: datetime) -> dict[str, Any]:
    unknown = set(values) - set(TASK_DEFAULTS)
    if unknown:  # SQLAlchemy refuses a column the table lacks
        raise TypeError(f"unknown task columns {sorted(unknown)}")
    key = values.get("origin_key")
    if key is not None and any(t["origin_key"] == key for t in state.tasks.values()):
        raise Conflict("already_done")  # the unique index uq_tasks_origin_key
    row = {**TASK_DEFAULTS, **values, "id": state.next_id("tasks"), "owner_id": owner_id,
           "created_at": now}
    state.tasks[row["id"]] = row
    return row


def to_task(row: dict[str, Any]) -> Task:
    return Task(id=row["id"], owner_id=row["owner_id"], kind=row["kind"], title=row["title"],
                status=row["status"], deal_id=row["deal_id"], company_id=row["company_id"],
                due_at=row["due_at"], starts_at=row["starts_at"], ends_at=row["ends_at"],
                remind_client=bool(row["remind_client"]), done_at=row["done_at"],
                created_at=row["created_at"], created_by=row["created_by"],
                contact_id=row["contact_id"])


class FakeTaskRepository:
    def __init__(self, state: State) -> None:
        self._t = state

    async def add(self, owner_id: int, values: dict[str, Any], now: datetime) -> Task:
        return to_task(new_task_row(self._t, owner_id, values, now))

    async def by_origin(self, origin_key: str) -> Task | None:
        found = [r for r in self._t.tasks.values() if r["origin_key"] == origin_key]
        return to_task(found[0]) if found else None

    async def get(self, task_id: int, owner_id: int | None) -> Task | None:
        row = self._t.tasks.get(task_id)
        if row is None or (owner_id is not None and row["owner_id"] != owner_id):
            return None
        return to_task(row)

    async def visible(self, task_id: int, user_id: int | None) -> Task | None:
        row = self._t.tasks.get(task_id)
        if row is None or (user_id is not None
                           and user_id not in (row["owner_id"], row["created_by"])):
            return None
        return to_task(row)

    async def update(self, task_id: int, values: dict[str, Any]) -> None:
        unknown = set(values) - set(TASK_DEFAULTS) - {"owner_id"}
        if unknown:
            raise TypeError(f"unknown task columns {sorted(unknown)}")
        row = self._t.tasks.get(task_id)
        if row is not None:
            row.update(values)

    async def due_until(self, owner_id: int, start: datetime, end: datetime) -> Sequence[Task]:
        """Due in [start, end), plus open ones overdue before start: open first, by time."""
        def wanted(row: dict[str, Any]) -> bool:
            when = _when(row)
            if row["owner_id"] != owner_id or when is None:
                return False
            is_open = row["status"] not in CLOSED_STATUSES
            in_window = start <= when < end and row["status"] != CANCELLED
            return in_window or (when < start and is_open)

        rows = sorted((r for r in self._t.tasks.values() if wanted(r)),
                      key=lambda r: (r["status"] in CLOSED_STATUSES, _stamp(_when(r)), r["id"]))
        return [to_task(r) for r in rows]

    async def closed(self, owner_id: int, limit: int) -> Sequence[Task]:
        rows = [r for r in self._t.tasks.values()
                if r["owner_id"] == owner_id and r["status"] in CLOSED_STATUSES]
        rows.sort(key=lambda r: (r["done_at"] is None, -_stamp(r["done_at"]), -r["id"]))
        return [to_task(r) for r in rows[:limit]]

    async def next_for_deal(self, deal_id: int) -> Task | None:
        rows = [r for r in self._t.tasks.values()
                if r["deal_id"] == deal_id and r["status"] not in CLOSED_STATUSES]
        rows.sort(key=lambda r: (_when(r) is None, _stamp(_when(r)), r["id"]))
        return to_task(rows[0]) if rows else None

    async def slots(self, task_id: int, after: datetime) -> Sequence[MeetingSlot]:
        rows = sorted((r for r in self._t.meeting_slots.values()
                       if r["task_id"] == task_id and r["starts_at"] > after),
                      key=lambda r: (r["starts_at"], r["id"]))
        return [MeetingSlot(r["id"], r["task_id"], r["starts_at"]) for r in rows]

    async def add_slot(self, task_id: int, starts_at: datetime, now: datetime) -> MeetingSlot:
        if any(r["task_id"] == task_id and r["starts_at"] == starts_at
               for r in self._t.meeting_slots.values()):
            raise self._t.integrity("uq meeting_slots(task_id, starts_at)")
        row = {"id": self._t.next_id("meeting_slots"), "task_id": task_id,
               "starts_at": starts_at, "created_at": now}
        self._t.meeting_slots[row["id"]] = row
        return MeetingSlot(row["id"], task_id, starts_at)

    async def remove_slot(self, task_id: int, slot_id: int) -> MeetingSlot | None:
        row = self._t.meeting_slots.get(slot_id)
        if row is None or row["task_id"] != task_id:
            return None
        del self._t.meeting_slots[slot_id]
        return MeetingSlot(row["id"], task_id, row["starts_at"])


class FakeTaskCommentRepository:
    def __init__(self, state: State) -> None:
        self._t = state

    async def add(self, task_id: int, author_id: int, text: str, now: datetime
                  ) -> TaskComment:
        row = {"id": self._t.next_id("task_comments"), "task_id": task_id,
               "author_id": author_id, "text": text, "created_at": now}
        self._t.task_comments.append(row)
        return self._comment(row)

    async def latest(self, task_id: int, limit: int) -> Sequence[TaskComment]:
        rows = [r for r in self._t.task_comments if r["task_id"] == task_id]
        rows.sort(key=lambda r: (r["created_at"], r["id"]))
        return [self._comment(r) for r in rows[-limit:]]

    def _comment(self, row: dict[str, Any]) -> TaskComment:
        author = self._t.users.get(row["author_id"])
        return TaskComment(id=row["id"], task_id=row["task_id"], author_id=row["author_id"],
                           author_name=author.full_name if author else "", text=row["text"],
                           created_at=row["created_at"])


# --- leads ----------------------------------------------------------------------------------


def to_lead(row: dict[str, Any]) -> Lead:
    return Lead(**{c: row[c] for c in LEAD_COLUMNS})


def _matched_by(row: dict[str, Any], phone: str | None, email: str | None,
                tax_ids: Sequence[str] = ()) -> tuple[str, ...]:
    found = []
    if phone and row["phone"] == phone:
        found.append("phone")
    if email and (row["email"] or "").lower() == email:
        found.append("email")
    if tax_ids and row.get("tax_id") in tax_ids:
        found.append("tax_id")
    return tuple(found)


class FakeLeadRepository:
    def __init__(self, state: State) -> None:
        self._t = state

    async def add(self, owner_id: int, draft: LeadDraft, now: datetime) -> Lead:
        row = {c: None for c in LEAD_COLUMNS}
        row.update(id=self._t.next_id("leads"), owner_id=owner_id, status="new",
                   source=draft.source, contact_name=draft.contact_name or "",
                   company_name=draft.company_name, phone=draft.phone, email=draft.email,
                   city=draft.city, topic=draft.topic, country=draft.country,
                   tax_id=draft.tax_id, vat_payer=draft.vat_payer,
                   telegram_user_id=draft.telegram_user_id,
                   telegram_username=draft.telegram_username, created_at=now, updated_at=now)
        self._t.leads[row["id"]] = row
        return to_lead(row)

    async def get(self, lead_id: int, owner_id: int | None, for_update: bool = False
                  ) -> Lead | None:
        row = self._t.leads.get(lead_id)
        if row is None or (owner_id is not None and row["owner_id"] != owner_id):
            return None
        return to_lead(row)

    async def list(self, owner_id: int | None, status: str | None, offset: int, limit: int
                   ) -> tuple[Sequence[Lead], int]:
        rows = [r for r in self._t.leads.values()
                if (owner_id is None or r["owner_id"] == owner_id)
                and (r["status"] != "junk" if status is None else r["status"] == status)]
        rows.sort(key=lambda r: (r["created_at"], r["id"]), reverse=True)
        return [to_lead(r) for r in _page(rows, offset, limit)], len(rows)

    async def update(self, lead_id: int, changes: dict[str, Any], now: datetime) -> None:
        row = self._t.leads.get(lead_id)
        if row is None:
            return
        values = dict(changes)
        if "contact_name" in values:
            values["contact_name"] = values["contact_name"] or ""
        unknown = set(values) - set(LEAD_COLUMNS)
        if unknown:
            raise TypeError(f"unknown lead columns {sorted(unknown)}")
        row.update(values, updated_at=now)

    async def add_interaction(self, owner_id: int, lead_id: int, kind: str, text: str,
                              now: datetime) -> None:
        self._t.interactions[self._t.next_id("interactions")] = {
            "owner_id": owner_id, "kind": kind, "lead_id": lead_id, "text": text,
            "company_id": None, "contact_id": None, "deal_id": None, "occurred_at": now}

    async def attach_interactions(self, lead_id: int, company_id: int | None,
                                  contact_id: int | None, deal_id: int | None) -> None:
        for row in self._t.interactions.values():
            if row["lead_id"] == lead_id:
                row.update(company_id=company_id, contact_id=contact_id, deal_id=deal_id)

    async def lock(self, key: str) -> None:
        """Writers are already one at a time (the store's writer lock)."""

    async def recent_by_contact(self, phone: str | None, email: str | None,
                                since: datetime) -> Lead | None:
        if not (phone or email):
            return None
        rows = sorted(r for r in self._t.leads if self._recent(
            self._t.leads[r], phone, email, since))
        return to_lead(self._t.leads[rows[0]]) if rows else None

    @staticmethod
    def _recent(row: dict[str, Any], phone: str | None, email: str | None,
                since: datetime) -> bool:
        same = (phone and row["phone"] == phone) or (email and row["email"] == email)
        return bool(same) and row["created_at"] >= since

    async def last_web_owner(self) -> int | None:
        entries = [e for e in self._t.audit if e["action"] == "lead.web"]
        if not entries:
            return None
        owner = max(entries, key=lambda e: e["id"])["data"].get("owner_id")
        return int(owner) if owner is not None else None

    async def find_companies(self, owner_id: int | None, phone: str | None, email: str | None,
                             country: str | None, tax_id: str | None
                             ) -> Sequence[ClientMatch]:
        tax_ids: list[str] = []
        if tax_id:
            tax_ids = [tax_id, f"RO{tax_id}"] if country == "RO" else [tax_id]
        if not (phone or email or tax_ids):
            return []

        def hit(r: dict[str, Any]) -> bool:
            return bool((phone and r["phone"] == phone)
                        or (email and (r["email"] or "").lower() == email)
                        or (tax_ids and r["tax_id"] in tax_ids))

        rows = sorted((r for r in self._t.companies.values() if hit(r)
                       and (owner_id is None or r["owner_id"] == owner_id)),
                      key=lambda r: r["id"])[:MATCH_LIMIT]
        return [ClientMatch(kind="company", id=r["id"], name=r["name"], phone=r["phone"],
                            email=r["email"], tax_id=r["tax_id"], country=r["country"],
                            vat_payer=r["vat_payer"],
                            matched_by=_matched_by(r, phone, email, tax_ids)) for r in rows]

    async def find_contacts(self, owner_id: int | None, phone: str | None, email: str | None
                            ) -> Sequence[ClientMatch]:
        if not (phone or email):
            return []

        def hit(r: dict[str, Any]) -> bool:
            return bool((phone and r["phone"] == phone)
                        or (email and (r["email"] or "").lower() == email))

        rows = sorted((r for r in self._t.contacts.values() if hit(r)
                       and (owner_id is None or r["owner_id"] == owner_id)),
                      key=lambda r: r["id"])[:MATCH_LIMIT]
        return [ClientMatch(kind="contact", id=r["id"], name=r["name"], phone=r["phone"],
                            email=r["email"], city=r["city"],
                            telegram_user_id=r["telegram_user_id"], company_id=r["company_id"],
                            matched_by=_matched_by(r, phone, email)) for r in rows]

    async def add_company(self, owner_id: int, company: NewCompany, now: datetime) -> int:
        return int(new_company_row(
            self._t, owner_id, company.name, now, phone=company.phone, email=company.email,
            country=company.country, tax_id=company.tax_id, vat_payer=company.vat_payer)["id"])

    async def add_contact(self, owner_id: int, contact: NewContact, now: datetime) -> int:
        return int(new_contact_row(
            self._t, owner_id, contact.name, now, company_id=contact.company_id,
            phone=contact.phone, email=contact.email, city=contact.city,
            telegram_user_id=contact.telegram_user_id)["id"])

    async def fill_company(self, company_id: int, values: dict[str, Any]) -> None:
        row = self._t.companies.get(company_id)
        if row is not None:
            row.update(values)

    async def fill_contact(self, contact_id: int, values: dict[str, Any]) -> None:
        row = self._t.contacts.get(contact_id)
        if row is not None:
            row.update(values)
