/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vu-test-lifecycle: entry point, options, and the helpers every mode uses
 * (backend process, port attach/start/detach, echo traffic, fd counts).
 * The modes are described in lifecycle.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* close_range */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_bus.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "vu_pkt.h"
#include "lifecycle.h"

struct vul_config vul_cfg = { .cycles = 20, .resume_ms = 2000 };
struct vul_events vul_ev;

uint64_t
vul_ms_since(uint64_t ns)
{
	return (vu_now_ns() - ns) / 1000000u;
}

/*
 * Run 'cmd' with /bin/sh in a new process group, output appended to 'log';
 * the child dies with us (PDEATHSIG) and inherits none of our fds.
 */
int
vul_child_spawn(struct vul_child *c, const char *cmd, const char *log)
{
	static char line[4096];
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, STDIN_FILENO);
		close_range(3, ~0u, 0);
		/* exec: the command itself is our child, PDEATHSIG and all. */
		snprintf(line, sizeof(line), "exec %s", cmd);
		execl("/bin/sh", "sh", "-c", line, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);	/* also here: no race with the kill below */
	c->pid = pid;
	return 0;
}

void
vul_child_kill(struct vul_child *c)
{
	if (c->pid <= 0)
		return;
	kill(-c->pid, SIGKILL);
	while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
		;
	c->pid = 0;
}

/* Lines of 'path' containing 'needle' (0 if it cannot be read). */
unsigned int
vul_file_count(const char *path, const char *needle)
{
	char line[512];
	unsigned int n = 0;
	FILE *f = fopen(path, "re");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

static unsigned int
vul_dir_count(const char *path)
{
	unsigned int n = 0;
	struct dirent *e;
	DIR *d = opendir(path);

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the DIR's own fd, or nothing for tasks */
}

unsigned int
vul_fd_count(void)
{
	return vul_dir_count("/proc/self/fd");
}

unsigned int
vul_thread_count(void)
{
	return vul_dir_count("/proc/self/task") + 1;
}

static int
vul_event_cb(uint16_t port_id, enum rte_eth_event_type type, void *arg, void *ret_param)
{
	struct rte_eth_link link;

	(void)arg;
	(void)ret_param;
	if (type == RTE_ETH_EVENT_INTR_RESET) {
		__atomic_fetch_add(&vul_ev.reset, 1, __ATOMIC_RELEASE);
		return 0;
	}
	if (rte_eth_link_get_nowait(port_id, &link) == 0 && link.link_status)
		__atomic_fetch_add(&vul_ev.lsc_up, 1, __ATOMIC_RELEASE);
	else
		__atomic_fetch_add(&vul_ev.lsc_down, 1, __ATOMIC_RELEASE);
	return 0;
}

int
vul_link_status(uint16_t port_id)
{
	struct rte_eth_link link;

	if (rte_eth_link_get_nowait(port_id, &link) != 0)
		return -1;
	return link.link_status;
}

/* Poll traffic until the link reads 'up' (1) or down (0); -ETIMEDOUT. */
int
vul_wait_link(struct vul_port *p, int up, unsigned int ms)
{
	uint64_t t0 = vu_now_ns();

	while (vul_ms_since(t0) < ms) {
		if (vul_link_status(p->port_id) == up)
			return 0;
		vul_port_poll(p);
	}
	return -ETIMEDOUT;
}

/* Hotplug the vdev and find its port. */
int
vul_port_attach(struct vul_port *p, const char *vdev)
{
	char name[RTE_DEV_NAME_MAX_LEN];
	const char *comma = strchr(vdev, ',');
	size_t len = comma ? (size_t)(comma - vdev) : strlen(vdev);
	int ret;

	if (len >= sizeof(name))
		return -ENAMETOOLONG;
	memcpy(name, vdev, len);
	name[len] = '\0';
	ret = rte_eal_hotplug_add("vdev", name, comma ? comma + 1 : "");
	if (ret < 0)
		return ret;
	return rte_eth_dev_get_port_by_name(name, &p->port_id);
}

/* Configure with LSC interrupts, one queue pair, and start. */
int
vul_port_start(struct vul_port *p)
{
	struct rte_eth_conf conf = { .intr_conf = { .lsc = 1 } };
	struct rte_eth_rxconf rxc = { 0 };
	struct rte_eth_txconf txc = { 0 };
	int ret;

	ret = rte_eth_dev_configure(p->port_id, 1, 1, &conf);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(p->port_id, 0, VUL_NB_DESC, rte_socket_id(), &rxc,
					     p->mp);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(p->port_id, 0, VUL_NB_DESC, rte_socket_id(), &txc);
	if (ret == 0)
		ret = rte_eth_dev_start(p->port_id);
	return ret;
}

int
vul_port_detach(struct vul_port *p)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	int ret;

	ret = rte_eth_dev_get_name_by_port(p->port_id, name);
	if (ret == 0)
		ret = rte_eth_dev_stop(p->port_id);
	if (ret == 0)
		ret = rte_eth_dev_close(p->port_id);
	if (ret == 0)
		ret = rte_eal_hotplug_remove("vdev", name);
	return ret;
}

