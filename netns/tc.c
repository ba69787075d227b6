/* SPDX-License-Identifier: Apache-2.0 */
/* tbf qdiscs: built by libnl-route-3, -NLE_* translated to -errno, sent in our batches. */
#include "netns/tc.h"

#include <errno.h>
#include <linux/pkt_sched.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/tbf.h>
#include <linux/if_ether.h>
#include <linux/tc_act/tc_mirred.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/action.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/tc.h>
#include <stdio.h>

#include "netns/rate.h"

int sbx_tc_nle_to_errno(int nle)
{
	if (nle < 0)
		nle = -nle;
	switch (nle) {
	case NLE_SUCCESS:
		return 0;
	case NLE_INTR:
		return -EINTR;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
	case NLE_MISSING_ATTR:
	case NLE_PARSE_ERR:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_MSGSIZE:
	case NLE_MSG_OVERFLOW:
	case NLE_ATTRSIZE:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
	case NLE_MSGTYPE_NOSUPPORT:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NOATTR:
		return -ENODATA;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_PERM:
		return -EPERM;
	case NLE_NODEV:
		return -ENODEV;
	default:
		return -EIO;
	}
}

static void qdisc_putp(struct rtnl_qdisc **q)
{
	if (*q)
		rtnl_qdisc_put(*q);
}

static void nlmsg_freep(struct nl_msg **m)
{
	if (*m)
		nlmsg_free(*m);
}

int sbx_tc_put_tbf(struct sbx_nl_batch *b, int ifindex, const char *ifname,
		   const struct sbx_tc_tbf *tbf, struct sbx_error *err)
{
	__attribute__((cleanup(qdisc_putp))) struct rtnl_qdisc *q = NULL;
	__attribute__((cleanup(nlmsg_freep))) struct nl_msg *msg = NULL;
	char rbuf[32];

	if (!tbf->enabled || tbf->rate == 0 || tbf->rate > SBX_TC_MAX_RATE || tbf->burst == 0 ||
	    tbf->burst > INT32_MAX || tbf->limit > INT32_MAX)
		return sbx_err_set(err, EINVAL, "tc: tbf on %s: parameters out of range", ifname);

	q = rtnl_qdisc_alloc();
	if (!q)
		return sbx_err_set(err, ENOMEM, "tc: tbf on %s: out of memory", ifname);
	struct rtnl_tc *tc = TC_CAST(q);
	rtnl_tc_set_ifindex(tc, ifindex);
	rtnl_tc_set_parent(tc, TC_H_ROOT);
	rtnl_tc_set_handle(tc, TC_HANDLE(1, 0));
	int r = rtnl_tc_set_kind(tc, "tbf");
	if (r < 0)
		return sbx_err_set(err, -sbx_tc_nle_to_errno(r), "tc: tbf on %s: %s", ifname,
				   nl_geterror(r));
	/* cell 0: libnl derives the rate-table cell from the MTU, as tc does. */
	rtnl_qdisc_tbf_set_rate(q, (int)tbf->rate, (int)tbf->burst, 0);
	rtnl_qdisc_tbf_set_limit(q, (int)tbf->limit);

	/*
	 * EXCL: a root qdisc we did not put there (there is none on a fresh
	 * veth) must make us fail loudly, not be replaced.
	 */
	r = rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_EXCL, &msg);
	if (r < 0)
		return sbx_err_set(err, -sbx_tc_nle_to_errno(r), "tc: tbf on %s: %s", ifname,
				   nl_geterror(r));

	char what[96];
	snprintf(what, sizeof(what), "%s root tbf rate %s", ifname,
		 sbx_rate_format(tbf->rate, rbuf, sizeof(rbuf)));
	r = sbx_nl_batch_add_raw(b, nlmsg_hdr(msg), what);
	if (r < 0)
		return sbx_err_errno(err, r, "tc: tbf on %s: request does not fit the batch", ifname);
	return 0;
}

