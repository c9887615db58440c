/*
 * test_frame.c - frame headers and LEB128: round trips of every kind and
 * field range, ALR_EAGAIN on every incomplete header, strict rejection of
 * malformed headers, the size limit, and the size promises of the format
 * (a zero-parameter call <= 4 bytes, add(20, 22) <= 6, its reply <= 4).
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alr/codec.h"
#include "frame.h"
#include "test.h"
#include "wire.h"

static size_t unhex(const char *h, uint8_t *out)
{
    size_t n = 0;
    while (*h) {
        if (*h == ' ') {
            h++;
            continue;
        }
        unsigned v;
        sscanf(h, "%2x", &v);
        out[n++] = (uint8_t)v;
        h += 2;
    }
    return n;
}

static alr_err parse_hex(const char *h, alri_frame *f)
{
    uint8_t b[128];
    size_t n = unhex(h, b);
    return alri_frame_decode(b, n, ALRI_FRAME_MAX_DEFAULT, f);
}

static void test_leb(void)
{
    static const uint64_t vals[] = {0, 1, 127, 128, 255, 16383, 16384, 0xFFFFFFFFu,
                                    0x100000000ull, (1ull << 63) - 1, 1ull << 63, UINT64_MAX};
    for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        uint8_t b[ALRI_LEB_MAX];
        size_t n = alri_leb_put(b, vals[i]);
        CHECK_EQ_INT(n, alri_leb_size(vals[i]));
        uint64_t v = 0;
        CHECK_EQ_INT(alri_leb_get(b, b + n, &v), (int)n);
        CHECK(v == vals[i]);
        for (size_t k = 0; k < n; k++)
            CHECK_EQ_INT(alri_leb_get(b, b + k, &v), 0); /* incomplete */
    }
    uint8_t b[16];
    uint64_t v;
    CHECK_EQ_INT(alri_leb_get(b, b + unhex("80 00", b), &v), -1);          /* overlong */
    CHECK_EQ_INT(alri_leb_get(b, b + unhex("FF 80 00", b), &v), -1);
    CHECK_EQ_INT(alri_leb_get(b, b + unhex("FF FF FF FF FF FF FF FF FF 02", b), &v), -1);
    CHECK_EQ_INT(alri_leb_get(b, b + unhex("FF FF FF FF FF FF FF FF FF 01", b), &v), 10);
    CHECK(v == UINT64_MAX);
    CHECK_EQ_INT(alri_leb_get(b, b + unhex("80 80 80 80 80 80 80 80 80 80 01", b), &v), -1);
}

static int same_frame(const alri_frame *a, const alri_frame *b)
{
    unsigned k = a->kind;
    int has_method = k == ALRI_FRAME_CALL || k == ALRI_FRAME_CALL_OBJ || k == ALRI_FRAME_ONEWAY ||
                     k == ALRI_FRAME_ONEWAY_OBJ || k == ALRI_FRAME_FAULT;
    int has_obj = k == ALRI_FRAME_CALL_OBJ || k == ALRI_FRAME_ONEWAY_OBJ;
    int has_call = k == ALRI_FRAME_CALL || k == ALRI_FRAME_CALL_OBJ || k == ALRI_FRAME_REPLY ||
                   k == ALRI_FRAME_ERROR || k == ALRI_FRAME_CANCEL;
    int has_code = k == ALRI_FRAME_ERROR || k == ALRI_FRAME_FAULT || k == ALRI_FRAME_CLOSE;
    int has_app = k == ALRI_FRAME_ERROR || k == ALRI_FRAME_FAULT;
    int has_tok = k == ALRI_FRAME_PING || k == ALRI_FRAME_PONG;
    return a->kind == b->kind && a->slot == b->slot &&
           b->method == (has_method ? a->method : 0) && b->object == (has_obj ? a->object : 0) &&
           b->call_id == (has_call ? a->call_id : 0) && b->code == (has_code ? a->code : 0) &&
           b->app_code == (has_app ? a->app_code : 0) && b->token == (has_tok ? a->token : 0) &&
           b->mode == a->mode && b->group == a->group && b->limit == a->limit;
}

