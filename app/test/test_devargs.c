/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL-free unit test of the net_virtio_user devargs parser: one case per
 * rejection class, acceptance of every key, defaults, the PARAM_STRING
 * against the key table, and backend detection against a real unix socket
 * and char devices whose sysfs identity is faked under a temp dir.
 *
 * Build: cc -I drivers/net/virtio/virtio_user app/test/test_devargs.c \
 *        drivers/net/virtio/virtio_user/virtio_user_args.c
 * Output: "ok N - name" / "not ok N - name: ..." per case, then a summary;
 * the exit status is non-zero if any case failed.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "virtio_user_args.h"

#define DIM(a)		(sizeof(a) / sizeof((a)[0]))
#define ERR_LEN		512
#define ARGS_LEN	16384

/*
 * args and expect may hold @NAME@ placeholders (see fixture_subst()).
 * ret == 0: expect lists "key=value" tokens the parsed config must show;
 * ret != 0: expect is a substring of the one-line message.
 */
struct tcase {
	const char *name;
	const char *args;		/* NULL: pass NULL */
	int ret;
	const char *expect;
	int real_sysfs;			/* detect with /sys, not the fake tree */
};

#define DEFAULTS "backend=vhost-user mac=none cq=0 queue_size=256 queues=1 iface=none " \
	"server=0 mrg_rxbuf=1 in_order=1 packed_vq=0 speed=none vectorized=0"
#define QS_HINT "(split ring: a power of two from 2 to 32768; packed ring: 1 to 32768)"

