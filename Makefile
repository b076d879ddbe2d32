# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
EXTRAS ?= dev,transformer,dask

.PHONY: demo test venv clean bench

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[$(EXTRAS)]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/silkframe predict --model models/default corpora/samples/samples.jsonl
	$(BIN)/silkframe tag corpora/samples/samples.jsonl --model models/default --keep date,source --out out/demo/tagged.jsonl --overwrite --quiet
	$(BIN)/silkframe trend out/demo/tagged.jsonl --by quarter --group lang --events corpora/events.csv --min-n 3 --out out/demo/trend
	@echo "Tagged records: out/demo/tagged.jsonl; trend table, plots and summary: out/demo/trend/"

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_tokenizer.py
	$(BIN)/python benchmarks/bench_tag.py

clean:
	rm -rf $(VENV) build *.egg-info
