"""In-memory implementations of the services' ports, for unit tests that need no database.

`FakeDatabase` (tests/fakes/store.py) hands out units of work that copy the committed state on
entry and publish it on `commit()`; its repositories (crm.py, documents.py, money.py) do what
their SQL twins in storage/ do, and tests/integration/*_contract.py run the same cases on the
fakes, SQLite and PostgreSQL. The fakes are duck-typed: they import the services' values and
errors, never their Protocols."""

from tests.fakes.outbox import FakeOutbox, FakeSender
from tests.fakes.store import FakeDatabase, FakeIntegrityError, FakeUnitOfWork, OutboxRow, State

__all__ = ["FakeDatabase", "FakeIntegrityError", "FakeOutbox", "FakeSender", "FakeUnitOfWork",
           "OutboxRow", "State"]
