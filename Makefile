# Two commands on a fresh machine:  make run   (set up, migrate, load the demo county, serve)
#                                    make test  (set up if needed, run the whole suite)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: setup messages migrate seed run serve worker test faults lint check clean bench

setup: $(VENV)/.installed messages

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# The translation catalogues (locale/*/LC_MESSAGES/*.po) compiled to the .mo files Django reads.
# GNU gettext's msgfmt when installed; otherwise the standard-library compiler in scripts/.
messages: $(VENV)/.installed
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(PY) manage.py compilemessages --ignore=.venv --ignore='$(VENV)' --ignore=var --ignore=node_modules; \
	else \
		echo "msgfmt not found (GNU gettext): compiling the catalogues with scripts/compile_catalogs.py"; \
		$(PY) scripts/compile_catalogs.py; \
	fi

migrate: setup
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py setup_schedules
	$(PY) manage.py run_jobs --all

# Web server on $(HOST):$(PORT) plus one Celery worker with the beat scheduler embedded.
# With nothing configured, Celery uses kombu's filesystem transport under var/celery: no broker
# server is needed and scheduled jobs still fire. Ctrl-C stops both within 10 seconds
# (scripts/serve.py: SIGTERM, then SIGKILL after STOP_GRACE seconds).
run: seed serve

serve:
	@HOST=$(HOST) PORT=$(PORT) $(PY) scripts/serve.py

worker: setup
	$(VENV)/bin/celery -A config worker --beat --loglevel=INFO

# The fault tests run first, in a process of their own: they start and kill real workers and
# hold PostgreSQL sessions, and must not share a process with the suite's other worker tests.
# The rest runs on two processes (pytest-xdist: each has its own test database; each worker
# test its own queue).
test: setup
	$(PY) -m pytest tests/faults
	$(PY) -m pytest -n 2 --ignore=tests/faults

# The fault tests alone: workers killed and database connections terminated at each phase of
# each sweep, a dispatcher killed mid-send, overlapping runs, the broker down. They need
# PostgreSQL, Redis and a worker (DATABASE_URL, REDIS_URL); REQUIRE_SERVICES=1 fails instead
# of skipping when one is absent. `make test` runs them too, with everything else.
faults: setup
	$(PY) -m pytest -m faults tests/faults

# The benchmark (issue 15; not a test): on a PostgreSQL database grown by `manage.py seed_scale`,
# every hot page and job against hand-written SQL of the same result. BENCH_REPORT=file keeps a
# copy in Markdown (docs/benchmarks.md); BENCH_REPEAT=n repetitions (default 5).
bench: setup
	$(PY) manage.py bench

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

check: setup
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf var .pytest_cache
