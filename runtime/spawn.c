/* SPDX-License-Identifier: Apache-2.0 */
/* The sandbox child's birth: see spawn.h for the design and its rules. */
#include "runtime/spawn.h"
#include "core/cleanup.h"
#include "core/rawsys.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <sys/stat.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096u
#define CHILD_STACK (512u << 10) /* mount plans, error texts and exec_path[4096] live here */
#define AUX_STACK (128u << 10)	 /* --init's program until its execve */
#define HOP_STACK (16u << 10)	 /* the hop (struct sbx_spawn_hop): a few raw system calls */

/* The effective ids (and capabilities) the cloning thread switches to and back (struct sbx_spawn_owner). */
struct cred_switch {
	bool on;
	uint32_t uid, gid;	   /* the owner's */
	uint32_t old_uid, old_gid; /* the caller's effective ids */
};

/* What the hop reports (in a shared page: the fork-style hop has a copy of everything else). */
struct hop_out {
	long pid; /* the child's, or 0 */
	long err; /* 0 or -errno */
};

struct sbx_spawn {
	char *map;
	size_t map_size;
	char *stack; /* lowest address; a guard page below each stack */
	char *aux;
	char *hop_stack;
	void *arg;
	/* the hop's: its clone's arguments, the child's (CLONE_PARENT), its report */
	const struct sbx_spawn_hop *hop;
	struct clone_args hop_args, child_args;
	struct hop_out *hop_out;
	bool shared;
	void (*fn)(void *); /* the child's */
#if SBX_SPAWN_SHARED_VM
	pthread_t donor;
	bool donor_running;
	uint32_t state; /* 0 = cloning, 1 = result ready, 2 = released; futex */
	long result;
	struct clone_args *args; /* what the donor clones: the child, or the hop */
	void (*clone_fn)(void *);
	void *clone_arg;
#endif
	struct cred_switch cred;
};

static size_t page_round(size_t n)
{
	return (n + PAGE - 1) & ~(size_t)(PAGE - 1);
}

