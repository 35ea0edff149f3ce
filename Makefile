# Two commands on a fresh machine:  make run   (set up, migrate, load the demo county, serve)
#                                    make test  (set up if needed, run the whole suite)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: setup migrate seed run worker test lint check clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

migrate: setup
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py setup_schedules
	$(PY) manage.py run_jobs --all

# Web server on $(HOST):$(PORT) plus one Celery worker with the beat scheduler embedded.
# With nothing configured, Celery uses kombu's filesystem transport under var/celery: no broker
# server is needed and scheduled jobs still fire. Ctrl-C stops both.
run: seed
	@echo "启动 Celery worker + beat,日志:var/celery-worker.log"
	@$(VENV)/bin/celery -A config worker --beat --loglevel=INFO --concurrency=2 \
		--logfile=var/celery-worker.log --pidfile= & \
	worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: setup
	$(VENV)/bin/celery -A config worker --beat --loglevel=INFO

test: setup
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check .

check: setup
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf var .pytest_cache