static const struct tcase cases[] = {
	/* defaults and acceptance */
	{ "defaults, vhost-user socket", "path=@SOCK@", 0, "path=@SOCK@ " DEFAULTS, 0 },
	{ "path not there yet is vhost-user", "path=@NEW@", 0,
		"path=@NEW@ backend=vhost-user", 0 },
	{ "relative path not there yet", "path=no-such-test-sock", 0, "backend=vhost-user", 0 },
	{ "every key, vhost-kernel",
		"path=@NET@,mac=52:54:00:AB:cd:01,cq=1,queue_size=1024,queues=4,iface=tap0,"
		"server=0,mrg_rxbuf=0,in_order=0,packed_vq=1,speed=25000,vectorized=1", 0,
		"path=@NET@ backend=vhost-kernel mac=52:54:00:ab:cd:01 cq=1 queue_size=1024 "
		"queues=4 iface=tap0 server=0 mrg_rxbuf=0 in_order=0 packed_vq=1 speed=25000 "
		"vectorized=1", 0 },
	{ "every key, other order, vhost-user server",
		"vectorized=0,speed=10,packed_vq=0,in_order=1,mrg_rxbuf=1,server=1,queues=128,"
		"queue_size=32768,cq=1,mac=02:00:00:00:00:01,path=@SOCK@", 0,
		"backend=vhost-user server=1 queues=128 cq=1 queue_size=32768 speed=10 "
		"mac=02:00:00:00:00:01 packed_vq=0", 0 },
	{ "vhost-vdpa char device", "path=@VDPA@,queues=2", 0,
		"backend=vhost-vdpa queues=2 cq=1", 0 },
	{ "queues>1 without cq turns cq on", "path=@SOCK@,queues=2", 0, "queues=2 cq=1", 0 },
	{ "cq=1 with one queue", "path=@SOCK@,cq=1", 0, "queues=1 cq=1", 0 },
	{ "packed ring takes any size", "path=@SOCK@,packed_vq=1,queue_size=300", 0,
		"packed_vq=1 queue_size=300", 0 },
	{ "packed ring, size first", "queue_size=1,path=@SOCK@,packed_vq=1", 0,
		"packed_vq=1 queue_size=1", 0 },
	{ "split ring smallest size", "path=@SOCK@,queue_size=2", 0, "queue_size=2", 0 },
	{ "iface of 15 chars and %d", "path=@NET@,iface=abcdefghijk%d12", 0,
		"iface=abcdefghijk%d12", 0 },
	{ "server=0 on vhost-kernel", "path=@NET@,server=0", 0, "server=0", 0 },
	{ "'=' inside the path", "path=@TMP@/a=b", 0, "path=@TMP@/a=b backend=vhost-user", 0 },
	{ "vhost-user path of 107 bytes", "path=@LONG107@", 0, "backend=vhost-user", 0 },
	{ "speed 200000", "path=@SOCK@,speed=200000", 0, "speed=200000", 0 },

	/* syntax */
	{ "no args at all", NULL, -EINVAL, "path: missing, it is required", 0 },
	{ "empty args", "", -EINVAL, "path: missing, it is required", 0 },
	{ "missing path", "queues=2", -EINVAL, "path: missing, it is required (accepted: ", 0 },
	{ "unknown key", "path=@SOCK@,foo=1", -EINVAL,
		"foo=1: unknown key (accepted keys: path mac cq queue_size queues iface server "
		"mrg_rxbuf in_order packed_vq speed vectorized)", 0 },
	{ "key case matters", "PATH=@SOCK@", -EINVAL, "unknown key", 0 },
	{ "duplicate key", "path=@SOCK@,queues=2,queues=2", -EINVAL,
		"queues=2: duplicate key (accepted: each key once)", 0 },
	{ "duplicate path", "path=@SOCK@,path=@SOCK@", -EINVAL, "duplicate key", 0 },
	{ "key without '='", "path=@SOCK@,queues", -EINVAL,
		"queues: no '=value' (accepted: queues=<1 to 128>)", 0 },
	{ "empty value", "path=@SOCK@,queues=", -EINVAL,
		"queues=: empty value (accepted: queues=<1 to 128>)", 0 },
	{ "empty path", "path=", -EINVAL, "path=: empty value", 0 },
	{ "empty key", "path=@SOCK@,=3", -EINVAL, "=3: empty key", 0 },
	{ "empty item", "path=@SOCK@,,queues=2", -EINVAL, "empty item between commas", 0 },
	{ "trailing comma", "path=@SOCK@,", -EINVAL, "empty item between commas", 0 },

	/* integers */
	{ "non-numeric", "path=@SOCK@,queues=abc", -EINVAL,
		"queues=abc: not a decimal number (accepted: 1 to 128)", 0 },
	{ "trailing junk", "path=@SOCK@,queues=12abc", -EINVAL,
		"queues=12abc: junk after the number (accepted: 1 to 128)", 0 },
	{ "trailing blank", "path=@SOCK@,queues=2 ", -EINVAL, "junk after the number", 0 },
	{ "leading blank", "path=@SOCK@,queues= 2", -EINVAL, "not a decimal number", 0 },
	{ "leading plus", "path=@SOCK@,queues=+2", -EINVAL,
		"queues=+2: a sign is not accepted", 0 },
	{ "negative", "path=@SOCK@,queues=-1", -EINVAL,
		"queues=-1: negative values are not accepted (accepted: 1 to 128)", 0 },
	{ "hexadecimal", "path=@SOCK@,queue_size=0x100", -EINVAL,
		"queue_size=0x100: hexadecimal is not accepted, decimal only "
		"(accepted: split ring", 0 },
	{ "octal-looking", "path=@SOCK@,queue_size=0256", -EINVAL,
		"queue_size=0256: leading zero is not accepted, decimal only (no octal)", 0 },
	{ "overflow", "path=@SOCK@,queues=99999999999999999999999", -EINVAL,
		"queues=99999999999999999999999: above the maximum 128", 0 },
	{ "2^32 does not wrap to 0", "path=@SOCK@,queue_size=4294967296", -EINVAL,
		"queue_size=4294967296: above the maximum 32768", 0 },
	{ "queues=0", "path=@SOCK@,queues=0", -EINVAL,
		"queues=0: below the minimum 1 (accepted: 1 to 128)", 0 },
	{ "queues=129", "path=@SOCK@,queues=129", -EINVAL,
		"queues=129: above the maximum 128 (accepted: 1 to 128)", 0 },
	{ "queue_size=0", "path=@SOCK@,queue_size=0", -EINVAL,
		"queue_size=0: below the minimum 1 (accepted: split ring: a power of two from 2 "
		"to 32768; packed ring: 1 to 32768)", 0 },
	{ "queue_size=65536", "path=@SOCK@,packed_vq=1,queue_size=65536", -EINVAL,
		"queue_size=65536: above the maximum 32768", 0 },
	{ "split queue_size not a power of two", "path=@SOCK@,queue_size=300", -EINVAL,
		"queue_size=300: not a power of two " QS_HINT, 0 },
	{ "split queue_size, ring given after", "queue_size=300,path=@SOCK@,packed_vq=0",
		-EINVAL, "queue_size=300: not a power of two", 0 },
	{ "split queue_size=1", "path=@SOCK@,queue_size=1", -EINVAL,
		"queue_size=1: too small for a split ring " QS_HINT, 0 },

	/* bools */
	{ "bool 2", "path=@SOCK@,cq=2", -EINVAL, "cq=2: not a boolean (accepted: 0 or 1)", 0 },
	{ "bool word", "path=@SOCK@,mrg_rxbuf=true", -EINVAL,
		"mrg_rxbuf=true: not a boolean (accepted: 0 or 1)", 0 },
	{ "bool 01", "path=@SOCK@,in_order=01", -EINVAL, "in_order=01: not a boolean", 0 },
	{ "bool -1", "path=@SOCK@,packed_vq=-1", -EINVAL, "packed_vq=-1: not a boolean", 0 },
	{ "bool vectorized=yes", "path=@SOCK@,vectorized=yes", -EINVAL,
		"vectorized=yes: not a boolean", 0 },
	{ "bool server=on", "path=@SOCK@,server=on", -EINVAL, "server=on: not a boolean", 0 },

	/* cq */
	{ "queues>1 with cq=0", "path=@SOCK@,queues=4,cq=0", -EINVAL,
		"cq=0: queues>1 needs the control queue (queues=4; accepted: cq=1, or no cq key)",
		0 },
	{ "cq=0 before queues>1", "cq=0,path=@SOCK@,queues=2", -EINVAL,
		"cq=0: queues>1 needs the control queue", 0 },

	/* mac */
	{ "mac short", "path=@SOCK@,mac=00:11:22:33:44", -EINVAL,
		"mac=00:11:22:33:44: not a MAC address (accepted: a unicast address as six hex "
		"pairs xx:xx:xx:xx:xx:xx)", 0 },
	{ "mac bad digit", "path=@SOCK@,mac=02:11:22:33:44:5g", -EINVAL,
		"mac=02:11:22:33:44:5g: not a MAC address", 0 },
	{ "mac single digits", "path=@SOCK@,mac=2:1:2:3:4:5", -EINVAL, "not a MAC address", 0 },
	{ "mac dashes", "path=@SOCK@,mac=02-11-22-33-44-55", -EINVAL,
		"not a MAC address", 0 },
	{ "mac multicast", "path=@SOCK@,mac=01:00:5e:00:00:01", -EINVAL,
		"mac=01:00:5e:00:00:01: multicast address, the group bit of the first octet is set "
		"(accepted: a unicast", 0 },
	{ "mac broadcast", "path=@SOCK@,mac=ff:ff:ff:ff:ff:ff", -EINVAL,
		"multicast address", 0 },
	{ "mac zero", "path=@SOCK@,mac=00:00:00:00:00:00", -EINVAL, "all-zero address", 0 },

	/* iface */
	{ "iface too long", "path=@NET@,iface=abcdefghijklmnop", -EINVAL,
		"iface=abcdefghijklmnop: too long (accepted: 1 to 15 characters", 0 },
	{ "iface slash", "path=@NET@,iface=a/b", -EINVAL, "iface=a/b: contains '/' or ':'", 0 },
	{ "iface colon", "path=@NET@,iface=tap:0", -EINVAL, "contains '/' or ':'", 0 },
	{ "iface blank", "path=@NET@,iface=tap 0", -EINVAL,
		"iface=tap 0: contains whitespace", 0 },
	{ "iface dot", "path=@NET@,iface=.", -EINVAL, "'.' and '..' are not", 0 },
	{ "iface on vhost-user", "path=@SOCK@,iface=tap0", -EINVAL,
		"iface=tap0: only for the vhost-kernel backend (path=@SOCK@ is vhost-user)", 0 },
	{ "iface on vhost-vdpa", "path=@VDPA@,iface=tap0", -EINVAL,
		"iface=tap0: only for the vhost-kernel backend (path=@VDPA@ is vhost-vdpa)", 0 },

	/* server */
	{ "server=1 on vhost-kernel", "path=@NET@,server=1", -EINVAL,
		"server=1: only for the vhost-user backend (path=@NET@ is vhost-kernel)", 0 },
	{ "server=1 on vhost-vdpa", "server=1,path=@VDPA@", -EINVAL,
		"server=1: only for the vhost-user backend", 0 },

	/* speed */
	{ "speed not a link speed", "path=@SOCK@,speed=12345", -EINVAL,
		"speed=12345: not an ethdev link speed (accepted: 10 100 1000 2500 5000 10000 "
		"20000 25000 40000 50000 56000 100000 200000 (Mbps))", 0 },
	{ "speed 0", "path=@SOCK@,speed=0", -EINVAL, "speed=0: not an ethdev link speed", 0 },
	{ "speed 400000 (not in 22.11)", "path=@SOCK@,speed=400000", -EINVAL,
		"not an ethdev link speed", 0 },
	{ "speed junk", "path=@SOCK@,speed=10G", -EINVAL, "speed=10G: junk after the number", 0 },

	/* path and backend detection */
	{ "path longer than PATH_MAX-1", "path=@LONG4096@", -EINVAL,
		": too long, 4096 bytes (accepted: ", 0 },
	{ "vhost-user path of 108 bytes", "path=@LONG108@", -EINVAL,
		": too long for a unix socket, 108 bytes (accepted: at most 107 bytes for "
		"vhost-user)", 0 },
	{ "directory missing", "path=@NODIR@", -ENOENT,
		"path=@NODIR@: directory @TMP@/nodir does not exist", 0 },
	{ "regular file", "path=@FILE@", -ENOTSUP,
		"path=@FILE@: a regular file is not a vhost backend (accepted: a vhost-user "
		"socket path, /dev/vhost-net or /dev/vhost-vdpa-<n>)", 0 },
	{ "directory", "path=@TMP@", -ENOTSUP, "path=@TMP@: a directory is not a vhost", 0 },
	{ "fifo", "path=@FIFO@", -ENOTSUP, "a FIFO is not a vhost backend", 0 },
	{ "through a file", "path=@FILE@/x", -ENOTDIR,
		"path=@FILE@/x: cannot stat: Not a directory", 0 },
	{ "other char device (faked)", "path=@FULL@", -ENOTSUP,
		"(full) is not a vhost device (accepted: ", 0 },
	{ "char device without sysfs entry", "path=@NOSYS@", -ENODEV,
		"path=@NOSYS@: no driver serves char device 1:9 (is its kernel module, "
		"vhost_net or vhost_vdpa, loaded?)", 0 },
	{ "vhost-vdpa named by its sysfs link (no DEVNAME in uevent)", "path=@VDPALINK@", 0,
		"backend=vhost-vdpa", 0 },
	{ "missing /dev/vhost-vdpa-<n>", "path=/dev/vhost-vdpa-97", -ENODEV,
		"path=/dev/vhost-vdpa-97: no such device (load the vhost_vdpa kernel module "
		"and create a vDPA device with 'vdpa dev add')", 0 },
	{ "/dev/null with the real sysfs", "path=/dev/null", -ENOTSUP,
		"path=/dev/null: char device 1:3 (null) is not a vhost device", 1 },

	/* echo */
	{ "control char echoed as ?", "path=@SOCK@,queues=1\x01", -EINVAL,
		"queues=1?: junk after the number", 0 },
	{ "long value cut", "path=@SOCK@,x=@LONG4096@", -EINVAL,
		"...: unknown key", 0 },
};