static void cls_putp(struct rtnl_cls **c)
{
	if (*c)
		rtnl_cls_put(*c);
}

static void act_putp(struct rtnl_act **a)
{
	if (*a)
		rtnl_act_put(*a);
}

/* libnl's failure as our error, for the request `what` on ifname. */
static int nle_err(struct sbx_error *err, int nle, const char *what, const char *ifname)
{
	return sbx_err_set(err, -sbx_tc_nle_to_errno(nle), "tc: %s on %s: %s", what, ifname, nl_geterror(nle));
}

int sbx_tc_put_ingress_redirect(struct sbx_nl_batch *b, int ifindex, const char *ifname, int to_ifindex,
				const char *to_ifname, struct sbx_error *err)
{
	__attribute__((cleanup(qdisc_putp))) struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	__attribute__((cleanup(cls_putp))) struct rtnl_cls *cls = rtnl_cls_alloc();
	__attribute__((cleanup(act_putp))) struct rtnl_act *act = rtnl_act_alloc();
	__attribute__((cleanup(nlmsg_freep))) struct nl_msg *qmsg = NULL;
	__attribute__((cleanup(nlmsg_freep))) struct nl_msg *fmsg = NULL;
	if (!q || !cls || !act)
		return sbx_err_set(err, ENOMEM, "tc: ingress on %s: out of memory", ifname);

	/* "tc qdisc add dev IFNAME ingress" */
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_INGRESS);
	rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(0xffffU, 0));
	int r = rtnl_tc_set_kind(TC_CAST(q), "ingress");
	if (r < 0 || (r = rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_EXCL, &qmsg)) < 0)
		return nle_err(err, r, "ingress qdisc", ifname);

	/* "tc filter add dev IFNAME parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev TO" */
	rtnl_tc_set_ifindex(TC_CAST(cls), ifindex);
	rtnl_tc_set_parent(TC_CAST(cls), TC_HANDLE(0xffffU, 0));
	if ((r = rtnl_tc_set_kind(TC_CAST(cls), "u32")) < 0)
		return nle_err(err, r, "u32 filter", ifname);
	rtnl_cls_set_protocol(cls, ETH_P_ALL);
	rtnl_cls_set_prio(cls, 1);
	/* match everything; terminal, as tc makes a key with an action: the action decides */
	if ((r = rtnl_u32_add_key_uint32(cls, 0, 0, 0, 0)) < 0 || (r = rtnl_u32_set_cls_terminal(cls)) < 0)
		return nle_err(err, r, "u32 filter", ifname);
	if ((r = rtnl_tc_set_kind(TC_CAST(act), "mirred")) < 0 ||
	    (r = rtnl_mirred_set_action(act, TCA_EGRESS_REDIR)) < 0 ||
	    (r = rtnl_mirred_set_policy(act, TC_ACT_STOLEN)) < 0 ||
	    (r = rtnl_mirred_set_ifindex(act, (uint32_t)to_ifindex)) < 0 || (r = rtnl_u32_add_action(cls, act)) < 0 ||
	    (r = rtnl_cls_build_add_request(cls, NLM_F_CREATE | NLM_F_EXCL, &fmsg)) < 0)
		return nle_err(err, r, "mirred redirect", ifname);

	char what[96];
	snprintf(what, sizeof(what), "%s ingress", ifname);
	if ((r = sbx_nl_batch_add_raw(b, nlmsg_hdr(qmsg), what)) < 0)
		return sbx_err_errno(err, r, "tc: ingress on %s: request does not fit the batch", ifname);
	snprintf(what, sizeof(what), "%s ingress redirect to %s", ifname, to_ifname);
	if ((r = sbx_nl_batch_add_raw(b, nlmsg_hdr(fmsg), what)) < 0)
		return sbx_err_errno(err, r, "tc: ingress on %s: request does not fit the batch", ifname);
	return 0;
}
