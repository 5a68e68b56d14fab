#!/usr/bin/env bash
# Lint, types, tests. PostgreSQL and Redis tests run when TEST_POSTGRES_URL / TEST_REDIS_URL
# are set; on a machine that has the servers installed they are started and the URLs set.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${TEST_POSTGRES_URL:-}" ] && command -v pg_ctlcluster >/dev/null 2>&1; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
  fi
  pg_isready -q -h 127.0.0.1 -p 5432 && export TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test
fi
if [ -z "${TEST_REDIS_URL:-}" ] && command -v redis-server >/dev/null 2>&1; then
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      >/dev/null || true
    for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.3; done
  fi
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && export TEST_REDIS_URL=redis://127.0.0.1:6379/0
fi
echo "TEST_POSTGRES_URL=${TEST_POSTGRES_URL:-<unset: PostgreSQL tests skip>}"
echo "TEST_REDIS_URL=${TEST_REDIS_URL:-<unset: Redis tests skip>}"

.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/lint-imports --no-cache  # the import contracts of pyproject.toml
# Three workers (pytest-xdist): the tests mostly wait on the sandbox, the databases and the PDF
# processes, so three share this machine's two cores well (10 min in one process, 6 in three).
# Each worker has its own SQLite files and its own PostgreSQL database. Work stealing: the few
# slow tests (killed processes, simulated months) never leave one worker finishing alone.
# Tests marked "alone" (the whole demo, which waits on a live bot like a person would) run
# afterwards by themselves; exit code 5 = none selected by the arguments given.
.venv/bin/python -m pytest -rs -q -n "${PYTEST_WORKERS:-3}" --dist worksteal -m "not alone" \
  "$@"
.venv/bin/python -m pytest -rs -q -m alone "$@" || [ $? -eq 5 ]
