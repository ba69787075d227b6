/* SPDX-License-Identifier: Apache-2.0 */
/* The service's pure request layer (serve/request.c) and `sbxctr serve`'s flags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/serve.h"
#include "core/cleanup.h"
#include "core/util.h"
#include "serve/request.h"

static void test_routes(void **state)
{
	struct sbx_api_match m;
	struct sbx_api_error e = {0};
	assert_int_equal(sbx_api_route("GET", "/v1/health", &m, &e), 0);
	assert_int_equal(m.route, SBX_ROUTE_HEALTH);
	assert_int_equal(sbx_api_route("GET", "/metrics", &m, &e), 0);
	assert_int_equal(sbx_api_route("POST", "/v1/run", &m, &e), 0);
	assert_int_equal(m.route, SBX_ROUTE_RUN);
	assert_int_equal(sbx_api_route("POST", "/v1/batch", &m, &e), 0);
	assert_int_equal(sbx_api_route("POST", "/v1/sandboxes", &m, &e), 0);
	assert_int_equal(sbx_api_route("GET", "/v1/sandboxes", &m, &e), 0);
	const char *id = "s-0123456789abcdef01234567";
	char url[128];
	snprintf(url, sizeof(url), "/v1/sandboxes/%s", id);
	assert_int_equal(sbx_api_route("DELETE", url, &m, &e), 0);
	assert_int_equal(m.route, SBX_ROUTE_SANDBOX);
	assert_string_equal(m.id, id);
	snprintf(url, sizeof(url), "/v1/sandboxes/%s/exec", id);
	assert_int_equal(sbx_api_route("POST", url, &m, &e), 0);
	assert_int_equal(m.route, SBX_ROUTE_SANDBOX_EXEC);
	snprintf(url, sizeof(url), "/v1/sandboxes/%s/files/a/b.txt", id);
	assert_int_equal(sbx_api_route("PUT", url, &m, &e), 0);
	assert_int_equal(m.route, SBX_ROUTE_SANDBOX_FILES);
	assert_string_equal(m.rest, "a/b.txt");
	/* wrong method 405, unknown 404, a malformed id 404 naming the field */
	assert_int_equal(sbx_api_route("GET", "/v1/run", &m, &e), -1);
	assert_int_equal(e.status, 405);
	assert_int_equal(sbx_api_route("PATCH", url, &m, &e), -1);
	assert_int_equal(e.status, 405);
	assert_int_equal(sbx_api_route("GET", "/v2/run", &m, &e), -1);
	assert_int_equal(e.status, 404);
	assert_int_equal(sbx_api_route("GET", "/v1/sandboxes/s-XYZ", &m, &e), -1);
	assert_int_equal(e.status, 404);
	assert_string_equal(e.field, "id");
	assert_int_equal(sbx_api_route("POST", "/v1/sandboxes/s-0123456789abcdef01234567/other", &m, &e), -1);
	assert_int_equal(e.status, 404);
	assert_true(sbx_api_session_id_ok("s-0123456789abcdef01234567"));
	assert_false(sbx_api_session_id_ok("s-0123456789ABCDEF01234567"));
	assert_false(sbx_api_session_id_ok("s-0123"));
}

static void test_json(void **state)
{
	struct sbx_api_error e = {0};
	json_object *o = NULL;
	assert_int_equal(sbx_api_parse_json("{\"a\": [1, 2]} \n", 15, 16, &o, &e), 0);
	json_object_put(o);
	assert_int_equal(sbx_api_parse_json("{\"a\": 1} x", 10, 16, &o, &e), -1);
	assert_int_equal(e.status, 400);
	assert_non_null(strstr(e.msg, "trailing"));
	assert_int_equal(sbx_api_parse_json("{\"a\": ", 6, 16, &o, &e), -1);
	assert_non_null(strstr(e.msg, "ends inside"));
	char deep[64];
	memset(deep, '[', 40);
	memset(deep + 40, ']', 20);
	assert_int_equal(sbx_api_parse_json(deep, 60, 16, &o, &e), -1);
	assert_string_equal(e.msg, "JSON nested deeper than 16 levels");
	assert_string_equal(e.field, "");
}

static json_object *parse(const char *text)
{
	struct sbx_api_error e = {0};
	json_object *o = NULL;
	if (sbx_api_parse_json(text, strlen(text), 16, &o, &e) < 0)
		fail_msg("%s", e.msg);
	return o;
}

