/* SPDX-License-Identifier: Apache-2.0 */
#include "profiles/seccomp_runtime.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void sbx_seccomp_plan_free(struct sbx_seccomp_plan *p)
{
	if (!p)
		return;
	free(p->main);
	free(p->listener_path);
	free(p->listener_metadata);
	free(p);
}

/*
 * Everything the compiled program depends on: the profile text, the
 * bounding set (includes/excludes caps), the native arch and kernel version
 * (archMap, minKernel), libseccomp's version (name resolution, stub
 * thresholds) and ours.
 */
static char *cache_key(const char *text, const struct sbx_seccomp_env *env)
{
	const struct scmp_version *v = seccomp_version();
	return sbx_xasprintf("sbxctr %s libseccomp %u.%u.%u arch %u kernel %u.%u caps %llx\n%s", SBX_VERSION,
			     v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0, env->native_arch,
			     env->kernel_major, env->kernel_minor, (unsigned long long)env->bounding_caps, text);
}

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * Cache file: "SBXSC1\n", u32 key length, key, u8 unconfined, u8 has_notify,
 * u32+listener path, u32+metadata, u32 program size, program. The key is
 * compared in full, so a hash collision is only a miss.
 */
#define CACHE_MAGIC "SBXSC1\n"

static char *cache_path(uint64_t h)
{
	return sbx_xasprintf("%s/seccomp-cache/%016llx", sbx_state_dir(), (unsigned long long)h);
}

static bool take(const char **p, const char *end, void *dst, size_t n)
{
	if ((size_t)(end - *p) < n)
		return false;
	memcpy(dst, *p, n);
	*p += n;
	return true;
}

static char *take_str(const char **p, const char *end, bool *ok)
{
	uint32_t n;
	if (!take(p, end, &n, sizeof(n)) || (size_t)(end - *p) < n) {
		*ok = false;
		return NULL;
	}
	char *s = n ? sbx_xasprintf("%.*s", (int)n, *p) : NULL;
	*p += n;
	return s;
}

/* A hit fills f (prog, unconfined, has_notify, listener fields) and returns true. */
static bool cache_load(const char *key, struct sbx_seccomp_filter *f)
{
	_cleanup_free_ char *path = cache_path(fnv1a(key, strlen(key)));
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (sbx_read_all(path, 8 << 20, &buf, &len) < 0)
		return false;
	const char *p = buf, *end = buf + len;
	char magic[sizeof(CACHE_MAGIC) - 1];
	uint32_t klen;
	if (!take(&p, end, magic, sizeof(magic)) || memcmp(magic, CACHE_MAGIC, sizeof(magic)) != 0 ||
	    !take(&p, end, &klen, sizeof(klen)) || klen != strlen(key) || (size_t)(end - p) < klen ||
	    memcmp(p, key, klen) != 0)
		return false;
	p += klen;
	uint8_t unconfined, has_notify;
	uint32_t psize;
	bool ok = true;
	if (!take(&p, end, &unconfined, 1) || !take(&p, end, &has_notify, 1))
		return false;
	f->listener_path = take_str(&p, end, &ok);
	f->listener_metadata = take_str(&p, end, &ok);
	if (!ok || !take(&p, end, &psize, sizeof(psize)) || (size_t)(end - p) != psize) {
		free(f->listener_path);
		free(f->listener_metadata);
		f->listener_path = f->listener_metadata = NULL;
		return false;
	}
	f->unconfined = unconfined;
	f->has_notify = has_notify;
	if (psize) {
		f->prog = sbx_xmalloc(psize);
		memcpy(f->prog, p, psize);
		if (sbx_seccomp_prog_validate(f->prog, psize) < 0) {
			free(f->prog);
			free(f->listener_path);
			free(f->listener_metadata);
			f->prog = NULL;
			f->listener_path = f->listener_metadata = NULL;
			return false;
		}
	}
	return true;
}

static void put_str(FILE *fp, const char *s)
{
	uint32_t n = s ? (uint32_t)strlen(s) : 0;
	fwrite(&n, sizeof(n), 1, fp);
	if (n)
		fwrite(s, 1, n, fp);
}