/* SCOPE (kind 11): its three fields, and the combinations it rejects. */
static void test_scope_frame(void)
{
    uint8_t buf[ALRI_FRAME_HDR_MAX];
    alri_frame f = {.kind = ALRI_FRAME_SCOPE, .slot = 40, .mode = ALRI_SCOPE_POOL,
                    .group = UINT64_MAX, .limit = 3}, g;
    size_t n = alri_frame_hdr_put(buf, &f, 0);
    CHECK(n > 0 && n <= ALRI_FRAME_HDR_MAX);
    CHECK(alri_frame_decode(buf, n, 4096, &g) == ALR_OK && same_frame(&f, &g));
    CHECK_EQ_INT(alri_frame_hdr_size(&f, 1), 0); /* no body */
    f.limit = 0; /* POOL needs a limit */
    CHECK_EQ_INT(alri_frame_hdr_size(&f, 0), 0);
    f.mode = ALRI_SCOPE_THREAD; /* group and limit only with POOL */
    f.group = 0;
    f.limit = 1;
    CHECK_EQ_INT(alri_frame_hdr_size(&f, 0), 0);
    f.limit = 0;
    CHECK(alri_frame_hdr_size(&f, 0) > 0);
    /* size 5, SCOPE slot 0, mode 3 (unknown), group 0, limit 0 */
    static const uint8_t unknown[] = {0x04, 0x0B, 0x03, 0x00, 0x00};
    CHECK(alri_frame_decode(unknown, sizeof unknown, 4096, &g) == ALR_EPROTO);
    static const uint8_t pool0[] = {0x04, 0x0B, 0x02, 0x07, 0x00}; /* POOL, limit 0 */
    CHECK(alri_frame_decode(pool0, sizeof pool0, 4096, &g) == ALR_EPROTO);
    static const uint8_t none[] = {0x04, 0x0B, 0x00, 0x00, 0x00};
    CHECK(alri_frame_decode(none, sizeof none, 4096, &g) == ALR_OK && g.mode == 0);
}

