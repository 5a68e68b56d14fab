# The two commands of the README: `make demo` and `make test`. Both set everything up first.
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup demo test bench
setup:
	bash scripts/setup.sh

demo: setup
	$(VENV)/bin/dealchat demo --out demo-out

test: setup
	bash scripts/test.sh

bench: setup
	$(PY) bench/dispatch.py
