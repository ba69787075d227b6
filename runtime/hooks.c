/* SPDX-License-Identifier: Apache-2.0 */
/* Running OCI hooks: fork, exec with the state on stdin, wait with a timeout. */
#include "runtime/hooks.h"
#include "oci/state.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

__attribute__((noreturn)) static void exec_hook(const struct sbx_hook *h, int in)
{
	/* a hook starts clean: default signals, nothing of ours open but its stdin */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &dfl, NULL);
	/* a hook must not outlive the runtime that waits for it */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (dup2(in, 0) < 0)
		_exit(126);
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	char *fallback[] = {h->path, NULL};
	execve(h->path, h->args && h->args[0] ? h->args : fallback, h->env ? h->env : (char *[]){NULL});
	_exit(errno == ENOENT ? 127 : 126);
}

/* One hook: 0, or an error naming it. */
static int run_one(const struct sbx_hook *h, const char *what, const char *state, struct sbx_error *err)
{
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return sbx_err_sys(err, "%s %s: socketpair", what, h->path);
	_cleanup_close_ int wr = sp[0];
	pid_t pid = fork();
	if (pid == 0)
		exec_hook(h, sp[1]);
	int e = errno;
	close(sp[1]); /* the hook's end */
	if (pid < 0)
		return sbx_err_errno(err, e, "%s %s: fork", what, h->path);
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int64_t deadline = h->timeout > 0 ? now_ms() + (int64_t)h->timeout * 1000 : -1;
	size_t off = 0, len = strlen(state);
	fcntl(wr, F_SETFL, O_NONBLOCK);
	bool timed_out = false;
	for (;;) {
		struct pollfd pfd[2] = {{.fd = pidfd, .events = POLLIN}, {.fd = wr, .events = POLLOUT}};
		int left = deadline < 0 ? -1 : (int)(deadline - now_ms());
		if (deadline >= 0 && left <= 0) {
			timed_out = true;
			break;
		}
		int n = poll(pfd, wr >= 0 ? 2 : 1, left);
		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0)
			continue;
		if (pfd[0].revents)
			break;
		if (wr >= 0 && pfd[1].revents) {
			ssize_t w = send(wr, state + off, len - off, MSG_NOSIGNAL);
			if (w > 0)
				off += (size_t)w;
			/* written, or the hook will not read (EPIPE): either way its stdin ends here */
			if (off == len || (w < 0 && errno != EAGAIN && errno != EINTR)) {
				close(wr);
				wr = -1;
			}
		}
	}
	if (timed_out)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out)
		return sbx_err_set(err, ETIMEDOUT, "%s %s: timed out after %d s", what, h->path, h->timeout);
	if (WIFSIGNALED(status))
		return sbx_err_set(err, ECANCELED, "%s %s: killed by signal %d", what, h->path, WTERMSIG(status));
	if (WEXITSTATUS(status) == 127 || WEXITSTATUS(status) == 126)
		sbx_debug("%s %s: exit status %d (the hook may not be executable)", what, h->path,
			  WEXITSTATUS(status));
	if (WEXITSTATUS(status) != 0)
		return sbx_err_set(err, ECANCELED, "%s %s: exited with status %d", what, h->path,
				   WEXITSTATUS(status));
	return 0;
}

int sbx_hooks_run(const struct sbx_hook_list *list, enum sbx_hook_kind kind, const char *state_json,
		  struct sbx_error *err)
{
	for (size_t i = 0; i < list->n; i++) {
		char what[64];
		snprintf(what, sizeof(what), "hooks.%s[%zu]", sbx_hook_kind_name(kind), i);
		int r = run_one(&list->v[i], what, state_json, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int sbx_hooks_run_all(const struct sbx_hook_list *list, enum sbx_hook_kind kind, const char *state_json)
{
	int failed = 0;
	for (size_t i = 0; i < list->n; i++) {
		char what[64];
		struct sbx_error e = {0};
		snprintf(what, sizeof(what), "hooks.%s[%zu]", sbx_hook_kind_name(kind), i);
		if (run_one(&list->v[i], what, state_json, &e) < 0) {
			sbx_warn("%s", e.msg);
			failed++;
		}
	}
	return failed;
}

char *sbx_hooks_state(const struct sbx_config *cfg, const char *id, pid_t pid, int status)
{
	struct sbx_oci_state st = {
		.id = (char *)(id ? id : "sbxctr"),
		.status = status,
		.pid = pid,
		.bundle = cfg->bundle_dir,
		.annotations = cfg->annotations,
		.n_annotations = cfg->n_annotations,
	};
	return sbx_oci_state_json(&st, false, false);
}
