/*
 * e2e_check.c - generated greeter and cityguide code over the real runtime:
 * a server and a client in one process on 127.0.0.1, stubs, handlers,
 * application errors, a callback from a handler to the caller through
 * R_S_serve_endpoint and the ambient endpoint, timeouts, capability queries,
 * the wrong and missing endpoint; async stubs (wait, then-callback, the
 * typed accessor, cancel), a oneway call, and oneway status calls in a frame
 * whose failure reaches the frame's error callback.  Built by
 * tests/gen/check.sh against the real libalr (no renaming).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cityguide_gen.h"
#include "greeter_gen.h"

#include "test.h"

static alr_err hello(alr_call *call, const char *name, char **ret)
{
    size_t n = strlen(name) + sizeof "Hello, !";
    char *text = alr_arena_alloc(alr_call_arena(call), n); /* released after the reply */
    if (!text)
        return ALR_ENOMEM;
    snprintf(text, n, "Hello, %s!", name);
    *ret = text;
    return ALR_OK;
}

static alr_err add(alr_call *call, uint64_t a, uint64_t b, uint64_t *ret)
{
    (void)call;
    *ret = a + b;
    return ALR_OK;
}

static char gate[] = "Golden Gate";
static uint32_t callback_seq;
static alr_err callback_err = ALR_EINVAL;

static alr_err poi(alr_call *call, const common_Location *at, cityguide_PointOfInterest *ret)
{
    if (at->latitude < 0) {
        alr_call_set_app_error(call, cityguide_PoiError_out_of_area, "south of %g", at->latitude);
        return ALR_EAPP;
    }
    /* a callback to the caller: the calling connection is the current endpoint */
    CHECK(alr_endpoint_current() == alr_call_endpoint(call));
    callback_err = cityguide_Heartbeat_ping(77);
    alr_arena *a = alr_call_arena(call);
    cityguide_PointOfInterest *near = alr_arena_alloc(a, sizeof *near);
    ret->name = alr_arena_strdup(a, gate);
    if (!near || !ret->name)
        return ALR_ENOMEM;
    near->name = alr_arena_strdup(a, "Fort Point");
    near->website = alr_arena_alloc(a, sizeof *near->website);
    if (!near->name || !near->website || !(*near->website = alr_arena_strdup(a, "https://x")))
        return ALR_ENOMEM;
    ret->nearby.v = near;
    ret->nearby.n = 1;
    ret->at = *at;
    return ALR_OK;
}

static alr_err forget(alr_call *call, const char *name)
{
    alr_call_set_app_error(call, cityguide_PoiError_not_found, "no '%s'", name);
    return ALR_EAPP;
}

static alr_err validate(alr_call *call, const common_Location *at)
{
    if (at->latitude == 42) { /* slow: the caller's deadline passes */
        struct timespec ts = {0, 300 * 1000 * 1000};
        nanosleep(&ts, NULL);
        CHECK(alr_call_timed_out(call) || alr_call_cancelled(call));
    }
    return ALR_OK;
}

static int server_user, client_user;

/* ---- async and oneway handlers (plain entries of the same table) */

static atomic_int logged, warm_started, warm_saw_cancel, then_done, frame_errors;
static double then_lat;
static int then_user, frame_user;
static uint32_t frame_method = 99;
static alr_err frame_err = ALR_OK;
static char frame_text[64];

static alr_err log_event(alr_call *call, const char *text)
{
    (void)call;
    if (strcmp(text, "event") == 0)
        atomic_fetch_add(&logged, 1);
    return ALR_OK;
}

static alr_err audit(alr_call *call, const char *text)
{
    if (strcmp(text, "bad") == 0) {
        alr_call_set_error(call, "audit refused '%s'", text);
        return ALR_EINVAL;
    }
    return ALR_OK;
}