static void test_roundtrip(void)
{
    static const uint32_t slots[] = {0, 1, 14, 15, 16, 1000, UINT32_MAX};
    static const uint32_t u32s[] = {0, 5, 127, 128, 70000, UINT32_MAX};
    static const uint64_t u64s[] = {0, 1, 300, UINT64_MAX};
    static const int64_t apps[] = {0, -1, 63, INT64_MIN, INT64_MAX};
    unsigned bad = 0, cases = 0;
    uint8_t buf[ALRI_FRAME_HDR_MAX + 300];
    for (unsigned kind = 0; kind < ALRI_FRAME_KIND_COUNT_; kind++)
        for (unsigned s = 0; s < sizeof slots / sizeof slots[0]; s++)
            for (unsigned u = 0; u < sizeof u32s / sizeof u32s[0]; u++)
                for (unsigned w = 0; w < sizeof u64s / sizeof u64s[0]; w++) {
                    alri_frame f = {0}, g;
                    f.kind = (uint8_t)kind;
                    f.slot = slots[s];
                    f.method = u32s[u];
                    f.call_id = u32s[(u + 1) % 6];
                    f.code = u32s[(u + 2) % 6];
                    f.object = u64s[w];
                    f.token = u64s[(w + 1) % 4];
                    f.app_code = apps[(u + w) % 5];
                    int nobody = kind == ALRI_FRAME_CANCEL || kind == ALRI_FRAME_PING ||
                                 kind == ALRI_FRAME_PONG || kind == ALRI_FRAME_SCOPE;
                    size_t body = nobody ? 0 : (w * 97) % 300;
                    size_t h = alri_frame_hdr_size(&f, body);
                    size_t n = alri_frame_hdr_put(buf, &f, body);
                    cases++;
                    if (!h || h != n || n > ALRI_FRAME_HDR_MAX) {
                        bad++;
                        continue;
                    }
                    memset(buf + n, 0xAB, body);
                    size_t total = 0;
                    if (alri_frame_total(buf, n + body, UINT32_MAX, &total) != ALR_OK ||
                        total != n + body)
                        bad++;
                    if (alri_frame_decode(buf, n + body, UINT32_MAX, &g) != ALR_OK ||
                        !same_frame(&f, &g) || g.hdr_len != n || g.body_len != body)
                        bad++;
                    /* the header alone parses too; the body may come later */
                    if (alri_frame_decode(buf, n, UINT32_MAX, &g) != ALR_OK || g.hdr_len != n)
                        bad++;
                    /* every shorter prefix asks for more */
                    for (size_t k = 0; k < n; k++)
                        if (alri_frame_decode(buf, k, UINT32_MAX, &g) != ALR_EAGAIN)
                            bad++;
                }
    CHECK(cases > 1000);
    CHECK_EQ_INT(bad, 0);
    /* kinds without a body refuse one */
    alri_frame f = {.kind = ALRI_FRAME_CANCEL};
    CHECK_EQ_INT(alri_frame_hdr_size(&f, 1), 0);
    CHECK_EQ_INT(alri_frame_hdr_put(buf, &f, 1), 0);
    f.kind = ALRI_FRAME_KIND_COUNT_;
    CHECK_EQ_INT(alri_frame_hdr_size(&f, 0), 0);
    f.kind = ALRI_FRAME_REPLY;
    CHECK_EQ_INT(alri_frame_hdr_size(&f, UINT32_MAX), 0);
}

static void test_exact(void)
{
    alri_frame f = {0}, g;
    uint8_t b[64];
    /* CALL slot 3, method 5, call 0, no args: 03 30 05 00 */
    f.kind = ALRI_FRAME_CALL;
    f.slot = 3;
    f.method = 5;
    size_t n = alri_frame_hdr_put(b, &f, 0);
    uint8_t want[8];
    CHECK(n == unhex("03 30 05 00", want) && memcmp(b, want, n) == 0);
    /* REPLY slot 3 call 0 with a one-byte body: 03 34 00 | 2A */
    f.kind = ALRI_FRAME_REPLY;
    n = alri_frame_hdr_put(b, &f, 1);
    CHECK(n == unhex("03 34 00", want) && memcmp(b, want, n) == 0);
    /* a slot past 14: kind byte F0|kind, then the slot */
    f.kind = ALRI_FRAME_ONEWAY;
    f.slot = 20;
    f.method = 300;
    n = alri_frame_hdr_put(b, &f, 0);
    CHECK(n == unhex("04 F2 14 AC 02", want) && memcmp(b, want, n) == 0);
    CHECK(alri_frame_decode(b, n, 100, &g) == ALR_OK && g.slot == 20 && g.method == 300);
    /* PING token 9 */
    CHECK(parse_hex("02 08 09", &g) == ALR_OK && g.kind == ALRI_FRAME_PING && g.token == 9);
    /* ERROR call 1 code EAPP app -3 "no" */
    CHECK(parse_hex("06 05 01 11 05 6E 6F", &g) == ALR_OK && g.kind == ALRI_FRAME_ERROR &&
          g.call_id == 1 && g.code == ALR_EAPP && g.app_code == -3 && g.hdr_len == 5 &&
          g.body_len == 2);
}

