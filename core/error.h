/* SPDX-License-Identifier: Apache-2.0 */
/* The one error type of sbxctr: an errno plus a flattened context chain. */
#pragma once

#include <errno.h>
#include <stdarg.h>

#define SBX_ERR_MSG_MAX 640

/*
 * The exit statuses of sbxctr itself (the program's own status otherwise):
 * the public header (include/sbxctr.h) documents the same numbers.
 */
enum sbx_exit_status {
	SBX_EXIT_FAILURE = 125,	     /* sbxctr failed: bad input, set-up error */
	SBX_EXIT_CANNOT_EXECUTE = 126, /* the program could not be executed */
	SBX_EXIT_NOT_FOUND = 127,    /* the program was not found */
	SBX_EXIT_SIGNAL_BASE = 128,  /* + N: the program was killed by signal N */
};

/* Why an error happened, so that the CLI can pick the exit status. */
enum sbx_err_kind {
	SBX_ERRK_INTERNAL = 0, /* sbxctr itself failed, bad input included: exit 125 */
	SBX_ERRK_EXEC_NOENT,   /* the program was not found: exit 127 */
	SBX_ERRK_EXEC_PERM,    /* the program could not be executed: exit 126 */
};

/*
 * Fixed-size and malloc-free on purpose: the child fills one after clone()
 * and sends it whole to the parent over the sync socket.
 */
struct sbx_error {
	int code; /* positive errno, 0 when no error is set */
	int kind; /* enum sbx_err_kind */
	char msg[SBX_ERR_MSG_MAX];
};

/* Sets err (if not NULL) to code and the formatted message; returns -code. */
int sbx_err_set(struct sbx_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like sbx_err_set with the current errno, appending ": strerror(errno)". */
int sbx_err_sys(struct sbx_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like sbx_err_set with an explicit errno, appending ": strerror(code)". */
int sbx_err_errno(struct sbx_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefixes "context: " to an already set message; returns -err->code. */
int sbx_err_wrap(struct sbx_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbx_err_clear(struct sbx_error *err);
/* The exit status for an error of sbxctr's: SBX_EXIT_NOT_FOUND, SBX_EXIT_CANNOT_EXECUTE or SBX_EXIT_FAILURE. */
int sbx_err_exit_status(const struct sbx_error *err);