static void
vul_rx_check(struct vul_port *p, struct rte_mbuf *m)
{
	struct vu_pkt_info info;
	char why[VU_PKT_WHY_LEN];

	if (!vu_pkt_is_ours(m)) {
		p->rx_foreign++;
	} else if (vu_pkt_verify(m, &info, why, sizeof(why)) < 0 ||
		   info.gen != VU_GEN_FRONTEND) {
		p->rx_bad++;
		if (p->bad_reports++ < 8)
			printf("VU-LIFECYCLE bad packet: %s\n", why);
	} else {
		p->rx_good++;
		p->last_good_ns = vu_now_ns();
	}
	rte_pktmbuf_free(m);
}

/*
 * One round of echo traffic on queue 0: a burst out (what the ring does not
 * take is freed, its sequence numbers reused), a burst in, every byte of it
 * checked.  Paced so that two such apps and two backends share two cores.
 */
void
vul_port_poll(struct vul_port *p)
{
	struct rte_mbuf *pkts[VUL_BURST];
	uint16_t n = 0, sent, i;
	int err;

	for (n = 0; n < VUL_BURST; n++) {
		pkts[n] = vu_pkt_build(p->mp, VU_GEN_FRONTEND, p->next_seq + n, VUL_PKT_LEN, 1,
				       &err);
		if (pkts[n] == NULL)
			break;
	}
	sent = rte_eth_tx_burst(p->port_id, 0, pkts, n);
	p->next_seq += sent;
	p->tx += sent;
	for (i = sent; i < n; i++)
		rte_pktmbuf_free(pkts[i]);
	n = rte_eth_rx_burst(p->port_id, 0, pkts, VUL_BURST);
	for (i = 0; i < n; i++)
		vul_rx_check(p, pkts[i]);
	rte_delay_us_sleep(200);
}

static void
vul_usage(void)
{
	fprintf(stderr, "usage: vu-test-lifecycle [EAL args] -- --mode reconnect|hotplug|"
		"secondary|secondary-check\n"
		"  --vdev NAME,ARGS        port to hotplug (all but secondary-check)\n"
		"  --backend-cmd CMD       shell command starting the backend\n"
		"  --backend-log PATH      its output ('event=listening' = ready)\n"
		"  --cycles N              kill/restart or hotplug cycles (20)\n"
		"  --resume-ms MS          backend ready -> verified traffic bound (2000)\n"
		"  --secondary-cmd CMD     shell command running the secondary check\n"
		"  --port-name NAME --expect-opackets N --expect-ipackets N  (secondary-check)\n");
}