static void test_malformed(void)
{
    alri_frame g;
    uint8_t b[64];
    size_t total;
    CHECK(parse_hex("", &g) == ALR_EAGAIN);
    CHECK(parse_hex("80", &g) == ALR_EAGAIN);
    CHECK(parse_hex("80 00 00", &g) == ALR_EPROTO);          /* overlong size */
    CHECK(parse_hex("00", &g) == ALR_EPROTO);                /* empty frame */
    CHECK(parse_hex("FF FF FF FF 0F", &g) == ALR_ELIMIT);    /* 2^32-1 > max */
    CHECK(parse_hex("FF FF FF FF 1F", &g) == ALR_EPROTO);    /* > u32 */
    CHECK(parse_hex("FF FF FF FF FF", &g) == ALR_EPROTO);    /* 6+ bytes */
    CHECK(parse_hex("0B", &g) == ALR_EAGAIN);                /* kind byte not here yet */
    for (unsigned k = ALRI_FRAME_KIND_COUNT_; k < 16; k++) { /* reserved kinds */
        b[0] = 1;
        b[1] = (uint8_t)k;
        CHECK(alri_frame_decode(b, 2, 100, &g) == ALR_EPROTO);
    }
    CHECK(parse_hex("03 F0 0E 00", &g) == ALR_EPROTO);       /* slot 14 in the extension */
    CHECK(parse_hex("04 F0 0F 05 00", &g) == ALR_OK && g.slot == 15);
    CHECK(parse_hex("07 F0 80 80 80 80 10 05", &g) == ALR_EPROTO); /* slot past u32 */
    CHECK(parse_hex("07 00 80 80 80 80 10 00", &g) == ALR_EPROTO); /* method past u32 */
    CHECK(parse_hex("04 00 85 00 00", &g) == ALR_EPROTO);    /* overlong method */
    CHECK(parse_hex("02 00 85", &g) == ALR_EPROTO);          /* field past the frame's end */
    CHECK(parse_hex("02 00 05", &g) == ALR_EPROTO);          /* CALL without its call id */
    CHECK(parse_hex("04 00 05", &g) == ALR_EAGAIN);          /* ... which may still come */
    CHECK(parse_hex("03 06 01 00", &g) == ALR_EPROTO);       /* CANCEL with a body */
    CHECK(parse_hex("03 08 01 00", &g) == ALR_EPROTO);       /* PING with a body */
    CHECK(parse_hex("02 06 01", &g) == ALR_OK && g.call_id == 1);
    /* the limit is applied as soon as the size is known */
    CHECK(alri_frame_total(b, unhex("81 01", b), 128, &total) == ALR_ELIMIT);
    CHECK(alri_frame_total(b, unhex("80 01", b), 128, &total) == ALR_OK && total == 130);
    CHECK(alri_frame_total(b, 0, 128, &total) == ALR_EAGAIN);
    CHECK(alri_frame_total(NULL, 3, 128, &total) == ALR_EINVAL);
}

/* add(a: u64, b: u64) -> u64 and ping() */
static const alr_type_desc t_u64 = {.kind = ALR_K_U64, .size = 8, .align = 8};
typedef struct AddArgs {
    uint64_t a, b;
} AddArgs;
static const alr_member_desc add_m[] = {{"a", offsetof(AddArgs, a), &t_u64, NULL},
                                        {"b", offsetof(AddArgs, b), &t_u64, NULL}};
static const alr_struct_desc add_sd = {"t.add$args", sizeof(AddArgs), alignof(AddArgs), 2, add_m,
                                       ALR_DESC_ARGS | 0};
static const alr_member_desc ret_m[] = {{"return", 0, &t_u64, NULL}};
static const alr_struct_desc ret_sd = {"t.add$ret", 8, 8, 1, ret_m, ALR_DESC_RET | 0};
static const alr_struct_desc ping_sd = {"t.ping$args", 0, 1, 0, NULL, ALR_DESC_ARGS | 1};

/* Frames a body the way a sender does: encode, then the header in front. */
static size_t frame(uint8_t *out, const alri_frame *f, const alr_struct_desc *sd, const void *v)
{
    alr_buf body = {0};
    if (alr_encode(sd, NULL, v, &body) != ALR_OK)
        return 0;
    size_t h = alri_frame_hdr_put(out, f, body.len);
    if (body.len)
        memcpy(out + h, body.data, body.len);
    free(body.data);
    return h + body.len;
}

