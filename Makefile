# Two commands set everything up: `make run` and `make test`. Both create .venv from the lock file.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench docs lint clean browser fonts postgres

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

run: $(STAMP) fonts
	$(VENV)/bin/ipwatch demo

# Each test file whole on one worker, as many workers as cores (pytest-xdist; README, Development).
test: $(STAMP) fonts browser postgres
	$(PY) -m pytest -n auto --dist loadfile

# Charts are drawn and measured with Noto Sans CJK SC (ipwatch/bulletins/charts.py refuses to draw without it rather than
# clip its labels): installed as root when missing, otherwise named, and `ipwatch bulletin` says the same.
fonts:
	@fc-list :lang=zh family 2>/dev/null | grep -q "Noto Sans CJK SC" || dpkg -s fonts-noto-cjk >/dev/null 2>&1 || \
	if [ "$$(id -u)" = 0 ]; then \
		echo "make fonts: installing fonts-noto-cjk"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk; \
	else \
		echo "make fonts: 缺少 (missing) fonts-noto-cjk; bulletins cannot draw their charts." >&2; \
		echo "  as root run: apt-get install fonts-noto-cjk  (or run make as root)" >&2; \
	fi

# tests/test_browser.py and ipwatch/bulletins/pdf.py drive Debian's chromium (the path ipwatch/bulletins/pdf.py uses, or
# $IPWATCH_CHROMIUM); poppler-utils reads the PDFs. Installs only what is missing, and only as root; otherwise
# says what is missing, and the browser tests fail with the same hint (they are never skipped). `make run`
# needs none of it.
browser:
	@missing=""; \
	command -v "$${IPWATCH_CHROMIUM:-/usr/bin/chromium}" >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdffonts >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "make browser: installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else \
		echo "make browser: 缺少 (missing):$$missing; tests/test_browser.py will fail." >&2; \
		echo "  as root run: apt-get install$$missing  (or run make as root)" >&2; \
	fi

# tests/test_lake.py, the Prefect-on-PostgreSQL test and make bench start throwaway PostgreSQL clusters of their own
# (tests/postgres.py) with Debian's postgresql, whose package also makes the `postgres` user they run as under root.
# Installed only when missing, and only as root, without the package's own `main` cluster (create_main_cluster,
# Debian's postgresql-common setting): nothing is left running; otherwise says what is missing and the tests fail.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && getent passwd postgres >/dev/null && exit 0; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "make postgres: installing postgresql"; \
		mkdir -p /etc/postgresql-common && echo "create_main_cluster = false" >> /etc/postgresql-common/createcluster.conf; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	else \
		echo "make postgres: 缺少 (missing): postgresql; tests/test_lake.py will fail." >&2; \
		echo "  as root run: apt-get install postgresql  (or run make as root)" >&2; \
	fi

bench: $(STAMP) postgres
	$(PY) -m tests.bench

# The README's tour: the demo built once into a temporary home, `ipwatch web` on it, each page photographed as its
# user in Chromium into docs/ (tests/tour.py; tests/test_demo.py checks they are what the code shows).
docs: $(STAMP) fonts browser
	$(PY) -m tests.tour

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/sqlfluff lint sql

clean:
	rm -rf $(VENV) data/warehouse.duckdb* data/gx data/audit data/inbox data/archive data/quarantine data/bulletins data/demo data/prefect data/prefect-server
