/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verbs of the sbxctr command line, one file each in cli/. Each takes
 * argv with argv[0] the verb's name, prints what it has to say (cli/ is the
 * only code that writes to the terminal) and returns the exit status.
 */
#pragma once

#include "core/error.h" /* enum sbx_exit_status */

#include <stdbool.h>

int sbx_cmd_run(int argc, char **argv);
/* The OCI lifecycle (runtime/container.h), with runc's command line. */
int sbx_cmd_create(int argc, char **argv);
/* `run -d`/`--detach` among run's arguments (before any "--"): runc's create + start in one call. */
bool sbx_cli_run_detached(int argc, char **argv);
int sbx_cmd_run_detached(int argc, char **argv);
int sbx_cmd_start(int argc, char **argv);
int sbx_cmd_state(int argc, char **argv);
int sbx_cmd_kill(int argc, char **argv);
int sbx_cmd_delete(int argc, char **argv);
int sbx_cmd_list(int argc, char **argv);
int sbx_cmd_spec(int argc, char **argv);
int sbx_cmd_features(int argc, char **argv);
/* What engines call on running containers (runtime/engine.c, runtime/container_exec.c). */
int sbx_cmd_exec(int argc, char **argv);
int sbx_cmd_ps(int argc, char **argv);
int sbx_cmd_pause(int argc, char **argv);
int sbx_cmd_resume(int argc, char **argv);
int sbx_cmd_update(int argc, char **argv);
int sbx_cmd_events(int argc, char **argv);
int sbx_cmd_batch(int argc, char **argv);
/* serve [--socket PATH] [--listen ADDR:PORT --token-file F] [--pool N] ...: the sandbox service */
int sbx_cmd_serve(int argc, char **argv);
/*
 * seccomp check PROFILE [--caps LIST] [--arch ARCH] [--kernel X.Y]
 * seccomp export PROFILE [...] (--bpf FILE | --pfc FILE)
 * PROFILE is a path, or a shipped profile's name ("default", "compute-only";
 * write ./default for a file of that name).
 */
int sbx_cmd_seccomp(int argc, char **argv);
