/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VU_LIFECYCLE_H
#define VU_LIFECYCLE_H

/*
 * vu-test-lifecycle: port lifecycle tests over any net_virtio_user driver
 * (the driver comes from -d or EAL's PMD directory).  Modes:
 *
 *   reconnect  the backend (a command this app runs, in its own process
 *              group) is SIGKILLed mid-traffic and restarted --cycles times;
 *              each cycle the link must read down, an LSC event arrive, the
 *              link come back and verified echo traffic resume within
 *              --resume-ms of the backend's return, with the number of port
 *              resets the driver asked for (RTE_ETH_EVENT_INTR_RESET) in the
 *              summary.  Afterwards the mbuf pool is full again and the fd
 *              count is what it was before cycle 1.
 *   hotplug    --cycles rounds of hotplug add, start, echo, stop, close,
 *              remove; fds, threads and DPDK heap must end where they began.
 *   secondary  the port runs traffic, stops; a secondary process (this app,
 *              --mode secondary-check) must read the same stats and xstats,
 *              and get 0 with rte_errno ENOTSUP from its bursts.
 *
 * One summary line: VU-LIFECYCLE mode=<m> ... result=PASS|FAIL.  Exit status
 * 0 pass, 1 an expectation failed, 2 usage or setup error.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <rte_mempool.h>

#define VUL_BURST	32u
#define VUL_PKT_LEN	128u
#define VUL_NB_DESC	256u
#define VUL_POOL_SIZE	4095u
/* What the backend's log says once its socket is ready for us. */
#define VUL_READY_MARK	"event=listening"

struct vul_config {
	const char *mode;
	const char *vdev;		/* "name,args" to hotplug */
	const char *backend_cmd;	/* shell command starting the backend */
	const char *backend_log;	/* its output; "event=listening" marks it ready */
	const char *secondary_cmd;	/* shell command running the secondary check */
	const char *port_name;		/* secondary-check: the port to attach to */
	unsigned int cycles;
	unsigned int resume_ms;
	uint64_t expect_opackets;	/* secondary-check */
	uint64_t expect_ipackets;
};

/* A backend process (its own process group, killed with it). */
struct vul_child {
	pid_t pid;
};

/* Traffic state of the one port under test (queue 0). */
struct vul_port {
	uint16_t port_id;
	struct rte_mempool *mp;
	uint32_t next_seq;
	uint64_t tx, rx_good, rx_bad, rx_foreign;
	uint64_t last_good_ns;
	unsigned int bad_reports;
};

/* LSC / RESET events, counted in EAL's interrupt thread. */
struct vul_events {
	unsigned int lsc_down;
	unsigned int lsc_up;
	unsigned int reset;
};

extern struct vul_config vul_cfg;
extern struct vul_events vul_ev;

/* main.c: helpers shared by the modes. */
int vul_child_spawn(struct vul_child *c, const char *cmd, const char *log);
int vul_wait_ready(struct vul_port *p, unsigned int seen, unsigned int ms);
const char *vul_backend_start(struct vul_port *p, struct vul_child *be);
void vul_child_kill(struct vul_child *c);
int vul_port_attach(struct vul_port *p, const char *vdev);
int vul_port_start(struct vul_port *p);
int vul_port_detach(struct vul_port *p);
void vul_port_poll(struct vul_port *p);
int vul_link_status(uint16_t port_id);
int vul_wait_link(struct vul_port *p, int up, unsigned int ms);
unsigned int vul_fd_count(void);
unsigned int vul_thread_count(void);
uint64_t vul_ms_since(uint64_t ns);
unsigned int vul_file_count(const char *path, const char *needle);

int vul_mode_reconnect(void);
int vul_mode_hotplug(void);
int vul_mode_secondary(void);
int vul_mode_secondary_check(void);

#endif /* VU_LIFECYCLE_H */
