/* SPDX-License-Identifier: BSD-3-Clause */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <mamori/log.h>

#include "store_qserve.h"

struct store_qserve {
	nng_socket qs_sock;
	struct store_query *qs_query;
	pthread_t qs_thread;
};

static void *
qserve_main(void *arg)
{
	struct store_qserve *qs = arg;

	/* Named for top -H and perf. */
	pthread_setname_np(pthread_self(), "store-query");

	for (;;) {
		nng_msg *m;
		char *answer;
		int rv;

		if ((rv = nng_recvmsg(qs->qs_sock, &m, 0)) != 0) {
			if (rv == NNG_ECLOSED)
				break;
			continue;
		}
		answer = store_query_answer(qs->qs_query, nng_msg_body(m), nng_msg_len(m));
		nng_msg_clear(m);
		if (answer == NULL || nng_msg_append(m, answer, strlen(answer)) != 0) {
			/* No answer: the client's request times out and it may ask again. */
			mm_err("query: out of memory for an answer");
			free(answer);
			nng_msg_free(m);
			continue;
		}
		free(answer);
		if (nng_sendmsg(qs->qs_sock, m, 0) != 0)
			nng_msg_free(m);
	}
	return (NULL);
}

struct store_qserve *
store_qserve_start(nng_socket sock, struct store_query *q, char *err, size_t errlen)
{
	struct store_qserve *qs;
	int rv;

	if ((qs = calloc(1, sizeof(*qs))) == NULL) {
		snprintf(err, errlen, "query: out of memory");
		goto fail;
	}
	qs->qs_sock = sock;
	qs->qs_query = q;
	if ((rv = pthread_create(&qs->qs_thread, NULL, qserve_main, qs)) != 0) {
		snprintf(err, errlen, "query: cannot start the thread: %s", strerror(rv));
		free(qs);
		goto fail;
	}
	return (qs);
fail:
	nng_close(sock);
	store_query_close(q);
	return (NULL);
}

void
store_qserve_stop(struct store_qserve *qs)
{
	if (qs == NULL)
		return;
	store_query_interrupt(qs->qs_query);
	nng_close(qs->qs_sock);
	pthread_join(qs->qs_thread, NULL);
	store_query_close(qs->qs_query);
	free(qs);
}