static void test_run_body(void **state)
{
	struct sbx_api_error e = {0};
	struct sbx_job *job = NULL;
	bool capture = false;
	json_object *o = parse("{\"id\": \"x\", \"argv\": [\"true\"], \"capture\": true, \"time\": 1}");
	assert_int_equal(sbx_api_parse_run(o, "request", &job, &capture, &e), 0);
	assert_true(capture);
	assert_string_equal(job->id, "x");
	assert_int_equal(job->run.time_us, 1000000);
	sbx_job_free(job);
	json_object_put(o);
	/* a library error becomes the message without the document, and its JSON path as the field */
	o = parse("{\"id\": \"x\", \"argv\": [\"true\"], \"tests\": [{\"id\": \"t\", \"memory\": \"lots\"}]}");
	assert_int_equal(sbx_api_parse_run(o, "request", &job, &capture, &e), -1);
	assert_int_equal(e.status, 400);
	assert_string_equal(e.field, "tests[0].memory");
	assert_true(strncmp(e.msg, "tests[0].memory: expected", 25) == 0);
	json_object_put(o);
	o = parse("{\"id\": \"x\", \"argv\": [\"true\"], \"capture\": \"yes\"}");
	assert_int_equal(sbx_api_parse_run(o, "request", &job, &capture, &e), -1);
	assert_string_equal(e.field, "capture");
	json_object_put(o);
	o = parse("[1]");
	assert_int_equal(sbx_api_parse_run(o, "request", &job, &capture, &e), -1);
	assert_string_equal(e.field, "");
	json_object_put(o);
}

static int check(const char *text, struct sbx_api_error *e)
{
	static char *const allow[] = {"/srv/other", NULL};
	struct sbx_api_policy p = {.rootfs = "/srv/rootfs", .allow_rootfs = allow};
	struct sbx_job *job = NULL;
	struct sbx_error err = {0};
	if (sbx_job_parse(text, strlen(text), "request", &job, &err) < 0)
		fail_msg("%s", err.msg);
	int r = sbx_api_check_job(job, &p, e);
	sbx_job_free(job);
	return r;
}

static void test_policy(void **state)
{
	struct sbx_api_error e = {0};
	assert_int_equal(check("{\"id\":\"a\",\"argv\":[\"x\"],\"files\":{\"f\":{\"text\":\"t\"}},\"stdin_text\":\"i\","
			       "\"seccomp\":\"compute-only\",\"rootfs\":\"/srv/other\",\"net\":\"none\"}", &e), 0);
	static const struct {
		const char *job, *field;
	} bad[] = {
		{"{\"id\":\"a\",\"bundle\":\"/b\"}", "bundle"},
		{"{\"id\":\"a\",\"argv\":[\"x\"],\"rootfs\":\"/\"}", "rootfs"},
		{"{\"id\":\"a\",\"argv\":[\"x\"],\"stdin\":\"/etc/shadow\"}", "stdin"},
		{"{\"id\":\"a\",\"argv\":[\"x\"],\"stdout\":\"/tmp/o\"}", "stdout"},
		{"{\"id\":\"a\",\"argv\":[\"x\"],\"stderr\":\"/tmp/o\"}", "stderr"},
		{"{\"id\":\"a\",\"argv\":[\"x\"],\"copy_out\":{\"o\":\"/tmp/o\"}}", "copy_out"},
		{"{\"id\":\"a\",\"argv\":[\"x\"],\"files\":{\"f\":\"/etc/shadow\"}}", "files.f"},
		{"{\"id\":\"a\",\"argv\":[\"x\"],\"files\":{\"f\":{\"host\":\"/etc/shadow\"}}}", "files.f"},
		{"{\"id\":\"a\",\"argv\":[\"x\"],\"seccomp\":\"/tmp/p.json\"}", "seccomp"},
		{"{\"id\":\"a\",\"argv\":[\"x\"],\"seccomp\":\"unconfined\"}", "seccomp"},
		{"{\"id\":\"a\",\"argv\":[\"x\"],\"net\":\"host\"}", "net"},
		{"{\"id\":\"a\",\"argv\":[\"x\"],\"compile\":{\"argv\":[\"cc\"],\"stdout\":\"/o\"}}", "compile.stdout"},
		{"{\"id\":\"a\",\"argv\":[\"x\"],\"tests\":[{\"id\":\"t\"},{\"id\":\"u\",\"stdin\":\"/i\"}]}",
		 "tests[1].stdin"},
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(bad); i++) {
		memset(&e, 0, sizeof(e));
		assert_int_equal(check(bad[i].job, &e), -1);
		assert_int_equal(e.status, 403);
		assert_string_equal(e.field, bad[i].field);
	}
}

