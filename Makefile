# 隐私助手 — every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION := 3.10
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
MODEL := models/privacy-desk.tar.gz

export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONDONTWRITEBYTECODE := 1

# Everything that changes the trained model. Knowledge bases (data/apps) are not trained on:
# onboarding an app never retrains.
TRAINING_DATA := data/nlu data/rules.yml
TRAINING_INPUTS := config.yml domain.yml \
	$(shell find data -name '*.yml' -not -path 'data/apps/*' 2>/dev/null) \
	$(wildcard data/jieba/*.txt) $(wildcard bot/nlu/*.py) bot/text.py bot/identifiers.py

.PHONY: help install train run run-scaled test test-python test-stories validate bench bench-nlu bench-knowledge bench-backend bench-turns bench-wechat bench-agents lock clean system-deps

help:  ## list the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

$(PY):
	@command -v python$(PYTHON_VERSION) >/dev/null || { echo "python$(PYTHON_VERSION) not found (pyenv reads .python-version)"; exit 1; }
	python$(PYTHON_VERSION) -m venv $(VENV)

$(VENV)/.installed: requirements/requirements.in requirements/constraints.txt | $(PY)
	$(PY) -m pip install --quiet "pip==$$(grep -Po '(?<=^pip==).*' requirements/constraints.txt)"
	$(PY) -m pip install --quiet -r requirements/requirements.in -c requirements/constraints.txt
	$(PY) -m pip check
	touch $@

install: $(VENV)/.installed  ## create .venv (Python 3.10) and install the locked dependencies

$(MODEL): $(VENV)/.installed $(TRAINING_INPUTS)
	$(RASA) train --data $(TRAINING_DATA) --fixed-model-name privacy-desk --out models --quiet
	touch $@

train: $(MODEL)  ## train the Rasa model if it is missing or older than its inputs

system-deps:  ## Debian packages the tests need: chromium and a Chinese font, nginx (load balancer)
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || \
		{ apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei; }
	@# nginx is run by bot.scaled only; the package must not start its own server on port 80
	@test -x /usr/sbin/nginx || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && \
		chmod +x /usr/sbin/policy-rc.d && apt-get update -qq && apt-get install -y -qq nginx-light; \
		status=$$?; rm -f /usr/sbin/policy-rc.d; exit $$status; }

run: install train  ## run the whole help desk locally (SQLite, in-memory lock store)
	$(PY) -m bot.devserver

run-scaled: install train system-deps  ## 2 of each part behind nginx on PostgreSQL and Redis (SCALE=N)
	$(PY) -m bot.devserver --scale $(or $(SCALE),2)

validate: install  ## check training data and domain
	$(RASA) data validate --data $(TRAINING_DATA) --quiet

test-python: install train system-deps
	$(PY) -m pytest

test-stories: install train
	$(RASA) test core --stories tests/stories --model $(MODEL) --fail-on-prediction-errors --out results/stories

test: validate test-python test-stories  ## install, train and run the whole test suite

bench: bench-nlu bench-knowledge bench-backend bench-turns bench-scale bench-wechat bench-agents  ## every benchmark (not part of `make test`)

bench-nlu: install  ## NLU vs baseline on the held-out set (trains its own models)
	$(PY) -m bench.nlu_bench

bench-knowledge: install  ## policy ingest and retrieval
	$(PY) -m bench.knowledge_bench

bench-backend: install  ## request filing, 20 concurrent clients, SQLite vs PostgreSQL
	$(PY) -m bench.backend_bench

bench-turns: install train system-deps  ## turn latency of the running help desk, memory per process
	$(PY) -m bench.turn_bench

bench-scale: install train system-deps  ## closed-loop throughput with 1 and 2 of each part behind nginx, time per part
	$(PY) -m bench.scale_bench

bench-wechat: install train  ## WeChat push-to-success and push-to-reply vs the chat channel, 20 users
	$(PY) -m bench.wechat_bench

bench-agents: install train  ## agent assist latency, agent-to-user delivery, suggestion accuracy
	$(PY) -m bench.agent_bench

lock:  ## refresh requirements/constraints.txt from the current working environment
	$(PY) -m pip freeze --all > requirements/constraints.txt

clean:  ## remove the virtualenv, models and local state
	rm -rf $(VENV) models/*.tar.gz .rasa results var
