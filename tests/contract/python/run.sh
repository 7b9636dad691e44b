#!/usr/bin/env bash
# Runs py_client_check.py (Waldur's official Python client, waldur-api-client==8.1.3) against a fresh
# stand-in Waldur. Run from anywhere; paths are taken from the workspace root.
#
#   tests/contract/python/run.sh [MOCK_BINARY]      default: target/debug/waldur-mock
#
# Environment: FLAVOUR=8.1|7.8.7 (default 8.1), PY_CHECK_PORT (default 18788).
# Without python3, venv or pip, or when the install fails, it prints "python client check SKIPPED: ..."
# and exits 0. Otherwise it exits with the check's status.
set -uo pipefail
cd "$(dirname "$0")/../../.."
# A wrong root would make every step below fail and read as "SKIPPED"; it is a bug, said as one.
[ -f tests/contract/python/run.sh ] || { echo "run.sh: $(pwd) is not the workspace root" >&2; exit 1; }

mock_bin=${1:-target/debug/waldur-mock}
flavour=${FLAVOUR:-8.1}
port=${PY_CHECK_PORT:-18788}
venv=target/py-check-venv
package=waldur-api-client==8.1.3

skip() {
  echo "python client check SKIPPED: $*"
  exit 0
}

command -v python3 > /dev/null 2>&1 || skip "python3 not found"
if [ ! -x "$venv/bin/python" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv" > target/py-check-venv.log 2>&1 || skip "python3 -m venv failed (see target/py-check-venv.log)"
fi
"$venv/bin/python" -m pip --version > /dev/null 2>&1 || skip "pip is not available in $venv"
if ! "$venv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("waldur-api-client") != "8.1.3")' 2> /dev/null; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$package" > target/py-check-pip.log 2>&1 \
    || skip "pip install $package failed (see target/py-check-pip.log)"
fi

[ -x "$mock_bin" ] || { echo "error: no mock binary at $mock_bin (cargo build --package contract-tests --bin waldur-mock)" >&2; exit 2; }

# A fresh process is a fresh state: the stand-in keeps everything in memory, seeded from the recordings.
log=target/py-check-mock.log
"$mock_bin" --port "$port" --flavour "$flavour" --recordings tests/contract/recordings > "$log" 2>&1 &
mock=$!
trap 'kill "$mock" 2> /dev/null || true; wait "$mock" 2> /dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q serving "$log" && break
  kill -0 "$mock" 2> /dev/null || { echo "error: the mock exited:" >&2; cat "$log" >&2; exit 2; }
  sleep 0.1
done
grep -q serving "$log" || { echo "error: the mock did not start within 10 s:" >&2; cat "$log" >&2; exit 2; }

"$venv/bin/python" tests/contract/python/py_client_check.py \
  --base-url "http://127.0.0.1:$port" --token py-check-token --flavour "$flavour"
