/* SPDX-License-Identifier: Apache-2.0 */
/* CLI parsing of `sbxctr run`, size/duration parsers, and the mount plan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "rootfs/plan.h"
#include "cli/run.h"
#include "runtime/bundle.h"
#include "core/util.h"

static int parse(struct sbx_run_opts *o, struct sbx_error *err, char **argv)
{
	int argc = (int)sbx_strv_len(argv);
	return sbx_cli_parse_run(argc, argv, o, err);
}

static void expect_err(char **argv, const char *want)
{
	struct sbx_run_opts o;
	struct sbx_error err = {0};
	if (parse(&o, &err, argv) >= 0)
		fail_msg("expected an error containing [%s]", want);
	if (!strstr(err.msg, want))
		fail_msg("error [%s] does not contain [%s]", err.msg, want);
	sbx_run_opts_free(&o);
}

static void test_run_forms(void **state)
{
	struct sbx_run_opts o;
	struct sbx_error err = {0};
	assert_int_equal(parse(&o, &err, (char *[]){"run", "--rootfs", "/r", "--env", "A=1", "--init",
						   "--workdir-size", "1M", "--", "sh", "-c", "x", NULL}), 0);
	assert_string_equal(o.opt.rootfs, "/r");
	assert_string_equal(o.opt.argv[0], "sh");
	assert_string_equal(o.opt.argv[1], "-c");
	assert_true(o.opt.init);
	assert_int_equal(o.opt.workdir_size, 1 << 20);
	assert_string_equal(o.opt.env[0], "A=1");
	sbx_run_opts_free(&o);
	/* the command's own flags are not ours */
	assert_int_equal(parse(&o, &err, (char *[]){"run", "--rootfs", "/r", "ls", "--help", NULL}), 0);
	assert_false(o.help);
	assert_string_equal(o.opt.argv[1], "--help");
	sbx_run_opts_free(&o);
	assert_int_equal(parse(&o, &err, (char *[]){"run", "bundle/", "job-1", NULL}), 0);
	assert_string_equal(o.opt.bundle, "bundle/");
	assert_string_equal(o.id, "job-1");
	sbx_run_opts_free(&o);
	assert_int_equal(parse(&o, &err, (char *[]){"run", "--bundle", "b", NULL}), 0);
	assert_string_equal(o.opt.bundle, "b");
	assert_null(o.id);
	sbx_run_opts_free(&o);
	assert_int_equal(parse(&o, &err, (char *[]){"run", NULL}), 0);
	assert_string_equal(o.opt.bundle, ".");
	sbx_run_opts_free(&o);
	assert_int_equal(parse(&o, &err, (char *[]){"run", "--help", NULL}), 0);
	assert_true(o.help);
	sbx_run_opts_free(&o);
}

static void test_run_errors(void **state)
{
	expect_err((char *[]){"run", "--rootfs", "/r", NULL}, "--rootfs needs a command");
	expect_err((char *[]){"run", "--bogus", NULL}, "unknown option --bogus");
	expect_err((char *[]){"run", "--env", "NOVALUE", "--rootfs", "/r", "x", NULL}, "--env: expected KEY=VALUE, got \"NOVALUE\"");
	expect_err((char *[]){"run", "--workdir-size", "12Q", NULL}, "--workdir-size: invalid size \"12Q\"");
	expect_err((char *[]){"run", "--workdir", "rel", NULL}, "--workdir: \"rel\" must be an absolute path");
	expect_err((char *[]){"run", "--preserve-fds", "-1", NULL}, "--preserve-fds: expected 0 to 1024, got \"-1\"");
	expect_err((char *[]){"run", "--hostname", "a/b", NULL}, "--hostname: invalid host name");
	expect_err((char *[]){"run", "--bundle", "b", "--rootfs", "r", "x", NULL}, "exclude each other");
	expect_err((char *[]){"run", "b", "bad id!", NULL}, "invalid sandbox id");
	expect_err((char *[]){"run", "b", "id", "extra", NULL}, "unexpected argument \"extra\"");
	expect_err((char *[]){"run", "--", "cmd", NULL}, "needs --rootfs");
	expect_err((char *[]){"run", "--report", NULL}, "missing value");
}