static alr_err poi_async(alr_call *call, const common_Location *at, cityguide_PointOfInterest *ret)
{
    if (at->latitude < 0) {
        alr_call_set_error(call, "south");
        return ALR_EINVAL;
    }
    ret->name = alr_arena_strdup(alr_call_arena(call), "Async Gate");
    ret->at = *at;
    return ret->name ? ALR_OK : ALR_ENOMEM;
}

static alr_err warm_up(alr_call *call)
{
    atomic_store(&warm_started, 1);
    for (int i = 0; i < 400 && !alr_call_cancelled(call); i++) { /* at most 4 s */
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (alr_call_cancelled(call))
        atomic_store(&warm_saw_cancel, 1);
    return ALR_OK;
}

static void on_poi(alr_async *h, void *user)
{
    const cityguide_PointOfInterest *p = cityguide_CityGuide_poi_async_value(h);
    if (p && user == &then_user)
        then_lat = p->at.latitude;
    atomic_store(&then_done, 1);
}

static void on_frame_error(alr_frame *fr, alr_async *h, void *user)
{
    (void)fr;
    if (user != &frame_user)
        return;
    frame_method = alr_async_method(h);
    frame_err = alr_async_error(h);
    snprintf(frame_text, sizeof frame_text, "%s", alr_async_error_text(h));
    atomic_fetch_add(&frame_errors, 1);
}

/* Waits up to 5 s for *flag to become non-zero. */
static int wait_flag(atomic_int *flag)
{
    for (int i = 0; i < 500 && !atomic_load(flag); i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return atomic_load(flag);
}

static void test_async_and_oneway(alr_endpoint *cep)
{
    alr_endpoint_push(cep);
    common_Location at = {12.5, 1.0};

    /* async with wait; the value through the typed accessor, in h's arena */
    alr_async *h = NULL;
    CHECK_EQ_INT(cityguide_CityGuide_poi_async_async(&at, &h), ALR_OK);
    CHECK(h != NULL);
    CHECK_EQ_INT(alr_async_wait(h, 5000), ALR_OK);
    CHECK_EQ_INT(alr_async_state_of(h), ALR_ASYNC_OK);
    const cityguide_PointOfInterest *pv = cityguide_CityGuide_poi_async_value(h);
    CHECK(pv != NULL);
    if (pv) {
        CHECK_EQ_STR(pv->name, "Async Gate");
        CHECK(pv->at.latitude == 12.5 && pv->at.longitude == 1.0);
    }
    alr_async_release(h);

    /* a failing async call: the error through the handle, no value */
    at.latitude = -1;
    CHECK_EQ_INT(cityguide_CityGuide_poi_async_async(&at, &h), ALR_OK);
    CHECK_EQ_INT(alr_async_wait(h, 5000), ALR_EINVAL);
    CHECK_EQ_INT(alr_async_state_of(h), ALR_ASYNC_ERROR);
    CHECK_EQ_STR(alr_async_error_text(h), "south");
    CHECK(cityguide_CityGuide_poi_async_value(h) == NULL);
    alr_async_release(h);

    /* then-callback; the handle released while pending */
    at.latitude = 13.5;
    CHECK_EQ_INT(cityguide_CityGuide_poi_async_async(&at, &h), ALR_OK);
    CHECK_EQ_INT(alr_async_then(h, on_poi, &then_user), ALR_OK);
    alr_async_release(h);
    CHECK(wait_flag(&then_done));
    CHECK(then_lat == 13.5);

    /* async void, cancelled while the handler runs */
    h = NULL;
    CHECK_EQ_INT(cityguide_CityGuide_warm_up_async(&h), ALR_OK);
    CHECK(wait_flag(&warm_started));
    CHECK_EQ_INT(alr_async_cancel(h), ALR_OK);
    CHECK_EQ_INT(alr_async_state_of(h), ALR_ASYNC_CANCELLED);
    CHECK_EQ_INT(alr_async_wait(h, 0), ALR_ECANCELED);
    CHECK_EQ_INT(alr_async_cancel(h), ALR_EAGAIN); /* already complete */
    alr_async_release(h);
    CHECK(wait_flag(&warm_saw_cancel));
    CHECK_EQ_INT(cityguide_CityGuide_warm_up_async(NULL), ALR_EINVAL);

    /* oneway: returns once sent; the handler runs on the peer */
    CHECK_EQ_INT(cityguide_CityGuide_log_event("event"), ALR_OK);
    CHECK(wait_flag(&logged));

    /* oneway status in a frame: the failure reaches the frame's error callback */
    alr_frame *fr = alr_frame_push();
    CHECK(fr != NULL);
    if (fr) {
        alr_frame_on_error(fr, on_frame_error, &frame_user);
        CHECK_EQ_INT(cityguide_CityGuide_audit("fine"), ALR_OK);
        CHECK_EQ_INT(cityguide_CityGuide_audit("bad"), ALR_OK);
        CHECK_EQ_INT(cityguide_CityGuide_audit("fine too"), ALR_OK);
        CHECK_EQ_INT(alr_frame_pop(5000), ALR_EINVAL);
        CHECK_EQ_INT(atomic_load(&frame_errors), 1);
        CHECK_EQ_INT(frame_method, 2); /* local index of CityGuide.audit */
        CHECK_EQ_INT(frame_err, ALR_EINVAL);
        CHECK_EQ_STR(frame_text, "audit refused 'bad'");
    }
    /* neither oneway call faulted the endpoint */
    CHECK_EQ_INT(alr_endpoint_status(cep), ALR_OK);
    uint64_t sum = 0;
    CHECK_EQ_INT(cityguide_CityGuide_add(2, 3, &sum), ALR_OK);
    CHECK_EQ_INT(sum, 5);
    alr_endpoint_pop();
}

static alr_err server_ping(alr_call *call, uint32_t seq)
{
    CHECK(alr_call_user(call) == &server_user);
    (void)seq;
    return ALR_OK;
}

static alr_err client_ping(alr_call *call, uint32_t seq)
{
    CHECK(alr_call_user(call) == &client_user);
    callback_seq = seq;
    return ALR_OK;
}

int main(void)
{
    static const greeter_Greeter_handlers gh = {hello};
    static const cityguide_CityGuide_handlers ch = {
        .add = add,
        .log_event = log_event,
        .audit = audit,
        .poi_async = poi_async, /* async methods: plain handler entries */
        .warm_up = warm_up,
        .poi = poi,
        .forget = forget,
        .validate = validate,
    };
    static const cityguide_Heartbeat_handlers shb = {server_ping};
    static const cityguide_Heartbeat_handlers chb = {client_ping};
    alr_config cfg;
    alr_config_init(&cfg);
    alr_server *gsrv = NULL, *csrv = NULL;
    CHECK_EQ_INT(alr_server_new(&greeter_iface, &cfg, &gsrv), ALR_OK);
    CHECK_EQ_INT(alr_server_new(&cityguide_iface, &cfg, &csrv), ALR_OK);
    if (!gsrv || !csrv)
        TEST_MAIN_END();
    CHECK_EQ_INT(greeter_Greeter_serve(gsrv, &gh, NULL), ALR_OK);
    CHECK_EQ_INT(cityguide_CityGuide_serve(csrv, &ch, NULL), ALR_OK);
    CHECK_EQ_INT(cityguide_Heartbeat_serve(csrv, &shb, &server_user), ALR_OK);
    CHECK_EQ_INT(alr_server_listen(gsrv, "127.0.0.1:0"), ALR_OK);
    CHECK_EQ_INT(alr_server_listen(csrv, "127.0.0.1:0"), ALR_OK);
    char gaddr[64], caddr[64];
    snprintf(gaddr, sizeof gaddr, "127.0.0.1:%u", alr_server_port(gsrv));
    snprintf(caddr, sizeof caddr, "127.0.0.1:%u", alr_server_port(csrv));

    /* no endpoint yet */
    char *text = NULL;
    alr_arena *arena = alr_arena_new();
    CHECK_EQ_INT(greeter_Greeter_say_hello("x", &text, arena), ALR_ENOENDPOINT);
    CHECK(!greeter_caps_Greeter_say_hello());

    alr_endpoint *gep = NULL, *cep = NULL;
    CHECK_EQ_INT(alr_endpoint_connect(gaddr, &greeter_iface, &cfg, &gep), ALR_OK);
    CHECK_EQ_INT(alr_endpoint_connect(caddr, &cityguide_iface, &cfg, &cep), ALR_OK);
    if (!gep || !cep)
        TEST_MAIN_END();
    CHECK_EQ_INT(cityguide_Heartbeat_serve_endpoint(cep, &chb, &client_user), ALR_OK);

    alr_endpoint_push(gep);
    CHECK_EQ_INT(greeter_Greeter_say_hello("world", &text, arena), ALR_OK);
    CHECK_EQ_STR(text, "Hello, world!");
    CHECK(greeter_caps_Greeter_say_hello() && greeter_caps_Greeter_say_hello_return());
    uint64_t sum = 0;
    CHECK_EQ_INT(cityguide_CityGuide_add(1, 2, &sum), ALR_EWRONGENDPOINT);
    alr_endpoint_pop();

    alr_endpoint_push(cep);
    CHECK_EQ_INT(cityguide_CityGuide_add(40, 2, &sum), ALR_OK);
    CHECK_EQ_INT(sum, 42);
    CHECK(cityguide_caps_CityGuide_check() && cityguide_caps_WeatherInfo_ratio());
    CHECK(cityguide_caps_Conditions_value(ALR_ENUM_STRICT, cityguide_Conditions_rain));
    common_Location at = {37.8, -122.4};
    cityguide_PointOfInterest p;
    memset(&p, 0, sizeof p);
    cityguide_PoiError why = (cityguide_PoiError)0;
    CHECK_EQ_INT(cityguide_CityGuide_poi(&at, &p, arena, &why), ALR_OK);
    CHECK_EQ_STR(p.name, "Golden Gate");
    CHECK(p.at.longitude == -122.4);
    CHECK_EQ_INT(p.nearby.n, 1);
    if (p.nearby.n == 1) {
        const cityguide_PointOfInterest *near = (const cityguide_PointOfInterest *)p.nearby.v;
        CHECK_EQ_STR(near->name, "Fort Point");
        CHECK(near->website && strcmp(*near->website, "https://x") == 0);
    }
    CHECK_EQ_INT(callback_err, ALR_OK);
    CHECK_EQ_INT(callback_seq, 77);
    at.latitude = -1;
    CHECK_EQ_INT(cityguide_CityGuide_poi(&at, &p, arena, &why), ALR_EAPP);
    CHECK_EQ_INT(why, cityguide_PoiError_out_of_area);
    CHECK_EQ_STR(alr_last_error_text(), "south of -1");
    CHECK_EQ_INT(cityguide_CityGuide_forget("x", &why), ALR_EAPP);
    CHECK_EQ_INT(why, cityguide_PoiError_not_found);
    CHECK_EQ_INT(cityguide_CityGuide_check(), ALR_ENOMETHOD);
    at.latitude = 10;
    CHECK_EQ_INT(cityguide_CityGuide_validate(&at, &why), ALR_OK);
    at.latitude = 42;
    alr_timeout_push(50);
    CHECK_EQ_INT(cityguide_CityGuide_validate(&at, &why), ALR_ETIMEDOUT);
    alr_timeout_pop();
    CHECK_EQ_INT(cityguide_Heartbeat_ping(3), ALR_OK);
    alr_endpoint_pop();

    test_async_and_oneway(cep);

    alr_arena_free(arena);
    alr_endpoint_close(gep);
    alr_endpoint_close(cep);
    alr_server_close(gsrv);
    alr_server_close(csrv);
    TEST_MAIN_END();
}
