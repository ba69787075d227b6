/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_clock: change the host's clocks. settimeofday, clock_settime,
 * adjtimex and clock_adjtime with any mode need CAP_SYS_TIME on the host
 * (EPERM); a time namespace of our own needs CAP_SYS_ADMIN (EPERM) and
 * writing /proc/self/timens_offsets needs CAP_SYS_TIME (EPERM). Only the current time
 * is ever written (on a broken sandbox the host would lose microseconds,
 * not hours); the driver compares the host's boot time (realtime minus
 * boottime) before and after. Reading the clocks (adjtimex modes 0) is
 * allowed and is not an attack.
 */
#include "atk.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

int main(void)
{
	struct timeval tv;
	struct timespec ts;
	gettimeofday(&tv, NULL);
	ATK_EXPECT_ERR("settimeofday(now)", settimeofday(&tv, NULL), EPERM);
	clock_gettime(CLOCK_REALTIME, &ts);
	ATK_EXPECT_ERR("clock_settime(CLOCK_REALTIME, now)", clock_settime(CLOCK_REALTIME, &ts), EPERM);
	clock_gettime(CLOCK_TAI, &ts);
	ATK_EXPECT_ERR("clock_settime(CLOCK_TAI, now)", clock_settime(CLOCK_TAI, &ts), EPERM, EINVAL);

	struct timex tx = {0};
	if (adjtimex(&tx) < 0)
		atk_note("adjtimex(read): %s", atk_errname(errno));
	long freq = tx.freq, tick = tx.tick;
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_FREQUENCY;
	tx.freq = freq;
	ATK_EXPECT_ERR("adjtimex(ADJ_FREQUENCY, unchanged value)", adjtimex(&tx), EPERM);
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_TICK;
	tx.tick = tick;
	ATK_EXPECT_ERR("adjtimex(ADJ_TICK, unchanged value)", adjtimex(&tx), EPERM);
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_OFFSET_SINGLESHOT;
	ATK_EXPECT_ERR("adjtimex(ADJ_OFFSET_SINGLESHOT, 0)", adjtimex(&tx), EPERM);
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_SETOFFSET | ADJ_NANO;
	ATK_EXPECT_ERR("clock_adjtime(CLOCK_REALTIME, ADJ_SETOFFSET 0)", clock_adjtime(CLOCK_REALTIME, &tx), EPERM);
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_STATUS;
	tx.status = 0;
	ATK_EXPECT_ERR("adjtimex(ADJ_STATUS)", adjtimex(&tx), EPERM);

	ATK_EXPECT_ERR("unshare(CLONE_NEWTIME)", unshare(CLONE_NEWTIME), EPERM);
	/* the offsets of our time namespace: writing needs CAP_SYS_TIME over its owner */
	int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ATK_EXPECT_ERR("open(/proc/self/timens_offsets, O_WRONLY)", fd, EACCES, ENOENT);
	} else {
		static const char off[] = "monotonic 86400 0\n";
		ATK_EXPECT_ERR("write(/proc/self/timens_offsets, +1 day)", write(fd, off, sizeof(off) - 1), EPERM, EACCES);
		close(fd);
	}
	ATK_EXPECT_ERR_FD("open(/dev/rtc0)", open("/dev/rtc0", O_RDWR), ENOENT);
	return atk_finish("atk_clock");
}
