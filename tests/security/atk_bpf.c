/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_bpf: eBPF maps, programs and BTF, the source of many kernel exploits.
 * Unprivileged BPF is off on this kind of host
 * (kernel.unprivileged_bpf_disabled) and the program has no CAP_BPF or
 * CAP_SYS_ADMIN (EPERM); the default seccomp profile refuses bpf() too
 * (EPERM). A bpf filesystem cannot be mounted (atk_mount).
 */
#include "atk.h"

#include <linux/bpf.h>
#include <sys/syscall.h>

static long bpf(int cmd, union bpf_attr *a)
{
	return syscall(SYS_bpf, cmd, a, sizeof(*a));
}

int main(void)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1;
	ATK_EXPECT_ERR_FD("bpf(BPF_MAP_CREATE, array)", bpf(BPF_MAP_CREATE, &a), EPERM);

	/* r0 = 0; exit */
	struct bpf_insn prog[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	static const struct {
		enum bpf_prog_type t;
		const char *name;
	} types[] = {{BPF_PROG_TYPE_SOCKET_FILTER, "socket filter"}, {BPF_PROG_TYPE_KPROBE, "kprobe"},
		     {BPF_PROG_TYPE_TRACEPOINT, "tracepoint"}, {BPF_PROG_TYPE_CGROUP_SKB, "cgroup skb"},
		     {BPF_PROG_TYPE_XDP, "xdp"}};
	char log[256];
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		memset(&a, 0, sizeof(a));
		a.prog_type = types[i].t;
		a.insns = (unsigned long)prog;
		a.insn_cnt = 2;
		a.license = (unsigned long)"GPL";
		a.log_buf = (unsigned long)log;
		a.log_size = sizeof(log);
		a.log_level = 1;
		char what[96];
		snprintf(what, sizeof(what), "bpf(BPF_PROG_LOAD, %s)", types[i].name);
		ATK_EXPECT_ERR_FD(what, bpf(BPF_PROG_LOAD, &a), EPERM);
	}
	memset(&a, 0, sizeof(a));
	ATK_EXPECT_ERR_FD("bpf(BPF_BTF_LOAD)", bpf(BPF_BTF_LOAD, &a), EPERM);
	memset(&a, 0, sizeof(a));
	a.start_id = 0;
	ATK_EXPECT_ERR("bpf(BPF_PROG_GET_NEXT_ID) (enumerate the host's programs)", bpf(BPF_PROG_GET_NEXT_ID, &a), EPERM);
	memset(&a, 0, sizeof(a));
	ATK_EXPECT_ERR("bpf(BPF_MAP_GET_NEXT_ID) (enumerate the host's maps)", bpf(BPF_MAP_GET_NEXT_ID, &a), EPERM);
	return atk_finish("atk_bpf");
}