/* When a `run --rootfs` gets --init without asking (sbx_cli_graded_init), and the new flags. */
static void test_graded_init(void **state)
{
	static const struct {
		char *args[6];
		bool init;
	} cases[] = {
		{{"--rootfs", "/r", "x"}, false},
		{{"--rootfs", "/r", "--time", "1", "x"}, true},
		{{"--rootfs", "/r", "--wall-time", "1", "x"}, true},
		{{"--rootfs", "/r", "--memory", "1M", "x"}, true},
		{{"--rootfs", "/r", "--pids", "4", "x"}, true},
		{{"--rootfs", "/r", "--output-limit", "1k", "x"}, true},
		{{"--rootfs", "/r", "--fsize", "1k", "x"}, true},
		{{"--rootfs", "/r", "--report", "f", "x"}, true},
		{{"--rootfs", "/r", "--meta", "f", "x"}, true},
		{{"--rootfs", "/r", "--time", "1", "--no-init", "x"}, false},
		{{"--rootfs", "/r", "--init", "x"}, true},
		{{"--bundle", "b", "--time", "1"}, false}, /* a bundle says for itself */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[8] = {"run"};
		for (int k = 0; k < 6 && cases[i].args[k]; k++)
			argv[k + 1] = cases[i].args[k];
		struct sbx_run_opts o;
		struct sbx_error err = {0};
		assert_int_equal(parse(&o, &err, argv), 0);
		if (sbx_cli_graded_init(&o.opt) != cases[i].init)
			fail_msg("case %zu: --init %s expected", i, cases[i].init ? "" : "not");
		sbx_run_opts_free(&o);
	}
	struct sbx_run_opts o;
	struct sbx_error err = {0};
	assert_int_equal(parse(&o, &err, (char *[]){"run", "--rootfs", "/r", "--seccomp-kill", "exact",
						   "--rootfs-writable", "x", NULL}), 0);
	assert_true(o.opt.set[SBX_OPT_SECCOMP_KILL] && strcmp(o.opt.seccomp_kill, "exact") == 0);
	assert_true(o.opt.set[SBX_OPT_ROOTFS_WRITABLE] && o.opt.rootfs_writable); /* the overlay follows when applied */
	sbx_run_opts_free(&o);
	expect_err((char *[]){"run", "--seccomp-kill", "thread", NULL}, "--seccomp-kill: expected sandbox or exact");
	expect_err((char *[]){"run", "--init", "--no-init", NULL}, "--init and --no-init exclude each other");
}

