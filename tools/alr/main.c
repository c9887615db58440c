/*
 * main.c - the alr wire tool: `alr encode` turns JSON into wire bytes (hex),
 * `alr decode` turns wire bytes back into JSON, `alr caps` prints what a peer
 * schema has, all through run-time descriptors (alr_layout_build) and, with
 * --peer, the real in-process handshake.  Exit status: 0 success, 1 invalid
 * data (JSON, hex, message, schema), 2 usage or I/O errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alr/alr.h"
#include "alr/codec.h"
#include "alr/layout.h"
#include "alr/plan.h"
#include "arena.h"
#include "json_value.h"
#include "schema_ir.h"
#include "schema_util.h"

enum { EXIT_OK = 0, EXIT_DATA = 1, EXIT_USAGE = 2 };

#define ALR_TOOL_MAX_INPUT (256u * 1024u * 1024u)

static void usage(FILE *out)
{
    fputs("usage: alr encode --schema X.alrs --type TYPE [--peer Y.alrs [--role R]] [-I DIR]... "
          "JSON\n"
          "       alr decode --schema X.alrs --type TYPE [--peer Y.alrs [--role R]] [-I DIR]...\n"
          "                  [--compact] HEX\n"
          "       alr caps   --schema X.alrs --peer Y.alrs [--role R] [-I DIR]...\n"
          "       alr --help | --version\n"
          "\n"
          "Encodes a JSON value into ALR wire bytes (printed as lowercase hex) and\n"
          "decodes wire bytes back into JSON, through the descriptors of a schema.\n"
          "\n"
          "  --schema FILE  the local schema X: a blob from alrc (.alrs), or a .alr\n"
          "                 file, compiled in process\n"
          "  --type TYPE    what the message holds: pkg.Struct, pkg.Service.method\n"
          "                 (its arguments), or pkg.Service.method:return (its result)\n"
          "  --peer FILE    the schema Y of the other side: both hellos are built and\n"
          "                 decoded and the real handshake runs in process (X connects,\n"
          "                 Y accepts).  encode writes what X sends to a Y peer; decode\n"
          "                 reads bytes a Y peer sent, as X receives them.  Without\n"
          "                 --peer both sides have schema X (no handshake, no plan).\n"
          "  --role R       X's role with --peer: connector (the default) or acceptor.\n"
          "                 Shared members travel in the acceptor's order, so to decode\n"
          "                 what `encode --schema X --peer Y` printed, as Y receives it,\n"
          "                 run `decode --schema Y --peer X --role acceptor`.\n"
          "  -I DIR         search DIR for the imports of .alr schemas\n"
          "  --compact      decode: print the JSON on one line\n"
          "  JSON, HEX      the value itself, '-' to read standard input, or @FILE\n"
          "\n"
          "caps prints, for every service, method, parameter, return value, struct,\n"
          "field, enum and enum value of X, whether the peer Y has it (yes/no).\n"
          "\n"
          "JSON mapping: struct -> object (member order; unknown keys are errors,\n"
          "missing ones are zero); list, set, T[N] -> array; map<string, V> -> object,\n"
          "other maps -> [[key, value], ...]; optional -> null or the value; bytes ->\n"
          "hex string; enum -> value name (integer if unknown); flags -> array of\n"
          "names (+ an integer for unknown bits); u64/i64 past 2^63-1 -> decimal\n"
          "string; f32/f64 -> number, or \"inf\", \"-inf\", \"nan\"; ref -> object id.\n"
          "\n"
          "Exit status: 0 success, 1 invalid data (JSON, hex, message, schema),\n"
          "2 usage or I/O errors.\n",
          out);
}

typedef struct tool_opts {
    const char *cmd;
    const char *schema;
    const char *peer;
    const char *type;
    const char *input;
    alr_role role;
    const char **incdirs;
    size_t nincdirs;
    int compact;
} tool_opts;

/* Everything loaded for one run; released by tool_fini. */
typedef struct tool {
    alr_schema *x, *y;
    uint8_t *xblob, *yblob;
    size_t xlen, ylen;
    alr_layout *layout;
    alr_plan *plan;      /* X's plan (in role --role), NULL without --peer */
    alr_plan *peer_plan; /* Y's plan (the other role) */
} tool;

static void tool_fini(tool *t)
{
    alr_plan_free(t->plan);
    alr_plan_free(t->peer_plan);
    alr_layout_free(t->layout);
    alr_schema_free(t->x);
    alr_schema_free(t->y);
    free(t->xblob);
    free(t->yblob);
}

