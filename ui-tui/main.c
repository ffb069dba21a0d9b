/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamori-console: the operator's console for a Mamori appliance (ncurses).
 * Options, the terminal, and the loop that waits on the keyboard and the
 * sockets at once, then draws when something changed.
 */
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mamori/bus.h"
#include "ui.h"
#include "ui_draw.h"

#define DEFAULT_CONTROL "ipc://" MM_BUS_RUNDIR "/" MM_BUS_CONTROL
#define DEFAULT_QUERY   "ipc://" MM_BUS_RUNDIR "/" MM_BUS_STORE_QUERY
#define DEFAULT_LIVE    "ipc://" MM_BUS_RUNDIR "/" MM_BUS_STORE_LIVE

#define EXIT_USAGE  2
#define DRAW_MIN_MS 250 /* redraws caused by data: at most four a second */

static const struct ui_screen *const screens[] = {
	&ui_screen_overview,
	&ui_screen_alerts,
	&ui_screen_c2,
	&ui_screen_iot,
	&ui_screen_pqc,
	&ui_screen_eseal,
	&ui_screen_exercise,
};
#define NSCREENS (sizeof(screens) / sizeof(screens[0]))

static volatile sig_atomic_t got_signal;

static const char usage[] =
	"Usage: " UI_PROG " [--control URL] [--store URL] [--live URL] [--refresh SECONDS]\n"
	"                      [--site NAME] [--read-only] [--no-color]\n"
	"The operator's console of a Mamori appliance: traffic, flows, plugins, the\n"
	"live tail of committed events and the plugins' findings, and control of\n"
	"mamorid (reload, enable or disable a plugin, stop).\n"
	"\n"
	"Options:\n"
	"      --control URL      mamorid's control socket (default $MAMORI_CONTROL, else\n"
	"                         " DEFAULT_CONTROL ")\n"
	"      --store URL        the store's query socket (default $MAMORI_STORE, else\n"
	"                         " DEFAULT_QUERY ")\n"
	"      --live URL         the store's live view, pub (default $MAMORI_LIVE, else\n"
	"                         " DEFAULT_LIVE ")\n"
	"      --site NAME        with a central store (fleet mode): show only the events\n"
	"                         of this appliance site in lists and searches\n"
	"      --refresh SECONDS  between polls of mamorid and the store, 0.2 to 60\n"
	"                         (default 1)\n"
	"      --read-only        a viewer: the control keys are disabled\n"
	"      --no-color         monochrome (also when $NO_COLOR is set and not empty)\n"
	"  -h, --help             this help\n"
	"  -V, --version          the version\n"
	"\n"
	"Screens (keys 1-7 or F1-F7): Overview, Alerts, C2, IoT, PQC, e-seal, Exercise.\n"
	"In the console, ? lists the keys and q quits.  See mamori-console(1).\n"
	"\n"
	"Exit status: 0 after q, 1 when the terminal or a socket cannot be set up,\n"
	"2 on a usage error.\n";

enum {
	OPT_CONTROL = 256,
	OPT_STORE,
	OPT_LIVE,
	OPT_REFRESH,
	OPT_READ_ONLY,
	OPT_NO_COLOR,
	OPT_SITE,
};

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", UI_PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", UI_PROG);
}

static const char *
env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return (v != NULL && *v != '\0' ? v : dflt);
}

