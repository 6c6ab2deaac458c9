/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vu-bench-placement: how far apart two CPUs are, as the time one cache line
 * takes to go there and back.  Two threads pinned to CPU A and CPU B
 * (default 0 and 1) hand a counter back and forth; the program prints
 *
 *   PLACEMENT cpus=<a>,<b> rtt_ns=<median> min_ns=<min> max_ns=<max>
 *
 * over --samples samples of --rounds round trips each.  On a VM whose vCPUs
 * migrate between hyperthreads/cores of one socket and different sockets the
 * median separates the placements (e.g. ~80 ns near, ~350 ns far); the
 * benchmark compares only windows measured in the same placement.
 *
 * Both CPUs must be otherwise idle: a busy peer turns round trips into
 * scheduler time slices.  A sample that exceeds --limit-ms aborts with exit
 * status 1 ("CPU busy").  Exit status 2: usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PL_MAX_SAMPLES 64u

struct pl_shared {
	/* Odd: the ping side wrote it; even: the pong side answered. */
	_Alignas(64) uint64_t turn;
	_Alignas(64) int stop;
	int cpu_pong;
};

static uint64_t
pl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
pl_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Answers every odd value with the next even one until told to stop. */
static void *
pl_pong(void *arg)
{
	struct pl_shared *sh = arg;
	uint64_t t;

	if (pl_pin(sh->cpu_pong) != 0)
		return (void *)1;
	while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) {
		t = __atomic_load_n(&sh->turn, __ATOMIC_ACQUIRE);
		if (t & 1)
			__atomic_store_n(&sh->turn, t + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* 'rounds' round trips; ns per round trip, or 0 when over 'limit_ns'. */
static double
pl_sample(struct pl_shared *sh, unsigned int rounds, uint64_t limit_ns)
{
	uint64_t start = pl_now_ns(), t;
	unsigned int i;

	for (i = 0; i < rounds; i++) {
		t = __atomic_load_n(&sh->turn, __ATOMIC_RELAXED) + 1;
		__atomic_store_n(&sh->turn, t, __ATOMIC_RELEASE);
		while (__atomic_load_n(&sh->turn, __ATOMIC_ACQUIRE) == t)
			if ((i & 0xff) == 0 && pl_now_ns() - start > limit_ns)
				return 0;
	}
	return (double)(pl_now_ns() - start) / rounds;
}

static int
pl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
pl_arg(const char *s, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno != 0 || end == s || *end != '\0' || *out < lo || *out > hi ? -EINVAL : 0;
}

int
main(int argc, char **argv)
{
	static struct pl_shared sh;
	long cpu_a = 0, cpu_b = 1, samples = 9, rounds = 20000, limit_ms = 2000;
	double ns[PL_MAX_SAMPLES];
	void *pong_rc = NULL;
	pthread_t th;
	int i, rc = 0;

	for (i = 1; i + 1 < argc && rc == 0; i += 2) {
		if (strcmp(argv[i], "--cpus") == 0 && sscanf(argv[i + 1], "%ld,%ld",
							    &cpu_a, &cpu_b) == 2)
			continue;
		if (strcmp(argv[i], "--samples") == 0)
			rc = pl_arg(argv[i + 1], 1, PL_MAX_SAMPLES, &samples);
		else if (strcmp(argv[i], "--rounds") == 0)
			rc = pl_arg(argv[i + 1], 100, 10000000, &rounds);
		else if (strcmp(argv[i], "--limit-ms") == 0)
			rc = pl_arg(argv[i + 1], 1, 60000, &limit_ms);
		else
			rc = -EINVAL;
	}
	if (rc != 0 || i != argc || cpu_a < 0 || cpu_b < 0 || cpu_a == cpu_b) {
		fprintf(stderr, "usage: %s [--cpus A,B] [--samples N] [--rounds N] "
			"[--limit-ms N]\n", argv[0]);
		return 2;
	}
	sh.cpu_pong = (int)cpu_b;
	rc = pl_pin((int)cpu_a);
	if (rc == 0)
		rc = -pthread_create(&th, NULL, pl_pong, &sh);
	if (rc != 0) {
		fprintf(stderr, "placement: cannot run on cpus %ld,%ld: %s\n", cpu_a, cpu_b,
			strerror(-rc));
		return 2;
	}
	for (i = 0; i < samples && rc == 0; i++) {
		ns[i] = pl_sample(&sh, (unsigned int)rounds, (uint64_t)limit_ms * 1000000u);
		if (ns[i] == 0)
			rc = 1;
	}
	__atomic_store_n(&sh.stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, &pong_rc);
	if (pong_rc != NULL) {
		fprintf(stderr, "placement: cannot run on cpu %ld\n", cpu_b);
		return 2;
	}
	if (rc != 0) {
		fprintf(stderr, "placement: a sample took over %ld ms: CPU busy\n", limit_ms);
		return 1;
	}
	qsort(ns, (size_t)samples, sizeof(ns[0]), pl_cmp);
	printf("PLACEMENT cpus=%ld,%ld rtt_ns=%.1f min_ns=%.1f max_ns=%.1f\n", cpu_a, cpu_b,
	       ns[samples / 2], ns[0], ns[samples - 1]);
	return 0;
}
