/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging to stderr as "prog: message", with "error: " or "warning: " in front
 * of the message for those two levels.  Each line is formatted first and
 * written with one call, so lines from several threads or processes sharing
 * stderr do not interleave.
 *
 * Under systemd, stderr is a journal stream: each line then starts with its
 * syslog priority ("<3>"), which journald strips and records as PRIORITY,
 * so 'journalctl -p warning' works.  MAMORI_LOG_TARGET=syslog sends the
 * lines to syslog(3) instead (facility daemon), for hosts that collect
 * logs with a syslog daemon.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include "mamori/log.h"

/* The header leaves the attribute off; clang's -Wformat-nonliteral wants it here. */
void mm_vlog(enum mm_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static const char *log_prog = "mamori";
static atomic_int log_level = MM_LOG_INFO;
/* Set once by mm_log_init: journald and terminals stamp lines themselves. */
static bool log_timestamps;
static enum mm_log_target log_target = MM_LOG_TO_STDERR;

static const struct {
	const char *ln_name;
	enum mm_log_level ln_level;
} log_names[] = {
	{ "err", MM_LOG_ERR },
	{ "error", MM_LOG_ERR },
	{ "warn", MM_LOG_WARN },
	{ "warning", MM_LOG_WARN },
	{ "notice", MM_LOG_NOTICE },
	{ "info", MM_LOG_INFO },
	{ "debug", MM_LOG_DEBUG },
};

/* True when stderr is the stream systemd connected to the journal ($JOURNAL_STREAM). */
static bool
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
		fstat(STDERR_FILENO, &st) != 0)
		return (false);
	return ((unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino);
}

void
mm_log_init(const char *prog, enum mm_log_level level)
{
	const char *env, *target;

	if (prog != NULL) {
		const char *slash = strrchr(prog, '/');
		log_prog = slash != NULL ? slash + 1 : prog;
	}
	mm_log_set_level(level);
	env = getenv("MAMORI_LOG_TIMESTAMPS");
	log_timestamps = !isatty(STDERR_FILENO) && env != NULL && strcmp(env, "1") == 0;
	target = getenv("MAMORI_LOG_TARGET");
	if (target != NULL && strcmp(target, "syslog") == 0) {
		log_target = MM_LOG_TO_SYSLOG;
		openlog(log_prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	} else if (target != NULL && strcmp(target, "journal") == 0) {
		log_target = MM_LOG_TO_JOURNAL;
	} else if (target != NULL && strcmp(target, "stderr") == 0) {
		log_target = MM_LOG_TO_STDERR;
	} else {
		log_target = stderr_is_journal() ? MM_LOG_TO_JOURNAL : MM_LOG_TO_STDERR;
		if (target != NULL && *target != '\0' && strcmp(target, "auto") != 0)
			mm_warn("MAMORI_LOG_TARGET: expected auto, stderr, journal or syslog, got "
				"'%s'; logging to %s",
				target, log_target == MM_LOG_TO_JOURNAL ? "the journal" : "stderr");
	}
}

enum mm_log_target
mm_log_get_target(void)
{
	return (log_target);
}

void
mm_log_set_level(enum mm_log_level level)
{
	atomic_store(&log_level, (int)level);
}

enum mm_log_level
mm_log_get_level(void)
{
	return (enum mm_log_level)atomic_load(&log_level);
}

int
mm_log_level_parse(const char *name)
{
	if (name == NULL)
		return (-1);
	for (size_t i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
		if (strcmp(name, log_names[i].ln_name) == 0)
			return ((int)log_names[i].ln_level);
	return (-1);
}

void
mm_vlog(enum mm_log_level level, const char *fmt, va_list ap)
{
	char msg[1024], stamp[40] = "";
	const char *tag = "";
	size_t n;

	if ((int)level > atomic_load(&log_level))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	if (n > 0 && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	if (level <= MM_LOG_ERR)
		tag = "error: ";
	else if (level == MM_LOG_WARN)
		tag = "warning: ";
	if (log_target == MM_LOG_TO_SYSLOG) {
		syslog((int)level, "%s%s", tag, msg);
		return;
	}
	if (log_target == MM_LOG_TO_JOURNAL) {
		/* journald adds the time and the program (SYSLOG_IDENTIFIER). */
		fprintf(stderr, "<%d>%s%s\n", (int)level, tag, msg);
		return;
	}
	if (log_timestamps) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(stamp + n, sizeof(stamp) - n, ".%03ldZ ", ts.tv_nsec / 1000000);
	}
	fprintf(stderr, "%s%s: %s%s\n", stamp, log_prog, tag, msg);
}

void
mm_log(enum mm_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mm_vlog(level, fmt, ap);
	va_end(ap);
}
