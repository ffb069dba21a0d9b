/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The plugin ABI.
 *
 * A plugin is a shared object that defines one descriptor with
 * MM_PLUGIN_DEFINE().  The descriptor lives in its own ELF section, so the
 * loader reads its magic, ABI version, size and name from the file and
 * refuses a plugin built for another ABI major, or with a descriptor shorter
 * than this one, before dlopen() runs any of its code.
 *
 * Plugins link against no core symbol: everything they need from the host
 * comes through struct mm_host, passed to pd_init.  The host allocates their
 * state: a global block, a cache-aligned block per worker lcore on the
 * lcore's socket, and a block in every flow entry.
 *
 * Methods are named by the thread that calls them:
 *   control thread:  pd_init, pd_fini, pd_reload, pd_tick, pd_format, pd_format_text
 *   worker lcores:   pd_lcore_init, pd_lcore_fini, pd_on_burst, pd_on_flow_new,
 *                    pd_on_flow_end, pd_on_match
 * Lcore methods must not block, allocate, lock or log per packet; they count
 * and emit events through the host.
 *
 * Versioning: the major changes when a field moves or changes meaning; the
 * minor when fields are appended.  A host accepts a plugin of its own major
 * and a minor up to its own whose descriptor holds at least the fields of
 * ABI 1.0 (MM_PLUGIN_DESC_MIN); it reads an appended field only when the
 * plugin's pd_size covers it (MM_PLUGIN_HAS), and a plugin reads an appended
 * host function only when h_size covers it (MM_HOST_HAS).
 */
#ifndef MAMORI_PLUGIN_H
#define MAMORI_PLUGIN_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "event.h"
#include "flow.h"
#include "netaddr.h"

#define MM_PLUGIN_ABI_MAJOR 1
#define MM_PLUGIN_ABI_MINOR 2
#define MM_PLUGIN_ABI       ((MM_PLUGIN_ABI_MAJOR << 16) | MM_PLUGIN_ABI_MINOR)
#define MM_PLUGIN_MAGIC     0x4c504d4dU /* "MMPL" little-endian */
#define MM_PLUGIN_SECTION   ".mamori_plugin"
#define MM_PLUGIN_SYMBOL    "mamori_plugin"
#define MM_PLUGIN_NAME_MAX  32

struct mm_plugin_ctx; /* the host's handle for one loaded plugin */

/* What a packet hook sees: the decoded packet and its flow. */
struct mm_pkt {
	const uint8_t *pk_l3;      /* IP header */
	const uint8_t *pk_payload; /* transport payload (contiguous part) */
	uint64_t pk_ts_ns;
	uint32_t pk_wire_len;
	uint32_t pk_tcp_seq;
	uint32_t pk_tcp_ack;
	uint16_t pk_payload_len;
	uint16_t pk_sport; /* host order */
	uint16_t pk_dport;
	uint16_t pk_tcp_win;
	uint8_t pk_family; /* 4 or 6 */
	uint8_t pk_proto;
	uint8_t pk_tcp_flags;
	uint8_t pk_tcp_optlen;
	uint8_t pk_ttl;
	uint8_t pk_to_server;              /* sent by the flow's initiator */
	const struct mm_flow_rec *pk_flow; /* the flow so far (NULL for non-IP) */
	void *pk_flow_state;               /* this plugin's block in the flow entry */
};

/* Pattern scopes: which traffic a Hyperscan expression is matched against. */
enum mm_pattern_mode {
	MM_PATTERN_BLOCK = 0, /* each packet's payload on its own */
	MM_PATTERN_STREAM,    /* the reassembled opening bytes of a TCP direction */
};

enum mm_pattern_dir {
	MM_DIR_ANY = 0,
	MM_DIR_TO_SERVER,
	MM_DIR_TO_CLIENT,
};

struct mm_pattern {
	uint32_t pt_id;      /* the plugin's own id, handed back in pd_on_match */
	const char *pt_expr; /* Hyperscan (PCRE subset) expression */
	uint32_t pt_flags;   /* HS_FLAG_* */
	uint8_t pt_proto;    /* IPPROTO_TCP, IPPROTO_UDP, or 0 for both */
	uint8_t pt_mode;     /* enum mm_pattern_mode */
	uint8_t pt_dir;      /* enum mm_pattern_dir */
	uint16_t pt_port;    /* server port, or 0 for any */
};

/* The host's services, valid from pd_init to pd_fini. */
struct mm_host {
	uint32_t h_abi;  /* MM_PLUGIN_ABI of the host */
	uint32_t h_size; /* sizeof(struct mm_host) */

