/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: config.json text -> typed config -> validation -> mount plan. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rootfs/plan.h"
#include "oci/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbx_config *cfg = NULL;
	struct sbx_error err = {0};
	/* the parser takes a buffer and its length: no terminating NUL is promised */
	if (sbx_config_parse((const char *)data, size, "/bundle", &cfg, &err) < 0) {
		/* every error must leave a terminated message behind */
		if (memchr(err.msg, '\0', sizeof(err.msg)) == NULL)
			__builtin_trap();
		return 0;
	}
	struct sbx_error verr = {0};
	if (sbx_config_validate(cfg, &verr) == 0) {
		struct sbx_mount_plan *plan = NULL;
		if (sbx_mount_plan_build(cfg, &plan, &verr) == 0)
			sbx_mount_plan_free(plan);
	}
	sbx_config_annotation(cfg, "org.sbxctr.workdir");
	sbx_config_getenv(cfg, "PATH");
	sbx_config_free(cfg);
	return 0;
}
