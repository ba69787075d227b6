#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The attacks whose containment needs cgroup v2 (memory and pid exhaustion),
# for the test VM: tests/vm/suite.list runs this script there. On hybrid
# hosts the same attacks skip (sbxctr refuses --memory/--pids there).
exec bash "$(dirname "$0")/run.sh" atk_mem_exhaust atk_pids_exhaust