	/* Control thread only. */
	void (*h_log)(struct mm_plugin_ctx *ctx, int level, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	/*
	 * The plugin's configuration, read from its section plugins.<name>.
	 * Paths are relative to it ("window", "feeds.0.url").  Getters return 0,
	 * -ENOENT when absent (the default is stored) or -EINVAL when malformed
	 * (the host has logged the file, line, key and what was expected).  Keys
	 * of the section no getter reads are reported as unknown after pd_init.
	 */
	int (*h_cfg_str)(
		struct mm_plugin_ctx *ctx, const char *path, const char *def, const char **out);
	int (*h_cfg_u64)(struct mm_plugin_ctx *ctx, const char *path, uint64_t def, uint64_t min,
		uint64_t max, uint64_t *out);
	int (*h_cfg_bool)(struct mm_plugin_ctx *ctx, const char *path, bool def, bool *out);
	int (*h_cfg_duration_ms)(struct mm_plugin_ctx *ctx, const char *path, uint64_t def,
		uint64_t min, uint64_t max, uint64_t *out);
	/* A list of strings (NULL-terminated, freed with h_cfg_strv_free). */
	int (*h_cfg_strv)(struct mm_plugin_ctx *ctx, const char *path, char ***out, size_t *n);
	void (*h_cfg_strv_free)(char **v);
	/* Registers a counter shown in statistics; returns its id or a negative errno. */
	int (*h_counter_register)(struct mm_plugin_ctx *ctx, const char *name, const char *help);
	/* Declares patterns (copied); compiled off the fast path on the next generation. */
	int (*h_patterns_add)(struct mm_plugin_ctx *ctx, const struct mm_pattern *pt, size_t n);
	/* Directory for the plugin's own state files (created). */
	const char *(*h_state_dir)(struct mm_plugin_ctx *ctx);
	/*
	 * Emits a finished EVE object (a json_t *, whose reference the host
	 * takes) from the control thread: for events too rich for struct mm_event.
	 * The host adds timestamp defaults, plugin, exercise tag and sequence.
	 */
	int (*h_emit_json)(struct mm_plugin_ctx *ctx, void *ev);

	/* Adds the EVE "flow" and "tcp" members of a flow record to obj (a json_t *). */
	int (*h_eve_flow)(struct mm_plugin_ctx *ctx, const struct mm_flow_rec *r, void *obj);

	/* Any thread. */
	bool (*h_is_home)(struct mm_plugin_ctx *ctx, const struct mm_addr *a);
	/* Packet time: capture time offline, wall clock live (ns). */
	uint64_t (*h_now_ns)(struct mm_plugin_ctx *ctx);

	/* Worker lcores: lock-free, bounded. */
	void (*h_counter_add)(struct mm_plugin_ctx *ctx, unsigned lcore, int id, uint64_t v);
	/* Copies ev into the lcore's ring to the exporter; -ENOBUFS when full (counted). */
	int (*h_emit)(struct mm_plugin_ctx *ctx, unsigned lcore, const struct mm_event *ev);

	/*
	 * ABI 1.1, control thread: the path of a data file the plugin ships
	 * (tables, signature lists), installed under share/mamori, in the build
	 * tree's share/mamori when mamorid runs from there, or under
	 * $MAMORI_DATA_DIR.  Writes the path to out (the installed one when the
	 * file is nowhere) and returns 0 when it is readable, else -ENOENT.
	 * Check h_size >= offsetof(struct mm_host, h_data_file) + sizeof(void *).
	 */
	int (*h_data_file)(struct mm_plugin_ctx *ctx, const char *name, char *out, size_t len);

	/*
	 * ABI 1.2, control thread: the flow event of a record as compact EVE
	 * text (no newline, NUL terminated), the members h_eve_flow adds after
	 * the envelope of mm_event_from_flow, then "plugin" naming this plugin:
	 * what pd_format_text writes for a flow event.  Returns the length,
	 * -ENOSPC when len is too small (MM_EVENT_TEXT_MAX suffices), -EINVAL
	 * when the plugin's name is not UTF-8, -ENOTSUP for an outer VLAN id
	 * of 0, which the event header cannot carry (the object then places
	 * "vlan" differently).  Check MM_HOST_HAS(host,
	 * h_eve_flow_text).
	 */
	int (*h_eve_flow_text)(
		struct mm_plugin_ctx *ctx, const struct mm_flow_rec *r, char *buf, size_t len);

	/*
	 * ABI 1.2, any thread: true when nothing may be dropped for want of
	 * room (offline runs, mamorid --pcap): the host's own rings then wait
	 * for the control thread, and a plugin's queues to its control-thread
	 * side should wait too rather than count a loss.  Ask through
	 * mm_host_lossless(), which checks MM_HOST_HAS(host, h_lossless).
	 */
	bool (*h_lossless)(struct mm_plugin_ctx *ctx);
};

/* The host function f is there: the host's vtable is long enough to hold it. */
#define MM_HOST_HAS(h, f) ((h)->h_size >= offsetof(struct mm_host, f) + sizeof((h)->f))

/* True when the host asks for nothing to be lost (offline runs: h_lossless, ABI 1.2). */
static inline bool
mm_host_lossless(const struct mm_host *h, struct mm_plugin_ctx *ctx)
{
	return (MM_HOST_HAS(h, h_lossless) && h->h_lossless(ctx));
}

/*
 * For a plugin's own queue to its control-thread side, found full: offline
 * (h_lossless) waits, yielding the CPU, until room(arg) holds, for a second
 * at most in case the other side is gone; live it does not wait.  True when
 * there is room.
 */
static inline bool
mm_wait_room(const struct mm_host *h, struct mm_plugin_ctx *ctx, bool (*room)(void *), void *arg)
{
	struct timespec now, end;

	if (room(arg))
		return (true);
	if (!mm_host_lossless(h, ctx))
		return (false);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec++;
	do {
		sched_yield();
		if (room(arg))
			return (true);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (
		now.tv_sec < end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));
	return (false);
}

/* Room the host gives pd_format_text: a flow event with the longest plugin name escaped. */
#define MM_EVENT_TEXT_MAX 2048

struct mm_plugin {
	/* The header: read by the loader from the file, before any code runs. */
	uint32_t pd_magic; /* MM_PLUGIN_MAGIC */
	uint32_t pd_abi;   /* MM_PLUGIN_ABI the plugin was built with */
	uint32_t pd_size;  /* sizeof(struct mm_plugin) as the plugin saw it */
	char pd_name[MM_PLUGIN_NAME_MAX];

