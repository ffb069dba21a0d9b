/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Beacon scoring: see beacon.h and docs/c2detect.md for the definitions.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "beacon.h"

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

/* Pairs keep a few dozen samples: insertion sort beats qsort's calls there. */
static void
sort_doubles(double *v, size_t n)
{
	if (n > 64) {
		qsort(v, n, sizeof(*v), cmp_double);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		double x = v[i];
		size_t j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

double
bc_round3(double x)
{
	return (round(x * 1000.0) / 1000.0);
}

double
bc_ceil3(double x)
{
	/* The small guard keeps 0.5 (an exact third decimal) from becoming 0.501. */
	return (ceil(x * 1000.0 - 1e-9) / 1000.0);
}

double
bc_median(const double *sorted, size_t n)
{
	if (n == 0)
		return (0);
	if (n % 2 == 1)
		return (sorted[n / 2]);
	return ((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0);
}

void
bc_quartiles(const double *sorted, size_t n, struct bc_quartiles *q)
{
	size_t half = n / 2;

	q->q2 = bc_median(sorted, n);
	if (n < 2) {
		q->q1 = q->q3 = q->q2;
		return;
	}
	q->q1 = bc_median(sorted, half);
	q->q3 = bc_median(sorted + (n - half), half);
}

double
bc_bowley(const struct bc_quartiles *q)
{
	double den = q->q3 - q->q1;

	if (den < 10.0 || q->q2 == q->q1 || q->q2 == q->q3)
		return (0);
	return ((q->q1 + q->q3 - 2.0 * q->q2) / den);
}

double
bc_madm(const double *sorted, size_t n, double *tmp)
{
	double med = bc_median(sorted, n);

	for (size_t i = 0; i < n; i++)
		tmp[i] = fabs(sorted[i] - med);
	sort_doubles(tmp, n);
	return (bc_median(tmp, n));
}

static double
clamp_score(double x)
{
	return (isnan(x) || x < 0 ? 0 : x);
}

/* skewScore and madScore of a sorted list; small_med is madScore when median < 1. */
static double
dispersion_score(const double *sorted, size_t n, double *tmp, double small_med, double *skew_score,
	double *mad_score, double *median, double *madm)
{
	struct bc_quartiles q;
	double med, mad, ss, ms;

	bc_quartiles(sorted, n, &q);
	med = q.q2;
	mad = bc_madm(sorted, n, tmp);
	ss = clamp_score(1.0 - fabs(bc_bowley(&q)));
	ms = med >= 1.0 ? clamp_score((med - mad) / med) : small_med;
	if (skew_score != NULL)
		*skew_score = ss;
	if (mad_score != NULL)
		*mad_score = ms;
	if (median != NULL)
		*median = med;
	if (madm != NULL)
		*madm = mad;
	return (bc_round3((ss + ms) / 2.0));
}

/* The timestamp score of times already sorted in work[0..n); deltas go after them. */
static int
ts_score_sorted(double *work, size_t n, double *score, double *skew_score, double *mad_score,
	double *median, double *madm)
{
	double *sorted = work, *deltas = work + n;
	size_t nd = 0;

	*score = 0;
	for (size_t i = 1; i < n; i++)
		if (sorted[i] != sorted[i - 1])
			deltas[nd++] = sorted[i] - sorted[i - 1];
	if (nd < 3)
		return (-EINVAL);
	sort_doubles(deltas, nd);
	/* The times are no longer needed: work is the MADM's scratch. */
	*score = dispersion_score(deltas, nd, work, 1.0, skew_score, mad_score, median, madm);
	return (0);
}

int
bc_ts_score(const uint32_t *ts, size_t n, double *work, double *score, double *skew_score,
	double *mad_score, double *median, double *madm)
{
	for (size_t i = 0; i < n; i++)
		work[i] = ts[i];
	sort_doubles(work, n);
	return (ts_score_sorted(work, n, score, skew_score, mad_score, median, madm));
}

int
bc_ds_score(const uint32_t *bytes, size_t n, double *work, double *score, double *skew_score,
	double *mad_score)
{
	double *sorted = work, *tmp = work + n;

	*score = 0;
	if (n < 3)
		return (-EINVAL);
	for (size_t i = 0; i < n; i++)
		sorted[i] = bytes[i];
	sort_doubles(sorted, n);
	*score = dispersion_score(sorted, n, tmp, 0.0, skew_score, mad_score, NULL, NULL);
	return (0);
}

void
bc_bin_counts(const uint32_t *ts, size_t n, double ws, double we, double *bins)
{
	double width = (we - ws) / BC_BINS;

	memset(bins, 0, BC_BINS * sizeof(*bins));
	for (size_t i = 0; i < n; i++) {
		double t = ts[i];
		long b;

		if (t < ws || t > we)
			continue;
		b = width > 0 ? (long)((t - ws) / width) : 0;
		if (b >= BC_BINS)
			b = BC_BINS - 1;
		bins[b] += 1.0;
	}
}

static int
nonempty(const double *bins)
{
	int k = 0;

	for (int i = 0; i < BC_BINS; i++)
		k += bins[i] > 0;
	return (k);
}

double
bc_hist_score(const double *bins, double *cv_score, double *fit)
{
	double sum = 0, mean, var = 0, cv, cvs, f = 0, max = 0;
	int ne = nonempty(bins);

	for (int i = 0; i < BC_BINS; i++) {
		sum += bins[i];
		if (bins[i] > max)
			max = bins[i];
	}
	mean = sum / BC_BINS;
	for (int i = 0; i < BC_BINS; i++)
		var += (bins[i] - mean) * (bins[i] - mean);
	var /= BC_BINS;
	cv = mean > 0 ? sqrt(var) / mean : INFINITY;
	cvs = cv > 1.0 ? 0 : bc_round3(1.0 - cv);
	if (ne >= 11) {
		/* Bin heights into buckets ceil(5% of the highest) wide; two modes fit. */
		double width = ceil(max * 0.05);
		int freq[BC_BINS + 1] = { 0 }, best = 0, second = 0;
		long bucket[BC_BINS];
		int nb = 0;

		if (width < 1)
			width = 1;
		for (int i = 0; i < BC_BINS; i++) {
			long b;
			int j;

			if (bins[i] <= 0)
				continue;
			b = (long)floor(bins[i] / width);
			for (j = 0; j < nb && bucket[j] != b; j++)
				;
			if (j == nb)
				bucket[nb++] = b;
			freq[j]++;
		}
		for (int j = 0; j < nb; j++) {
			if (freq[j] > best) {
				second = best;
				best = freq[j];
			} else if (freq[j] > second) {
				second = freq[j];
			}
		}
		f = (double)(best + second) / (double)(ne - 1 > 1 ? ne - 1 : 1);
	}
	if (cv_score != NULL)
		*cv_score = cvs;
	if (fit != NULL)
		*fit = f;
	return (fmin(1.0, fmax(cvs, f)));
}

double
bc_dur_score(const double *bins, double first, double last, double ws, double we, double *coverage,
	double *consistency)
{
	double cov = 0, con = 0;
	int run = 0, best = 0;

	if (nonempty(bins) >= 6) {
		if (we > ws)
			cov = bc_ceil3((last - first) / (we - ws));
		/* Longest run of non-empty bins, wrapping around midnight: walk twice. */
		for (int i = 0; i < 2 * BC_BINS; i++) {
			if (bins[i % BC_BINS] > 0) {
				if (++run > best)
					best = run;
			} else {
				run = 0;
			}
		}
		if (best > BC_BINS)
			best = BC_BINS;
		con = bc_ceil3((double)best / 12.0);
	}
	if (coverage != NULL)
		*coverage = cov;
	if (consistency != NULL)
		*consistency = con;
	return (fmin(1.0, fmax(cov, con)));
}

double
bc_bucket(double score)
{
	double s = score * 100.0;

	if (s < 50.0)
		return (0);
	if (s < 70.0)
		return (0.2 + (s - 50.0) / 20.0 * 0.2);
	if (s < 90.0)
		return (0.4 + (s - 70.0) / 20.0 * 0.2);
	if (s > 100.0)
		s = 100.0;
	return (0.6 + (s - 90.0) / 10.0 * 0.2);
}

const char *
bc_level(double bucketed)
{
	if (bucketed >= 0.6)
		return ("high");
	if (bucketed >= 0.4)
		return ("medium");
	if (bucketed >= 0.2)
		return ("low");
	return ("none");
}

size_t
bc_score(const struct bc_input *in, double *work, struct bc_score *out)
{
	double bins[BC_BINS];
	size_t distinct = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < in->nts; i++)
		work[i] = in->ts[i];
	sort_doubles(work, in->nts);
	for (size_t i = 0; i < in->nts; i++)
		distinct += i == 0 || work[i] != work[i - 1];
	(void)ts_score_sorted(
		work, in->nts, &out->ts, &out->ts_skew, &out->ts_mad, &out->period, &out->jitter);
	(void)bc_ds_score(in->bytes, in->nbytes, work, &out->ds, &out->ds_skew, &out->ds_mad);
	if (in->bins != NULL)
		memcpy(bins, in->bins, sizeof(bins));
	else
		bc_bin_counts(in->ts, in->nts, in->ws, in->we, bins);
	out->nonempty_bins = nonempty(bins);
	out->hist = bc_hist_score(bins, &out->hist_cv, &out->hist_fit);
	out->dur = bc_dur_score(bins, in->first, in->last, in->ws, in->we, &out->dur_coverage,
		&out->dur_consistency);
	out->score =
		bc_round3(0.25 * out->ts + 0.25 * out->ds + 0.25 * out->dur + 0.25 * out->hist);
	out->bucketed = bc_bucket(out->score);
	return (distinct);
}