/* Placeholders -> paths of the fixture. */
struct fixture {
	char tmp[64];
	char sysroot[128];
	int sock_fd;
	struct { const char *name; char value[4200]; } subst[16];
	unsigned int nb_subst;
};

static struct fixture fx = { .sock_fd = -1 };

static void
fixture_add(const char *name, const char *dir, const char *file)
{
	snprintf(fx.subst[fx.nb_subst].value, sizeof(fx.subst[0].value), "%s%s", dir, file);
	fx.subst[fx.nb_subst++].name = name;
}

static int
fixture_subst(const char *in, char *out, size_t size)
{
	size_t pos = 0, n;
	unsigned int i;

	while (*in != '\0') {
		for (i = 0; i < fx.nb_subst; i++) {
			n = strlen(fx.subst[i].name);
			if (strncmp(in, fx.subst[i].name, n) == 0)
				break;
		}
		if (i < fx.nb_subst) {
			pos += (size_t)snprintf(out + pos, size - pos, "%s", fx.subst[i].value);
			in += n;
		} else if (pos + 1 < size) {
			out[pos++] = *in++;
			out[pos] = '\0';
		}
		if (pos + 1 >= size)
			return -1;
	}
	out[pos] = '\0';
	return 0;
}

static int
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* <sysroot>/dev/char/M:m/uevent naming the device as DEVNAME. */
static int
fake_sysfs(const char *dev, const char *devname)
{
	char dir[256], file[300], text[128];
	struct stat st;

	if (stat(dev, &st) != 0 || !S_ISCHR(st.st_mode))
		return -1;
	snprintf(dir, sizeof(dir), "%s/dev/char/%u:%u", fx.sysroot, major(st.st_rdev),
		 minor(st.st_rdev));
	if (mkdir(dir, 0755) != 0)
		return -1;
	snprintf(file, sizeof(file), "%s/uevent", dir);
	snprintf(text, sizeof(text), "MAJOR=%u\nMINOR=%u\nDEVNAME=%s\n",
		 major(st.st_rdev), minor(st.st_rdev), devname);
	return write_file(file, text);
}