static int tool_load(tool *t, const tool_opts *o)
{
    char err[512];
    int rc = su_load_schema(o->schema, o->incdirs, o->nincdirs, stderr, &t->x, &t->xblob, &t->xlen,
                            err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "alr: error: %s\n", err);
        return rc;
    }
    if (o->peer) {
        rc = su_load_schema(o->peer, o->incdirs, o->nincdirs, stderr, &t->y, &t->yblob, &t->ylen,
                            err, sizeof err);
        if (rc != 0) {
            fprintf(stderr, "alr: error: %s\n", err);
            return rc;
        }
        alr_err e = su_handshake(t->x, t->xblob, t->xlen, o->role, t->y, t->yblob, t->ylen,
                                 &t->plan, &t->peer_plan, err, sizeof err);
        if (e != ALR_OK) {
            fprintf(stderr, "alr: error: handshake of %s with %s failed: %s\n", o->schema, o->peer,
                    err);
            return e == ALR_ENOMEM ? EXIT_USAGE : EXIT_DATA;
        }
    }
    if (strcmp(o->cmd, "caps") == 0)
        return EXIT_OK;
    alr_err e = alr_layout_build(t->x, &t->layout);
    if (e != ALR_OK) {
        fprintf(stderr, "alr: error: %s: cannot build descriptors: %s\n", o->schema,
                alr_strerror(e));
        return e == ALR_ENOMEM ? EXIT_USAGE : EXIT_DATA;
    }
    return EXIT_OK;
}

/* The JSON or HEX argument: literal, '-' (stdin) or @FILE.  *text malloc'ed. */
static int tool_input(const char *arg, char **text, size_t *len)
{
    if (strcmp(arg, "-") == 0 || arg[0] == '@') {
        const char *path = arg[0] == '@' ? arg + 1 : "-";
        int e = su_read_input(path, ALR_TOOL_MAX_INPUT, text, len);
        if (e) {
            fprintf(stderr, "alr: error: cannot read '%s': %s\n",
                    strcmp(path, "-") == 0 ? "<stdin>" : path, strerror(e));
            return EXIT_USAGE;
        }
        return EXIT_OK;
    }
    *len = strlen(arg);
    *text = malloc(*len + 1);
    if (!*text) {
        fprintf(stderr, "alr: error: out of memory\n");
        return EXIT_USAGE;
    }
    memcpy(*text, arg, *len + 1);
    return EXIT_OK;
}

static void *tool_alloc(void *ctx, size_t size)
{
    return alri_arena_alloc(ctx, size);
}

static int cmd_encode(const tool_opts *o, const tool *t, const alr_struct_desc *sd)
{
    char *text = NULL;
    size_t len = 0;
    int rc = tool_input(o->input, &text, &len);
    if (rc != EXIT_OK)
        return rc;
    char err[600];
    json_t *j = NULL;
    if (jv_loads(text, len, &j, err, sizeof err) != 0) {
        free(text);
        fprintf(stderr, "alr: error: invalid JSON: %s\n", err);
        return EXIT_DATA;
    }
    free(text);
    alri_arena arena;
    alri_arena_init(&arena);
    jv_opts jo = {t->x, tool_alloc, &arena};
    void *value = calloc(1, sd->size ? sd->size : 1);
    alr_buf out = {0};
    if (!value) {
        fprintf(stderr, "alr: error: out of memory\n");
        rc = EXIT_USAGE;
    } else if (jv_struct_from_json(&jo, sd, j, value, err, sizeof err) != 0) {
        fprintf(stderr, "alr: error: %s\n", err);
        rc = EXIT_DATA;
    } else {
        alr_err e = alr_encode(sd, t->plan, value, &out);
        if (e != ALR_OK) {
            fprintf(stderr, "alr: error: cannot encode %s: %s\n", sd->name, alr_strerror(e));
            rc = e == ALR_ENOMEM ? EXIT_USAGE : EXIT_DATA;
        } else {
            char *hex = jv_hex(out.data, out.len);
            if (!hex) {
                fprintf(stderr, "alr: error: out of memory\n");
                rc = EXIT_USAGE;
            } else {
                printf("%s\n", hex);
                free(hex);
            }
        }
    }
    free(out.data);
    free(value);
    alri_arena_fini(&arena);
    json_decref(j);
    return rc;
}

