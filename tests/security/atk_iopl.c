/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_iopl: direct hardware access from user space: iopl(3) and ioperm()
 * (I/O ports: the PCI config space, the keyboard controller's reset line)
 * need CAP_SYS_RAWIO on the host (EPERM; ENOSYS in a kernel built
 * without CONFIG_X86_IOPL_IOPERM); without them an "out"
 * instruction faults (SIGSEGV). modify_ldt (custom segments, a past source
 * of kernel bugs) is refused by the default seccomp profile (EPERM; ENOSYS
 * where the kernel lacks it).
 */
#include "atk.h"

#include <asm/ldt.h>
#include <sys/io.h>
#include <sys/syscall.h>

static int out_port(void *arg)
{
	(void)arg;
	/* port 0x80 is the POST diagnostic port: harmless even if it went through */
	__asm__ volatile("outb %%al, $0x80" : : "a"(0));
	atk_hole("outb to port 0x80 executed");
	return 0;
}

int main(void)
{
	ATK_EXPECT_ERR("iopl(3)", iopl(3), EPERM, ENOSYS);
	ATK_EXPECT_ERR("ioperm(0x80, 1, on)", ioperm(0x80, 1, 1), EPERM, ENOSYS);
	ATK_EXPECT_ERR("ioperm(0xcf8, 8, on) (PCI config space)", ioperm(0xcf8, 8, 1), EPERM, ENOSYS);
	atk_in_child_sigs("outb $0x80 without I/O privilege", out_port, NULL, (const int[]){SIGSEGV, SIGSYS, 0});
	struct user_desc d = {.entry_number = 0, .base_addr = 0, .limit = 0xfffff, .seg_32bit = 1,
			      .limit_in_pages = 1, .useable = 1};
	ATK_EXPECT_ERR("modify_ldt(write entry 0)", syscall(SYS_modify_ldt, 1, &d, sizeof(d)), EPERM, ENOSYS);
	return atk_finish("atk_iopl");
}