/*
 * <sysroot>/dev/char/M:m as a link to a device directory named 'name' whose
 * uevent has no DEVNAME, as the kernel shows vhost-vdpa devices.
 */
static int
fake_sysfs_link(const char *dev, const char *name)
{
	char dir[256], link[256], file[300], target[128], text[64];
	struct stat st;

	if (stat(dev, &st) != 0 || !S_ISCHR(st.st_mode))
		return -1;
	snprintf(dir, sizeof(dir), "%s/devices", fx.sysroot);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -1;
	snprintf(dir, sizeof(dir), "%s/devices/%s", fx.sysroot, name);
	if (mkdir(dir, 0755) != 0)
		return -1;
	snprintf(file, sizeof(file), "%s/uevent", dir);
	snprintf(text, sizeof(text), "MAJOR=%u\nMINOR=%u\n", major(st.st_rdev),
		 minor(st.st_rdev));
	if (write_file(file, text) != 0)
		return -1;
	snprintf(link, sizeof(link), "%s/dev/char/%u:%u", fx.sysroot, major(st.st_rdev),
		 minor(st.st_rdev));
	snprintf(target, sizeof(target), "../../devices/%s", name);
	return symlink(target, link);
}

static int
make_long_path(const char *name, size_t len)
{
	char p[4200];
	size_t n = strlen(fx.tmp);

	memcpy(p, fx.tmp, n);
	p[n++] = '/';
	while (n < len)
		p[n++] = 'a';
	p[n] = '\0';
	fixture_add(name, p, "");
	return 0;
}

