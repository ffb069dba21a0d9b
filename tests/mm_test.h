/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A very small unit-test harness: each test file names every test in one
 * list (as libuv does), runs them all or the ones named on the command line,
 * and ends with the line "N passed, N failed" that CI reads.
 *
 *	MM_TEST(parse_ok) { MM_ASSERT_EQ(parse("1"), 1); }
 *	static const struct mm_test tests[] = { MM_TEST_ENTRY(parse_ok), { NULL, NULL } };
 *	int main(int argc, char **argv) { return mm_test_main(tests, argc, argv); }
 */
#ifndef MM_TEST_H
#define MM_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mm_test {
	const char *t_name;
	void (*t_fn)(void);
};

static int mm_test_failed_;

#define MM_TEST(name) static void name(void)
#define MM_TEST_ENTRY(name)                                                                        \
	{                                                                                          \
#name, name                                                                        \
	}

#define MM_FAIL_(...)                                                                              \
	do {                                                                                       \
		fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);                                  \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fprintf(stderr, "\n");                                                             \
		mm_test_failed_ = 1;                                                               \
		return;                                                                            \
	} while (0)

#define MM_ASSERT(cond)                                                                            \
	do {                                                                                       \
		if (!(cond))                                                                       \
			MM_FAIL_("assertion failed: %s", #cond);                                   \
	} while (0)

#define MM_ASSERT_EQ(a, b)                                                                         \
	do {                                                                                       \
		long long mm_a_ = (long long)(a), mm_b_ = (long long)(b);                          \
		if (mm_a_ != mm_b_)                                                                \
			MM_FAIL_("%s == %s: %lld != %lld", #a, #b, mm_a_, mm_b_);                  \
	} while (0)

#define MM_ASSERT_STREQ(a, b)                                                                      \
	do {                                                                                       \
		const char *mm_a_ = (a), *mm_b_ = (b);                                             \
		if (mm_a_ == NULL || mm_b_ == NULL || strcmp(mm_a_, mm_b_) != 0)                   \
			MM_FAIL_("%s == %s: \"%s\" != \"%s\"", #a, #b, mm_a_ ? mm_a_ : "(null)",   \
				mm_b_ ? mm_b_ : "(null)");                                         \
	} while (0)

static inline int
mm_test_main(const struct mm_test *tests, int argc, char **argv)
{
	int passed = 0, failed = 0;

	for (const struct mm_test *t = tests; t->t_name != NULL; t++) {
		if (argc > 1) {
			int wanted = 0;
			for (int i = 1; i < argc; i++)
				if (strcmp(argv[i], t->t_name) == 0)
					wanted = 1;
			if (!wanted)
				continue;
		}
		mm_test_failed_ = 0;
		t->t_fn();
		if (mm_test_failed_) {
			printf("FAIL %s\n", t->t_name);
			failed++;
		} else {
			printf("ok   %s\n", t->t_name);
			passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}

#endif /* MM_TEST_H */
