/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starting the sandbox child without copying the runtime's address space.
 *
 * A fork-style clone3() duplicates every page table of the runtime, then
 * both sides take a copy-on-write fault on each page they touch, the child
 * faults the runtime's code back in page by page, and its execve() tears
 * the copy down again: more than half the CPU a trivial job costs. So the
 * child shares the runtime's memory (CLONE_VM), as posix_spawn's child
 * does, on a stack of its own. Unlike posix_spawn the parent keeps running
 * meanwhile (it writes the id maps, sets up the network, takes the seccomp
 * listener), which takes three rules, all kept here and in child.c:
 *
 *  1. The child works on its own copy of the sandbox state (the argument
 *     block below, copied before clone) and never writes to memory the
 *     parent uses, apart from the shared hand-off page.
 *  2. The child never allocates: a malloc() racing the parent's would
 *     corrupt the heap, and a child killed while holding a heap lock would
 *     hang the parent. No malloc, no stdio, no locale, no libc call that
 *     walks the thread list (setuid and friends go as raw syscalls).
 *  3. The child has thread-local storage of its own (errno above all): it
 *     is started by a "donor" thread that does nothing but clone3() and
 *     then sleeps in a raw futex wait, never touching its TLS, until the
 *     child is gone. The donor also is the child's parent for
 *     PR_SET_PDEATHSIG, which is one more reason to keep it until reaped.
 *
 * And one rule about the kernel: a memory cgroup OOM kill of a task kills
 * every process that shares its address space, so no task sharing ours
 * may be an OOM candidate while the program can allocate. Hence: --init's
 * pid 1, which outlives the program's start, execs a freestanding copy of
 * the reaper (runtime/init-stub/, from a sealed memfd) at the end of its
 * set-up, and that copy starts the program from its own few pages, so the
 * program's process never shares our memory at all; the set-up itself charges a few
 * hundred KiB of kernel memory to the sandbox's cgroup, so sandbox.c
 * shares only where memory.max is far above that (16 MiB) and gives the
 * child a copy of our memory below it.
 *
 * Why this cannot give the sandbox the runtime's memory: before execve
 * only our own code runs in the child, and after it (and after pid 1's
 * exec of the stub) no process of the sandbox shares our address space.
 * In the instant between the program's start and its execve, our memory
 * could be reached only through ptrace, /proc/<pid>/mem or process_vm_*,
 * which need CAP_SYS_PTRACE in the initial user namespace (the shared mm
 * belongs to it and is not dumpable once the child changed credentials);
 * tests/security/atk_ptrace.c attacks pid 1 with and without seccomp.
 *
 * x86_64 only (a tiny assembly trampoline starts the child on its stack),
 * and not under AddressSanitizer, which cannot follow a process onto a
 * stack of our own: there the fork-style clone3 is used, which needs none
 * of the rules and is what the ASan build's tests exercise.
 */
#pragma once

#include <linux/sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* GCC says so with __SANITIZE_*__, clang only through __has_feature */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SBX_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define SBX_SANITIZED 1
#endif
#endif

#if defined(__x86_64__) && !defined(SBX_SANITIZED)
#define SBX_SPAWN_SHARED_VM 1
#else
#define SBX_SPAWN_SHARED_VM 0
#endif

struct sbx_spawn;

/* One mapping: the child's stack, a second stack (for --init's program) and the argument block. */
int sbx_spawn_prepare(size_t arg_size, struct sbx_spawn **ret, struct sbx_error *err);
/* Where to copy the child's argument before sbx_spawn_run (arg_size bytes). */
void *sbx_spawn_arg(struct sbx_spawn *s);
/* The second stack: lowest address and size; the child may run one vfork-style child on it. */
void *sbx_spawn_aux_stack(struct sbx_spawn *s, size_t *size);
/*
 * Who owns the new user namespace (CLONE_NEWUSER): the kernel makes the
 * creating task's effective uid its owner, and charges every per-user count
 * it keeps through the namespace (inotify instances and watches, POSIX
 * message-queue bytes, /proc/sys/user/max_*) to that uid in the parent
 * namespace. A runtime running as root would charge every sandbox to host
 * root, where one sandbox could use up what the host's own services and
 * every other sandbox need. So the task that clones switches its effective
 * ids to the sandbox's own for the clone3 alone, with raw system calls
 * (they change the calling thread only; glibc's change every thread): real
 * and saved ids stay root, so the capabilities it keeps (CAP_DAC_OVERRIDE
 * for CLONE_INTO_CGROUP's cgroup.procs checks, which use the creator's
 * credentials) are made effective again; the namespaces created along with
 * the user namespace are checked against it, where the child holds them
 * all. Both are restored right after. Only where the runtime runs as root.
 */
struct sbx_spawn_owner {
	uint32_t uid, gid; /* host ids */
};

/*
 * A user namespace to be born in (struct sbx_spawn_hop): instead of making
 * one of its own with an ordinary user's subordinate ids, which takes two
 * set-uid helpers (newuidmap, newgidmap: a millisecond or more each, on
 * every start), the child's user namespace is made inside one kept mapped
 * for its slot (runtime/keeper.h). A user namespace can be joined only by a
 * single-threaded process that shares no fs_struct, and the one that
 * writes the id maps of a namespace must be in it or in its parent; so a
 * short-lived "hop" process is cloned first (no new namespaces), joins
 * userns_fd, clones the child as planned (a new user namespace, nested,
 * and the rest) with CLONE_PARENT, so that the child is ours as without
 * the hop, writes its maps (the nested namespace maps the kept one's ids
 * onto themselves: uid_map and gid_map texts) and exits. The nested
 * namespace is the sandbox's alone (its keyrings, its per-user counts),
 * as a fresh one is.
 */
struct sbx_spawn_hop {
	int userns_fd;
	const char *uid_map, *gid_map; /* "inside outside count\n"..., in the kept namespace's ids */
};

/*
 * clone3(args) whose child runs fn(sbx_spawn_arg(s)) and never returns.
 * Returns the pid, or -errno. With share_memory (and SBX_SPAWN_SHARED_VM)
 * the child shares our memory and args->stack and CLONE_VM are filled in
 * here; otherwise it is the classic fork-style clone. owner (or NULL):
 * the effective ids clone3 runs with (struct sbx_spawn_owner).
 */
long sbx_spawn_run(struct sbx_spawn *s, struct clone_args *args, void (*fn)(void *), bool share_memory,
		   const struct sbx_spawn_owner *owner);
/*
 * The same, the child born in hop's namespace (struct sbx_spawn_hop); not
 * with owner (root writes maps itself). CLONE_PIDFD is honoured with
 * pidfd_open(): the child's own clone happens in the hop.
 */
long sbx_spawn_run_hop(struct sbx_spawn *s, struct clone_args *args, void (*fn)(void *), bool share_memory,
		       const struct sbx_spawn_hop *hop);
/*
 * An O_PATH descriptor of a sealed, execute-only memfd holding the --init
 * stub (runtime/init-stub/init_stub.c), or -errno (-ENOSYS where the build
 * has none). --init's pid 1 execs it at the end of its set-up, to leave our
 * address space; it starts the program itself.
 */
int sbx_spawn_init_stub(struct sbx_error *err);
/*
 * Once the child has been reaped: lets the donor thread end (its exit
 * overlaps with what the caller does next). NULL is fine.
 */
void sbx_spawn_release(struct sbx_spawn *s);
/* Only once the child has been reaped: it may run on this memory and TLS until then. */
void sbx_spawn_free(struct sbx_spawn *s);
