#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Python SDK (sdk/python) with pytest against a real `sbxctr serve` that
# the tests start: runs, batches, sessions, typed errors, the pool's
# freshness, TCP with a token, and `pip install` without a network.
. "$(dirname "$0")/lib.sh"
t_skip_unless_root
# Debian's interpreter, which has python3-pytest (setup.sh installs it)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
if [ -z "$PY" ] || ! "$PY" -c 'import pytest' 2>/dev/null; then
	echo "SKIP: python3 with pytest is missing (apt-get install python3-pytest)"
	exit 77
fi
cd "$SBX_SOURCE_DIR/sdk/python" || exit 1
# not exec'd: lib.sh's exit trap removes its temp directory
PYTHONDONTWRITEBYTECODE=1 "$PY" -m pytest -q -p no:cacheprovider tests
exit $?
