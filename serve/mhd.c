/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libmicrohttpd is opened with dlopen() when a service starts, not linked:
 * linked, it and its TLS stack (gnutls, p11-kit, nettle, gmp, ... ten
 * libraries) were loaded and relocated by every `sbxctr run`, batch job
 * line and OCI verb, which never serve: about 3 ms of a 4 ms start on the
 * development machines (bench/startup.sh). The table is the one piece of
 * process-wide state in serve/: written once under pthread_once, read-only
 * after, like the library it points into.
 */
#include "serve/mhd.h"
#include "core/error.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* the runtime library's name (its SONAME), then the development link */
static const char *const libnames[] = {"libmicrohttpd.so.12", "libmicrohttpd.so"};

static struct sbx_mhd table;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[256];
static bool loaded;

static void load(void)
{
	void *h = NULL;
	for (size_t i = 0; !h && i < sizeof(libnames) / sizeof(libnames[0]); i++)
		h = dlopen(libnames[i], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(load_error, sizeof(load_error), "%s", dlerror());
		return;
	}
	static const struct {
		const char *name;
		size_t off;
	} syms[] = {
#define SYM(f) {"MHD_" #f, offsetof(struct sbx_mhd, f)}
		SYM(start_daemon),		  SYM(stop_daemon),
		SYM(quiesce_daemon),		  SYM(queue_response),
		SYM(create_response_from_buffer), SYM(create_response_from_callback), SYM(create_response_from_fd64),
		SYM(add_response_header),	  SYM(destroy_response),
		SYM(lookup_connection_value),	  SYM(get_connection_values),
		SYM(get_connection_info),	  SYM(set_connection_option),
#undef SYM
	};
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *p = dlsym(h, syms[i].name);
		if (!p) {
			snprintf(load_error, sizeof(load_error), "%s: no symbol %s", libnames[0], syms[i].name);
			dlclose(h);
			return;
		}
		/* POSIX: a data pointer from dlsym() converts to the function pointer it names */
		memcpy((char *)&table + syms[i].off, &p, sizeof(p));
	}
	loaded = true;
}

int sbx_mhd_load(struct sbx_error *err)
{
	pthread_once(&once, load);
	if (!loaded)
		return sbx_err_set(err, ELIBACC, "serve: libmicrohttpd (Debian package libmicrohttpd12): %s", load_error);
	return 0;
}

const struct sbx_mhd *sbx_mhd(void)
{
	return &table;
}
