#!/bin/sh
# Runs a Python integration test under CTest: mamori_script_test() starts
# scripts with sh, so Python tests go through this wrapper.
# Usage: run_python.sh TEST.py [ARGS...]
if ! command -v python3 >/dev/null 2>&1; then
	echo "python3 not found: skipping"
	echo "0 passed, 0 failed"
	exit 77
fi
PYTHONDONTWRITEBYTECODE=1 exec python3 "$@"