static void test_sizes(void **state)
{
	uint64_t v;
	assert_int_equal(sbx_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(sbx_parse_size("64k", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(sbx_parse_size("1.5G", &v), 0);
	assert_int_equal(v, 3ULL << 29);
	assert_int_equal(sbx_parse_size("256MiB", &v), 0);
	assert_int_equal(v, 256ULL << 20);
	assert_int_equal(sbx_parse_size("2T", &v), 0);
	assert_int_equal(sbx_parse_size("1.5", &v), -EINVAL);
	assert_int_equal(sbx_parse_size("", &v), -EINVAL);
	assert_int_equal(sbx_parse_size("-1", &v), -EINVAL);
	assert_int_equal(sbx_parse_size("1X", &v), -EINVAL);
	assert_int_equal(sbx_parse_size("99999999999999999999", &v), -ERANGE);
	assert_int_equal(sbx_parse_size("20000000T", &v), -ERANGE);
	assert_int_equal(sbx_parse_seconds_us("0.3", &v), 0);
	assert_int_equal(v, 300000);
	assert_int_equal(sbx_parse_seconds_us("2", &v), 0);
	assert_int_equal(v, 2000000);
	assert_int_equal(sbx_parse_seconds_us("250ms", &v), 0);
	assert_int_equal(v, 250000);
	assert_int_equal(sbx_parse_seconds_us("1.25s", &v), 0);
	assert_int_equal(v, 1250000);
	assert_int_equal(sbx_parse_seconds_us("10us", &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(sbx_parse_seconds_us("1h", &v), -EINVAL);
	assert_int_equal(sbx_parse_seconds_us("x", &v), -EINVAL);
}

static void test_versions(void **state)
{
	unsigned ma = 0, mi = 0;
	const char *end = NULL;
	assert_int_equal(sbx_parse_version("6.18.0-rc1", &ma, &mi, &end), 0);
	assert_int_equal(ma, 6);
	assert_int_equal(mi, 18);
	assert_string_equal(end, ".0-rc1");
	assert_int_equal(sbx_parse_version("1.2", &ma, &mi, &end), 0);
	assert_int_equal(ma, 1);
	assert_int_equal(mi, 2);
	assert_string_equal(end, "");
	assert_int_equal(sbx_parse_version("4.4", &ma, &mi, NULL), 0);
	assert_int_equal(sbx_parse_version("5", &ma, &mi, NULL), -EINVAL);
	assert_int_equal(sbx_parse_version("5.", &ma, &mi, NULL), -EINVAL);
	assert_int_equal(sbx_parse_version(".5", &ma, &mi, NULL), -EINVAL);
	assert_int_equal(sbx_parse_version("-1.2", &ma, &mi, NULL), -EINVAL);
	assert_int_equal(sbx_parse_version(" 1.2", &ma, &mi, NULL), -EINVAL);
	assert_int_equal(sbx_parse_version("1.-2", &ma, &mi, NULL), -EINVAL);
	assert_int_equal(sbx_parse_version("", &ma, &mi, NULL), -EINVAL);
	assert_int_equal(sbx_parse_version("4294967296.0", &ma, &mi, NULL), -ERANGE);
}

static const struct sbx_mount_op *find_op(const struct sbx_mount_plan *p, enum sbx_mop_kind k, const char *dest)
{
	for (size_t i = 0; i < p->n_ops; i++)
		if (p->ops[i].kind == k && p->ops[i].dest && strcmp(p->ops[i].dest, dest) == 0)
			return &p->ops[i];
	return NULL;
}

static void test_mount_options(void **state)
{
	struct sbx_mount_op op = {0};
	struct sbx_error err = {0};
	assert_int_equal(sbx_mount_options_parse((char *[]){"rbind", "ro", "nosuid", "rslave", NULL}, true, &op, &err), 0);
	assert_true(op.recursive);
	assert_int_equal(op.attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID);
	assert_int_equal(op.propagation, MS_SLAVE | MS_REC);
	assert_null(op.data);
	memset(&op, 0, sizeof(op));
	assert_int_equal(sbx_mount_options_parse((char *[]){"ro", "rw", "mode=755", "size=1m", "noatime", "relatime", NULL},
						 false, &op, &err), 0);
	assert_false(op.attr_set & MOUNT_ATTR_RDONLY);
	assert_true(op.attr_clr & MOUNT_ATTR_RDONLY);
	assert_int_equal(op.attr_set & MOUNT_ATTR__ATIME, MOUNT_ATTR_RELATIME);
	assert_string_equal(op.data, "mode=755,size=1m");
	free(op.data);
	memset(&op, 0, sizeof(op));
	/* data options mean nothing to a bind: accepted and ignored, as runc and crun do */
	assert_int_equal(sbx_mount_options_parse((char *[]){"bind", "size=1m", "mode=755", NULL}, true, &op, &err), 0);
	assert_null(op.data);
	assert_true(sbx_mount_options_parse((char *[]){"bind", "bogus", NULL}, true, &op, &err) < 0);
	assert_non_null(strstr(err.msg, "unknown option \"bogus\" for a bind mount"));
	assert_true(sbx_mount_options_parse((char *[]){"remount", NULL}, false, &op, &err) < 0);
	assert_non_null(strstr(err.msg, "\"remount\" is not supported"));
}

static void test_default_plan(void **state)
{
	struct sbx_config *c = NULL;
	struct sbx_error err = {0};
	assert_int_equal(sbx_config_default("/", (char *[]){"x", NULL}, &c, &err), 0);
	struct sbx_mount_plan *p = NULL;
	assert_int_equal(sbx_mount_plan_build(c, &p, &err), 0);
	assert_true(p->root_attr_set & MOUNT_ATTR_RDONLY);
	assert_true(p->root_attr_set & MOUNT_ATTR_NOSUID);
	assert_true(p->root_attr_set & MOUNT_ATTR_NODEV);
	const struct sbx_mount_op *proc = find_op(p, SBX_MOP_FS, "/proc");
	assert_non_null(proc);
	assert_string_equal(proc->fstype, "proc");
	/* the runtime makes /dev with nodes of the sandbox's own: never nodev; the nodes say what to make */
	const struct sbx_mount_op *dev = find_op(p, SBX_MOP_FS, "/dev");
	assert_true(dev->dev_nodes);
	assert_false(dev->attr_set & MOUNT_ATTR_NODEV);
	const struct sbx_mount_op *null = find_op(p, SBX_MOP_DEVNODE, "/dev/null");
	assert_non_null(null);
	assert_string_equal(null->source, "/dev/null"); /* the bind, where mknod is refused */
	assert_int_equal(null->dev_major, 1);
	assert_int_equal(null->dev_minor, 3);
	assert_int_equal(find_op(p, SBX_MOP_DEVNODE, "/dev/tty")->dev_major, 5);
	/* the sandbox's own caps on what its user namespace counts: optional (no /proc in a bundle) */
	const struct sbx_mount_op *inotify = NULL;
	for (size_t i = 0; i < p->n_ops; i++)
		if (p->ops[i].kind == SBX_MOP_SYSCTL && !strcmp(p->ops[i].source, "user/max_inotify_instances"))
			inotify = &p->ops[i];
	assert_non_null(inotify);
	if (!inotify)
		return; /* (assert_non_null has failed the test) */
	assert_string_equal(inotify->data, "128");
	assert_true(inotify->optional);
	assert_false(p->root_overlay);
	assert_non_null(find_op(p, SBX_MOP_SYMLINK, "/dev/ptmx"));
	const struct sbx_mount_op *pts = find_op(p, SBX_MOP_FS, "/dev/pts");
	assert_non_null(strstr(pts->data, "ptmxmode=0666"));
	const struct sbx_mount_op *work = find_op(p, SBX_MOP_FS, "/work");
	assert_non_null(strstr(work->data, "size=67108864"));
	assert_non_null(strstr(work->data, "nr_inodes=16384"));
	assert_non_null(find_op(p, SBX_MOP_MASK, "/proc/kcore"));
	const struct sbx_mount_op *ro = find_op(p, SBX_MOP_READONLY, "/proc/sys");
	assert_true(ro->attr_set & MOUNT_ATTR_RDONLY);
	/* /dev and /sys become read-only last, after their submounts */
	assert_int_equal(p->ops[p->n_ops - 1].kind, SBX_MOP_SETATTR);
	assert_int_equal(p->ops[p->n_ops - 2].kind, SBX_MOP_SETATTR);
	for (size_t i = 0; i < p->n_ops; i++)
		if (p->ops[i].kind == SBX_MOP_FS && !strcmp(p->ops[i].dest, "/dev/pts"))
			for (size_t k = i; k < p->n_ops; k++)
				assert_false(p->ops[k].kind == SBX_MOP_FS && !strcmp(p->ops[k].dest, "/dev"));
	sbx_mount_plan_free(p);
	/* a private overlay: read-only unless writable */
	c->rootfs_overlay = true;
	assert_int_equal(sbx_mount_plan_build(c, &p, &err), 0);
	assert_true(p->root_overlay && !p->root_writable);
	assert_true(p->root_attr_set & MOUNT_ATTR_RDONLY);
	sbx_mount_plan_free(p);
	c->rootfs_writable = true;
	assert_int_equal(sbx_mount_plan_build(c, &p, &err), 0);
	assert_true(p->root_overlay && p->root_writable);
	assert_false(p->root_attr_set & MOUNT_ATTR_RDONLY);
	assert_true(p->root_attr_set & MOUNT_ATTR_NOSUID);
	sbx_mount_plan_free(p);
	/* ".." never reaches the plan */
	free(c->mounts[0].destination);
	c->mounts[0].destination = strdup("/proc/../etc");
	assert_true(sbx_mount_plan_build(c, &p, &err) < 0);
	assert_non_null(strstr(err.msg, "mounts[0].destination"));
	sbx_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_forms),     cmocka_unit_test(test_run_errors),
		cmocka_unit_test(test_sizes),	      cmocka_unit_test(test_versions),
		cmocka_unit_test(test_mount_options),
		cmocka_unit_test(test_default_plan),  cmocka_unit_test(test_graded_init),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
