/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Devargs of net_virtio_user: one key table, one tokeniser, strict values,
 * then the checks that span keys.  Contract in virtio_user_args.h.  No EAL,
 * no allocation: the unit test links this file alone.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* PATH_MAX, S_ISSOCK, major() under -std=c11 */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "virtio_user_args.h"

#define VA_DIM(a)	(sizeof(a) / sizeof((a)[0]))
#define VA_ECHO_MAX	96	/* bytes of a user value echoed in a message */
#define VA_ECHO_BUF	(VA_ECHO_MAX + 4)
#define VA_TEXT_BUF	160	/* an "accepted: ..." text */
#define VA_NO_FLAG	((size_t)-1)

/* sun_path holds the path and its NUL. */
#define VA_SOCK_PATH_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

enum va_type {
	VA_PATH,	/* char[PATH_MAX] */
	VA_MAC,		/* uint8_t[6], unicast */
	VA_UINT,	/* uint32_t in [min, max] */
	VA_BOOL,	/* uint32_t, "0" or "1" */
	VA_IFNAME,	/* char[IFNAMSIZ] */
	VA_SPEED,	/* uint32_t, one of va_speeds[] */
};

#define VA_BE(t)	(1u << (t))
#define VA_BE_ANY	(VA_BE(VIRTIO_USER_BACKEND_VHOST_USER) | \
			 VA_BE(VIRTIO_USER_BACKEND_VHOST_KERNEL) | \
			 VA_BE(VIRTIO_USER_BACKEND_VHOST_VDPA))

struct va_key {
	const char *name;
	enum va_type type;
	uint32_t min, max;	/* VA_UINT only */
	/* Backends accepting the key when given (a bool: when given as 1). */
	uint32_t backends;
	size_t off;		/* field in struct virtio_user_config */
	size_t given_off;	/* bool field set when given, or VA_NO_FLAG */
	const char *hint;	/* accepted values; NULL: made from type/range */
};

#define VA_OFF(f)	offsetof(struct virtio_user_config, f)

enum va_key_id {
	VA_K_PATH, VA_K_MAC, VA_K_CQ, VA_K_QUEUE_SIZE, VA_K_QUEUES, VA_K_IFACE,
	VA_K_SERVER, VA_K_MRG_RXBUF, VA_K_IN_ORDER, VA_K_PACKED_VQ, VA_K_SPEED,
	VA_K_VECTORIZED, VA_K_NB
};

#define VA_STR_(x)	#x
#define VA_STR(x)	VA_STR_(x)

