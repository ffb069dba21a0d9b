/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging for Mamori's processes.  Control paths only: worker lcores count,
 * they do not log per packet.
 */
#ifndef MAMORI_LOG_H
#define MAMORI_LOG_H

#include <stdarg.h>

enum mm_log_level {
	MM_LOG_ERR = 3,
	MM_LOG_WARN = 4,
	MM_LOG_NOTICE = 5,
	MM_LOG_INFO = 6,
	MM_LOG_DEBUG = 7,
};

/* Where the lines go, chosen by mm_log_init from $MAMORI_LOG_TARGET. */
enum mm_log_target {
	MM_LOG_TO_STDERR,  /* "prog: error: message" */
	MM_LOG_TO_JOURNAL, /* "<3>error: message" on stderr, a systemd journal stream */
	MM_LOG_TO_SYSLOG,  /* syslog(3), facility daemon, the level as priority */
};

/*
 * Sets the program name shown in front of each line and the lowest level
 * printed, and picks the target: $MAMORI_LOG_TARGET stderr, journal or
 * syslog; unset or auto, the journal when stderr is the stream systemd gave
 * ($JOURNAL_STREAM), else stderr.
 */
void mm_log_init(const char *prog, enum mm_log_level level);
enum mm_log_target mm_log_get_target(void);
void mm_log_set_level(enum mm_log_level level);
enum mm_log_level mm_log_get_level(void);
/* Parses "err", "warn", "notice", "info" or "debug"; returns -1 when unknown. */
int mm_log_level_parse(const char *name);

void mm_log(enum mm_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mm_vlog(enum mm_log_level level, const char *fmt, va_list ap);

#define mm_err(...)    mm_log(MM_LOG_ERR, __VA_ARGS__)
#define mm_warn(...)   mm_log(MM_LOG_WARN, __VA_ARGS__)
#define mm_notice(...) mm_log(MM_LOG_NOTICE, __VA_ARGS__)
#define mm_info(...)   mm_log(MM_LOG_INFO, __VA_ARGS__)
#define mm_debug(...)  mm_log(MM_LOG_DEBUG, __VA_ARGS__)

#endif /* MAMORI_LOG_H */
