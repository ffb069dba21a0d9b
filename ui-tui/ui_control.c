/* SPDX-License-Identifier: BSD-3-Clause */
/* Control actions on mamorid: each asks y/n first; none in read-only mode. */
#include <stdio.h>

#include "ui.h"

static void
do_reload(struct ui *u, const char *arg)
{
	ui_daemon_reload(&u->u_model);
}

static void
do_enable(struct ui *u, const char *name)
{
	ui_daemon_plugin(&u->u_model, name, true);
}

static void
do_disable(struct ui *u, const char *name)
{
	ui_daemon_plugin(&u->u_model, name, false);
}

static void
do_stop(struct ui *u, const char *arg)
{
	ui_daemon_stop(&u->u_model);
}

bool
ui_control_key(struct ui *u, struct ui_key k, const char *plugin)
{
	char q[160];

	if (k.k_fkey)
		return (false);
	if (k.k_code != 'r' && k.k_code != 's' &&
		(plugin == NULL || (k.k_code != 'e' && k.k_code != 'd')))
		return (false);
	if (u->u_read_only) {
		ui_message(u, true, "read-only: control keys are disabled (--read-only)");
		return (true);
	}
	if (!ui_link_up(&u->u_model.m_d.d_link)) {
		ui_message(u, true, "mamorid is disconnected (%s): nothing to control",
			u->u_model.m_d.d_link.l_error);
		return (true);
	}
	switch (k.k_code) {
	case 'r':
		ui_confirm(u, "Reload mamorid's configuration and patterns?", do_reload, NULL);
		break;
	case 's':
		ui_confirm(u, "Stop mamorid? It flushes every flow and exits.", do_stop, NULL);
		break;
	case 'e':
		snprintf(q, sizeof(q), "Enable plugin %s?", plugin);
		ui_confirm(u, q, do_enable, plugin);
		break;
	case 'd':
		snprintf(q, sizeof(q), "Disable plugin %s?", plugin);
		ui_confirm(u, q, do_disable, plugin);
		break;
	}
	return (true);
}

const char *
ui_control_hint(const struct ui *u)
{
	if (u->u_read_only)
		return ("read-only: control keys disabled");
	return ("r reload  s stop");
}
