/*
 * test.h - the smallest test harness: CHECK records a failure with its
 * location and goes on; TEST_MAIN prints "N passed, N failed" and exits
 * non-zero on any failure.  Every test binary ends with that line.
 */
#ifndef ALR_TEST_H
#define ALR_TEST_H

#include <stdio.h>
#include <string.h>

static unsigned test_passed_, test_failed_;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (cond) {                                                              \
            test_passed_++;                                                      \
        } else {                                                                 \
            test_failed_++;                                                      \
            fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond);   \
        }                                                                        \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                       \
    do {                                                                         \
        long long a_ = (long long)(a), b_ = (long long)(b);                      \
        if (a_ == b_) {                                                          \
            test_passed_++;                                                      \
        } else {                                                                 \
            test_failed_++;                                                      \
            fprintf(stderr, "%s:%d: FAILED: %s == %s (%lld != %lld)\n", __FILE__, \
                    __LINE__, #a, #b, a_, b_);                                   \
        }                                                                        \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                       \
    do {                                                                         \
        const char *a_ = (a), *b_ = (b);                                         \
        if (a_ && b_ && strcmp(a_, b_) == 0) {                                   \
            test_passed_++;                                                      \
        } else {                                                                 \
            test_failed_++;                                                      \
            fprintf(stderr, "%s:%d: FAILED: %s == %s\n  got:  %s\n  want: %s\n", \
                    __FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)",              \
                    b_ ? b_ : "(null)");                                         \
        }                                                                        \
    } while (0)

#define TEST_RUN(fn)     \
    do {                 \
        fn();            \
    } while (0)

#define TEST_MAIN_END()                                                   \
    do {                                                                  \
        printf("%u passed, %u failed\n", test_passed_, test_failed_);     \
        return test_failed_ ? 1 : 0;                                      \
    } while (0)

#endif /* ALR_TEST_H */
