/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small classic-BPF interpreter with the kernel's seccomp semantics, for
 * tests only: it evaluates the exact programs sbxctr loads, so decisions can
 * be checked for many (arch, nr, args) inputs without root, and the
 * split-notify pair can be compared with the original filter.
 */
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SC_BPF_BAD 0xdeadbeefu /* malformed program (tests fail on it) */

/* Runs the program; *ret_steps (if not NULL) counts the instructions executed. */
static inline uint32_t sc_bpf_run_steps(const struct sock_filter *insns, size_t len,
					const struct seccomp_data *d, size_t *ret_steps)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
	unsigned char data[sizeof(*d)];
	memcpy(data, d, sizeof(data));

	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *f = &insns[pc];
		if (ret_steps)
			++*ret_steps;
		uint32_t k = f->k;
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			if (f->code == (BPF_LD | BPF_W | BPF_ABS)) {
				if (k % 4 || k + 4 > sizeof(data))
					return SC_BPF_BAD;
				memcpy(&a, data + k, 4);
			} else if (f->code == (BPF_LD | BPF_IMM)) {
				a = k;
			} else if (f->code == (BPF_LD | BPF_MEM) && k < BPF_MEMWORDS) {
				a = mem[k];
			} else if (f->code == (BPF_LD | BPF_W | BPF_LEN)) {
				a = sizeof(data);
			} else {
				return SC_BPF_BAD;
			}
			break;
		case BPF_LDX:
			if (f->code == (BPF_LDX | BPF_IMM))
				x = k;
			else if (f->code == (BPF_LDX | BPF_MEM) && k < BPF_MEMWORDS)
				x = mem[k];
			else if (f->code == (BPF_LDX | BPF_W | BPF_LEN))
				x = sizeof(data);
			else
				return SC_BPF_BAD;
			break;
		case BPF_ST:
			if (k >= BPF_MEMWORDS)
				return SC_BPF_BAD;
			mem[k] = a;
			break;
		case BPF_STX:
			if (k >= BPF_MEMWORDS)
				return SC_BPF_BAD;
			mem[k] = x;
			break;
		case BPF_ALU: {
			uint32_t v = BPF_SRC(f->code) == BPF_X ? x : k;
			switch (BPF_OP(f->code)) {
			case BPF_ADD: a += v; break;
			case BPF_SUB: a -= v; break;
			case BPF_MUL: a *= v; break;
			case BPF_DIV:
				if (!v)
					return 0;
				a /= v;
				break;
			case BPF_MOD:
				if (!v)
					return 0;
				a %= v;
				break;
			case BPF_OR: a |= v; break;
			case BPF_AND: a &= v; break;
			case BPF_XOR: a ^= v; break;
			case BPF_LSH: a = v >= 32 ? 0 : a << v; break;
			case BPF_RSH: a = v >= 32 ? 0 : a >> v; break;
			case BPF_NEG: a = -a; break;
			default: return SC_BPF_BAD;
			}
			break;
		}
		case BPF_JMP: {
			uint32_t v = BPF_SRC(f->code) == BPF_X ? x : k;
			bool t;
			if (BPF_OP(f->code) == BPF_JA) {
				pc += k;
				break;
			}
			switch (BPF_OP(f->code)) {
			case BPF_JEQ: t = a == v; break;
			case BPF_JGT: t = a > v; break;
			case BPF_JGE: t = a >= v; break;
			case BPF_JSET: t = (a & v) != 0; break;
			default: return SC_BPF_BAD;
			}
			pc += t ? f->jt : f->jf;
			break;
		}
		case BPF_RET:
			if (BPF_RVAL(f->code) == BPF_K)
				return k;
			if (BPF_RVAL(f->code) == BPF_A)
				return a;
			return SC_BPF_BAD;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		default: return SC_BPF_BAD;
		}
	}
	return SC_BPF_BAD; /* fell off the end: the kernel's checker forbids this */
}

static inline uint32_t sc_bpf_run(const struct sock_filter *insns, size_t len,
				  const struct seccomp_data *d)
{
	return sc_bpf_run_steps(insns, len, d, NULL);
}

/* The kernel's ordering: lower (signed) ACTION_ONLY value is more severe. */
static inline int32_t sc_bpf_severity(uint32_t ret)
{
	return (int32_t)(ret & SECCOMP_RET_ACTION_FULL);
}

/*
 * Several filters as the kernel runs them (seccomp_run_filters): newest
 * first, the most severe result wins, ties go to the newest. progs[0] is the
 * oldest.
 */
static inline uint32_t sc_bpf_run_stack(const struct sock_fprog *progs, size_t n,
					const struct seccomp_data *d)
{
	uint32_t ret = SECCOMP_RET_ALLOW;
	for (size_t i = n; i-- > 0;) {
		uint32_t cur = sc_bpf_run(progs[i].filter, progs[i].len, d);
		if (cur == SC_BPF_BAD)
			return SC_BPF_BAD;
		if (sc_bpf_severity(cur) < sc_bpf_severity(ret))
			ret = cur;
	}
	return ret;
}