	const char *pd_version;
	const char *pd_description;
	/* The event types the plugin emits ("flow", "c2_candidate", ...). */
	const char *const *pd_event_types;

	/* State the host allocates and zeroes. */
	size_t pd_global_size;
	size_t pd_lcore_size;
	size_t pd_flow_size;

	/* Control thread.  pd_init is required; the others may be NULL. */
	int (*pd_init)(const struct mm_host *host, struct mm_plugin_ctx *ctx, void *global);
	void (*pd_fini)(void *global);
	/* Re-reads configuration and data files; the new patterns come with it. */
	int (*pd_reload)(void *global);
	/* About once a second, with the packet clock. */
	void (*pd_tick)(void *global, uint64_t now_ns);
	/* Renders the sub-object of one of the plugin's events into obj (EVE). */
	int (*pd_format)(void *global, const struct mm_event *ev, void *obj /* json_t * */);

	/* Worker lcores. */
	int (*pd_lcore_init)(void *global, void *lcore_state, unsigned lcore);
	void (*pd_lcore_fini)(void *global, void *lcore_state, unsigned lcore);
	void (*pd_on_burst)(void *global, void *lcore_state, unsigned lcore,
		const struct mm_pkt *pkts, uint16_t n);
	void (*pd_on_flow_new)(void *global, void *lcore_state, unsigned lcore,
		const struct mm_flow_rec *flow, void *flow_state);
	/* A flow record leaves: ended, or reported at an active timeout. */
	void (*pd_on_flow_end)(void *global, void *lcore_state, unsigned lcore,
		const struct mm_flow_rec *flow, void *flow_state);
	void (*pd_on_match)(void *global, void *lcore_state, unsigned lcore, uint32_t pattern_id,
		const struct mm_pkt *pkt, uint64_t from, uint64_t to);

	/*
	 * ABI 1.2, control thread, optional: the whole event as compact EVE
	 * text, for plugins whose events are many (flowlog's flow records): no
	 * JSON object is built, dumped and released per event.  The text must
	 * be byte for byte what the host would make from pd_format: the
	 * envelope of the event's header (timestamp, flow_id, event_type,
	 * vlan, the 5-tuple), the plugin's members, then "plugin" (the host's
	 * h_eve_flow_text writes such text for flow records).  The host adds
	 * the "exercise" member itself.  Returns the length written to buf (NUL
	 * terminated, at most len - 1), or a negative errno: the host then
	 * builds the event with pd_format as for a plugin without this hook, so
	 * a plugin declines what its text cannot express.
	 */
	int (*pd_format_text)(void *global, const struct mm_event *ev, char *buf, size_t len);
};

/* The fields of ABI 1.0 and 1.1, the least a host accepts. */
#define MM_PLUGIN_DESC_MIN offsetof(struct mm_plugin, pd_format_text)

/* The descriptor d has field f: it is long enough to hold it. */
#define MM_PLUGIN_HAS(d, f) ((d)->pd_size >= offsetof(struct mm_plugin, f) + sizeof((d)->f))

/* Defines the plugin's descriptor in its ELF section, exported by name. */
#define MM_PLUGIN_DEFINE                                                                           \
	__attribute__((section(MM_PLUGIN_SECTION), used, visibility("default")))                   \
	const struct mm_plugin mamori_plugin

#define MM_PLUGIN_HEADER(name)                                                                     \
	.pd_magic = MM_PLUGIN_MAGIC, .pd_abi = MM_PLUGIN_ABI, .pd_size = sizeof(struct mm_plugin), \
	.pd_name = name

#endif /* MAMORI_PLUGIN_H */