static int
vul_parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "vdev", required_argument, NULL, 'v' },
		{ "backend-cmd", required_argument, NULL, 'b' },
		{ "backend-log", required_argument, NULL, 'l' },
		{ "secondary-cmd", required_argument, NULL, 's' },
		{ "port-name", required_argument, NULL, 'p' },
		{ "cycles", required_argument, NULL, 'c' },
		{ "resume-ms", required_argument, NULL, 'r' },
		{ "expect-opackets", required_argument, NULL, 'o' },
		{ "expect-ipackets", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct vul_config *c = &vul_cfg;
	uint64_t v = 0;
	int opt, ret = 0;

	while (ret == 0 && (opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'm': c->mode = optarg; break;
		case 'v': c->vdev = optarg; break;
		case 'b': c->backend_cmd = optarg; break;
		case 'l': c->backend_log = optarg; break;
		case 's': c->secondary_cmd = optarg; break;
		case 'p': c->port_name = optarg; break;
		case 'c':
			ret = vu_parse_u64(optarg, 1, 100000, &v);
			c->cycles = (unsigned int)v;
			break;
		case 'r':
			ret = vu_parse_u64(optarg, 1, 600000, &v);
			c->resume_ms = (unsigned int)v;
			break;
		case 'o': ret = vu_parse_u64(optarg, 0, UINT64_MAX, &c->expect_opackets); break;
		case 'i': ret = vu_parse_u64(optarg, 0, UINT64_MAX, &c->expect_ipackets); break;
		default: ret = -EINVAL; break;
		}
	}
	if (ret == 0 && (c->mode == NULL || optind != argc))
		ret = -EINVAL;
	return ret;
}

static int
vul_run(void)
{
	const char *m = vul_cfg.mode;
	bool need_port = strcmp(m, "secondary-check") != 0;

	if (need_port && (vul_cfg.vdev == NULL || vul_cfg.backend_cmd == NULL ||
			  vul_cfg.backend_log == NULL)) {
		fprintf(stderr, "vu-test-lifecycle: --vdev, --backend-cmd and --backend-log"
			" are required in mode %s\n", m);
		return 2;
	}
	if (need_port && rte_eth_dev_callback_register(RTE_ETH_ALL, RTE_ETH_EVENT_INTR_LSC,
						       vul_event_cb, NULL) != 0)
		return 2;
	if (need_port && rte_eth_dev_callback_register(RTE_ETH_ALL, RTE_ETH_EVENT_INTR_RESET,
						       vul_event_cb, NULL) != 0)
		return 2;
	if (strcmp(m, "reconnect") == 0)
		return vul_mode_reconnect();
	if (strcmp(m, "hotplug") == 0)
		return vul_mode_hotplug();
	if (strcmp(m, "secondary") == 0)
		return vul_mode_secondary();
	if (strcmp(m, "secondary-check") == 0)
		return vul_mode_secondary_check();
	fprintf(stderr, "vu-test-lifecycle: unknown mode '%s'\n", m);
	return 2;
}

int
main(int argc, char **argv)
{
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "vu-test-lifecycle: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return 2;
	}
	argc -= ret;
	argv += ret;
	argv[0] = (char *)"vu-test-lifecycle";
	if (vul_parse_args(argc, argv) < 0) {
		vul_usage();
		rte_eal_cleanup();
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = vul_run();
	rte_eal_cleanup();
	return ret;
}

/*
 * Wait until the backend's log has more than 'seen' ready marks, polling
 * port p meanwhile when not NULL.  0, or -ETIMEDOUT after 'ms'.
 */
int
vul_wait_ready(struct vul_port *p, unsigned int seen, unsigned int ms)
{
	uint64_t t0 = vu_now_ns();

	while (vul_ms_since(t0) < ms) {
		if (vul_file_count(vul_cfg.backend_log, VUL_READY_MARK) > seen)
			return 0;
		if (p != NULL)
			vul_port_poll(p);
		else
			rte_delay_us_sleep(1000);
	}
	return -ETIMEDOUT;
}

/* The mbuf pool, then the backend started and ready; NULL, or why not. */
const char *
vul_backend_start(struct vul_port *p, struct vul_child *be)
{
	p->mp = rte_pktmbuf_pool_create("vul_pool", VUL_POOL_SIZE, 0, 0,
					RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (p->mp == NULL)
		return "cannot create the mbuf pool";
	if (vul_child_spawn(be, vul_cfg.backend_cmd, vul_cfg.backend_log) < 0)
		return "cannot start the backend";
	if (vul_wait_ready(NULL, 0, 20000) < 0)
		return "the backend never became ready";
	return NULL;
}