static int cmd_decode(const tool_opts *o, const tool *t, const alr_struct_desc *sd)
{
    char *text = NULL;
    size_t len = 0;
    int rc = tool_input(o->input, &text, &len);
    if (rc != EXIT_OK)
        return rc;
    char err[600];
    unsigned char *bytes = NULL;
    size_t n = 0;
    if (jv_unhex(text, len, &bytes, &n, err, sizeof err) != 0) {
        free(text);
        fprintf(stderr, "alr: error: invalid input: %s\n", err);
        return EXIT_DATA;
    }
    free(text);
    alr_arena *arena = alr_arena_new();
    void *value = calloc(1, sd->size ? sd->size : 1);
    if (!arena || !value) {
        fprintf(stderr, "alr: error: out of memory\n");
        rc = EXIT_USAGE;
        goto done;
    }
    alr_err e = alr_decode(sd, t->plan, bytes, n, value, arena, NULL);
    if (e != ALR_OK) {
        fprintf(stderr, "alr: error: invalid message: %zu bytes do not decode as %s%s: %s\n", n,
                sd->name, t->plan ? " from this peer" : "", alr_strerror(e));
        rc = e == ALR_ENOMEM ? EXIT_USAGE : EXIT_DATA;
        goto done;
    }
    jv_opts jo = {t->x, NULL, NULL};
    json_t *j = jv_struct_to_json(&jo, sd, value, err, sizeof err);
    if (!j) {
        fprintf(stderr, "alr: error: cannot show the decoded value: %s\n", err);
        rc = EXIT_DATA;
        goto done;
    }
    char *s = jv_dumps(j, !o->compact);
    json_decref(j);
    if (!s) {
        fprintf(stderr, "alr: error: out of memory\n");
        rc = EXIT_USAGE;
        goto done;
    }
    printf("%s\n", s);
    free(s);
done:
    free(value);
    alr_arena_free(arena);
    free(bytes);
    return rc;
}

static const char *yn(bool b)
{
    return b ? "yes" : "no";
}

static int cmd_caps(const tool *t)
{
    const alri_schema *s = &t->x->ir;
    const alr_plan *p = t->plan;
    for (uint32_t i = 0; i < s->services.n; i++) {
        const alri_service *sv = &s->services.v[i];
        printf("service %s: %s\n", sv->name, yn(alr_caps_has_service(p, i)));
        for (uint32_t k = 0; k < sv->nmethods; k++) {
            uint32_t m = sv->first_method + k;
            const alri_method *md = &s->methods.v[m];
            bool has = alr_caps_has_method(p, m);
            printf("method %s.%s: %s", sv->name, md->name, yn(has));
            if (has)
                printf(" (wire id %u)", alr_plan_method_out(p, m));
            printf("\n");
            if (md->ret != ALRI_NONE)
                printf("return %s.%s: %s\n", sv->name, md->name, yn(alr_caps_has_return(p, m)));
            for (uint32_t a = 0; a < md->nparams; a++) {
                uint32_t pi = md->first_param + a;
                printf("param %s.%s.%s: %s\n", sv->name, md->name, s->params.v[pi].name,
                       yn(alr_caps_has_param(p, pi)));
            }
        }
    }
    for (uint32_t i = 0; i < s->structs.n; i++) {
        const alri_struct *st = &s->structs.v[i];
        printf("struct %s: %s\n", st->name, yn(alr_caps_has_struct(p, i)));
        for (uint32_t k = 0; k < st->nfields; k++) {
            uint32_t f = st->first_field + k;
            printf("field %s.%s: %s\n", st->name, s->fields.v[f].name,
                   yn(alr_caps_has_field(p, f)));
        }
    }
    for (uint32_t i = 0; i < s->enums.n; i++) {
        const alri_enum *en = &s->enums.v[i];
        printf("%s %s: %s\n", en->is_flags ? "flags" : "enum", en->name,
               yn(alr_caps_has_enum(p, i)));
        for (uint32_t k = 0; k < en->nvalues; k++) {
            const alri_enumval *v = &s->enumvals.v[en->first_value + k];
            if (en->is_flags)
                printf("value %s.%s (%llu): flags %s, flags_strict %s\n", en->name, v->name,
                       (unsigned long long)(uint64_t)v->value,
                       yn(alr_caps_enum_value(p, i, ALR_ENUM_FLAGS, (uint64_t)v->value)),
                       yn(alr_caps_enum_value(p, i, ALR_ENUM_FLAGS_STRICT, (uint64_t)v->value)));
            else
                printf("value %s.%s (%lld): value %s, strict %s\n", en->name, v->name,
                       (long long)v->value,
                       yn(alr_caps_enum_value(p, i, ALR_ENUM_VALUE, (uint64_t)v->value)),
                       yn(alr_caps_enum_value(p, i, ALR_ENUM_STRICT, (uint64_t)v->value)));
        }
    }
    return EXIT_OK;
}

