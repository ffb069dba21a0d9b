/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "store_jspull.h"
#include "store_time.h"

/* How long past a pull request's expiry its closing status is waited for. */
#define JSPULL_GRACE_MS 50

natsStatus
store_jspull_open(struct store_jspull *jp, natsConnection *nc, const char *who, const char *stream,
	const char *durable)
{
	store_jspull_close(jp);
	jp->jp_nc = nc;
	snprintf(jp->jp_inbox, sizeof(jp->jp_inbox), "_INBOX.mamori-%s.%016" PRIx64, who,
		(uint64_t)store_time_now() ^ ((uint64_t)(uintptr_t)jp << 16));
	snprintf(jp->jp_next, sizeof(jp->jp_next), "$JS.API.CONSUMER.MSG.NEXT.%s.%s", stream,
		durable);
	return (natsConnection_SubscribeSync(&jp->jp_sub, nc, jp->jp_inbox));
}

void
store_jspull_close(struct store_jspull *jp)
{
	natsSubscription_Destroy(jp->jp_sub);
	jp->jp_sub = NULL;
}

natsStatus
store_jspull_fetch(struct store_jspull *jp, natsMsg **msgs, int max, int64_t wait_ms, int *count)
{
	int64_t end = nats_Now() + wait_ms + JSPULL_GRACE_MS;
	natsStatus s = NATS_OK;
	int pending = 0, n = 0;
	bool asked = false;
	char req[128];
	natsMsg *m;

	natsSubscription_GetPending(jp->jp_sub, &pending, NULL);
	while (n < max) {
		int64_t left = end - nats_Now();

		if (!asked && pending <= 0) {
			snprintf(req, sizeof(req),
				"{\"batch\":%d,\"expires\":%lld,\"no_wait\":true}", max - n,
				(long long)wait_ms * 1000000);
			if ((s = natsConnection_PublishRequestString(
				     jp->jp_nc, jp->jp_next, jp->jp_inbox, req)) != NATS_OK)
				break;
			asked = true;
		}
		if ((s = natsSubscription_NextMsg(&m, jp->jp_sub, left > 1 ? left : 1)) != NATS_OK)
			break;
		pending--;
		if (natsMsg_GetDataLength(m) == 0 && natsMsg_GetReply(m) == NULL) {
			const char *code = NULL;

			/*
			 * A status ends a request, ours or an older one: 404 no
			 * messages, 408 expired; anything else is an error.
			 */
			natsMsgHeader_Get(m, "Status", &code);
			if (code != NULL && strcmp(code, "404") != 0 && strcmp(code, "408") != 0)
				s = NATS_ERR;
			/* "No messages" at once: a pause before the caller asks again. */
			if (code != NULL && strcmp(code, "404") == 0 && asked && n == 0)
				nats_Sleep(wait_ms / 10);
			natsMsg_Destroy(m);
			if (s != NATS_OK || asked || n > 0)
				break;
			continue;
		}
		msgs[n++] = m;
	}
	*count = n;
	if (n > 0)
		return (NATS_OK);
	return (s == NATS_OK ? NATS_TIMEOUT : s);
}

void
store_jspull_reply(natsConnection *nc, natsMsg *m, const char *what)
{
	const char *reply = natsMsg_GetReply(m);

	if (reply != NULL)
		natsConnection_PublishString(nc, reply, what);
}
