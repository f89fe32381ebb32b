# The book's commands. Each target creates .venv (pinned requirements.txt,
# lessons_lib installed editable) when it is missing or requirements changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NOTEBOOKS := $(shell find book -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)
# `make refresh NB=book/ch01_background.ipynb` refreshes one notebook.
NB ?= $(NOTEBOOKS)
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: help install test unit book lab refresh bench clean

help:
	@echo "make test     unit tests + nbval over every notebook (stored outputs compared)"
	@echo "make book     build the static site into _build/html (warnings are errors)"
	@echo "make lab      JupyterLab on http://127.0.0.1:8888, opening the book"
	@echo "make refresh  re-execute notebooks in place (NB=path for one)"
	@echo "make bench    performance benchmarks (benchmarks/README.md)"

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	touch $@

test: $(STAMP)
	$(BIN)/python -m pytest tests book --nbval --nbval-current-env -p no:cacheprovider

unit: $(STAMP)
	$(BIN)/python -m pytest tests -p no:cacheprovider

book: $(STAMP)
	$(BIN)/jupyter-book build . -W --keep-going
	@echo "Open $(CURDIR)/_build/html/index.html"

lab: $(STAMP)
	$(BIN)/jupyter lab --ip=127.0.0.1 --no-browser $(ROOT_FLAG) \
	  --ServerApp.default_url=/lab/tree/book/intro.md

refresh: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.record_timing=False \
	  --ExecutePreprocessor.timeout=300 $(NB)

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-bench.txt
	$(BIN)/python benchmarks/bench_conv_mlp.py
	$(BIN)/python benchmarks/bench_recsys.py

clean:
	rm -rf _build