static int
parse_args(struct ui *u, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "control", required_argument, NULL, OPT_CONTROL },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "live", required_argument, NULL, OPT_LIVE },
		{ "refresh", required_argument, NULL, OPT_REFRESH },
		{ "read-only", no_argument, NULL, OPT_READ_ONLY },
		{ "no-color", no_argument, NULL, OPT_NO_COLOR },
		{ "site", required_argument, NULL, OPT_SITE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *nc = getenv("NO_COLOR");
	char *end;
	int c;

	u->u_control = env_or("MAMORI_CONTROL", DEFAULT_CONTROL);
	u->u_store = env_or("MAMORI_STORE", DEFAULT_QUERY);
	u->u_live = env_or("MAMORI_LIVE", DEFAULT_LIVE);
	u->u_refresh_s = 1.0;
	u->u_color = nc == NULL || *nc == '\0';
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hV", lo, NULL)) != -1) {
		switch (c) {
		case OPT_CONTROL:
			u->u_control = optarg;
			break;
		case OPT_STORE:
			u->u_store = optarg;
			break;
		case OPT_LIVE:
			u->u_live = optarg;
			break;
		case OPT_SITE:
			u->u_site = optarg;
			break;
		case OPT_REFRESH:
			errno = 0;
			u->u_refresh_s = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
				!(u->u_refresh_s >= 0.2) || u->u_refresh_s > 60) {
				usage_error("--refresh: expected seconds from 0.2 to 60, got '%s'",
					optarg);
				return (EXIT_USAGE);
			}
			break;
		case OPT_READ_ONLY:
			u->u_read_only = true;
			break;
		case OPT_NO_COLOR:
			u->u_color = false;
			break;
		case 'h':
			fputs(usage, stdout);
			return (EXIT_SUCCESS);
		case 'V':
			printf("%s %s\n", UI_PROG, MAMORI_VERSION);
			return (EXIT_SUCCESS);
		case ':':
			usage_error("option '%s' needs a value", argv[optind - 1]);
			return (EXIT_USAGE);
		default:
			usage_error("unknown option '%s'", argv[optind - 1]);
			return (EXIT_USAGE);
		}
	}
	if (optind < argc) {
		usage_error("unexpected argument '%s'", argv[optind]);
		return (EXIT_USAGE);
	}
	return (-1);
}

static void
on_signal(int sig)
{
	got_signal = sig;
}

static void
show(struct ui *u, unsigned i)
{
	if (i >= u->u_nscreens || i == u->u_cur)
		return;
	u->u_cur = i;
	u->u_model.m_overview = u->u_screens[i] == &ui_screen_overview;
	/* A plugin screen asks the store at once rather than at the next tick. */
	if (u->u_screens[i]->sc_tick != NULL)
		u->u_screens[i]->sc_tick(u, u->u_screens[i], ui_now_ms());
}

static void
handle_key(struct ui *u, struct ui_key k)
{
	const struct ui_screen *sc = u->u_screens[u->u_cur];
	int c = k.k_code;

	u->u_dirty = true;
	if (k.k_fkey && c == KEY_RESIZE) {
		clearok(curscr, TRUE);
		return;
	}
	if (ui_frame_key(u, k))
		return;
	if (k.k_fkey) {
		if (c >= KEY_F(1) && c < KEY_F(1) + (int)u->u_nscreens)
			show(u, (unsigned)(c - KEY_F(1)));
		else if (c == KEY_F(10))
			u->u_quit = true;
		else if (c == KEY_LEFT)
			show(u, (u->u_cur + u->u_nscreens - 1) % u->u_nscreens);
		else if (c == KEY_RIGHT)
			show(u, (u->u_cur + 1) % u->u_nscreens);
		else if (sc->sc_key != NULL)
			sc->sc_key(u, sc, k);
		return;
	}
	if (c == 'q') {
		u->u_quit = true;
	} else if (c == '?') {
		u->u_mode = UI_MODE_HELP;
	} else if (c >= '1' && c < '1' + (int)u->u_nscreens) {
		show(u, (unsigned)(c - '1'));
	} else if (c == 12) { /* ^L */
		clearok(curscr, TRUE);
	} else if (sc->sc_key == NULL || !sc->sc_key(u, sc, k)) {
		ui_control_key(u, k, NULL);
	}
}

static void
read_keys(struct ui *u)
{
	wint_t wc;
	int rc;

	while ((rc = get_wch(&wc)) != ERR) {
		struct ui_key k = { (int)wc, rc == KEY_CODE_YES };

		handle_key(u, k);
		if (u->u_quit)
			return;
	}
}

