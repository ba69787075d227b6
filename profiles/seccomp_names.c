/* SPDX-License-Identifier: Apache-2.0 */
/* Name tables of the seccomp module: actions, operators, architectures, capabilities, errnos. */
#include "profiles/seccomp_profile.h"
#include "profiles/seccomp-internal.h"

#include <errno.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/util.h"

/* libseccomp 2.5.x has no LoongArch; the name stays valid JSON but compiles to an error. */
#ifndef SCMP_ARCH_LOONGARCH64
#define SCMP_ARCH_LOONGARCH64 0
#endif

static const char *const action_names[] = {
	[SBX_SECCOMP_ACT_NONE] = "",
	[SBX_SECCOMP_ACT_KILL] = "SCMP_ACT_KILL",
	[SBX_SECCOMP_ACT_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
	[SBX_SECCOMP_ACT_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
	[SBX_SECCOMP_ACT_TRAP] = "SCMP_ACT_TRAP",
	[SBX_SECCOMP_ACT_ERRNO] = "SCMP_ACT_ERRNO",
	[SBX_SECCOMP_ACT_TRACE] = "SCMP_ACT_TRACE",
	[SBX_SECCOMP_ACT_LOG] = "SCMP_ACT_LOG",
	[SBX_SECCOMP_ACT_ALLOW] = "SCMP_ACT_ALLOW",
	[SBX_SECCOMP_ACT_NOTIFY] = "SCMP_ACT_NOTIFY",
};

const char *sbx_seccomp_action_name(enum sbx_seccomp_action act)
{
	if ((size_t)act < SBX_ARRAY_SIZE(action_names))
		return action_names[act];
	return "?";
}

static const char *const op_names[] = {
	[SBX_SECCOMP_OP_NE] = "SCMP_CMP_NE",
	[SBX_SECCOMP_OP_LT] = "SCMP_CMP_LT",
	[SBX_SECCOMP_OP_LE] = "SCMP_CMP_LE",
	[SBX_SECCOMP_OP_EQ] = "SCMP_CMP_EQ",
	[SBX_SECCOMP_OP_GE] = "SCMP_CMP_GE",
	[SBX_SECCOMP_OP_GT] = "SCMP_CMP_GT",
	[SBX_SECCOMP_OP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

const char *sbx_seccomp_op_name(enum sbx_seccomp_op op)
{
	if ((size_t)op < SBX_ARRAY_SIZE(op_names) && op_names[op])
		return op_names[op];
	return "?";
}

uint32_t sbx_seccomp_action_scmp(enum sbx_seccomp_action act, bool has_errno, uint64_t errno_ret)
{
	/* runc: int16(errnoRet), then libseccomp keeps the low 16 bits; absent -> EPERM */
	uint32_t data = has_errno ? (uint32_t)(errno_ret & 0xffff) : EPERM;
	switch (act) {
	case SBX_SECCOMP_ACT_KILL:
	case SBX_SECCOMP_ACT_KILL_THREAD: return SCMP_ACT_KILL_THREAD;
	case SBX_SECCOMP_ACT_KILL_PROCESS: return SCMP_ACT_KILL_PROCESS;
	case SBX_SECCOMP_ACT_TRAP: return SCMP_ACT_TRAP;
	case SBX_SECCOMP_ACT_ERRNO: return SCMP_ACT_ERRNO(data);
	case SBX_SECCOMP_ACT_TRACE: return SCMP_ACT_TRACE(data);
	case SBX_SECCOMP_ACT_LOG: return SCMP_ACT_LOG;
	case SBX_SECCOMP_ACT_ALLOW: return SCMP_ACT_ALLOW;
	case SBX_SECCOMP_ACT_NOTIFY: return SCMP_ACT_NOTIFY;
	case SBX_SECCOMP_ACT_NONE:
	default: return UINT32_MAX;
	}
}

/*
 * runc's 18 architecture strings (libcontainer/seccomp/config.go), with the
 * label used in messages and moby's Go spelling for includes/excludes.arches.
 * PARISC, M68K, SH and NATIVE are rejected as runc does.
 */
static const struct {
	const char *scmp;
	uint32_t token;
	const char *label;
	const char *goname;
} arch_table[] = {
	{"SCMP_ARCH_X86", SCMP_ARCH_X86, "x86", "x86"},
	{"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64, "x86_64", "amd64"},
	{"SCMP_ARCH_X32", SCMP_ARCH_X32, "x32", NULL},
	{"SCMP_ARCH_ARM", SCMP_ARCH_ARM, "arm", "arm"},
	{"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64, "aarch64", "arm64"},
	{"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS, "mips", "mips"},
	{"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64, "mips64", "mips64"},
	{"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32, "mips64n32", "mips64n32"},
	{"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL, "mipsel", "mipsel"},
	{"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64, "mipsel64", "mipsel64"},
	/* "mips3l64n32" is moby's spelling, typo included */
	{"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32, "mipsel64n32", "mips3l64n32"},
	{"SCMP_ARCH_PPC", SCMP_ARCH_PPC, "ppc", "ppc"},
	{"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64, "ppc64", "ppc64"},
	{"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE, "ppc64le", "ppc64le"},
	{"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64, "riscv64", "riscv64"},
	{"SCMP_ARCH_S390", SCMP_ARCH_S390, "s390", "s390"},
	{"SCMP_ARCH_S390X", SCMP_ARCH_S390X, "s390x", "s390x"},
	{"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64, "loongarch64", "loongarch64"},
};

const char *sbx_seccomp_arch_name_at(size_t i)
{
	return i < SBX_ARRAY_SIZE(arch_table) ? arch_table[i].scmp : NULL;
}

bool sbx_seccomp_arch_name_known(const char *scmp_name)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(arch_table); i++)
		if (strcmp(arch_table[i].scmp, scmp_name) == 0)
			return true;
	return false;
}

uint32_t sbx_seccomp_arch_from_name(const char *scmp_name)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(arch_table); i++)
		if (strcmp(arch_table[i].scmp, scmp_name) == 0)
			return arch_table[i].token;
	return 0;
}

const char *sbx_seccomp_arch_label(uint32_t token)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(arch_table); i++)
		if (token != 0 && arch_table[i].token == token)
			return arch_table[i].label;
	return "unknown";
}

const char *sbx_seccomp_arch_goname(uint32_t token)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(arch_table); i++)
		if (token != 0 && arch_table[i].token == token)
			return arch_table[i].goname;
	return NULL;
}

#define C(x) [x] = #x
static const char *const cap_names[] = {
	C(CAP_CHOWN),
	C(CAP_DAC_OVERRIDE),
	C(CAP_DAC_READ_SEARCH),
	C(CAP_FOWNER),
	C(CAP_FSETID),
	C(CAP_KILL),
	C(CAP_SETGID),
	C(CAP_SETUID),
	C(CAP_SETPCAP),
	C(CAP_LINUX_IMMUTABLE),
	C(CAP_NET_BIND_SERVICE),
	C(CAP_NET_BROADCAST),
	C(CAP_NET_ADMIN),
	C(CAP_NET_RAW),
	C(CAP_IPC_LOCK),
	C(CAP_IPC_OWNER),
	C(CAP_SYS_MODULE),
	C(CAP_SYS_RAWIO),
	C(CAP_SYS_CHROOT),
	C(CAP_SYS_PTRACE),
	C(CAP_SYS_PACCT),
	C(CAP_SYS_ADMIN),
	C(CAP_SYS_BOOT),
	C(CAP_SYS_NICE),
	C(CAP_SYS_RESOURCE),
	C(CAP_SYS_TIME),
	C(CAP_SYS_TTY_CONFIG),
	C(CAP_MKNOD),
	C(CAP_LEASE),
	C(CAP_AUDIT_WRITE),
	C(CAP_AUDIT_CONTROL),
	C(CAP_SETFCAP),
	C(CAP_MAC_OVERRIDE),
	C(CAP_MAC_ADMIN),
	C(CAP_SYSLOG),
	C(CAP_WAKE_ALARM),
	C(CAP_BLOCK_SUSPEND),
	C(CAP_AUDIT_READ),
	C(CAP_PERFMON),
	C(CAP_BPF),
	C(CAP_CHECKPOINT_RESTORE),
};
#undef C

int sbx_seccomp_cap_from_name(const char *name)
{
	/* exact, case-sensitive: moby compares with the OCI bounding strings */
	for (size_t i = 0; i < SBX_ARRAY_SIZE(cap_names); i++)
		if (cap_names[i] && strcmp(cap_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *sbx_seccomp_cap_name(int cap)
{
	if (cap >= 0 && (size_t)cap < SBX_ARRAY_SIZE(cap_names))
		return cap_names[cap];
	return NULL;
}

uint64_t sbx_seccomp_docker_default_caps(void)
{
	static const int caps[] = {
		CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,	     CAP_FOWNER,
		CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,	     CAP_SETUID,
		CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
		CAP_KILL,    CAP_AUDIT_WRITE};
	uint64_t m = 0;
	for (size_t i = 0; i < SBX_ARRAY_SIZE(caps); i++)
		m |= UINT64_C(1) << caps[i];
	return m;
}

#define E(x)                                                                                       \
	{                                                                                          \
#x, x                                                                              \
	}
static const struct {
	const char *name;
	int value;
} errno_names[] = {
	E(EPERM),
	E(ENOENT),
	E(ESRCH),
	E(EINTR),
	E(EIO),
	E(ENXIO),
	E(E2BIG),
	E(ENOEXEC),
	E(EBADF),
	E(ECHILD),
	E(EAGAIN),
	E(ENOMEM),
	E(EACCES),
	E(EFAULT),
	E(ENOTBLK),
	E(EBUSY),
	E(EEXIST),
	E(EXDEV),
	E(ENODEV),
	E(ENOTDIR),
	E(EISDIR),
	E(EINVAL),
	E(ENFILE),
	E(EMFILE),
	E(ENOTTY),
	E(ETXTBSY),
	E(EFBIG),
	E(ENOSPC),
	E(ESPIPE),
	E(EROFS),
	E(EMLINK),
	E(EPIPE),
	E(EDOM),
	E(ERANGE),
	E(EDEADLK),
	E(ENAMETOOLONG),
	E(ENOLCK),
	E(ENOSYS),
	E(ENOTEMPTY),
	E(ELOOP),
	E(ENOMSG),
	E(EIDRM),
	E(ECHRNG),
	E(EL2NSYNC),
	E(EL3HLT),
	E(EL3RST),
	E(ELNRNG),
	E(EUNATCH),
	E(ENOCSI),
	E(EL2HLT),
	E(EBADE),
	E(EBADR),
	E(EXFULL),
	E(ENOANO),
	E(EBADRQC),
	E(EBADSLT),
	E(EBFONT),
	E(ENOSTR),
	E(ENODATA),
	E(ETIME),
	E(ENOSR),
	E(ENONET),
	E(ENOPKG),
	E(EREMOTE),
	E(ENOLINK),
	E(EADV),
	E(ESRMNT),
	E(ECOMM),
	E(EPROTO),
	E(EMULTIHOP),
	E(EDOTDOT),
	E(EBADMSG),
	E(EOVERFLOW),
	E(ENOTUNIQ),
	E(EBADFD),
	E(EREMCHG),
	E(ELIBACC),
	E(ELIBBAD),
	E(ELIBSCN),
	E(ELIBMAX),
	E(ELIBEXEC),
	E(EILSEQ),
	E(ERESTART),
	E(ESTRPIPE),
	E(EUSERS),
	E(ENOTSOCK),
	E(EDESTADDRREQ),
	E(EMSGSIZE),
	E(EPROTOTYPE),
	E(ENOPROTOOPT),
	E(EPROTONOSUPPORT),
	E(ESOCKTNOSUPPORT),
	E(EOPNOTSUPP),
	E(EPFNOSUPPORT),
	E(EAFNOSUPPORT),
	E(EADDRINUSE),
	E(EADDRNOTAVAIL),
	E(ENETDOWN),
	E(ENETUNREACH),
	E(ENETRESET),
	E(ECONNABORTED),
	E(ECONNRESET),
	E(ENOBUFS),
	E(EISCONN),
	E(ENOTCONN),
	E(ESHUTDOWN),
	E(ETOOMANYREFS),
	E(ETIMEDOUT),
	E(ECONNREFUSED),
	E(EHOSTDOWN),
	E(EHOSTUNREACH),
	E(EALREADY),
	E(EINPROGRESS),
	E(ESTALE),
	E(EUCLEAN),
	E(ENOTNAM),
	E(ENAVAIL),
	E(EISNAM),
	E(EREMOTEIO),
	E(EDQUOT),
	E(ENOMEDIUM),
	E(EMEDIUMTYPE),
	E(ECANCELED),
	E(ENOKEY),
	E(EKEYEXPIRED),
	E(EKEYREVOKED),
	E(EKEYREJECTED),
	E(EOWNERDEAD),
	E(ENOTRECOVERABLE),
	E(ERFKILL),
	E(EHWPOISON),
	E(EWOULDBLOCK),
	E(EDEADLOCK),
	E(ENOTSUP),
};
#undef E

int sbx_seccomp_errno_from_name(const char *s)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(errno_names); i++)
		if (strcmp(errno_names[i].name, s) == 0)
			return errno_names[i].value;
	/* plain decimal digits only: no sign, no spaces */
	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 9)
		return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10); /* at most 9 digits: fits an int */
	if (errno || *end)
		return -1;
	return (int)v;
}
