/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_HARNESS_H
#define TEST_HARNESS_H

/*
 * What the in-process unit tests (rings, control queue, resume) share: a
 * CHECK that counts and reports without stopping the run, and EAL started
 * for memory only (no shared config, no hugepages, one lcore), torn down
 * with its runtime directory at the end.  Each test is one translation unit,
 * so the counters live here.
 */

#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>

static unsigned int checks;
static unsigned int failures;

#define CHECK(cond) do { \
	checks++; \
	if (!(cond)) { \
		failures++; \
		printf("FAIL %s:%d: %s\n", __func__, __LINE__, #cond); \
	} \
} while (0)

/* rte_eal_init for memory only; 'prefix' names the run, 'log' is a --log-level value. */
static inline int
th_eal_init(const char *argv0, const char *prefix, const char *log)
{
	char *eal[] = { (char *)(uintptr_t)argv0, "--no-shconf", "--file-prefix",
			(char *)(uintptr_t)prefix, "--no-huge", "-m", "64", "--no-pci",
			"--no-telemetry", "-l", "0", "--log-level", (char *)(uintptr_t)log, NULL };

	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		printf("EAL init failed\n");
		return -1;
	}
	return 0;
}

/* Print the totals, stop EAL, remove its (empty) runtime dir; the exit status. */
static inline int
th_finish(void)
{
	char rundir[PATH_MAX];

	printf("%s: %u checks, %u failures\n", failures ? "FAIL" : "PASS", checks, failures);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(rundir);
	return failures == 0 ? 0 : 1;
}

#endif /* TEST_HARNESS_H */
