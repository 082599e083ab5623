# gatecheck: `make demo` shows it on a local AWS emulator, `make test` is what CI runs.

VENV ?= .venv
PYTHON ?= python3
export GATECHECK_MOTO_SERVER := $(abspath $(VENV))/bin/moto_server
export GATECHECK_PYTHON := $(abspath $(VENV))/bin/python
# cargo-lambda and cfn-lint come from the venv.
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: demo test lint fmt docs venv clean build deploy invoke reliability fuzz-smoke bench

## demo: seed a local emulated account with broken and healthy APIs and audit it
demo: venv
	@scripts/demo.sh

## test: formatting, lints, unit and integration tests (against a local moto)
test: venv lint
	cargo test --all-targets

## reliability: audits under injected faults, denied reads, the request quota and a deadline,
## and the function's state between runs (corrupt, foreign, concurrent, a flood of resolutions,
## Security Hub failing); prints the tables of scenarios, faults, completed audits, GC900s,
## panics and leaked values
reliability: venv
	cargo test --test reliability fault_scenarios -- --nocapture

## fuzz-smoke: the bad-input properties with FUZZ_CASES cases each (default 5000); a failing
## input is kept in tests/properties.proptest-regressions and replayed first from then on
FUZZ_CASES ?= 5000
fuzz-smoke:
	PROPTEST_CASES=$(FUZZ_CASES) cargo test --release --test properties -- --nocapture

## bench: call economy, rate-limit floor, engine speed and memory, the function's size, init
## and memory, and gatecheck beside Prowler; prints one table (see bench/RESULTS.md)
bench: venv
	@bench/run.sh

lint: venv
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cfn-lint template.yaml templates/member-role.yaml

## build: the Lambda bootstrap (arm64, release) into target/lambda/bootstrap/, to look at it;
## deploying does not need it (sam build builds what is deployed)
build: venv
	cargo lambda build --release --arm64 --bin bootstrap

## deploy: sam build (cargo-lambda, from the template) then sam deploy --guided; needs the AWS
## SAM CLI on PATH and credentials for the target account
deploy: venv
	@command -v sam >/dev/null || { echo "make deploy needs the AWS SAM CLI: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html"; exit 2; }
	sam build
	sam deploy --guided

## invoke: run the real bootstrap under cargo-lambda's emulator against a seeded local moto
EVENT ?= events/scheduled.json
invoke: venv
	@scripts/invoke.sh $(EVENT)

fmt:
	cargo fmt --all

## docs: regenerate docs/checks.md and README.md's check table from the checks' metadata
docs:
	cargo run --quiet -- checks --format markdown > docs/checks.md
	cargo run --quiet -- checks --format readme-table > .readme-table.md
	$(PYTHON) scripts/splice_readme_table.py README.md .readme-table.md
	rm -f .readme-table.md

## venv: the Python tools (moto, cfn-lint) in a local virtualenv
venv: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt
	@echo "==> Installing the Python test tools into $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

clean:
	cargo clean
	rm -rf $(VENV) .demo
