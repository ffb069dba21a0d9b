/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flowlog: every flow record, from packets or from NetFlow/IPFIX, as an EVE
 * "flow" event to the store and the EVE outputs.
 *
 * Configuration (plugins.flowlog):
 *	active_reports: true   # also log the reports of long flows at each
 *	                       # active timeout (reason "active")
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <mamori/plugin.h>

struct flowlog {
	const struct mm_host *fl_host;
	struct mm_plugin_ctx *fl_ctx;
	int fl_records; /* counter: records emitted */
	int fl_skipped; /* counter: active-timeout reports not logged */
	bool fl_active_reports;
};

static const char *const flowlog_types[] = { "flow", NULL };

static int
flowlog_init(const struct mm_host *host, struct mm_plugin_ctx *ctx, void *global)
{
	struct flowlog *fl = global;
	int rv;

	fl->fl_host = host;
	fl->fl_ctx = ctx;
	rv = host->h_cfg_bool(ctx, "active_reports", true, &fl->fl_active_reports);
	if (rv < 0 && rv != -ENOENT)
		return (rv);
	fl->fl_records = host->h_counter_register(ctx, "records", "flow records emitted");
	fl->fl_skipped = host->h_counter_register(
		ctx, "active_skipped", "active-timeout reports not logged (active_reports: false)");
	return (0);
}

static void
flowlog_flow_end(void *global, void *lcore_state, unsigned lcore, const struct mm_flow_rec *r,
	void *flow_state)
{
	struct flowlog *fl = global;
	struct mm_event ev;

	(void)lcore_state;
	(void)flow_state;
	if (r->fr_end == MM_FLOW_END_ACTIVE && !fl->fl_active_reports) {
		fl->fl_host->h_counter_add(fl->fl_ctx, lcore, fl->fl_skipped, 1);
		return;
	}
	mm_event_from_flow(&ev, r);
	ev.ev_len = sizeof(*r);
	memcpy(ev.ev_data, r, sizeof(*r));
	if (fl->fl_host->h_emit(fl->fl_ctx, lcore, &ev) == 0)
		fl->fl_host->h_counter_add(fl->fl_ctx, lcore, fl->fl_records, 1);
}

static int
flowlog_format(void *global, const struct mm_event *ev, void *obj)
{
	struct flowlog *fl = global;
	struct mm_flow_rec r;

	if (ev->ev_len != sizeof(r))
		return (-EINVAL);
	memcpy(&r, ev->ev_data, sizeof(r));
	return (fl->fl_host->h_eve_flow(fl->fl_ctx, &r, obj));
}

/*
 * Every flow record becomes an event: the text saves building a JSON object
 * for each.  The header is the record's (flowlog_flow_end), so the host's
 * text of the record is the event's.  A host that calls this has
 * h_eve_flow_text (both came with ABI 1.2).
 */
static int
flowlog_format_text(void *global, const struct mm_event *ev, char *buf, size_t len)
{
	struct flowlog *fl = global;
	struct mm_flow_rec r;

	if (ev->ev_len != sizeof(r))
		return (-EINVAL);
	memcpy(&r, ev->ev_data, sizeof(r));
	return (fl->fl_host->h_eve_flow_text(fl->fl_ctx, &r, buf, len));
}

_Static_assert(sizeof(struct mm_flow_rec) <= MM_EVENT_DATA_MAX, "a flow record fits an event");

MM_PLUGIN_DEFINE = {
	MM_PLUGIN_HEADER("flowlog"),
	.pd_version = "1.1",
	.pd_description = "flow records as EVE flow events",
	.pd_event_types = flowlog_types,
	.pd_global_size = sizeof(struct flowlog),
	.pd_init = flowlog_init,
	.pd_format = flowlog_format,
	.pd_on_flow_end = flowlog_flow_end,
	.pd_format_text = flowlog_format_text,
};
