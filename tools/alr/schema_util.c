/*
 * schema_util.c - input reading, in-process compilation of .alr files (the
 * same load -> sema -> lower -> write pipeline as compiler/alrc_main.c),
 * schema loading, and name look-ups in a schema IR for the alr tool and the
 * evolution tests.
 */
#include "schema_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "handshake.h"
#include "load.h"
#include "lower.h"
#include "sema.h"

int su_read_input(const char *path, size_t max, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return errno ? errno : EIO;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    int e = 0;
    if (!buf)
        e = ENOMEM;
    while (!e) {
        if (n == cap) {
            if (cap >= max) {
                e = EFBIG;
                break;
            }
            size_t ncap = cap * 2 > max ? max : cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                e = ENOMEM;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f))
                e = errno ? errno : EIO;
            break;
        }
    }
    if (!is_stdin)
        fclose(f);
    if (e) {
        free(buf);
        return e;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

int su_compile_alr(const char *path, const char *const *incdirs, size_t nincdirs, FILE *diag_out,
                   uint8_t **blob, size_t *bloblen, char *err, size_t errlen)
{
    *blob = NULL;
    *bloblen = 0;
    diag d;
    diag_init(&d, diag_out);
    ast_ctx ctx;
    ast_ctx_init(&ctx, &d);
    int rc = 0;
    int n = load_schema(&ctx, path, incdirs, nincdirs);
    if (n < 0) {
        snprintf(err, errlen, "cannot read '%s'", path);
        rc = 2;
    } else {
        if (n == 0 && !ctx.oom)
            n = sema_check(&ctx);
        if (ctx.oom) {
            snprintf(err, errlen, "out of memory compiling '%s'", path);
            rc = 2;
        } else if (n > 0 || d.errors) {
            snprintf(err, errlen, "'%s' has errors", path);
            rc = 1;
        } else {
            alri_schema ir;
            char lerr[256] = "";
            if (lower_schema(&ctx, &ir, lerr, sizeof lerr) != 0) {
                snprintf(err, errlen, "%s: %s", path, lerr[0] ? lerr : "cannot lower schema");
                rc = 1;
            } else {
                alr_err e = alri_schema_write(&ir, blob, bloblen);
                if (e != ALR_OK) {
                    snprintf(err, errlen, "%s: cannot write schema blob: %s", path,
                             alr_strerror(e));
                    rc = e == ALR_ENOMEM ? 2 : 1;
                }
                alri_schema_fini(&ir);
            }
        }
    }
    ast_ctx_fini(&ctx);
    diag_fini(&d);
    return rc;
}

int su_load_schema(const char *path, const char *const *incdirs, size_t nincdirs, FILE *diag_out,
                   alr_schema **out, uint8_t **blobp, size_t *bloblen, char *err, size_t errlen)
{
    *out = NULL;
    if (blobp) {
        *blobp = NULL;
        *bloblen = 0;
    }
    size_t pl = strlen(path);
    uint8_t *blob = NULL;
    size_t len = 0;
    if (pl > 4 && strcmp(path + pl - 4, ".alr") == 0) {
        int rc = su_compile_alr(path, incdirs, nincdirs, diag_out, &blob, &len, err, errlen);
        if (rc != 0)
            return rc;
    } else {
        char *data = NULL;
        int e = su_read_input(path, ALR_MAX_BLOB_SIZE, &data, &len);
        if (e) {
            snprintf(err, errlen, "cannot read '%s': %s", path,
                     e == EFBIG ? "file too large for a schema blob" : strerror(e));
            return 2;
        }
        blob = (uint8_t *)data;
    }
    char lerr[256] = "";
    alr_err e = alr_schema_load(blob, len, out, lerr, sizeof lerr);
    if (e != ALR_OK) {
        free(blob);
        snprintf(err, errlen, "%s: %s: %s", path, alr_strerror(e), lerr);
        return e == ALR_ENOMEM ? 2 : 1;
    }
    if (blobp) {
        *blobp = blob;
        *bloblen = len;
    } else {
        free(blob);
    }
    return 0;
}

/* One side's half: decode the other side's hello and complete the handshake. */
static alr_err su_half(const alr_schema *local, alr_role role, const alr_buf *peer_hello,
                       alr_plan **plan, const char *who, char *err, size_t errlen)
{
    alri_hello h;
    size_t used = 0;
    char why[256] = "";
    alr_err e = alri_hello_decode(peer_hello->data, peer_hello->len, &used, &h, why, sizeof why);
    if (e == ALR_OK && used != peer_hello->len) {
        snprintf(why, sizeof why, "hello decoded %zu of %zu bytes", used, peer_hello->len);
        e = ALR_EPROTO;
    }
    if (e == ALR_OK)
        e = alri_handshake(local, &h, role, NULL, plan, why, sizeof why);
    if (e != ALR_OK)
        snprintf(err, errlen, "%s: %s: %s", who, alr_strerror(e),
                 why[0] ? why : "handshake failed");
    return e;
}

alr_err su_handshake(const alr_schema *x, const void *xblob, size_t xlen, alr_role xrole,
                     const alr_schema *y, const void *yblob, size_t ylen, alr_plan **xplan,
                     alr_plan **yplan, char *err, size_t errlen)
{
    *xplan = NULL;
    if (yplan)
        *yplan = NULL;
    alr_role yrole = xrole == ALR_ROLE_CONNECTOR ? ALR_ROLE_ACCEPTOR : ALR_ROLE_CONNECTOR;
    alr_buf hx = {0}, hy = {0};
    alr_err e = alri_hello_encode(&hx, xrole, 0, xblob, xlen);
    if (e != ALR_OK)
        snprintf(err, errlen, "x: cannot encode hello: %s", alr_strerror(e));
    if (e == ALR_OK) {
        e = alri_hello_encode(&hy, yrole, 0, yblob, ylen);
        if (e != ALR_OK)
            snprintf(err, errlen, "y: cannot encode hello: %s", alr_strerror(e));
    }
    if (e == ALR_OK)
        e = su_half(x, xrole, &hy, xplan, "x", err, errlen);
    alr_plan *yp = NULL;
    if (e == ALR_OK)
        e = su_half(y, yrole, &hx, &yp, "y", err, errlen);
    if (e != ALR_OK) {
        alr_plan_free(*xplan);
        *xplan = NULL;
        alr_plan_free(yp);
        yp = NULL;
    }
    if (yplan)
        *yplan = yp;
    else
        alr_plan_free(yp);
    free(hx.data);
    free(hy.data);
    return e;
}

const alr_struct_desc *su_resolve_type(const alr_layout *l, const alr_schema *s, const char *name,
                                       char *err, size_t errlen)
{
    const char *colon = strchr(name, ':');
    size_t nl = colon ? (size_t)(colon - name) : strlen(name);
    char q[2 * ALR_MAX_NAME_LEN + 2];
    if (nl >= sizeof q) {
        snprintf(err, errlen, "type name too long");
        return NULL;
    }
    memcpy(q, name, nl);
    q[nl] = '\0';
    if (colon && strcmp(colon, ":return") != 0 && strcmp(colon, ":args") != 0) {
        snprintf(err, errlen, "'%s': expected pkg.Service.method:args or :return", name);
        return NULL;
    }
    if (!colon) {
        const alr_struct_desc *sd = alr_layout_find(l, q);
        if (sd)
            return sd;
    }
    uint32_t m = su_find_method(&s->ir, q);
    if (m == ALRI_NONE) {
        snprintf(err, errlen, "no %s named '%s' in the schema",
                 colon ? "method" : "struct or method", q);
        return NULL;
    }
    if (colon && strcmp(colon, ":return") == 0) {
        const alr_struct_desc *sd = alr_layout_ret(l, m);
        if (!sd)
            snprintf(err, errlen, "method '%s' returns no value", q);
        return sd;
    }
    const alr_struct_desc *sd = alr_layout_args(l, m);
    if (!sd)
        snprintf(err, errlen, "no argument descriptor for '%s'", q);
    return sd;
}

/* ------------------------------------------------------------------ look-ups */

/* Splits "a.b.c" at its last dot: the owner "a.b" (copied into buf) and
 * the member name "c".  Returns NULL when there is no dot or it is too long. */
static const char *su_split(const char *qname, char *buf, size_t cap)
{
    const char *dot = strrchr(qname, '.');
    if (!dot || (size_t)(dot - qname) >= cap)
        return NULL;
    memcpy(buf, qname, (size_t)(dot - qname));
    buf[dot - qname] = '\0';
    return dot + 1;
}

uint32_t su_find_struct(const alri_schema *s, const char *qname)
{
    for (uint32_t i = 0; i < s->structs.n; i++)
        if (strcmp(s->structs.v[i].name, qname) == 0)
            return i;
    return ALRI_NONE;
}

uint32_t su_find_enum(const alri_schema *s, const char *qname)
{
    for (uint32_t i = 0; i < s->enums.n; i++)
        if (strcmp(s->enums.v[i].name, qname) == 0)
            return i;
    return ALRI_NONE;
}

uint32_t su_find_service(const alri_schema *s, const char *qname)
{
    for (uint32_t i = 0; i < s->services.n; i++)
        if (strcmp(s->services.v[i].name, qname) == 0)
            return i;
    return ALRI_NONE;
}

uint32_t su_find_method(const alri_schema *s, const char *qname)
{
    char owner[ALR_MAX_NAME_LEN + 1];
    const char *name = su_split(qname, owner, sizeof owner);
    uint32_t svc = name ? su_find_service(s, owner) : ALRI_NONE;
    if (svc == ALRI_NONE)
        return ALRI_NONE;
    const alri_service *sv = &s->services.v[svc];
    for (uint32_t i = 0; i < sv->nmethods; i++)
        if (strcmp(s->methods.v[sv->first_method + i].name, name) == 0)
            return sv->first_method + i;
    return ALRI_NONE;
}

uint32_t su_find_field(const alri_schema *s, const char *qname)
{
    char owner[ALR_MAX_NAME_LEN + 1];
    const char *name = su_split(qname, owner, sizeof owner);
    uint32_t st = name ? su_find_struct(s, owner) : ALRI_NONE;
    if (st == ALRI_NONE)
        return ALRI_NONE;
    const alri_struct *sd = &s->structs.v[st];
    for (uint32_t i = 0; i < sd->nfields; i++)
        if (strcmp(s->fields.v[sd->first_field + i].name, name) == 0)
            return sd->first_field + i;
    return ALRI_NONE;
}

uint32_t su_find_param(const alri_schema *s, const char *qname)
{
    char owner[2 * ALR_MAX_NAME_LEN + 2];
    const char *name = su_split(qname, owner, sizeof owner);
    uint32_t m = name ? su_find_method(s, owner) : ALRI_NONE;
    if (m == ALRI_NONE)
        return ALRI_NONE;
    const alri_method *md = &s->methods.v[m];
    for (uint32_t i = 0; i < md->nparams; i++)
        if (strcmp(s->params.v[md->first_param + i].name, name) == 0)
            return md->first_param + i;
    return ALRI_NONE;
}

uint32_t su_find_enumval(const alri_schema *s, const char *qname)
{
    char owner[ALR_MAX_NAME_LEN + 1];
    const char *name = su_split(qname, owner, sizeof owner);
    uint32_t e = name ? su_find_enum(s, owner) : ALRI_NONE;
    if (e == ALRI_NONE)
        return ALRI_NONE;
    const alri_enum *ed = &s->enums.v[e];
    for (uint32_t i = 0; i < ed->nvalues; i++)
        if (strcmp(s->enumvals.v[ed->first_value + i].name, name) == 0)
            return ed->first_value + i;
    return ALRI_NONE;
}

uint32_t su_method_service(const alri_schema *s, uint32_t m)
{
    for (uint32_t i = 0; i < s->services.n; i++) {
        const alri_service *sv = &s->services.v[i];
        if (m >= sv->first_method && m - sv->first_method < sv->nmethods)
            return i;
    }
    return ALRI_NONE;
}
