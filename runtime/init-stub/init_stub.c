/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sbxctr's --init reaper as a freestanding static executable, embedded in
 * the runtime (generated/init_stub_blob.c) and exec'd from a sealed memfd
 * by the sandbox's pid 1 at the end of its set-up. It gives pid 1 an
 * address space of its own (runtime/spawn.h: a memory cgroup's OOM kill of
 * a task that shares an mm kills every process sharing it, and the sandbox
 * child shares the runtime's), and it starts the program itself, from its
 * own few pages: a process's peak memory (ru_maxrss) includes the memory of
 * whatever it was before its execve, and the program must not be charged
 * the runtime's. A few hundred bytes of code, no libc.
 *
 * argv: sbxctr-init STATUS_FD SYNC_FD HANDOFF_FD HANDOFF_SIZE -- ARGV...
 * envp: the program's. The signal mask (everything blocked) survives the
 * exec. The hand-off area (runtime/handoff.h) holds the resolved program
 * path and the seccomp programs; the program's process loads them, hands
 * the listener over as the sandbox child does (runtime/child.c), and execs.
 *
 * argv: sbxctr-init idle: pid 1 without a program (sbx_init_idle()).
 */
#include "core/error.h" /* enum sbx_exit_status only: no library code is linked */
#include "runtime/init_loop.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>

/*
 * Compilers may emit calls to memset and memcpy for struct initialisers and
 * copies even in freestanding code (clang does for sbx_msg here); there is
 * no libc to provide them. Volatile stores: a plain loop could itself be
 * recognised as a memset and become a call to this very function.
 */
void *memset(void *dst, int c, unsigned long n);
void *memset(void *dst, int c, unsigned long n)
{
	volatile unsigned char *d = dst;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *dst, const void *src, unsigned long n);
void *memcpy(void *dst, const void *src, unsigned long n)
{
	volatile unsigned char *d = dst;
	const unsigned char *s = src;
	while (n--)
		*d++ = *s++;
	return dst;
}

static long parse(const char *s)
{
	long v = 0;
	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* Tells the runtime why the program did not start (no text: it words exec failures itself), and ends. */
__attribute__((noreturn)) static void fail(int sync_fd, long code, int kind, const char *what)
{
	struct sbx_msg m = {.type = SBX_MSG_ERROR, .err = {.code = (int)code, .kind = kind}};
	for (int i = 0; what && what[i] && i < SBX_ERR_MSG_MAX - 1; i++)
		m.err.msg[i] = what[i];
	sbx_rawsys6(SYS_sendto, sync_fd, (long)&m, sizeof(m), MSG_NOSIGNAL, 0, 0);
	sbx_init_exit(kind == SBX_ERRK_EXEC_NOENT ? 127 : kind == SBX_ERRK_EXEC_PERM ? 126 : 125);
}

static long load(struct sbx_handoff *h, const struct sbx_handoff_prog *p)
{
	struct sock_fprog fp = {.len = (unsigned short)p->len,
				.filter = (struct sock_filter *)((char *)h + p->off)};
	long r = sbx_rawsys(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags | p->flags_optional, &fp);
	if (r == -EINVAL && p->flags_optional)
		r = sbx_rawsys(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &fp);
	return r;
}

/* The program's process: the set-up's last steps (runtime/child.c's load_seccomp), then execve. */
__attribute__((noreturn)) static void start_program(int sync_fd, struct sbx_handoff *h, char **argv, char **envp)
{
	const uint64_t none = 0;
	sbx_rawsys6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, sizeof(none), 0, 0);
	/* the runtime sees EOF once this copy closes at execve: the program runs */
	sbx_rawsys(SYS_fcntl, sync_fd, F_SETFD, FD_CLOEXEC);
	/* the CPU limit's clock (proctree.h), attached before anything of the program runs or forks */
	if (h->flags & SBX_HANDOFF_CLOCK) {
		struct sbx_msg m = {.type = SBX_MSG_CLOCK};
		if (sbx_rawsys6(SYS_sendto, sync_fd, (long)&m, sizeof(m), MSG_NOSIGNAL, 0, 0) != (long)sizeof(m))
			fail(sync_fd, EPIPE, SBX_ERRK_INTERNAL, "CPU clock: sync socket");
		while (__atomic_load_n(&h->clock_state, __ATOMIC_ACQUIRE) == 0)
			sbx_rawsys6(SYS_futex, (long)&h->clock_state, FUTEX_WAIT, 0, 0, 0, 0);
	}
	if (h->flags & SBX_HANDOFF_LISTENER) {
		struct sbx_msg m = {.type = SBX_MSG_SECCOMP};
		if (sbx_rawsys6(SYS_sendto, sync_fd, (long)&m, sizeof(m), MSG_NOSIGNAL, 0, 0) != (long)sizeof(m))
			fail(sync_fd, EPIPE, SBX_ERRK_INTERNAL, "seccomp: sync socket");
		long lfd = load(h, &h->main);
		if (lfd < 0)
			fail(sync_fd, -lfd, SBX_ERRK_INTERNAL, "seccomp: loading the filter");
		h->fd = (int32_t)lfd;
		__atomic_store_n(&h->state, 1, __ATOMIC_RELEASE);
		/* shared futexes: the runtime maps the same memfd */
		sbx_rawsys6(SYS_futex, (long)&h->state, FUTEX_WAKE, 1, 0, 0, 0);
		/* (our copy of the listener is close-on-exec, as the kernel makes it) */
		while (__atomic_load_n(&h->state, __ATOMIC_ACQUIRE) != 2)
			sbx_rawsys6(SYS_futex, (long)&h->state, FUTEX_WAIT, 1, 0, 0, 0);
	} else if (h->main.len) {
		long r = load(h, &h->main);
		if (r < 0)
			fail(sync_fd, -r, SBX_ERRK_INTERNAL, "seccomp: loading the filter");
	}
	long r = sbx_rawsys(SYS_execve, h->exec_path, argv, envp);
	fail(sync_fd, -r, (r == -ENOENT || r == -ENOTDIR) ? SBX_ERRK_EXEC_NOENT : SBX_ERRK_EXEC_PERM, 0);
}

/* The program's process runs here until its execve (16 KiB: a message and a few frames). */
static char child_stack[16384] __attribute__((aligned(16)));

struct start_args {
	int status_fd, sync_fd;
	struct sbx_handoff *h;
	char **argv, **envp;
};

__attribute__((noreturn, used)) static void child_main(struct start_args *a)
{
	/* its own descriptor table (no CLONE_FILES): the status pipe is the init's alone */
	sbx_rawsys(SYS_close, a->status_fd, 0, 0);
	start_program(a->sync_fd, a->h, a->argv, a->envp);
}

/*
 * long stub_vfork(void (*fn)(struct start_args *), struct start_args *arg, void *stack_top)
 * clone(CLONE_VM | CLONE_VFORK | SIGCHLD) whose child calls fn(arg) on
 * stack_top: we wait, sharing our few pages with it, until it has exec'd
 * or died, so that nothing is copied. r8 and r9 survive the syscall in the
 * child (r8 is clone's tls argument, unused without CLONE_SETTLS).
 */
long stub_vfork(void (*fn)(struct start_args *), struct start_args *arg, void *stack_top);
__asm__(".text\n"
	".globl stub_vfork\n"
	"stub_vfork:\n"
	"	mov %rdi, %r8\n"
	"	mov %rsi, %r9\n"
	"	mov %rdx, %rsi\n"
	"	mov $0x4111, %edi\n" /* CLONE_VM | CLONE_VFORK | SIGCHLD */
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	mov $56, %eax\n" /* __NR_clone */
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz 1f\n"
	"	ret\n"
	"1:\n"
	"	xor %ebp, %ebp\n"
	"	mov %r9, %rdi\n"
	"	call *%r8\n"
	"	hlt\n");

__attribute__((noreturn, used)) void sbx_init_stub_main(long *sp);
void sbx_init_stub_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	if (argc == 2 && streq(argv[1], "idle"))
		sbx_init_idle();
	char **envp = argv + argc + 1;
	long status_fd = argc > 6 ? parse(argv[1]) : -1;
	long sync_fd = argc > 6 ? parse(argv[2]) : -1;
	long hfd = argc > 6 ? parse(argv[3]) : -1;
	long hsize = argc > 6 ? parse(argv[4]) : -1;
	if (status_fd < 0 || sync_fd < 0 || hfd < 0 || hsize < (long)sizeof(struct sbx_handoff) ||
	    !streq(argv[5], "--"))
		sbx_init_exit(SBX_EXIT_FAILURE);
	long addr = sbx_rawsys6(SYS_mmap, 0, hsize, PROT_READ | PROT_WRITE, MAP_SHARED, hfd, 0);
	sbx_rawsys(SYS_close, hfd, 0, 0);
	if (addr < 0 && addr > -4096)
		fail((int)sync_fd, -addr, SBX_ERRK_INTERNAL, "--init: mapping the hand-off area");
	struct sbx_handoff *h = (struct sbx_handoff *)addr;
	/* our few pages until its execve: its peak memory starts from nothing */
	struct start_args a = {.status_fd = (int)status_fd, .sync_fd = (int)sync_fd, .h = h, .argv = argv + 6,
			       .envp = envp};
	long pid = stub_vfork(child_main, &a, child_stack + sizeof(child_stack));
	if (pid < 0)
		fail((int)sync_fd, -pid, SBX_ERRK_INTERNAL, "--init: starting the program");
	/* the program's copy of the sync socket is the last one now */
	sbx_rawsys(SYS_close, sync_fd, 0, 0);
	sbx_rawsys(SYS_munmap, addr, hsize, 0);
	sbx_init_loop((int)status_fd, (int)pid);
}

/* the kernel starts us with argc at the stack pointer; keep the ABI's alignment for the call */
__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call sbx_init_stub_main\n"
	"	hlt\n");
