#!/usr/bin/env bash
# make bench: builds what the bench measures, installs Prowler into its own venv, and prints
# one table of figures (bench/bench.py). Takes a while: two cross builds of the function and
# the release build of the bench binaries. Everything runs on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${VENV:-.venv}
prowler_venv=${PROWLER_VENV:-bench/.venv-prowler}
python=${PYTHON:-python3}

echo "==> Release build of the CLI, the function and the bench probes"
cargo build --release --quiet --bin gatecheck --bin bootstrap --example bench_economy --example bench_memory --example seed_demo

if [[ ! -x "$prowler_venv/bin/prowler" ]]; then
    echo "==> Installing Prowler into $prowler_venv (once)"
    "$python" -m venv "$prowler_venv"
    "$prowler_venv/bin/pip" install --quiet --disable-pip-version-check "prowler==${PROWLER_VERSION:-5.*}" ||
        echo "Prowler could not be installed; the side-by-side rows will say so"
fi

echo "==> Running (machine: $(uname -m), $(nproc) cores)"
VENV="$venv" PROWLER_VENV="$prowler_venv" "$venv/bin/python" bench/bench.py
