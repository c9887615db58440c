/* Every return mode through C prototypes. */
#ifndef MODES_H
#define MODES_H

#include <stdbool.h>
#include <stdint.h>

#include <alr/annotate.h>

/// Every return mode, static and on an instance, with the value coming back
/// as the C return value or through an ALR_OUT parameter.
ALR_PACKAGE("modes");

enum ALR_ENUM Err { bad_input = 1, busy, gone };

struct ALR_STRUCT Item {
    const char *id;
    ALR_DEFAULT(1) uint32_t qty;
};

typedef struct ALR_SERVICE ALR_PREFIX("jobs_") Jobs Jobs;

ALR_STATIC(Jobs) void jobs_nothing(void);
ALR_STATIC(Jobs) uint32_t jobs_count(void);
ALR_STATIC(Jobs) struct Item jobs_item(const char *id);
ALR_STATIC(Jobs) void jobs_item_out(const char *id, ALR_OUT struct Item *out);
ALR_STATIC(Jobs) const char *jobs_name_of(struct Item it);
ALR_STATIC(Jobs) enum Err jobs_last_error(void);
ALR_STATIC(Jobs) Jobs *jobs_any_job(void);
ALR_STATIC(Jobs) ALR_OPTIONAL struct Item *jobs_maybe_item(const char *id);
ALR_STATIC(Jobs) ALR_RESULT enum Err jobs_take(const char *id, ALR_OUT struct Item *out);
ALR_STATIC(Jobs) ALR_RESULT enum Err jobs_take_all(uint32_t max,
                                                   ALR_OUT ALR_LIST(n) struct Item **out,
                                                   uint32_t *n);
ALR_STATIC(Jobs) ALR_RESULT enum Err jobs_drop(const char *id);
ALR_STATIC(Jobs) ALR_STATUS int jobs_ping(void);
ALR_STATIC(Jobs) ALR_STATUS enum Err jobs_check(const struct Item *it);
ALR_STATIC(Jobs) ALR_ONEWAY void jobs_fire(const char *msg);
ALR_STATIC(Jobs) ALR_ONEWAY ALR_STATUS int jobs_post(const char *msg);
ALR_STATIC(Jobs) ALR_ONEWAY ALR_STATUS enum Err jobs_post_checked(const char *msg);
ALR_STATIC(Jobs) ALR_ASYNC uint64_t jobs_slow_count(void);
ALR_STATIC(Jobs) ALR_ASYNC void jobs_slow_nothing(void);
ALR_STATIC(Jobs) ALR_ASYNC void jobs_slow_item(const char *id, ALR_OUT struct Item *out);
ALR_STATIC(Jobs) ALR_ASYNCREF struct Item jobs_watch(const char *id);
ALR_STATIC(Jobs) ALR_ASYNCREF void jobs_watch_names(ALR_OUT ALR_LIST(n) const char ***names,
                                                    uint32_t *n);
ALR_CTOR(Jobs) Jobs *jobs_new(ALR_DEFAULT(5) uint32_t priority);
ALR_METHOD(Jobs) void jobs_run(Jobs *self);
ALR_METHOD(Jobs) uint32_t jobs_progress(const Jobs *self);
ALR_METHOD(Jobs) ALR_RESULT enum Err jobs_result_item(Jobs *self, ALR_OUT struct Item *out);
ALR_METHOD(Jobs) ALR_STATUS enum Err jobs_cancel(Jobs *self, ALR_DEFAULT(false) bool force);
ALR_METHOD(Jobs) ALR_ONEWAY void jobs_nudge(Jobs *self);
ALR_METHOD(Jobs) ALR_ONEWAY ALR_STATUS enum Err jobs_nudge_checked(Jobs *self);
ALR_METHOD(Jobs) ALR_ASYNC void jobs_wait(Jobs *self, ALR_OUT struct Item *out);
ALR_METHOD(Jobs) ALR_ASYNCREF struct Item jobs_follow(Jobs *self);

#endif
