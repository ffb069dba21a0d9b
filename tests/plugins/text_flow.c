/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow events written as text by plugins the host must treat with care,
 * one variant per build (TEXT_FLOW_VARIANT):
 *
 *	1  a name that needs escaping (quote, backslash, tab, control byte,
 *	   UTF-8): the text must escape it as jansson does
 *	2  a name that is not UTF-8: jansson drops the "plugin" member, the
 *	   text refuses, the host falls back on pd_format
 *	3  a descriptor of ABI 1.1, before pd_format_text: the host must load
 *	   it and never read past its pd_size, where a hook writing wrong text
 *	   lies
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <mamori/plugin.h>

struct text_flow {
	const struct mm_host *tf_host;
	struct mm_plugin_ctx *tf_ctx;
};

static const char *const text_flow_types[] = { "flow", NULL };

static int
text_flow_init(const struct mm_host *host, struct mm_plugin_ctx *ctx, void *global)
{
	struct text_flow *tf = global;

	tf->tf_host = host;
	tf->tf_ctx = ctx;
	return (0);
}

static void
text_flow_end(void *global, void *lcore_state, unsigned lcore, const struct mm_flow_rec *r,
	void *flow_state)
{
	struct text_flow *tf = global;
	struct mm_event ev;

	(void)lcore_state;
	(void)flow_state;
	mm_event_from_flow(&ev, r);
	ev.ev_len = sizeof(*r);
	memcpy(ev.ev_data, r, sizeof(*r));
	tf->tf_host->h_emit(tf->tf_ctx, lcore, &ev);
}

static int
text_flow_format(void *global, const struct mm_event *ev, void *obj)
{
	struct text_flow *tf = global;
	struct mm_flow_rec r;

	if (ev->ev_len != sizeof(r))
		return (-EINVAL);
	memcpy(&r, ev->ev_data, sizeof(r));
	return (tf->tf_host->h_eve_flow(tf->tf_ctx, &r, obj));
}

#if TEXT_FLOW_VARIANT == 3
/* Text no host may take for this event: an ABI 1.1 host never calls it. */
static int
text_flow_format_text(void *global, const struct mm_event *ev, char *buf, size_t len)
{
	(void)global;
	(void)ev;
	if (len < 3)
		return (-ENOSPC);
	memcpy(buf, "{}", 3);
	return (2);
}
#else
static int
text_flow_format_text(void *global, const struct mm_event *ev, char *buf, size_t len)
{
	struct text_flow *tf = global;
	struct mm_flow_rec r;

	if (ev->ev_len != sizeof(r))
		return (-EINVAL);
	memcpy(&r, ev->ev_data, sizeof(r));
	return (tf->tf_host->h_eve_flow_text(tf->tf_ctx, &r, buf, len));
}
#endif

#if TEXT_FLOW_VARIANT == 1
#define TEXT_FLOW_NAME "t\"q\\b\t\x01/\xc3\xa9\xe2\x98\x83"
#define TEXT_FLOW_ABI  MM_PLUGIN_ABI
#define TEXT_FLOW_SIZE sizeof(struct mm_plugin)
#elif TEXT_FLOW_VARIANT == 2
#define TEXT_FLOW_NAME "bad\xff\xfe"
#define TEXT_FLOW_ABI  MM_PLUGIN_ABI
#define TEXT_FLOW_SIZE sizeof(struct mm_plugin)
#else
#define TEXT_FLOW_NAME "old_abi"
#define TEXT_FLOW_ABI  ((1U << 16) | 1U)
#define TEXT_FLOW_SIZE MM_PLUGIN_DESC_MIN
#endif

MM_PLUGIN_DEFINE = {
	.pd_magic = MM_PLUGIN_MAGIC,
	.pd_abi = TEXT_FLOW_ABI,
	.pd_size = TEXT_FLOW_SIZE,
	.pd_name = TEXT_FLOW_NAME,
	.pd_version = "0",
	.pd_description = "flow events as text, for the host's tests",
	.pd_event_types = text_flow_types,
	.pd_global_size = sizeof(struct text_flow),
	.pd_init = text_flow_init,
	.pd_format = text_flow_format,
	.pd_on_flow_end = text_flow_end,
	.pd_format_text = text_flow_format_text,
};