/* Best effort: a cache that cannot be written only costs the next run a compile. */
static void cache_store(const char *key, const struct sbx_seccomp_filter *f)
{
	_cleanup_free_ char *dir = sbx_xasprintf("%s/seccomp-cache", sbx_state_dir());
	struct sbx_error e = {0};
	if (sbx_state_dir_create(&e) < 0)
		return;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return;
	_cleanup_free_ char *path = cache_path(fnv1a(key, strlen(key)));
	/* unnamed until complete: a runtime killed while writing leaves nothing */
	int fd = sbx_tmpfile_open(path, 0600);
	if (fd < 0)
		return;
	FILE *fp = fdopen(fd, "w");
	if (!fp) {
		close(fd);
		return;
	}
	uint32_t klen = (uint32_t)strlen(key);
	uint8_t unconfined = f->unconfined, has_notify = f->has_notify;
	uint32_t psize = f->prog ? (uint32_t)sbx_seccomp_prog_size(f->prog) : 0;
	fwrite(CACHE_MAGIC, 1, sizeof(CACHE_MAGIC) - 1, fp);
	fwrite(&klen, sizeof(klen), 1, fp);
	fwrite(key, 1, klen, fp);
	fwrite(&unconfined, 1, 1, fp);
	fwrite(&has_notify, 1, 1, fp);
	put_str(fp, f->listener_path);
	put_str(fp, f->listener_metadata);
	fwrite(&psize, sizeof(psize), 1, fp);
	if (psize)
		fwrite(f->prog, 1, psize, fp);
	/* replaces a stale entry (another key with the same hash): the content decides */
	if (fflush(fp) == 0)
		sbx_tmpfile_commit(fileno(fp), path, false);
	fclose(fp);
}

/* A flat program from a split half, with the flags of the original. */
static struct sbx_seccomp_prog *make_prog(const struct sbx_seccomp_prog *orig, const struct sock_fprog *fp,
					  uint32_t extra_flags)
{
	struct sbx_seccomp_prog *p = sbx_xmalloc(sizeof(*p) + fp->len * sizeof(struct sock_filter));
	p->magic = SBX_SECCOMP_PROG_MAGIC;
	p->flags = orig->flags | extra_flags;
	p->flags_optional = orig->flags_optional;
	p->len = fp->len;
	memcpy(p->insns, fp->filter, fp->len * sizeof(struct sock_filter));
	return p;
}

int sbx_seccomp_plan_build(const char *doc, const char *text, struct json_object *obj, uint64_t bounding_caps,
			   bool exact_kills, struct sbx_seccomp_plan **ret, struct sbx_error *err)
{
	struct sbx_seccomp_env env;
	int r = sbx_seccomp_env_host(&env, bounding_caps, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *key = cache_key(text, &env);
	struct sbx_seccomp_filter *f = NULL;
	struct sbx_seccomp_filter cached = {0};
	if (cache_load(key, &cached)) {
		f = &cached;
	} else {
		_cleanup_(sbx_seccomp_profile_freep) struct sbx_seccomp_profile *prof = NULL;
		r = obj ? sbx_seccomp_profile_from_json(doc, obj, NULL, &prof, err)
			: sbx_seccomp_profile_parse(doc, text, strlen(text), &prof, err);
		if (r < 0)
			return r;
		if ((r = sbx_seccomp_compile(prof, &env, &f, err)) < 0)
			return r;
		for (size_t i = 0; f->warnings && f->warnings[i]; i++)
			sbx_debug("%s: %s", doc, f->warnings[i]);
		cache_store(key, f);
	}
	_cleanup_(sbx_seccomp_plan_freep) struct sbx_seccomp_plan *p = sbx_xcalloc(1, sizeof(*p));
	p->none = f->unconfined || !f->prog;
	p->has_notify = f->has_notify;
	p->listener_path = sbx_xstrdup(f->listener_path);
	p->listener_metadata = sbx_xstrdup(f->listener_metadata);
	if (!p->none) {
		struct sock_fprog n = {0}, m = {0};
		r = f->has_notify ? -EBUSY : sbx_seccomp_filter_split_notify(f, &n, &m);
		/* a notify half that always allows means the profile never kills: nothing to report */
		size_t nlen = r == 0 ? sbx_seccomp_prune_allow(n.filter, n.len) : 0;
		p->kills = nlen > 0;
		struct sock_fprog k = {0};
		if (r == 0 && nlen > 0 && !exact_kills && sbx_seccomp_filter_notify_kills(f, &k) == 0) {
			/* one program, its kills notifications, loaded with the listener (notify stays NULL) */
			p->report = true;
			p->main = make_prog(f->prog, &k, SECCOMP_FILTER_FLAG_NEW_LISTENER);
			free(k.filter);
		}
		if (r == 0) {
			free(n.filter);
			free(m.filter);
		}
		if (!p->report) {
			/*
			 * no split: the profile never kills, its kills are the kernel's (exact), or it has
			 * NOTIFY rules of its own (their listener is the agent's)
			 */
			p->main = sbx_xmalloc(sbx_seccomp_prog_size(f->prog));
			memcpy(p->main, f->prog, sbx_seccomp_prog_size(f->prog));
		}
		if (p->has_notify && !p->listener_path) {
			r = sbx_err_set(err, EINVAL, "%s: SCMP_ACT_NOTIFY needs a listenerPath", doc);
			goto out;
		}
	}
	*ret = TAKE_PTR(p);
	r = 0;
out:
	if (f == &cached) {
		free(cached.prog);
		free(cached.listener_path);
		free(cached.listener_metadata);
	} else {
		sbx_seccomp_filter_free(f);
	}
	return r;
}