/* A finished control action becomes the message of the keys line. */
static void
show_action(struct ui *u)
{
	const struct ui_daemon *d = &u->u_model.m_d;

	if (d->d_action_seq == u->u_action_seen)
		return;
	u->u_action_seen = d->d_action_seq;
	ui_message(u, !d->d_action_ok, "%s", d->d_action);
	if (d->d_action_busy) /* a reload may take long: keep saying so */
		u->u_msg_until_ms = UINT64_MAX;
}

static int
run(struct ui *u)
{
	uint64_t next_tick = 0, last_draw = 0, refresh_ms = (uint64_t)(u->u_refresh_s * 1000);

	u->u_dirty = true;
	while (!u->u_quit && got_signal == 0) {
		uint64_t now = ui_now_ms();
		struct pollfd pfd[3];
		int timeout, nfd = 0;

		if (now >= next_tick) {
			const struct ui_screen *sc = u->u_screens[u->u_cur];

			ui_model_tick(&u->u_model, now);
			if (sc->sc_tick != NULL)
				sc->sc_tick(u, sc, now);
			next_tick = now + refresh_ms;
		}
		ui_model_poll(&u->u_model, now);
		show_action(u);
		if (u->u_model.m_changed && now - last_draw >= DRAW_MIN_MS) {
			u->u_model.m_changed = false;
			u->u_dirty = true;
		}
		if (u->u_dirty) {
			ui_frame_draw(u);
			u->u_dirty = false;
			last_draw = now;
		}
		timeout = (int)(next_tick - now);
		if (u->u_model.m_changed && (int)(last_draw + DRAW_MIN_MS - now) < timeout)
			timeout = (int)(last_draw + DRAW_MIN_MS - now);
		if (timeout < 0)
			timeout = 0;
		pfd[nfd++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		pfd[nfd++] =
			(struct pollfd){ .fd = ui_model_wake_fd(&u->u_model), .events = POLLIN };
		if (ui_model_live_fd(&u->u_model) >= 0)
			pfd[nfd++] = (struct pollfd){ .fd = ui_model_live_fd(&u->u_model),
				.events = POLLIN };
		/* EINTR (SIGWINCH, a signal to stop) is a reason to look again. */
		poll(pfd, (nfds_t)nfd, timeout);
		/* The terminal went away (an SSH session dropped without SIGHUP). */
		if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			break;
		read_keys(u);
	}
	return (EXIT_SUCCESS);
}

static void
fini_screens(struct ui *u)
{
	for (unsigned i = 0; i < u->u_nscreens; i++)
		if (u->u_screens[i]->sc_fini != NULL)
			u->u_screens[i]->sc_fini(u, u->u_screens[i]);
}

int
main(int argc, char **argv)
{
	static struct ui ui;
	struct ui *u = &ui;
	struct sigaction sa;
	SCREEN *scr;
	char err[256];
	int rv;

	setlocale(LC_ALL, "");
	if ((rv = parse_args(u, argc, argv)) >= 0)
		return (rv);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "%s: needs a terminal (stdin and stdout)\n", UI_PROG);
		return (EXIT_FAILURE);
	}
	u->u_screens = screens;
	u->u_nscreens = NSCREENS;
	if (ui_model_open(&u->u_model, u->u_control, u->u_store, u->u_live, u->u_refresh_s, err,
		    sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", UI_PROG, err);
		return (EXIT_FAILURE);
	}
	u->u_model.m_overview = true;
	u->u_model.m_s.s_query.l_site = u->u_site;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((scr = newterm(NULL, stdout, stdin)) == NULL) {
		fprintf(stderr, "%s: cannot use the terminal '%s'\n", UI_PROG,
			getenv("TERM") != NULL ? getenv("TERM") : "(TERM not set)");
		ui_model_close(&u->u_model);
		return (EXIT_FAILURE);
	}
	set_escdelay(50);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	ui_draw_init(u->u_color, strcmp(nl_langinfo(CODESET), "UTF-8") == 0);
	rv = run(u);
	endwin();
	delscreen(scr);
	ui_model_close(&u->u_model);
	fini_screens(u);
	return (rv);
}