static int
fixture_setup(void)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	char p[300];

	strcpy(fx.tmp, "/tmp/test_devargs.XXXXXX");
	if (mkdtemp(fx.tmp) == NULL)
		return -1;
	fixture_add("@TMP@", fx.tmp, "");
	fixture_add("@SOCK@", fx.tmp, "/sock");
	fixture_add("@NEW@", fx.tmp, "/new.sock");
	fixture_add("@NODIR@", fx.tmp, "/nodir/x.sock");
	fixture_add("@FILE@", fx.tmp, "/file");
	fixture_add("@FIFO@", fx.tmp, "/fifo");
	fixture_add("@NET@", "/dev/null", "");
	fixture_add("@VDPA@", "/dev/zero", "");
	fixture_add("@FULL@", "/dev/full", "");
	fixture_add("@NOSYS@", "/dev/urandom", "");
	fixture_add("@VDPALINK@", "/dev/random", "");
	make_long_path("@LONG107@", 107);
	make_long_path("@LONG108@", 108);
	make_long_path("@LONG4096@", 4096);

	snprintf(un.sun_path, sizeof(un.sun_path), "%s/sock", fx.tmp);
	fx.sock_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fx.sock_fd < 0 || bind(fx.sock_fd, (struct sockaddr *)&un, sizeof(un)) != 0)
		return -1;
	snprintf(p, sizeof(p), "%s/file", fx.tmp);
	if (write_file(p, "not a socket\n") != 0)
		return -1;
	snprintf(p, sizeof(p), "%s/fifo", fx.tmp);
	if (mkfifo(p, 0600) != 0)
		return -1;
	snprintf(fx.sysroot, sizeof(fx.sysroot), "%s/sys", fx.tmp);
	snprintf(p, sizeof(p), "%s/dev", fx.sysroot);
	if (mkdir(fx.sysroot, 0755) != 0 || mkdir(p, 0755) != 0)
		return -1;
	snprintf(p, sizeof(p), "%s/dev/char", fx.sysroot);
	if (mkdir(p, 0755) != 0)
		return -1;
	if (fake_sysfs("/dev/null", "vhost-net") != 0 ||
	    fake_sysfs("/dev/zero", "vhost-vdpa-0") != 0 ||
	    fake_sysfs("/dev/full", "full") != 0 ||
	    fake_sysfs_link("/dev/random", "vhost-vdpa-3") != 0)
		return -1;
	return 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
