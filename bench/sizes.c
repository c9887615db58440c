/*
 * sizes.c - encoded size of the benchmark shapes (bench/README.md): the same
 * data (bench/data/<shape>.json) encoded by ALR and by protobuf-c, each checked to
 * decode back to equal data first, printed as a markdown table for
 * spec/wire-format.md.  Usage: sizes [BENCH_DIR] (default "bench").
 */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

static const char *pb_version(void)
{
#if BENCH_HAVE_PROTOBUF
    return protobuf_c_version();
#else
    return "";
#endif
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "bench";
    bench_ctx c;
    if (bench_load(&c, dir) != 0)
        return 1;
    size_t alr_len[BENCH_NSHAPES] = {0}, pb_len[BENCH_NSHAPES] = {0};
    for (int i = 0; i < BENCH_NSHAPES; i++) {
        alr_buf b;
        if (bench_check_alr(&c, &c.shape[i], &b) != 0)
            return 1;
        alr_len[i] = b.len;
        free(b.data);
#if BENCH_HAVE_PROTOBUF
        uint8_t *p;
        if (bench_check_pb(&c.shape[i], &p, &pb_len[i]) != 0)
            return 1;
        free(p);
#endif
    }

    int worse = 0;
    printf("| shape | ALR type | ALR bytes | protobuf bytes | ALR / protobuf |\n");
    printf("| --- | --- | ---: | ---: | ---: |\n");
    for (int i = 0; i < BENCH_NSHAPES; i++) {
        const bench_shape *s = &c.shape[i];
        if (BENCH_HAVE_PROTOBUF) {
            printf("| %s | `%s` | %zu | %zu | %.3f |\n", s->name, s->type, alr_len[i], pb_len[i],
                   (double)alr_len[i] / (double)pb_len[i]);
            worse |= alr_len[i] >= pb_len[i];
        } else {
            printf("| %s | `%s` | %zu | - | - |\n", s->name, s->type, alr_len[i]);
        }
    }
    printf("\n");
    if (!BENCH_HAVE_PROTOBUF) {
        printf("%s\n", BENCH_NO_PROTOBUF_MSG);
    } else {
        printf("ALR: `alr_encode` with the plan of a connection between peers built from "
               "bench/shapes.alr;\nprotobuf: protobuf-c %s, bench/shapes.proto (proto3). "
               "Both encodings decode back to the data\nof bench/data/*.json "
               "(checked by bench/sizes before printing).\n",
               pb_version());
        if (worse)
            printf("\nNOTE: ALR is not smaller on every row: see bench/README.md "
                   "(\"When protobuf is smaller\").\n");
    }
    bench_free(&c);
    return 0;
}