int sbx_spawn_prepare(size_t arg_size, struct sbx_spawn **ret, struct sbx_error *err)
{
	struct sbx_spawn *s = sbx_xcalloc(1, sizeof(*s));
	s->map_size = PAGE + CHILD_STACK + PAGE + AUX_STACK + PAGE + HOP_STACK + page_round(arg_size);
	/* untouched pages cost nothing: a stack uses what it touches */
	s->map = mmap(NULL, s->map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (s->map == MAP_FAILED) {
		free(s);
		return sbx_err_sys(err, "mmap for the sandbox child's stack");
	}
	s->stack = s->map + PAGE;
	s->aux = s->stack + CHILD_STACK + PAGE;
	s->hop_stack = s->aux + AUX_STACK + PAGE;
	s->arg = s->hop_stack + HOP_STACK;
	if (mprotect(s->map, PAGE, PROT_NONE) < 0 || mprotect(s->stack + CHILD_STACK, PAGE, PROT_NONE) < 0 ||
	    mprotect(s->aux + AUX_STACK, PAGE, PROT_NONE) < 0) {
		int r = sbx_err_sys(err, "mprotect for the sandbox child's stack guard");
		munmap(s->map, s->map_size);
		free(s);
		return r;
	}
	*ret = s;
	return 0;
}

void *sbx_spawn_arg(struct sbx_spawn *s)
{
	return s->arg;
}

void *sbx_spawn_aux_stack(struct sbx_spawn *s, size_t *size)
{
	*size = AUX_STACK;
	return s->aux;
}

/*
 * Raw system calls only: the donor may not touch errno once the child runs
 * on its TLS, and glibc's setresuid() would change every thread's ids.
 * Returns 0 or -errno; a failure leaves the ids as they were.
 */
static long become_owner(const struct cred_switch *c)
{
	if (!c->on)
		return 0;
	long r = sbx_rawsys(SYS_setresgid, -1, c->gid, -1);
	if (r == -EINVAL)
		return 0; /* the owner's ids are not ours to take (a runtime in a user namespace): as we are */
	if (r < 0)
		return r;
	/* real and saved uid stay 0: the kernel clears only the effective capabilities */
	r = sbx_rawsys(SYS_setresuid, -1, c->uid, -1);
	if (r < 0) {
		sbx_rawsys(SYS_setresgid, -1, c->old_gid, -1);
		return r;
	}
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {{0}};
	r = sbx_rawsys(SYS_capget, &h, d, 0);
	for (int i = 0; r == 0 && i < _LINUX_CAPABILITY_U32S_3; i++)
		d[i].effective = d[i].permitted;
	if (r == 0)
		r = sbx_rawsys(SYS_capset, &h, d, 0);
	return r;
}

/* Back to the caller's ids; uid 0 again makes the permitted capabilities effective by itself. */
static void restore_ids(const struct cred_switch *c)
{
	if (!c->on)
		return;
	sbx_rawsys(SYS_setresuid, -1, c->old_uid, -1);
	sbx_rawsys(SYS_setresgid, -1, c->old_gid, -1);
}

#if SBX_SPAWN_SHARED_VM
/*
 * long sbx_clone3_on_stack(struct clone_args *args, size_t size, void (*fn)(void *), void *arg)
 * clone3() whose child calls fn(arg) on args->stack: libc has no clone3
 * wrapper that takes a function, and a child on a new stack cannot return
 * into C. r8 and r9 survive the syscall in both processes (only rax, rcx
 * and r11 are clobbered); errno is never touched.
 */
long sbx_clone3_on_stack(struct clone_args *args, size_t size, void (*fn)(void *), void *arg);
_Static_assert(SBX_EXIT_FAILURE == 125, "the trampoline below exits with the literal");
__asm__(".text\n"
	".globl sbx_clone3_on_stack\n"
	".hidden sbx_clone3_on_stack\n"
	".type sbx_clone3_on_stack,@function\n"
	"sbx_clone3_on_stack:\n"
	"	.cfi_startproc\n"
	"	endbr64\n"
	"	mov %rdx, %r8\n"
	"	mov %rcx, %r9\n"
	"	mov $435, %eax\n" /* __NR_clone3 */
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz 1f\n"
	"	ret\n"
	"1:\n"
	"	.cfi_undefined %rip\n" /* the outermost frame: unwinders stop here */
	"	xor %ebp, %ebp\n"
	"	mov %r9, %rdi\n"
	"	call *%r8\n"
	"	mov $125, %edi\n" /* fn never returns; should it, the child ends (SBX_EXIT_FAILURE) */
	"	mov $60, %eax\n"  /* __NR_exit */
	"	syscall\n"
	"	hlt\n"
	"	.cfi_endproc\n"
	".size sbx_clone3_on_stack, .-sbx_clone3_on_stack\n");

/* futex without errno: the donor must not write to the TLS the child is using */
static long raw_futex(uint32_t *addr, long op, uint32_t val)
{
	return sbx_rawsys(SYS_futex, addr, op, val);
}

static long hop_finish(struct sbx_spawn *s, long hop_pid);

static void *donor_main(void *p)
{
	struct sbx_spawn *s = p;
	long r = become_owner(&s->cred);
	if (r == 0)
		r = sbx_clone3_on_stack(s->args, sizeof(*s->args), s->clone_fn, s->clone_arg);
	/* from here on the child may be using our TLS: raw syscalls only */
	restore_ids(&s->cred);
	if (s->hop && r > 0)
		r = hop_finish(s, r);
	s->result = r;
	__atomic_store_n(&s->state, 1, __ATOMIC_RELEASE);
	raw_futex(&s->state, FUTEX_WAKE_PRIVATE, 1);
	while (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != 2)
		raw_futex(&s->state, FUTEX_WAIT_PRIVATE, 1);
	return NULL;
}

/* The donor clones args (fn(arg) on args->stack) and reports the pid. */
static long donor_clone(struct sbx_spawn *s, struct clone_args *args, void (*fn)(void *), void *arg)
{
	s->args = args;
	s->clone_fn = fn;
	s->clone_arg = arg;
	/* every signal blocked in the donor (and so, at first, in the child): none may run a handler there */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64u << 10);
	int e = pthread_create(&s->donor, &attr, donor_main, s);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0)
		return -e;
	s->donor_running = true;
	while (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == 0)
		syscall(SYS_futex, &s->state, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return s->result; /* on failure too, the donor goes at sbx_spawn_free */
}

static long run_shared(struct sbx_spawn *s, struct clone_args *args, void (*fn)(void *))
{
	args->flags |= CLONE_VM;
	args->stack = (uint64_t)(uintptr_t)s->stack;
	args->stack_size = CHILD_STACK;
	return donor_clone(s, args, fn, s->arg);
}

