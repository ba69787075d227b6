/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sbxctr's --init reaper as a freestanding static executable, embedded in
 * the runtime (generated/init_stub_blob.c) and exec'd from a sealed memfd
 * by pid 1 once the program is started. Where the sandbox child shares the
 * runtime's memory (runtime/spawn.h), this exec is what gives pid 1 an
 * address space of its own before the program runs: a memory cgroup's OOM
 * kill of a task that shares an mm kills every process sharing it, and
 * that must never reach the runtime. A few hundred bytes of code, no libc.
 *
 * argv: sbxctr-init STATUS_FD PROGRAM_PID. The signal mask (everything
 * blocked) and a SIGCHLD that is already pending survive the exec.
 * argv: sbxctr-init idle: pid 1 without a program (sbx_init_idle()).
 */
#include "core/error.h" /* enum sbx_exit_status only: no library code is linked */
#include "runtime/init_loop.h"

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

__attribute__((noreturn, used)) void sbx_init_stub_main(long *sp);
void sbx_init_stub_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	const char *idle = "idle";
	if (argc == 2) {
		const char *a = argv[1];
		int i = 0;
		while (a[i] && a[i] == idle[i])
			i++;
		if (!a[i] && !idle[i])
			sbx_init_idle();
	}
	long fd = argc == 3 ? parse(argv[1]) : -1;
	long prog = argc == 3 ? parse(argv[2]) : -1;
	if (fd < 0 || prog <= 0)
		sbx_init_exit(SBX_EXIT_FAILURE);
	sbx_init_loop((int)fd, (int)prog);
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
