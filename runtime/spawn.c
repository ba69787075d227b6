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

/* The effective ids (and capabilities) the cloning thread switches to and back (struct sbx_spawn_owner). */
struct cred_switch {
	bool on;
	uint32_t uid, gid;	   /* the owner's */
	uint32_t old_uid, old_gid; /* the caller's effective ids */
};

struct sbx_spawn {
	char *map;
	size_t map_size;
	char *stack; /* lowest address; a guard page below each stack */
	char *aux;
	void *arg;
#if SBX_SPAWN_SHARED_VM
	pthread_t donor;
	bool donor_running;
	uint32_t state; /* 0 = cloning, 1 = result ready, 2 = released; futex */
	long result;
	struct clone_args *args;
	void (*fn)(void *);
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
	s->map_size = PAGE + CHILD_STACK + PAGE + AUX_STACK + page_round(arg_size);
	/* untouched pages cost nothing: a stack uses what it touches */
	s->map = mmap(NULL, s->map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (s->map == MAP_FAILED) {
		free(s);
		return sbx_err_sys(err, "mmap for the sandbox child's stack");
	}
	s->stack = s->map + PAGE;
	s->aux = s->stack + CHILD_STACK + PAGE;
	s->arg = s->aux + AUX_STACK;
	if (mprotect(s->map, PAGE, PROT_NONE) < 0 || mprotect(s->stack + CHILD_STACK, PAGE, PROT_NONE) < 0) {
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

static void *donor_main(void *p)
{
	struct sbx_spawn *s = p;
	long r = become_owner(&s->cred);
	if (r == 0)
		r = sbx_clone3_on_stack(s->args, sizeof(*s->args), s->fn, s->arg);
	/* from here on the child may be using our TLS: raw syscalls only */
	restore_ids(&s->cred);
	s->result = r;
	__atomic_store_n(&s->state, 1, __ATOMIC_RELEASE);
	raw_futex(&s->state, FUTEX_WAKE_PRIVATE, 1);
	while (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != 2)
		raw_futex(&s->state, FUTEX_WAIT_PRIVATE, 1);
	return NULL;
}

static long run_shared(struct sbx_spawn *s, struct clone_args *args, void (*fn)(void *))
{
	args->flags |= CLONE_VM;
	args->stack = (uint64_t)(uintptr_t)s->stack;
	args->stack_size = CHILD_STACK;
	s->args = args;
	s->fn = fn;
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

static void release_donor(struct sbx_spawn *s)
{
	if (!s->donor_running)
		return;
	__atomic_store_n(&s->state, 2, __ATOMIC_RELEASE);
	syscall(SYS_futex, &s->state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	pthread_join(s->donor, NULL);
	s->donor_running = false;
}
#else
static void release_donor(struct sbx_spawn *s)
{
	(void)s;
}
#endif

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
	munmap(s->map, s->map_size);
	free(s);
}