/* The devargs; this order is the order of VIRTIO_USER_PARAM_STRING. */
static const struct va_key va_keys[VA_K_NB] = {
	[VA_K_PATH] = { .name = "path", .type = VA_PATH, .backends = VA_BE_ANY,
		.off = VA_OFF(path), .given_off = VA_NO_FLAG,
		.hint = "a vhost-user socket path, /dev/vhost-net or /dev/vhost-vdpa-<n>" },
	[VA_K_MAC] = { .name = "mac", .type = VA_MAC, .backends = VA_BE_ANY,
		.off = VA_OFF(mac), .given_off = VA_OFF(has_mac),
		.hint = "a unicast address as six hex pairs xx:xx:xx:xx:xx:xx" },
	[VA_K_CQ] = { .name = "cq", .type = VA_BOOL, .backends = VA_BE_ANY,
		.off = VA_OFF(cq), .given_off = VA_NO_FLAG },
	[VA_K_QUEUE_SIZE] = { .name = "queue_size", .type = VA_UINT,
		.min = 1, .max = VIRTIO_USER_MAX_QUEUE_SIZE, .backends = VA_BE_ANY,
		.off = VA_OFF(queue_size), .given_off = VA_NO_FLAG,
		.hint = "split ring: a power of two from 2 to " VA_STR(VIRTIO_USER_MAX_QUEUE_SIZE)
			"; packed ring: 1 to " VA_STR(VIRTIO_USER_MAX_QUEUE_SIZE) },
	[VA_K_QUEUES] = { .name = "queues", .type = VA_UINT,
		.min = 1, .max = VIRTIO_USER_MAX_QUEUES, .backends = VA_BE_ANY,
		.off = VA_OFF(queues), .given_off = VA_NO_FLAG },
	[VA_K_IFACE] = { .name = "iface", .type = VA_IFNAME,
		.backends = VA_BE(VIRTIO_USER_BACKEND_VHOST_KERNEL),
		.off = VA_OFF(iface), .given_off = VA_OFF(has_iface),
		.hint = "1 to 15 characters, none of '/', ':' or whitespace" },
	[VA_K_SERVER] = { .name = "server", .type = VA_BOOL,
		.backends = VA_BE(VIRTIO_USER_BACKEND_VHOST_USER),
		.off = VA_OFF(server), .given_off = VA_NO_FLAG },
	[VA_K_MRG_RXBUF] = { .name = "mrg_rxbuf", .type = VA_BOOL, .backends = VA_BE_ANY,
		.off = VA_OFF(mrg_rxbuf), .given_off = VA_NO_FLAG },
	[VA_K_IN_ORDER] = { .name = "in_order", .type = VA_BOOL, .backends = VA_BE_ANY,
		.off = VA_OFF(in_order), .given_off = VA_NO_FLAG },
	[VA_K_PACKED_VQ] = { .name = "packed_vq", .type = VA_BOOL, .backends = VA_BE_ANY,
		.off = VA_OFF(packed_vq), .given_off = VA_NO_FLAG },
	[VA_K_SPEED] = { .name = "speed", .type = VA_SPEED, .backends = VA_BE_ANY,
		.off = VA_OFF(speed), .given_off = VA_OFF(has_speed) },
	[VA_K_VECTORIZED] = { .name = "vectorized", .type = VA_BOOL, .backends = VA_BE_ANY,
		.off = VA_OFF(vectorized), .given_off = VA_NO_FLAG },
};

/* The setters write through the table's offsets: the fields must have these types. */
#define VA_FIELD_SIZE(f)	sizeof(((struct virtio_user_config *)0)->f)
_Static_assert(VA_FIELD_SIZE(cq) == 4 && VA_FIELD_SIZE(queue_size) == 4 &&
	       VA_FIELD_SIZE(queues) == 4 && VA_FIELD_SIZE(server) == 4 &&
	       VA_FIELD_SIZE(mrg_rxbuf) == 4 && VA_FIELD_SIZE(in_order) == 4 &&
	       VA_FIELD_SIZE(packed_vq) == 4 && VA_FIELD_SIZE(speed) == 4 &&
	       VA_FIELD_SIZE(vectorized) == 4, "uint32_t fields");
_Static_assert(VA_FIELD_SIZE(path) == PATH_MAX && VA_FIELD_SIZE(mac) == 6 &&
	       VA_FIELD_SIZE(iface) == VIRTIO_USER_IFNAME_MAX &&
	       VA_FIELD_SIZE(has_mac) == sizeof(bool) && VA_FIELD_SIZE(has_iface) == sizeof(bool) &&
	       VA_FIELD_SIZE(has_speed) == sizeof(bool), "buffer and flag fields");
_Static_assert(VA_K_NB <= 32, "the seen-key mask is 32 bits");

/* Link speeds ethdev names in DPDK 22.11 (RTE_ETH_SPEED_NUM_*), in Mbps. */
static const uint32_t va_speeds[] = {
	10, 100, 1000, 2500, 5000, 10000, 20000, 25000, 40000, 50000, 56000,
	100000, 200000,
};

static const char *const va_backend_names[] = {
	[VIRTIO_USER_BACKEND_UNKNOWN] = "unknown",
	[VIRTIO_USER_BACKEND_VHOST_USER] = "vhost-user",
	[VIRTIO_USER_BACKEND_VHOST_KERNEL] = "vhost-kernel",
	[VIRTIO_USER_BACKEND_VHOST_VDPA] = "vhost-vdpa",
};

