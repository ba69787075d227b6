/* SPDX-License-Identifier: Apache-2.0 */
/* Scope-bound cleanup helpers (systemd/crun style) and ownership transfer. */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void sbx_freep(void *p)
{
	free(*(void **)p);
}

static inline void sbx_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno; /* close() must not clobber the errno being reported */
		close(*fd);
		errno = saved;
	}
}

static inline void sbx_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void sbx_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* Frees a NULL-terminated array of strings and the array. */
static inline void sbx_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static inline void sbx_strv_freep(char ***v)
{
	sbx_strv_free(*v);
}

#define _cleanup_free_ _cleanup_(sbx_freep)
#define _cleanup_close_ _cleanup_(sbx_closep)
#define _cleanup_fclose_ _cleanup_(sbx_fclosep)
#define _cleanup_closedir_ _cleanup_(sbx_closedirp)
#define _cleanup_strv_ _cleanup_(sbx_strv_freep)

/* Takes ownership out of a cleanup variable. */
#define TAKE_PTR(p)                                  \
	({                                           \
		__typeof__(p) _tp_tmp = (p);         \
		(p) = NULL;                          \
		_tp_tmp;                             \
	})
#define TAKE_FD(fd)                                  \
	({                                           \
		int _tf_tmp = (fd);                  \
		(fd) = -1;                           \
		_tf_tmp;                             \
	})

#define SBX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