static int parse_args(int argc, char **argv, tool_opts *o)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    o->cmd = argv[1];
    if (strcmp(o->cmd, "--help") == 0 || strcmp(o->cmd, "-h") == 0 || strcmp(o->cmd, "help") == 0) {
        usage(stdout);
        return -1;
    }
    if (strcmp(o->cmd, "--version") == 0) {
        printf("alr %s (libalr %s)\n", ALR_VERSION_STRING, alr_version());
        return -1;
    }
    if (strcmp(o->cmd, "encode") != 0 && strcmp(o->cmd, "decode") != 0 &&
        strcmp(o->cmd, "caps") != 0) {
        fprintf(stderr, "alr: error: unknown command '%s' (see alr --help)\n", o->cmd);
        return EXIT_USAGE;
    }
    int role_given = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return -1;
        }
        if (strcmp(a, "--schema") == 0 || strcmp(a, "--peer") == 0 || strcmp(a, "--type") == 0 ||
            strcmp(a, "-I") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "alr: error: option '%s' needs an argument\n", a);
                return EXIT_USAGE;
            }
            const char *v = argv[++i];
            const char **slot = a[1] == 'I'   ? NULL
                                : a[2] == 's' ? &o->schema
                                : a[2] == 'p' ? &o->peer
                                              : &o->type;
            if (!slot) {
                o->incdirs[o->nincdirs++] = v;
            } else if (*slot) {
                fprintf(stderr, "alr: error: option '%s' given twice\n", a);
                return EXIT_USAGE;
            } else {
                *slot = v;
            }
        } else if (strncmp(a, "-I", 2) == 0) {
            o->incdirs[o->nincdirs++] = a + 2;
        } else if (strcmp(a, "--role") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "alr: error: option '%s' needs an argument\n", a);
                return EXIT_USAGE;
            }
            const char *v = argv[++i];
            role_given = 1;
            if (strcmp(v, "connector") == 0) {
                o->role = ALR_ROLE_CONNECTOR;
            } else if (strcmp(v, "acceptor") == 0) {
                o->role = ALR_ROLE_ACCEPTOR;
            } else {
                fprintf(stderr, "alr: error: --role is 'connector' or 'acceptor', not '%s'\n", v);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--compact") == 0) {
            o->compact = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "alr: error: unknown option '%s' (see alr --help)\n", a);
            return EXIT_USAGE;
        } else if (o->input) {
            fprintf(stderr, "alr: error: unexpected argument '%s' (see alr --help)\n", a);
            return EXIT_USAGE;
        } else {
            o->input = a;
        }
    }
    bool caps = strcmp(o->cmd, "caps") == 0;
    const char *missing = !o->schema           ? "--schema"
                          : caps && !o->peer   ? "--peer"
                          : !caps && !o->type  ? "--type"
                          : !caps && !o->input ? (o->cmd[0] == 'e' ? "JSON" : "HEX")
                                               : NULL;
    if (missing) {
        fprintf(stderr, "alr: error: %s needs %s (see alr --help)\n", o->cmd, missing);
        return EXIT_USAGE;
    }
    if (role_given && !o->peer) {
        fprintf(stderr, "alr: error: --role needs --peer\n");
        return EXIT_USAGE;
    }
    if (caps && o->input) {
        fprintf(stderr, "alr: error: caps takes no value argument\n");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    tool_opts o = {0};
    o.incdirs = calloc((size_t)argc, sizeof *o.incdirs);
    if (!o.incdirs) {
        fprintf(stderr, "alr: error: out of memory\n");
        return EXIT_USAGE;
    }
    int rc = parse_args(argc, argv, &o);
    if (rc != EXIT_OK) {
        free(o.incdirs);
        return rc < 0 ? EXIT_OK : rc;
    }
    tool t = {0};
    rc = tool_load(&t, &o);
    if (rc == EXIT_OK) {
        if (strcmp(o.cmd, "caps") == 0) {
            rc = cmd_caps(&t);
        } else {
            char err[600];
            const alr_struct_desc *sd = su_resolve_type(t.layout, t.x, o.type, err, sizeof err);
            if (!sd) {
                fprintf(stderr, "alr: error: --type %s: %s\n", o.type, err);
                rc = EXIT_USAGE;
            } else if (o.cmd[0] == 'e') {
                rc = cmd_encode(&o, &t, sd);
            } else {
                rc = cmd_decode(&o, &t, sd);
            }
        }
    }
    tool_fini(&t);
    free(o.incdirs);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "alr: error: cannot write output\n");
        rc = EXIT_USAGE;
    }
    return rc;
}