static void test_session_and_exec(void **state)
{
	struct sbx_api_error e = {0};
	struct sbx_session_req s;
	json_object *o = parse("{\"memory\": \"64M\", \"idle_ttl\": 30, \"max_lifetime\": \"1.5\", \"env\": {\"A\": \"1\"}}");
	assert_int_equal(sbx_api_parse_session(o, &s, &e), 0);
	assert_int_equal(s.idle_us, 30000000);
	assert_int_equal(s.max_us, 1500000);
	assert_true(s.opts.set[SBX_OPT_MEMORY]);
	sbx_session_req_clear(&s);
	json_object_put(o);
	o = parse("{\"argv\": [\"true\"]}");
	assert_int_equal(sbx_api_parse_session(o, &s, &e), -1);
	assert_string_equal(e.field, "argv");
	sbx_session_req_clear(&s);
	json_object_put(o);
	o = parse("{\"idle_ttl\": -1}");
	assert_int_equal(sbx_api_parse_session(o, &s, &e), -1);
	assert_string_equal(e.field, "idle_ttl");
	sbx_session_req_clear(&s);
	json_object_put(o);
	assert_int_equal(sbx_api_parse_session(NULL, &s, &e), 0);
	sbx_session_req_clear(&s);

	struct sbx_exec_req x;
	o = parse("{\"argv\": [\"sh\", \"-c\", \"x\"], \"env\": [\"A=1\"], \"cwd\": \"/work/d\", \"stdin_text\": \"in\","
		  " \"time\": 0.5, \"wall_time\": \"2s\", \"output_limit\": \"1k\", \"stream\": true}");
	assert_int_equal(sbx_api_parse_exec(o, &x, &e), 0);
	assert_string_equal(x.argv[2], "x");
	assert_string_equal(x.env[0], "A=1");
	assert_string_equal(x.cwd, "/work/d");
	assert_int_equal(x.stdin_len, 2);
	assert_int_equal(x.time_us, 500000);
	assert_int_equal(x.wall_us, 2000000);
	assert_int_equal(x.output_limit, 1024);
	assert_true(x.stream);
	sbx_exec_req_clear(&x);
	json_object_put(o);
	static const struct {
		const char *body, *field;
	} bad[] = {
		{"{}", "argv"},
		{"{\"argv\": []}", "argv"},
		{"{\"argv\": [\"x\"], \"cwd\": \"rel\"}", "cwd"},
		{"{\"argv\": [\"x\"], \"stream\": 1}", "stream"},
		{"{\"argv\": [\"x\"], \"memory\": \"1M\"}", "memory"},
		{"{\"argv\": [\"x\"], \"time\": \"never\"}", "time"},
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(bad); i++) {
		o = parse(bad[i].body);
		assert_int_equal(sbx_api_parse_exec(o, &x, &e), -1);
		assert_int_equal(e.status, 400);
		assert_string_equal(e.field, bad[i].field);
		json_object_put(o);
	}
}

static void test_workdir_paths(void **state)
{
	struct sbx_api_error e = {0};
	char *p = sbx_api_workdir_path("a/b c/d.txt", &e);
	assert_string_equal(p, "a/b c/d.txt");
	free(p);
	p = sbx_api_workdir_path("/lead", &e);
	assert_string_equal(p, "lead");
	free(p);
	static const char *const bad[] = {"", "/", "a//b", "a/", "..", "a/../b", "./a", "a/.", "../etc/passwd"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(bad); i++) {
		assert_null(sbx_api_workdir_path(bad[i], &e));
		assert_int_equal(e.status, 400);
		assert_string_equal(e.field, "path");
	}
}

