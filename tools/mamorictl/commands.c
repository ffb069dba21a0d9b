/* SPDX-License-Identifier: BSD-3-Clause */
/* The command groups, in the order 'mamorictl help' lists them. */
#include <string.h>

#include "ctl.h"

const struct ctl_cmd *const ctl_cmds[] = {
	&ctl_cmd_status,
	&ctl_cmd_stats,
	&ctl_cmd_plugins,
	&ctl_cmd_reload,
	&ctl_cmd_stop,
	&ctl_cmd_events,
	&ctl_cmd_store,
	&ctl_cmd_exercise,
	&ctl_cmd_audit,
	&ctl_cmd_key,
	&ctl_cmd_sign,
	&ctl_cmd_verify,
	&ctl_cmd_seal,
	&ctl_cmd_pqc,
	&ctl_cmd_c2,
	NULL,
};

const struct ctl_cmd *
ctl_cmd_find(const char *name)
{
	for (size_t i = 0; ctl_cmds[i] != NULL; i++)
		if (strcmp(ctl_cmds[i]->cc_name, name) == 0)
			return (ctl_cmds[i]);
	return (NULL);
}
