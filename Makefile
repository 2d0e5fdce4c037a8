# nianbao: `make demo` (set up, extract the bundled examples) and `make test` (set up, lint, test).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
EXTRAS ?= dev,data,ml,review
STAMP := $(VENV)/.installed-$(EXTRAS)
export HF_HOME := $(CURDIR)/.cache/hf
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1

.PHONY: demo test lint bench setup clean review-server

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -U pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[$(EXTRAS)]"
	rm -f $(VENV)/.installed-*
	touch $@

demo: $(STAMP)
	$(BIN)/nianbao extract examples -o out/demo.jsonl --csv out/demo.csv --force
	$(BIN)/nianbao show examples/$$(ls examples | grep -m1 -E '\.(txt|html|docx)$$') --html out/demo.html
	@echo "records: out/demo.jsonl  table: out/demo.csv  picture: out/demo.html"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Label Studio in its own venv (.cache/label-studio/venv); quick when already installed.
review-server: $(STAMP)
	$(BIN)/nianbao review server install

test: lint review-server
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/nianbao bench

clean:
	rm -rf $(VENV) out .cache .pytest_cache