static const char *va_sysfs_root = "/sys";

/* One parse: where the message goes and which keys were seen, with what. */
struct va_ctx {
	char *err;
	size_t errlen;
	uint32_t seen;			/* bit i: va_keys[i] given */
	const char *val[VA_K_NB];	/* value as given, inside args */
	size_t vlen[VA_K_NB];
};

static int __attribute__((format(printf, 3, 4)))
va_fail(struct va_ctx *c, int ret, const char *fmt, ...)
{
	va_list ap;

	if (c->err != NULL && c->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* Copy s[0..n) for a message: non-printables as '?', long values cut with "...". */
static const char *
va_echo(char buf[VA_ECHO_BUF], const char *s, size_t n)
{
	size_t i, len = n > VA_ECHO_MAX ? VA_ECHO_MAX : n;

	for (i = 0; i < len; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (len < n) {
		memcpy(buf + len, "...", 3);
		len += 3;
	}
	buf[len] = '\0';
	return buf;
}

static void __attribute__((format(printf, 4, 5)))
va_append(char *buf, size_t size, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, size - *pos, fmt, ap);
	va_end(ap);
	*pos = n < 0 ? size : *pos + (size_t)n;
}

/* What a key accepts, for messages. */
static const char *
va_accepted(const struct va_key *k, char buf[VA_TEXT_BUF])
{
	size_t pos = 0, i;

	if (k->hint != NULL)
		return k->hint;
	switch (k->type) {
	case VA_BOOL:
		return "0 or 1";
	case VA_SPEED:
		for (i = 0; i < VA_DIM(va_speeds); i++)
			va_append(buf, VA_TEXT_BUF, &pos, "%s%u", i ? " " : "", va_speeds[i]);
		va_append(buf, VA_TEXT_BUF, &pos, " (Mbps)");
		return buf;
	default:
		snprintf(buf, VA_TEXT_BUF, "%u to %u", k->min, k->max);
		return buf;
	}
}

static const char *
va_key_list(char buf[VA_TEXT_BUF])
{
	size_t pos = 0, i;

	for (i = 0; i < VA_DIM(va_keys); i++)
		va_append(buf, VA_TEXT_BUF, &pos, "%s%s", i ? " " : "", va_keys[i].name);
	return buf;
}

/* Which backends a mask names, for messages. */
static const char *
va_backend_list(uint32_t mask, char buf[VA_TEXT_BUF])
{
	size_t pos = 0, i;

	buf[0] = '\0';
	for (i = 1; i < VA_DIM(va_backend_names); i++)
		if (mask & VA_BE(i))
			va_append(buf, VA_TEXT_BUF, &pos, "%s%s", pos ? " or " : "",
				  va_backend_names[i]);
	return buf;
}

/*
 * Strict decimal: digits only, no sign, no blanks, no leading zero, no hex;
 * values above UINT32_MAX saturate (and then fail the range check).
 */
static int
va_parse_u32(struct va_ctx *c, const struct va_key *k, const char *item,
	     const char *v, size_t n, uint32_t *out)
{
	char e[VA_ECHO_BUF], t[VA_TEXT_BUF];
	const char *why = NULL;
	uint64_t x = 0;
	size_t i;

	if (v[0] == '-')
		why = "negative values are not accepted";
	else if (v[0] == '+')
		why = "a sign is not accepted";
	else if (v[0] < '0' || v[0] > '9')
		why = "not a decimal number";
	else if (n > 1 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
		why = "hexadecimal is not accepted, decimal only";
	else if (n > 1 && v[0] == '0')
		why = "leading zero is not accepted, decimal only (no octal)";
	for (i = 0; why == NULL && i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			why = "junk after the number";
		else if (x <= UINT32_MAX)
			x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (why != NULL)
		return va_fail(c, -EINVAL, "%s: %s (accepted: %s)",
			       va_echo(e, item, (size_t)(v + n - item)), why,
			       va_accepted(k, t));
	*out = x > UINT32_MAX ? UINT32_MAX : (uint32_t)x;
	return 0;
}

static int
va_set_uint(struct va_ctx *c, const struct va_key *k, const char *item,
	    const char *v, size_t n, uint32_t *out)
{
	char e[VA_ECHO_BUF], t[VA_TEXT_BUF];
	uint32_t x;
	int ret;

	ret = va_parse_u32(c, k, item, v, n, &x);
	if (ret != 0)
		return ret;
	if (x < k->min)
		return va_fail(c, -EINVAL, "%s: below the minimum %u (accepted: %s)",
			       va_echo(e, item, (size_t)(v + n - item)), k->min,
			       va_accepted(k, t));
	if (x > k->max)
		return va_fail(c, -EINVAL, "%s: above the maximum %u (accepted: %s)",
			       va_echo(e, item, (size_t)(v + n - item)), k->max,
			       va_accepted(k, t));
	*out = x;
	return 0;
}

static int
va_set_bool(struct va_ctx *c, const struct va_key *k, const char *item,
	    const char *v, size_t n, uint32_t *out)
{
	char e[VA_ECHO_BUF], t[VA_TEXT_BUF];

	if (n != 1 || (v[0] != '0' && v[0] != '1'))
		return va_fail(c, -EINVAL, "%s: not a boolean (accepted: %s)",
			       va_echo(e, item, (size_t)(v + n - item)), va_accepted(k, t));
	*out = (uint32_t)(v[0] - '0');
	return 0;
}

static int
va_set_speed(struct va_ctx *c, const struct va_key *k, const char *item,
	     const char *v, size_t n, uint32_t *out)
{
	char e[VA_ECHO_BUF], t[VA_TEXT_BUF];
	uint32_t x;
	size_t i;
	int ret;

	ret = va_parse_u32(c, k, item, v, n, &x);
	if (ret != 0)
		return ret;
	for (i = 0; i < VA_DIM(va_speeds); i++) {
		if (va_speeds[i] == x) {
			*out = x;
			return 0;
		}
	}
	return va_fail(c, -EINVAL, "%s: not an ethdev link speed (accepted: %s)",
		       va_echo(e, item, (size_t)(v + n - item)), va_accepted(k, t));
}

static int
va_hex(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int
va_set_mac(struct va_ctx *c, const struct va_key *k, const char *item,
	   const char *v, size_t n, uint8_t mac[6])
{
	char e[VA_ECHO_BUF];
	const char *why = NULL;
	uint8_t m[6];
	int i, hi, lo;

	if (n != 17)
		why = "not a MAC address";
	for (i = 0; why == NULL && i < 6; i++) {
		hi = va_hex(v[3 * i]);
		lo = va_hex(v[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && v[3 * i + 2] != ':'))
			why = "not a MAC address";
		else
			m[i] = (uint8_t)(hi << 4 | lo);
	}
	if (why == NULL && (m[0] & 1))
		why = "multicast address, the group bit of the first octet is set";
	if (why == NULL && (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0)
		why = "all-zero address";
	if (why != NULL)
		return va_fail(c, -EINVAL, "%s: %s (accepted: %s)",
			       va_echo(e, item, (size_t)(v + n - item)), why, k->hint);
	memcpy(mac, m, sizeof(m));
	return 0;
}

/* Linux's rule for interface names (dev_valid_name); "%d" is left to TUNSETIFF. */
static int
va_set_ifname(struct va_ctx *c, const struct va_key *k, const char *item,
	      const char *v, size_t n, char *out)
{
	char e[VA_ECHO_BUF];
	const char *why = NULL;
	size_t i;

	if (n >= VIRTIO_USER_IFNAME_MAX)
		why = "too long";
	else if ((n == 1 && v[0] == '.') || (n == 2 && v[0] == '.' && v[1] == '.'))
		why = "'.' and '..' are not interface names";
	for (i = 0; why == NULL && i < n; i++) {
		if (v[i] == '/' || v[i] == ':')
			why = "contains '/' or ':'";
		else if (v[i] <= ' ' || v[i] >= 0x7f)
			why = "contains whitespace or a control character";
	}
	if (why != NULL)
		return va_fail(c, -EINVAL, "%s: %s (accepted: %s)",
			       va_echo(e, item, (size_t)(v + n - item)), why, k->hint);
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

static int
va_set_path(struct va_ctx *c, const struct va_key *k, const char *item,
	    const char *v, size_t n, char *out)
{
	char e[VA_ECHO_BUF];

	if (n >= PATH_MAX)
		return va_fail(c, -EINVAL, "%s: too long, %zu bytes (accepted: %s; "
			       "at most %d bytes)", va_echo(e, item, (size_t)(v + n - item)),
			       n, k->hint, PATH_MAX - 1);
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

static int
va_set(struct va_ctx *c, const struct va_key *k, const char *item,
       const char *v, size_t n, struct virtio_user_config *cfg)
{
	void *field = (char *)cfg + k->off;
	int ret = -EINVAL;

	switch (k->type) {
	case VA_PATH:
		ret = va_set_path(c, k, item, v, n, field);
		break;
	case VA_MAC:
		ret = va_set_mac(c, k, item, v, n, field);
		break;
	case VA_UINT:
		ret = va_set_uint(c, k, item, v, n, field);
		break;
	case VA_BOOL:
		ret = va_set_bool(c, k, item, v, n, field);
		break;
	case VA_IFNAME:
		ret = va_set_ifname(c, k, item, v, n, field);
		break;
	case VA_SPEED:
		ret = va_set_speed(c, k, item, v, n, field);
		break;
	}
	if (ret == 0 && k->given_off != VA_NO_FLAG)
		*(bool *)((char *)cfg + k->given_off) = true;
	return ret;
}

static const struct va_key *
va_key_find(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < VA_DIM(va_keys); i++)
		if (strlen(va_keys[i].name) == n && memcmp(va_keys[i].name, s, n) == 0)
			return &va_keys[i];
	return NULL;
}

/* One "key=value" item: item[0..n), not NUL-terminated. */
static int
va_item(struct va_ctx *c, const char *item, size_t n, struct virtio_user_config *cfg)
{
	char e[VA_ECHO_BUF], t[VA_TEXT_BUF];
	const char *eq = memchr(item, '=', n);
	size_t klen = eq != NULL ? (size_t)(eq - item) : n;
	const struct va_key *k;
	unsigned int id;

	if (n == 0)
		return va_fail(c, -EINVAL, "empty item between commas "
			       "(accepted: key=value[,key=value...])");
	if (klen == 0)
		return va_fail(c, -EINVAL, "%s: empty key (accepted keys: %s)",
			       va_echo(e, item, n), va_key_list(t));
	k = va_key_find(item, klen);
	if (k == NULL)
		return va_fail(c, -EINVAL, "%s: unknown key (accepted keys: %s)",
			       va_echo(e, item, n), va_key_list(t));
	if (eq == NULL || klen + 1 == n)
		return va_fail(c, -EINVAL, "%s: %s (accepted: %s=<%s>)",
			       va_echo(e, item, n), eq == NULL ? "no '=value'" : "empty value",
			       k->name, va_accepted(k, t));
	id = (unsigned int)(k - va_keys);
	if (c->seen & (1u << id))
		return va_fail(c, -EINVAL, "%s: duplicate key (accepted: each key once)",
			       va_echo(e, item, n));
	c->seen |= 1u << id;
	c->val[id] = eq + 1;
	c->vlen[id] = n - klen - 1;
	return va_set(c, k, item, eq + 1, n - klen - 1, cfg);
}

static int
va_tokenise(struct va_ctx *c, const char *args, struct virtio_user_config *cfg)
{
	const char *p = args;
	size_t n;
	int ret;

	if (*p == '\0')
		return 0;
	for (;;) {
		n = strcspn(p, ",");
		ret = va_item(c, p, n, cfg);
		if (ret != 0 || p[n] == '\0')
			return ret;
		p += n + 1;
	}
}

static void
va_defaults(struct virtio_user_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->backend = VIRTIO_USER_BACKEND_UNKNOWN;
	cfg->queue_size = VIRTIO_USER_DEF_QUEUE_SIZE;
	cfg->queues = VIRTIO_USER_DEF_QUEUES;
	cfg->cq = 0;
	cfg->mrg_rxbuf = 1;
	cfg->in_order = 1;
	cfg->packed_vq = 0;
	cfg->server = 0;
	cfg->vectorized = 0;
}

/* Keys that constrain each other; none depends on the filesystem. */
static int
va_check_values(struct va_ctx *c, struct virtio_user_config *cfg)
{
	char e[VA_ECHO_BUF], t[VA_TEXT_BUF];
	uint32_t qs = cfg->queue_size;

	if (cfg->queues > 1) {
		if ((c->seen & (1u << VA_K_CQ)) && cfg->cq == 0)
			return va_fail(c, -EINVAL, "cq=0: queues>1 needs the control queue "
				       "(queues=%u; accepted: cq=1, or no cq key)", cfg->queues);
		cfg->cq = 1;
	}
	if (!cfg->packed_vq && (qs < 2 || (qs & (qs - 1)) != 0))
		return va_fail(c, -EINVAL, "queue_size=%s: %s (%s)",
			       va_echo(e, c->val[VA_K_QUEUE_SIZE], c->vlen[VA_K_QUEUE_SIZE]),
			       qs < 2 ? "too small for a split ring" : "not a power of two",
			       va_accepted(&va_keys[VA_K_QUEUE_SIZE], t));
	return 0;
}

static bool
va_is_vdpa_name(const char *s)
{
	static const char prefix[] = "vhost-vdpa-";
	size_t n = sizeof(prefix) - 1;

	if (strncmp(s, prefix, n) != 0 || s[n] == '\0')
		return false;
	return strspn(s + n, "0123456789") == strlen(s + n);
}

/* A path that is not there yet is a vhost-user socket to be, if its directory is. */
static int
va_detect_absent(struct va_ctx *c, struct virtio_user_config *cfg)
{
	char dir[PATH_MAX], e[VA_ECHO_BUF], t[VA_ECHO_BUF];
	const char *slash = strrchr(cfg->path, '/');
	struct stat st;
	size_t n;

	if (slash == NULL) {
		cfg->backend = VIRTIO_USER_BACKEND_VHOST_USER;
		return 0;
	}
	/* A missing kernel device is not a socket to be: say what is missing. */
	if (strcmp(cfg->path, "/dev/vhost-net") == 0)
		return va_fail(c, -ENODEV, "path=%s: no such device (load the vhost_net "
			       "kernel module)", cfg->path);
	if (strncmp(cfg->path, "/dev/", 5) == 0 && va_is_vdpa_name(cfg->path + 5))
		return va_fail(c, -ENODEV, "path=%s: no such device (load the vhost_vdpa "
			       "kernel module and create a vDPA device with 'vdpa dev add')",
			       va_echo(e, cfg->path, strlen(cfg->path)));
	n = slash == cfg->path ? 1 : (size_t)(slash - cfg->path);
	memcpy(dir, cfg->path, n);
	dir[n] = '\0';
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return va_fail(c, -ENOENT, "path=%s: directory %s does not exist "
			       "(accepted: %s)", va_echo(e, cfg->path, strlen(cfg->path)),
			       va_echo(t, dir, n), va_keys[VA_K_PATH].hint);
	cfg->backend = VIRTIO_USER_BACKEND_VHOST_USER;
	return 0;
}

/*
 * A device with no bus or class (vhost-vdpa) has an empty uevent: its name is
 * then the last component of the sysfs link <root>/dev/char/M:m, which
 * 'uevent_file' names the uevent file under.
 */
static void
va_chardev_link_name(const char *uevent_file, char *name, size_t size)
{
	char link[PATH_MAX], target[PATH_MAX];
	const char *base;
	size_t n = strlen(uevent_file) - strlen("/uevent");
	ssize_t len;

	memcpy(link, uevent_file, n);
	link[n] = '\0';
	len = readlink(link, target, sizeof(target) - 1);
	if (len <= 0)
		return;
	target[len] = '\0';
	base = strrchr(target, '/');
	base = base != NULL ? base + 1 : target;
	n = strnlen(base, size - 1);
	memcpy(name, base, n);
	name[n] = '\0';
}

/* Read "DEVNAME=" of a char device from sysfs, else its link name; "" when neither. */
static int
va_chardev_name(dev_t rdev, char *name, size_t size)
{
	char file[PATH_MAX], buf[512];
	const char *p;
	ssize_t n;
	size_t len;
	int fd;

	if (snprintf(file, sizeof(file), "%s/dev/char/%u:%u/uevent", va_sysfs_root,
		     major(rdev), minor(rdev)) >= (int)sizeof(file))
		return -ENAMETOOLONG;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do {
		n = read(fd, buf, sizeof(buf) - 1);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	name[0] = '\0';
	for (p = buf; *p != '\0'; p += len + (p[len] == '\n')) {
		len = strcspn(p, "\n");
		if (strncmp(p, "DEVNAME=", 8) != 0)
			continue;
		len -= 8;
		if (len >= size)
			len = size - 1;
		memcpy(name, p + 8, len);
		name[len] = '\0';
		break;
	}
	if (name[0] == '\0')
		va_chardev_link_name(file, name, size);
	return 0;
}

/* A char device is a backend only if the kernel calls it vhost-net or vhost-vdpa-<n>. */
static int
va_detect_chardev(struct va_ctx *c, struct virtio_user_config *cfg, dev_t rdev)
{
	char name[64], e[VA_ECHO_BUF], t[VA_ECHO_BUF];
	int ret;

	ret = va_chardev_name(rdev, name, sizeof(name));
	if (ret == -ENOENT)
		return va_fail(c, -ENODEV, "path=%s: no driver serves char device %u:%u "
			       "(is its kernel module, vhost_net or vhost_vdpa, loaded?)",
			       va_echo(e, cfg->path, strlen(cfg->path)), major(rdev),
			       minor(rdev));
	if (ret != 0)
		return va_fail(c, -ENOTSUP, "path=%s: char device %u:%u not identified "
			       "(%s/dev/char/%u:%u/uevent: %s; accepted: %s)",
			       va_echo(e, cfg->path, strlen(cfg->path)), major(rdev),
			       minor(rdev), va_echo(t, va_sysfs_root, strlen(va_sysfs_root)),
			       major(rdev), minor(rdev), strerror(-ret),
			       va_keys[VA_K_PATH].hint);
	if (strcmp(name, "vhost-net") == 0) {
		cfg->backend = VIRTIO_USER_BACKEND_VHOST_KERNEL;
		return 0;
	}
	if (va_is_vdpa_name(name)) {
		cfg->backend = VIRTIO_USER_BACKEND_VHOST_VDPA;
		return 0;
	}
	return va_fail(c, -ENOTSUP, "path=%s: char device %u:%u (%s) is not a vhost device "
		       "(accepted: %s)", va_echo(e, cfg->path, strlen(cfg->path)),
		       major(rdev), minor(rdev), name[0] ? va_echo(t, name, strlen(name)) : "?",
		       va_keys[VA_K_PATH].hint);
}

static const char *
va_file_kind(mode_t mode)
{
	if (S_ISREG(mode))
		return "a regular file";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISBLK(mode))
		return "a block device";
	return "not a socket or char device";
}

static int
va_detect_backend(struct va_ctx *c, struct virtio_user_config *cfg)
{
	char e[VA_ECHO_BUF];
	struct stat st;
	int err;

	if (stat(cfg->path, &st) != 0) {
		err = errno;
		if (err == ENOENT)
			return va_detect_absent(c, cfg);
		return va_fail(c, -err, "path=%s: cannot stat: %s (accepted: %s)",
			       va_echo(e, cfg->path, strlen(cfg->path)), strerror(err),
			       va_keys[VA_K_PATH].hint);
	}
	if (S_ISSOCK(st.st_mode)) {
		cfg->backend = VIRTIO_USER_BACKEND_VHOST_USER;
		return 0;
	}
	if (S_ISCHR(st.st_mode))
		return va_detect_chardev(c, cfg, st.st_rdev);
	return va_fail(c, -ENOTSUP, "path=%s: %s is not a vhost backend (accepted: %s)",
		       va_echo(e, cfg->path, strlen(cfg->path)), va_file_kind(st.st_mode),
		       va_keys[VA_K_PATH].hint);
}

/* Keys given for a backend that does not take them; a bool only when set to 1. */
static int
va_check_backend(struct va_ctx *c, const struct virtio_user_config *cfg)
{
	char e[VA_ECHO_BUF], p[VA_ECHO_BUF], t[VA_TEXT_BUF];
	const char *be = virtio_user_backend_name(cfg->backend);
	const struct va_key *k;
	unsigned int i;

	if (cfg->backend == VIRTIO_USER_BACKEND_VHOST_USER &&
	    strlen(cfg->path) > VA_SOCK_PATH_MAX)
		return va_fail(c, -EINVAL, "path=%s: too long for a unix socket, %zu bytes "
			       "(accepted: at most %zu bytes for vhost-user)",
			       va_echo(e, cfg->path, strlen(cfg->path)), strlen(cfg->path),
			       VA_SOCK_PATH_MAX);
	for (i = 0; i < VA_DIM(va_keys); i++) {
		k = &va_keys[i];
		if (!(c->seen & (1u << i)) || (k->backends & VA_BE(cfg->backend)))
			continue;
		if (k->type == VA_BOOL && *(const uint32_t *)((const char *)cfg + k->off) == 0)
			continue;
		return va_fail(c, -EINVAL, "%s=%s: only for the %s backend (path=%s is %s)",
			       k->name, va_echo(e, c->val[i], c->vlen[i]),
			       va_backend_list(k->backends, t),
			       va_echo(p, cfg->path, strlen(cfg->path)), be);
	}
	return 0;
}

int
virtio_user_args_parse(const char *args, struct virtio_user_config *cfg,
		       char *err, size_t errlen)
{
	struct va_ctx c = { .err = err, .errlen = errlen };
	struct virtio_user_config tmp;
	char t[VA_TEXT_BUF];
	int ret;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (cfg == NULL)
		return va_fail(&c, -EINVAL, "no config to fill");
	va_defaults(&tmp);
	ret = va_tokenise(&c, args != NULL ? args : "", &tmp);
	if (ret != 0)
		return ret;
	if (!(c.seen & (1u << VA_K_PATH)))
		return va_fail(&c, -EINVAL, "path: missing, it is required (accepted: %s)",
			       va_accepted(&va_keys[VA_K_PATH], t));
	ret = va_check_values(&c, &tmp);
	if (ret == 0)
		ret = va_detect_backend(&c, &tmp);
	if (ret == 0)
		ret = va_check_backend(&c, &tmp);
	if (ret != 0)
		return ret;
	*cfg = tmp;
	return 0;
}

void
virtio_user_args_sysfs_root_set(const char *root)
{
	va_sysfs_root = root != NULL ? root : "/sys";
}

unsigned int
virtio_user_args_nb_keys(void)
{
	return VA_DIM(va_keys);
}

const char *
virtio_user_args_key(unsigned int i)
{
	return i < VA_DIM(va_keys) ? va_keys[i].name : NULL;
}

const char *
virtio_user_backend_name(enum virtio_user_backend_type type)
{
	if ((unsigned int)type >= VA_DIM(va_backend_names))
		return "unknown";
	return va_backend_names[type];
}