static void wake_donor(struct sbx_spawn *s)
{
	if (!s->donor_running || __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == 2)
		return;
	__atomic_store_n(&s->state, 2, __ATOMIC_RELEASE);
	syscall(SYS_futex, &s->state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void release_donor(struct sbx_spawn *s)
{
	if (!s->donor_running)
		return;
	wake_donor(s);
	pthread_join(s->donor, NULL);
	s->donor_running = false;
}
#else
static void wake_donor(struct sbx_spawn *s)
{
	(void)s;
}

static void release_donor(struct sbx_spawn *s)
{
	(void)s;
}
#endif

void sbx_spawn_release(struct sbx_spawn *s)
{
	if (s)
		wake_donor(s);
}

/* ---- the hop (struct sbx_spawn_hop) ------------------------------------------------ */

/* "/proc/PID/FILE" without libc: the hop may share our memory and TLS */
static void proc_path(char *buf, long pid, const char *file)
{
	char digits[24];
	int n = 0;
	do {
		digits[n++] = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid && n < (int)sizeof(digits));
	char *p = buf;
	for (const char *c = "/proc/"; *c; c++)
		*p++ = *c;
	while (n)
		*p++ = digits[--n];
	*p++ = '/';
	for (const char *c = file; *c; c++)
		*p++ = *c;
	*p = '\0';
}

static long hop_write_map(long pid, const char *file, const char *text)
{
	char path[64];
	proc_path(path, pid, file);
	long fd = sbx_rawsys(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fd;
	size_t len = 0;
	while (text[len])
		len++;
	/* one write: the kernel takes a map whole or not at all */
	long r = sbx_rawsys(SYS_write, fd, text, len);
	sbx_rawsys(SYS_close, fd, 0, 0);
	return r < 0 ? r : r == (long)len ? 0 : -EIO;
}

/*
 * The hop: joins the kept user namespace, clones the child (CLONE_PARENT:
 * it is the runtime's), writes the child's maps from here, where the kept
 * namespace is the nested one's parent (only there, or inside, may they be
 * written), reports and exits. Raw system calls only.
 */
static void hop_main(void *p)
{
	struct sbx_spawn *s = p;
	long pid = 0, r = sbx_rawsys(SYS_setns, s->hop->userns_fd, CLONE_NEWUSER, 0);
	if (r == 0) {
#if SBX_SPAWN_SHARED_VM
		if (s->shared)
			pid = sbx_clone3_on_stack(&s->child_args, sizeof(s->child_args), s->fn, s->arg);
		else
#endif
			pid = sbx_rawsys(SYS_clone3, &s->child_args, sizeof(s->child_args), 0);
		if (pid == 0) {
			/* fork-style: a copy of our memory */
			s->fn(s->arg);
			sbx_rawsys(SYS_exit, SBX_EXIT_FAILURE, 0, 0);
		}
		r = pid < 0 ? pid : 0;
	}
	if (pid > 0) {
		r = hop_write_map(pid, "uid_map", s->hop->uid_map);
		if (r == 0)
			r = hop_write_map(pid, "gid_map", s->hop->gid_map);
	}
	s->hop_out->pid = pid > 0 ? pid : 0;
	s->hop_out->err = r;
	sbx_rawsys(SYS_exit, 0, 0, 0);
}

static void reap_raw(long pid)
{
	int st;
	while (sbx_rawsys6(SYS_wait4, pid, (long)&st, __WALL, 0, 0, 0) == -EINTR)
		;
}

/*
 * Reaps the hop and returns the child's pid or -errno; a child whose maps
 * could not be written is killed and reaped here (raw: the donor calls it).
 */
static long hop_finish(struct sbx_spawn *s, long hop_pid)
{
	reap_raw(hop_pid);
	long pid = s->hop_out->pid, err = s->hop_out->err;
	if (err == 0 && pid > 0)
		return pid;
	if (pid > 0) {
		sbx_rawsys(SYS_kill, pid, SIGKILL, 0);
		reap_raw(pid);
	}
	return err < 0 ? err : -ECHILD;
}

/*
 * The fork-style clone from the calling thread: its ids change for the
 * clone, which also clears its parent-death signal and makes the process
 * non-dumpable (as any change of credentials does): both are set back.
 */
static long run_forked(struct sbx_spawn *s, struct clone_args *args, void (*fn)(void *))
{
	int pdeath = 0, dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	if (s->cred.on && prctl(PR_GET_PDEATHSIG, &pdeath, 0, 0, 0) < 0)
		return -errno;
	long pid = become_owner(&s->cred);
	if (pid == 0)
		pid = sbx_rawsys(SYS_clone3, args, sizeof(*args), 0);
	if (pid == 0) {
		/* a copy of our memory: the child may use it as it likes */
		fn(s->arg);
		_exit(SBX_EXIT_FAILURE);
	}
	if (!s->cred.on)
		return pid;
	restore_ids(&s->cred);
	if (pdeath)
		prctl(PR_SET_PDEATHSIG, pdeath, 0, 0, 0);
	if (dumpable == 1)
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	return pid;
}

long sbx_spawn_run(struct sbx_spawn *s, struct clone_args *args, void (*fn)(void *), bool share_memory,
		   const struct sbx_spawn_owner *owner)
{
	s->cred = (struct cred_switch){0};
	if (owner && (args->flags & CLONE_NEWUSER) && geteuid() == 0) {
		s->cred = (struct cred_switch){.on = true, .uid = owner->uid, .gid = owner->gid,
					       .old_uid = geteuid(), .old_gid = getegid()};
	}
#if SBX_SPAWN_SHARED_VM
	if (share_memory)
		return run_shared(s, args, fn);
#else
	(void)share_memory;
#endif
	return run_forked(s, args, fn);
}

long sbx_spawn_run_hop(struct sbx_spawn *s, struct clone_args *args, void (*fn)(void *), bool share_memory,
		       const struct sbx_spawn_hop *hop)
{
	s->cred = (struct cred_switch){0};
	if (!s->hop_out) {
		void *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			return -errno;
		s->hop_out = m;
	}
	*s->hop_out = (struct hop_out){.pid = 0, .err = -ECHILD};
	s->hop = hop;
	s->fn = fn;
	int *pidfd_ret = (args->flags & CLONE_PIDFD) ? (int *)(uintptr_t)args->pidfd : NULL;
	/* the child's clone3 runs in the hop: a pidfd there would be in the hop's descriptor table */
	s->child_args = *args;
	s->child_args.flags = (args->flags & ~(uint64_t)CLONE_PIDFD) | CLONE_PARENT;
	s->child_args.pidfd = 0;
	s->child_args.exit_signal = 0; /* CLONE_PARENT: the hop's own, SIGCHLD */
	s->hop_args = (struct clone_args){.exit_signal = SIGCHLD};
	long pid;
#if SBX_SPAWN_SHARED_VM
	s->shared = share_memory;
	if (share_memory) {
		s->child_args.flags |= CLONE_VM;
		s->child_args.stack = (uint64_t)(uintptr_t)s->stack;
		s->child_args.stack_size = CHILD_STACK;
		s->hop_args.flags = CLONE_VM;
		s->hop_args.stack = (uint64_t)(uintptr_t)s->hop_stack;
		s->hop_args.stack_size = HOP_STACK;
		pid = donor_clone(s, &s->hop_args, hop_main, s);
	} else
#else
	(void)share_memory;
#endif
	{
		pid = sbx_rawsys(SYS_clone3, &s->hop_args, sizeof(s->hop_args), 0);
		if (pid == 0)
			hop_main(s);
		if (pid > 0)
			pid = hop_finish(s, pid);
	}
	if (pid > 0 && pidfd_ret) {
		/* our unreaped child: its pid cannot have been reused */
		int fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
		if (fd < 0) {
			int e = errno;
			kill((pid_t)pid, SIGKILL);
			reap_raw(pid);
			return -e;
		}
		*pidfd_ret = fd;
	}
	return pid;
}

/* also in sanitized builds: the stub is built without sanitizers, and exec'd it needs none */
#if defined(SBX_HAVE_INIT_STUB)
extern const unsigned char sbx_init_stub[];
extern const size_t sbx_init_stub_size;

int sbx_spawn_init_stub(struct sbx_error *err)
{
	_cleanup_close_ int mfd = memfd_create("sbxctr-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return sbx_err_sys(err, "memfd for the --init reaper");
	if (sbx_write_all(mfd, sbx_init_stub, sbx_init_stub_size) < 0)
		return sbx_err_sys(err, "memfd for the --init reaper: write");
	/*
	 * Execute-only: the sandbox may run it but not read it, so the kernel
	 * makes pid 1 non-dumpable at the exec (nothing in the sandbox may
	 * ptrace the holder of the status pipe). Sealed: it never changes.
	 */
	if (fchmod(mfd, 0111) < 0 ||
	    fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return sbx_err_sys(err, "memfd for the --init reaper: sealing");
	/* exec refuses a file open for writing (ETXTBSY): keep a path-only descriptor instead */
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return sbx_err_sys(err, "memfd for the --init reaper: %s", path);
	return fd;
}
#else
int sbx_spawn_init_stub(struct sbx_error *err)
{
	return sbx_err_set(err, ENOSYS, "no --init stub in this build");
}
#endif

void sbx_spawn_free(struct sbx_spawn *s)
{
	if (!s)
		return;
	release_donor(s);
	if (s->hop_out)
		munmap(s->hop_out, PAGE);
	munmap(s->map, s->map_size);
	free(s);
}