static void test_sizes(void)
{
    uint8_t b[64];
    alri_frame f = {.kind = ALRI_FRAME_CALL, .slot = 2, .method = 17, .call_id = 0};
    size_t n = frame(b, &f, &ping_sd, NULL);
    CHECK(n > 0 && n <= 4);
    CHECK_EQ_INT(n, 4);
    AddArgs args = {20, 22};
    f.method = 18;
    n = frame(b, &f, &add_sd, &args);
    CHECK(n > 0 && n <= 6);
    uint8_t want[16];
    CHECK(n == unhex("05 20 12 00 14 16", want) && memcmp(b, want, n) == 0);
    uint64_t r = 42;
    alri_frame rep = {.kind = ALRI_FRAME_REPLY, .slot = 2, .call_id = 0};
    n = frame(b, &rep, &ret_sd, &r);
    CHECK(n > 0 && n <= 4);
    CHECK(n == unhex("03 24 00 2A", want) && memcmp(b, want, n) == 0);
    /* a oneway zero-parameter call is 3 bytes */
    alri_frame ow = {.kind = ALRI_FRAME_ONEWAY, .slot = 1, .method = 3};
    CHECK_EQ_INT(frame(b, &ow, &ping_sd, NULL), 3);
    /* the receiver's side: parse, then decode the body */
    n = frame(b, &f, &add_sd, &args);
    alri_frame g;
    CHECK(alri_frame_decode(b, n, ALRI_FRAME_MAX_DEFAULT, &g) == ALR_OK);
    CHECK(g.kind == ALRI_FRAME_CALL && g.method == 18 && g.hdr_len + g.body_len == n);
    AddArgs got;
    alr_arena *a = alr_arena_new();
    CHECK(alr_decode(&add_sd, NULL, b + g.hdr_len, g.body_len, &got, a, NULL) == ALR_OK &&
          got.a == 20 && got.b == 22);
    alr_arena_free(a);
}

static void test_stream(void)
{
    /* frames back to back, fed one byte at a time as a stream reader would */
    uint8_t s[512];
    size_t len = 0;
    for (unsigned i = 0; i < 20; i++) {
        alri_frame f = {.kind = (uint8_t)(i % ALRI_FRAME_KIND_COUNT_), .slot = i * 3,
                        .method = i * 40, .call_id = i, .token = i};
        int nobody = f.kind == ALRI_FRAME_CANCEL || f.kind == ALRI_FRAME_PING ||
                     f.kind == ALRI_FRAME_PONG || f.kind == ALRI_FRAME_SCOPE;
        size_t body = nobody ? 0 : i;
        size_t h = alri_frame_hdr_put(s + len, &f, body);
        memset(s + len + h, (int)i, body);
        len += h + body;
    }
    size_t off = 0, have = 0;
    unsigned frames = 0, bad = 0;
    while (have < len) {
        have++;
        for (;;) {
            alri_frame g;
            alr_err r = alri_frame_decode(s + off, have - off, 4096, &g);
            if (r == ALR_EAGAIN)
                break;
            if (r != ALR_OK) {
                bad++;
                break;
            }
            if (have - off < (size_t)g.hdr_len + g.body_len)
                break; /* the body is not all here */
            if (g.slot != frames * 3 || g.kind != frames % ALRI_FRAME_KIND_COUNT_)
                bad++;
            off += g.hdr_len + g.body_len;
            frames++;
            if (off == have)
                break;
        }
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(frames, 20);
    CHECK_EQ_INT(off, len);
}

int main(void)
{
    TEST_RUN(test_leb);
    TEST_RUN(test_roundtrip);
    TEST_RUN(test_scope_frame);
    TEST_RUN(test_exact);
    TEST_RUN(test_malformed);
    TEST_RUN(test_sizes);
    TEST_RUN(test_stream);
    TEST_MAIN_END();
}
