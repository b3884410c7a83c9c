# Samverkansportalen. `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Links in mail (the demo's too, made by `make demo`) point at the port the portal is served on.
export SITE_URL ?= http://127.0.0.1:$(PORT)
# make run also starts the local test OpenID provider ("Logga in med BankID (test)"); EID_DEMO=0 turns it off.
EID_DEMO ?= 1
EID_PORT ?= 8090
STAMP := $(VENV)/.installed

.PHONY: run test test-unit test-e2e lint format typecheck messages compilemessages migrate demo totp bench faults load clean ci

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv>=0.5,<1"
	@$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	@$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

requirements.lock: pyproject.toml
	@test -x $(BIN)/uv || { $(PY) -m venv $(VENV) && $(BIN)/python -m pip install --quiet "uv>=0.5,<1"; }
	$(BIN)/uv pip compile --quiet --python $(BIN)/python --extra dev pyproject.toml -o requirements.lock

compilemessages: $(STAMP)
	@$(BIN)/python manage.py compilemessages --ignore '.venv' -v 0

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l en --ignore '.venv/*' --ignore 'tests/*' --no-obsolete
	$(BIN)/python manage.py makemessages -d djangojs -l en --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'tests/*' --no-obsolete

migrate: $(STAMP) compilemessages
	@$(BIN)/python manage.py migrate --noinput -v 0

demo: migrate
	@$(BIN)/python manage.py seed_demo

## make run: the portal on http://127.0.0.1:$(PORT) (HTTP + websockets), embedded default.
run: demo
	@echo "Samverkansportalen: http://127.0.0.1:$(PORT)/  (demo sign-ins: see README.md; TOTP code: make totp)"
	@IDP=; \
	  if [ "$(EID_DEMO)" = 1 ] && [ -z "$${PORTAL_EID_ISSUER:-}" ] && command -v node >/dev/null; then \
	    [ -d tests/idp/node_modules/oidc-provider ] || npm ci --prefix tests/idp --no-audit --no-fund --loglevel=error; \
	    node tests/idp/server.js --port $(EID_PORT) --client "portal:embedded-demo-secret:http://127.0.0.1:$(PORT)/konto/oidc/eid/login/callback/,http://127.0.0.1:$(PORT)/eid/bekrafta/svar/" 2>/dev/null & IDP=$$!; \
	    export PORTAL_EID_ISSUER=http://127.0.0.1:$(EID_PORT) PORTAL_EID_CLIENT_ID=portal PORTAL_EID_CLIENT_SECRET=embedded-demo-secret PORTAL_EID_NAME="BankID (test)"; \
	    echo "Test eID (local OpenID provider, not real BankID): http://127.0.0.1:$(EID_PORT)/  demo personnummer: see README.md"; \
	  fi; \
	  $(BIN)/python manage.py run_embedded_beat & BEAT=$$!; trap 'kill $$BEAT $$IDP 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

totp: $(STAMP)
	@$(BIN)/python manage.py demo_totp

## make test: the whole suite. PostgreSQL and Redis when reachable, SQLite otherwise.
test: $(STAMP) compilemessages
	@bin/test

test-unit: $(STAMP) compilemessages
	@bin/test --unit-only

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy access accesslog benchdata portal web agencies cases consent meetings notifications insights directory

bench: $(STAMP) compilemessages
	@bin/bench

# Issue 18: worker SIGKILL, PostgreSQL restart and Redis SIGKILL on the production layout,
# with a PostgreSQL cluster and a Redis of its own (RELIABILITY.md).
faults: $(STAMP) compilemessages
	@$(BIN)/python bench/faults.py

# Issue 18: 500 simulated people walking the personas' pages (locust, in .venv-load).
load: $(STAMP) compilemessages
	@$(BIN)/python bench/load.py

ci:
	@.ci/run

clean:
	rm -rf $(VENV) .venv-load db.sqlite3 staticfiles artifacts
