/* SPDX-License-Identifier: Apache-2.0 */
/* Bundles, rootfs paths and profile files from disk, for the pure OCI model. */
#include "runtime/bundle.h"
#include "core/cleanup.h"
#include "core/util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* config.json and profile files larger than this are refused, not read */
#define CONFIG_MAX_BYTES (16u << 20)

int sbx_config_load_bundle(const char *bundle_dir, struct sbx_config **ret, struct sbx_error *err)
{
	char abs[PATH_MAX];
	if (!realpath(bundle_dir, abs))
		return sbx_err_sys(err, "bundle %s", bundle_dir);
	_cleanup_free_ char *path = sbx_xasprintf("%s/config.json", abs);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = sbx_read_all(path, CONFIG_MAX_BYTES, &buf, &len);
	if (r < 0)
		return sbx_err_errno(err, r, "%s", path);
	return sbx_config_parse(buf, len, abs, ret, err);
}

int sbx_config_default(const char *rootfs, char *const *argv, struct sbx_config **ret, struct sbx_error *err)
{
	if (!argv || !argv[0] || !argv[0][0])
		return sbx_err_set(err, EINVAL, "no command given (use: sbxctr run --rootfs DIR -- CMD ARGS...)");
	char abs[PATH_MAX];
	if (!realpath(rootfs, abs))
		return sbx_err_sys(err, "--rootfs %s", rootfs);
	return sbx_config_default_at(abs, argv, ret, err);
}

int sbx_seccomp_read_file(const char *path, char **ret, struct sbx_error *err)
{
	size_t len;
	int r = sbx_read_all(path, CONFIG_MAX_BYTES, ret, &len);
	if (r < 0)
		return sbx_err_errno(err, r, "seccomp: --seccomp %s (a file, or one of unconfined, default, compute-only)",
				     path);
	return 0;
}
