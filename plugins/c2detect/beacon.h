/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Beacon scoring after the published RITA v5 definitions: the timestamp,
 * data-size, histogram and duration scores of one (source, destination)
 * pair over a window, their 0.25-weighted sum and its bucketing.
 *
 * Pure functions over arrays: no state, no allocation beyond what the caller
 * passes, so that each component can be checked against hand-computed values.
 */
#ifndef C2_BEACON_H
#define C2_BEACON_H

#include <stddef.h>
#include <stdint.h>

#define BC_BINS           24 /* histogram bins over the window (hours of a day) */
#define BC_MIN_TIMESTAMPS 4  /* distinct timestamps needed to score a pair */

/* The quartiles of a sorted list, RITA's convention (the middle element is
 * left out of both halves when the count is odd). */
struct bc_quartiles {
	double q1;
	double q2;
	double q3;
};

void bc_quartiles(const double *sorted, size_t n, struct bc_quartiles *q);
/* Median of a sorted list (0 for an empty one). */
double bc_median(const double *sorted, size_t n);
/* Bowley skew, 0 when Q3 - Q1 < 10, Q2 == Q1 or Q2 == Q3. */
double bc_bowley(const struct bc_quartiles *q);
/* Median absolute deviation about the median; tmp holds n doubles. */
double bc_madm(const double *sorted, size_t n, double *tmp);

double bc_round3(double x);
double bc_ceil3(double x);

/* Inputs of one pair over a window [ws, we] (seconds). */
struct bc_input {
	const uint32_t *ts; /* connection start times, any order */
	size_t nts;
	const uint32_t *bytes; /* bytes sent by the source per connection */
	size_t nbytes;
	/* The 24 bin counts of the window; NULL to count them from ts. */
	const double *bins;
	double first; /* first and last connection time in the window */
	double last;
	double ws;
	double we;
};

struct bc_score {
	double ts; /* timestamp score */
	double ts_skew;
	double ts_mad;
	double ds; /* data-size score */
	double ds_skew;
	double ds_mad;
	double hist; /* histogram score */
	double hist_cv;
	double hist_fit;
	double dur; /* duration score */
	double dur_coverage;
	double dur_consistency;
	double score;    /* round3(0.25 * (ts + ds + dur + hist)) */
	double period;   /* median inter-arrival time, s */
	double jitter;   /* MADM of the inter-arrival times, s */
	double bucketed; /* score mapped by bc_bucket() */
	int nonempty_bins;
};

/*
 * Timestamp and data-size scores.  work must hold 2 * n doubles.  Return 0,
 * or -EINVAL when there are fewer than 3 usable values (the score is then 0).
 */
int bc_ts_score(const uint32_t *ts, size_t n, double *work, double *score, double *skew_score,
	double *mad_score, double *median, double *madm);
int bc_ds_score(const uint32_t *bytes, size_t n, double *work, double *score, double *skew_score,
	double *mad_score);
/* Bins [ws, we] into BC_BINS equal bins. */
void bc_bin_counts(const uint32_t *ts, size_t n, double ws, double we, double *bins);
/* Histogram score from the bins; *cv and *fit are the two candidates. */
double bc_hist_score(const double *bins, double *cv_score, double *fit);
/* Duration score; 0 with fewer than 6 non-empty bins. */
double bc_dur_score(const double *bins, double first, double last, double ws, double we,
	double *coverage, double *consistency);
/* 50/70/90/100 bucketing of a score in [0, 1] to [0, 0.8]. */
double bc_bucket(double score);
/* "high" (>= 0.6), "medium" (>= 0.4), "low" (>= 0.2) or "none". */
const char *bc_level(double bucketed);

/*
 * Every component and the total.  work must hold 2 * max(nts, nbytes)
 * doubles.  Returns the number of distinct timestamps (the caller applies
 * the BC_MIN_TIMESTAMPS gate).
 */
size_t bc_score(const struct bc_input *in, double *work, struct bc_score *out);

#endif /* C2_BEACON_H */
