/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: the service's request handling without a server. The
 * input is a request body: parsed with the depth cap, then read as each
 * kind of body (a /v1/run job line plus "capture", checked against the
 * policy; a session; an exec); its first line is also taken as
 * "METHOD URL" for the router and as a workdir path; its bytes as output
 * for the UTF-8/base64 encoder.
 * SBX_FUZZ_REQUIRES: serve/request.h
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbx_api_error e = {0};
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	json_object *o = NULL;
	if (sbx_api_parse_json(text, size, 16, &o, &e) == 0) {
		static char *const allow[] = {"/srv/b", NULL};
		struct sbx_api_policy p = {.rootfs = "/srv/a", .allow_rootfs = allow};
		struct sbx_session_req s;
		struct sbx_exec_req x;
		if (sbx_api_parse_session(o, &s, &e) == 0)
			sbx_api_check_options(&s.opts, "", &p, &e);
		sbx_session_req_clear(&s);
		if (sbx_api_parse_exec(o, &x, &e) == 0)
			sbx_exec_req_clear(&x);
		struct sbx_job *job = NULL;
		bool capture;
		/* last: it removes "capture" from the object */
		if (sbx_api_parse_run(o, "request", &job, &capture, &e) == 0) {
			sbx_api_check_job(job, &p, &e);
			sbx_job_free(job);
		}
		json_object_put(o);
	}
	char *nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	char *sp = strchr(text, ' ');
	if (sp) {
		*sp = '\0';
		struct sbx_api_match m;
		if (sbx_api_route(text, sp + 1, &m, &e) == 0 && m.route == SBX_ROUTE_SANDBOX_FILES)
			free(sbx_api_workdir_path(m.rest, &e));
	}
	free(sbx_api_workdir_path(text, &e));
	json_object *out = json_object_new_object();
	sbx_api_add_data(out, (const char *)data, size);
	json_object_put(out);
	free(sbx_api_error_json(&e));
	free(text);
	return 0;
}