fixture_teardown(void)
{
	if (fx.sock_fd >= 0)
		close(fx.sock_fd);
	if (fx.tmp[0] != '\0' && strcmp(fx.tmp, "/tmp/test_devargs.XXXXXX") != 0)
		nftw(fx.tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
cfg_dump(const struct virtio_user_config *c, char *buf, size_t size)
{
	char mac[24] = "none", speed[16] = "none";

	if (c->has_mac)
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 c->mac[0], c->mac[1], c->mac[2], c->mac[3], c->mac[4], c->mac[5]);
	if (c->has_speed)
		snprintf(speed, sizeof(speed), "%u", c->speed);
	snprintf(buf, size, "path=%s backend=%s mac=%s cq=%u queue_size=%u queues=%u iface=%s "
		 "server=%u mrg_rxbuf=%u in_order=%u packed_vq=%u speed=%s vectorized=%u",
		 c->path, virtio_user_backend_name(c->backend), mac, c->cq, c->queue_size,
		 c->queues, c->has_iface ? c->iface : "none", c->server, c->mrg_rxbuf,
		 c->in_order, c->packed_vq, speed, c->vectorized);
}

/* Every space-separated token of 'want' is a whole token of 'have'; first miss or NULL. */
static const char *
tokens_missing(const char *want, const char *have, char *miss, size_t size)
{
	const char *w = want, *h;
	size_t n, m;

	while (*w != '\0') {
		n = strcspn(w, " ");
		for (h = have; *h != '\0'; h += m + (h[m] == ' ')) {
			m = strcspn(h, " ");
			if (m == n && strncmp(h, w, n) == 0)
				break;
		}
		if (*h == '\0') {
			snprintf(miss, size, "%.*s", (int)n, w);
			return miss;
		}
		w += n + (w[n] == ' ');
	}
	return NULL;
}

static int
run_case(unsigned int num, const struct tcase *t)
{
	static char args[ARGS_LEN], expect[ARGS_LEN], dump[ARGS_LEN];
	struct virtio_user_config cfg, canary;
	char err[ERR_LEN], miss[4200];
	const char *why = NULL;
	int ret;

	if ((t->args != NULL && fixture_subst(t->args, args, sizeof(args)) != 0) ||
	    fixture_subst(t->expect, expect, sizeof(expect)) != 0) {
		printf("not ok %u - %s: fixture substitution overflow\n", num, t->name);
		return 1;
	}
	memset(&cfg, 0xa5, sizeof(cfg));
	canary = cfg;
	virtio_user_args_sysfs_root_set(t->real_sysfs ? NULL : fx.sysroot);
	ret = virtio_user_args_parse(t->args != NULL ? args : NULL, &cfg, err, sizeof(err));
	if (ret != t->ret)
		why = "unexpected return";
	else if (ret == 0 && err[0] != '\0')
		why = "message on success";
	else if (ret == 0) {
		cfg_dump(&cfg, dump, sizeof(dump));
		if (tokens_missing(expect, dump, miss, sizeof(miss)) != NULL)
			why = "config lacks the expected value";
	} else if (strstr(err, expect) == NULL)
		why = "message lacks the expected text";
	else if (strchr(err, '\n') != NULL)
		why = "message is not one line";
	else if (memcmp(&cfg, &canary, sizeof(cfg)) != 0)
		why = "config changed on failure";
	if (why == NULL) {
		printf("ok %u - %s\n", num, t->name);
		return 0;
	}
	printf("not ok %u - %s: %s: got ret=%d msg='%s'", num, t->name, why, ret, err);
	if (ret == 0)
		printf(" config='%s' missing='%s'", dump, miss);
	printf(" want ret=%d '%s'\n", t->ret, expect);
	return 1;
}

/* VIRTIO_USER_PARAM_STRING names exactly the table's keys, each once. */
static int
check_param_string(unsigned int num)
{
	const char *p = VIRTIO_USER_PARAM_STRING;
	unsigned int nb = virtio_user_args_nb_keys(), i, found = 0;
	char seen[64] = { 0 };
	size_t n;

	while (*p != '\0') {
		n = strcspn(p, "=");
		for (i = 0; i < nb && i < sizeof(seen); i++)
			if (strlen(virtio_user_args_key(i)) == n &&
			    strncmp(virtio_user_args_key(i), p, n) == 0)
				break;
		if (i == nb || seen[i]) {
			printf("not ok %u - PARAM_STRING vs table: '%.*s' %s\n", num, (int)n, p,
			       i == nb ? "is not a table key" : "named twice");
			return 1;
		}
		seen[i] = 1;
		found++;
		p += n + (p[n] == '=');
		p += *p == '<' ? strcspn(p, ">") + (strchr(p, '>') != NULL) : strcspn(p, " ");
		p += strspn(p, " ");
	}
	if (found != nb || virtio_user_args_key(nb) != NULL) {
		printf("not ok %u - PARAM_STRING vs table: %u of %u keys named\n", num, found,
		       nb);
		return 1;
	}
	printf("ok %u - PARAM_STRING names exactly the %u table keys\n", num, nb);
	return 0;
}

static int
check_backend_names(unsigned int num)
{
	static const struct { int type; const char *name; } want[] = {
		{ VIRTIO_USER_BACKEND_UNKNOWN, "unknown" },
		{ VIRTIO_USER_BACKEND_VHOST_USER, "vhost-user" },
		{ VIRTIO_USER_BACKEND_VHOST_KERNEL, "vhost-kernel" },
		{ VIRTIO_USER_BACKEND_VHOST_VDPA, "vhost-vdpa" },
		{ 42, "unknown" },
	};
	unsigned int i;

	for (i = 0; i < DIM(want); i++) {
		if (strcmp(virtio_user_backend_name(want[i].type), want[i].name) != 0) {
			printf("not ok %u - backend names: %d gives '%s'\n", num, want[i].type,
			       virtio_user_backend_name(want[i].type));
			return 1;
		}
	}
	printf("ok %u - backend names\n", num);
	return 0;
}

/* A short err buffer gets a cut, terminated message; bytes after it stay. */
static int
check_short_buffer(unsigned int num)
{
	struct virtio_user_config cfg;
	char buf[16];
	int ret;

	memset(buf, 'Z', sizeof(buf));
	ret = virtio_user_args_parse("queues=7,foo", &cfg, buf, 8);
	if (ret != -EINVAL || strlen(buf) != 7 || buf[8] != 'Z' ||
	    virtio_user_args_parse("queues", &cfg, NULL, 0) != -EINVAL ||
	    virtio_user_args_parse("path=/x", NULL, buf, sizeof(buf)) != -EINVAL) {
		printf("not ok %u - short or no err buffer: ret=%d buf='%.16s'\n", num, ret, buf);
		return 1;
	}
	printf("ok %u - short or no err buffer\n", num);
	return 0;
}

int
main(void)
{
	unsigned int i, num = 0, failed = 0;

	if (fixture_setup() != 0) {
		printf("Bail out! fixture setup in %s: %s\n", fx.tmp, strerror(errno));
		fixture_teardown();
		return 2;
	}
	for (i = 0; i < DIM(cases); i++)
		failed += run_case(++num, &cases[i]);
	failed += check_param_string(++num);
	failed += check_backend_names(++num);
	failed += check_short_buffer(++num);
	virtio_user_args_sysfs_root_set(NULL);
	fixture_teardown();
	printf("# %u cases, %u passed, %u failed\n", num, num - failed, failed);
	return failed != 0;
}
