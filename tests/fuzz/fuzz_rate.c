/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: tc-style rate/size/time parsing and the network planner's use of it. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netns/net.h"
#include "netns/rate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct sbx_error err = {0};
	uint64_t v;
	char buf[64];
	if (sbx_rate_parse(s, &v) == 0)
		sbx_rate_format(v, buf, sizeof(buf));
	else if (sbx_rate_err(&err, -EINVAL, SBX_RATE_KIND_RATE, "fuzz", s) >= 0 || !err.msg[0])
		abort(); /* every failure must explain itself */
	if (sbx_rate_parse_size(s, &v) == 0)
		sbx_rate_format_size(v, buf, sizeof(buf));
	if (sbx_rate_parse_time(s, &v) == 0)
		sbx_rate_format_time(v, buf, sizeof(buf));
	struct sbx_net_spec spec = {.mode = "veth", .rate_out = s, .rate_in = "8mbit", .burst = s, .latency = s};
	struct sbx_net_plan plan;
	sbx_net_plan_build(&spec, 1, &plan, &err);
	free(s);
	return 0;
}
