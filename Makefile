# Yingji: `make demo` sets up and runs the platform with demo data; `make test` runs the whole test suite.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
YINGJI := $(VENV)/bin/yingji
PORT   ?= 8000

.PHONY: demo test install assets bench prod lint format messages clean

demo: install
	$(YINGJI) migrate --noinput
	$(YINGJI) demo
	PORT=$(PORT) $(YINGJI) serve

test: install
	$(PY) scripts/run_tests.py

bench: install
	$(PY) bench/run.py

prod: install
	PORT=$(PORT) $(YINGJI) prod

install: $(VENV)/.installed assets

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

assets: node_modules/.installed
	$(PY) scripts/copy_assets.py

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages:
	cd src/yingji && ../../$(YINGJI) makemessages -l zh_Hans --no-obsolete && ../../$(YINGJI) compilemessages

clean:
	rm -rf $(VENV) node_modules src/yingji/static/vendor
