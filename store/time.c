/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A strict, allocation-free timestamp reader: it runs for every stored event,
 * and strptime() accepts too much (and knows no fractions or offsets).
 */
#include <errno.h>
#include <stdbool.h>
#include <time.h>

#include "store_time.h"

#define NS_PER_SEC 1000000000LL
/* The last second whose nanoseconds fit int64: 2262-04-11T23:47:16Z. */
#define MAX_SEC (INT64_MAX / NS_PER_SEC)

/* Reads exactly n digits at s[*i]; false if any is not a digit. */
static bool
digits(const char *s, size_t len, size_t *i, unsigned n, int *out)
{
	int v = 0;

	if (*i + n > len)
		return (false);
	for (unsigned k = 0; k < n; k++) {
		char c = s[*i + k];

		if (c < '0' || c > '9')
			return (false);
		v = v * 10 + (c - '0');
	}
	*i += n;
	*out = v;
	return (true);
}

static bool
expect(const char *s, size_t len, size_t *i, char c)
{
	if (*i >= len || s[*i] != c)
		return (false);
	(*i)++;
	return (true);
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant). */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

static int
days_in_month(int y, int m)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return (m == 2 && leap ? 29 : mdays[m - 1]);
}

int
store_time_parse(const char *s, size_t len, int64_t *ns)
{
	int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
	int64_t frac = 0, t;
	size_t i = 0;

	if (!digits(s, len, &i, 4, &y) || !expect(s, len, &i, '-') || !digits(s, len, &i, 2, &mo) ||
		!expect(s, len, &i, '-') || !digits(s, len, &i, 2, &d))
		return (-EINVAL);
	if (i >= len || (s[i] != 'T' && s[i] != 't' && s[i] != ' '))
		return (-EINVAL);
	i++;
	if (!digits(s, len, &i, 2, &h) || !expect(s, len, &i, ':') || !digits(s, len, &i, 2, &mi) ||
		!expect(s, len, &i, ':') || !digits(s, len, &i, 2, &sec))
		return (-EINVAL);
	if (i < len && s[i] == '.') {
		int64_t scale = NS_PER_SEC / 10;
		size_t start = ++i;

		/* Digits past nanoseconds are read and dropped. */
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, scale /= 10)
			frac += (s[i] - '0') * scale;
		if (i == start)
			return (-EINVAL);
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		sign = s[i++] == '-' ? -1 : 1;
		if (!digits(s, len, &i, 2, &oh))
			return (-EINVAL);
		if (i < len && s[i] == ':')
			i++;
		if (!digits(s, len, &i, 2, &om))
			return (-EINVAL);
	} else {
		return (-EINVAL);
	}
	if (i != len)
		return (-EINVAL);
	if (y < 1970 || y > 2262 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
		h > 23 || mi > 59 || sec > 60 || oh > 23 || om > 59)
		return (-EINVAL);
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= sign * (oh * 3600 + om * 60);
	if (t < 0 || t >= MAX_SEC)
		return (-EINVAL);
	*ns = t * NS_PER_SEC + frac;
	return (0);
}

int64_t
store_time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec);
}