static void test_data_and_tokens(void **state)
{
	assert_true(sbx_utf8_valid("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15));
	assert_false(sbx_utf8_valid("\xff", 1));
	assert_false(sbx_utf8_valid("\xc0\xaf", 2));	       /* overlong "/" */
	assert_false(sbx_utf8_valid("\xed\xa0\x80", 3));       /* a surrogate */
	assert_false(sbx_utf8_valid("\xe2\x82", 2));	       /* cut */
	assert_false(sbx_utf8_valid("a\0b", 3));
	char *b = sbx_base64((const unsigned char *)"\xff\xfe\x00x", 4);
	assert_string_equal(b, "//4AeA==");
	free(b);
	b = sbx_base64((const unsigned char *)"abc", 3);
	assert_string_equal(b, "YWJj");
	free(b);
	json_object *o = json_object_new_object();
	sbx_api_add_data(o, "\x01\x80", 2);
	assert_string_equal(json_object_get_string(json_object_object_get(o, "encoding")), "base64");
	json_object_put(o);
	assert_true(sbx_api_token_equal("secret-token", 12, "secret-token", 12));
	assert_false(sbx_api_token_equal("secret-toke", 11, "secret-token", 12));
	assert_false(sbx_api_token_equal("secret-tokenX", 13, "secret-token", 12));
	assert_false(sbx_api_token_equal("Secret-token", 12, "secret-token", 12));
	assert_false(sbx_api_token_equal("", 0, "", 0));
}

static void test_errors(void **state)
{
	struct sbx_api_error e = {0};
	struct sbx_error err = {0};
	sbx_err_set(&err, EINVAL, "request: files.a: expected a host path");
	sbx_api_from_error(&e, 400, "request", &err);
	assert_string_equal(e.field, "files.a");
	sbx_err_set(&err, EINVAL, "request: invalid JSON at byte 3: unexpected end");
	sbx_api_from_error(&e, 400, "request", &err);
	assert_string_equal(e.field, "");
	assert_string_equal(e.msg, "invalid JSON at byte 3: unexpected end");
	sbx_api_fail(&e, 413, NULL, "too big");
	char *j = sbx_api_error_json(&e);
	assert_string_equal(j, "{\"error\":\"too big\",\"field\":null}\n");
	free(j);
	sbx_api_fail(&e, 400, "time", "time: \"x\"");
	j = sbx_api_error_json(&e);
	assert_string_equal(j, "{\"error\":\"time: \\\"x\\\"\",\"field\":\"time\"}\n");
	free(j);
}

static void test_cli(void **state)
{
	struct sbx_serve_cli c;
	struct sbx_error err = {0};
	char *ok[] = {"serve", "--socket", "/tmp/s", "--pool", "4", "--max-body", "1M", "--drain-timeout", "2.5",
		      "--allow-rootfs", "/a", "--allow-rootfs", "/b", "--session-idle", "60", NULL};
	assert_int_equal(sbx_cli_parse_serve(15, ok, &c, &err), 0);
	assert_int_equal(c.o.pool, 4);
	assert_int_equal(c.o.max_body, 1 << 20);
	assert_int_equal(c.drain_us, 2500000);
	assert_string_equal(c.o.allow_rootfs[1], "/b");
	assert_int_equal(c.o.session_idle_us, 60000000);
	assert_string_equal(c.o.socket_path, "/tmp/s");
	sbx_serve_cli_free(&c);
	static const struct {
		char *argv[4];
		const char *msg;
	} bad[] = {
		{{"serve", "--listen", "127.0.0.1:8080", NULL}, "--listen needs --token-file"},
		{{"serve", "--pool", "x", NULL}, "--pool: expected 0 to 1024, got \"x\""},
		{{"serve", "--max-sandboxes", "0", NULL}, "--max-sandboxes: expected 1 to"},
		{{"serve", "--max-body", "lots", NULL}, "--max-body: invalid size \"lots\""},
		{{"serve", "--token-file", "/nonexistent/t", NULL}, "--token-file /nonexistent/t"},
		{{"serve", "--bogus", NULL}, "unknown option \"--bogus\""},
		{{"serve", "extra", NULL}, "unexpected argument \"extra\""},
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(bad); i++) {
		int argc = 0;
		while (bad[i].argv[argc])
			argc++;
		assert_true(sbx_cli_parse_serve(argc, (char **)bad[i].argv, &c, &err) < 0);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("%s: got \"%s\"", bad[i].msg, err.msg);
		sbx_serve_cli_free(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),	       cmocka_unit_test(test_json),
		cmocka_unit_test(test_run_body),       cmocka_unit_test(test_policy),
		cmocka_unit_test(test_session_and_exec), cmocka_unit_test(test_workdir_paths),
		cmocka_unit_test(test_data_and_tokens), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_cli),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
