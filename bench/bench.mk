# bench/bench.mk - benchmarks, included at the end of the top Makefile (see
# bench/README.md): make bench | bench-sizes | bench-codec | bench-build, with
# BENCH_RUNS=5 BENCH_MS=200 (runs per figure, minimum run length in ms).
# protoc-c output goes to $(B)/bench/gen; without protoc-c or the protobuf-c
# headers the programs are built without protobuf and say so in one line.

BENCH_RUNS ?= 5
BENCH_MS   ?= 200

BENCH_B      := $(B)/bench
BENCH_GEN    := $(BENCH_B)/gen
BENCH_HAVE_PB := $(if $(and $(shell command -v protoc-c 2>/dev/null),\
                   $(wildcard /usr/include/protobuf-c/protobuf-c.h /usr/local/include/protobuf-c/protobuf-c.h)),1,0)
BENCH_OBJ    := $(BENCH_B)/obj
# changes when protobuf-c comes or goes, so that everything is rebuilt
BENCH_STAMP  := $(BENCH_B)/.config-pb$(BENCH_HAVE_PB)
BENCH_CFLAGS := $(CFLAGS_ALL) -O2 -Ibench -I$(BENCH_GEN) -DBENCH_HAVE_PROTOBUF=$(BENCH_HAVE_PB)
BENCH_LOCK   := $(if $(shell command -v flock 2>/dev/null),flock $(BENCH_B)/.run.lock,)

ifeq ($(BENCH_HAVE_PB),1)
BENCH_PB_OBJ  := $(BENCH_OBJ)/shapes.pb-c.o
BENCH_PB_HDR  := $(BENCH_GEN)/shapes.pb-c.h
BENCH_PB_LIBS := -lprotobuf-c
else
BENCH_PB_OBJ  :=
BENCH_PB_HDR  :=
BENCH_PB_LIBS :=
endif

# A new benchmark adds its program to BENCH_PROGS (its object to BENCH_OBJS)
# and a run target to the prerequisites of `bench`; every run goes through
# $(BENCH_LOCK), so that even under -j no two benchmarks run at once.
BENCH_PROGS := $(BENCH_B)/sizes $(BENCH_B)/codec
BENCH_OBJS  := $(BENCH_OBJ)/sizes.o $(BENCH_OBJ)/codec.o $(BENCH_OBJ)/common.o
BENCH_LIBS  := $(B)/lib/libalrtool.a $(LIBALRC_A) $(LIBALR_A)

.PHONY: bench bench-build bench-sizes bench-codec

bench: bench-sizes bench-codec

bench-build: $(BENCH_PROGS)

bench-sizes: $(BENCH_B)/sizes
	@mkdir -p $(BENCH_B)
	@$(BENCH_LOCK) $(BENCH_B)/sizes bench

bench-codec: $(BENCH_B)/codec
	@mkdir -p $(BENCH_B)
	@$(BENCH_LOCK) $(BENCH_B)/codec bench $(BENCH_RUNS) $(BENCH_MS)

$(BENCH_STAMP):
	@mkdir -p $(dir $@)
	@rm -f $(BENCH_B)/.config-pb*
	@touch $@

# ---------------------------------------------------------------- protobuf-c
$(BENCH_GEN)/shapes.pb-c.c: bench/shapes.proto
	@mkdir -p $(dir $@)
	protoc-c --c_out=$(BENCH_GEN) -Ibench $<

$(BENCH_GEN)/shapes.pb-c.h: $(BENCH_GEN)/shapes.pb-c.c

# generated code: not ours, so no -Werror
$(BENCH_OBJ)/shapes.pb-c.o: $(BENCH_GEN)/shapes.pb-c.c $(BENCH_GEN)/shapes.pb-c.h
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -O2 -Wall -I$(BENCH_GEN) $(CFLAGS) -c -o $@ $<

# ---------------------------------------------------------------- programs
$(BENCH_OBJS): $(BENCH_OBJ)/%.o: bench/%.c $(BENCH_PB_HDR) $(BENCH_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -c -o $@ $<

$(BENCH_PROGS): $(BENCH_B)/%: $(BENCH_OBJ)/%.o $(BENCH_OBJ)/common.o $(BENCH_PB_OBJ) $(BENCH_LIBS) \
                              $(BENCH_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $(filter-out $(BENCH_STAMP),$^) $(JSON_LIBS) $(BENCH_PB_LIBS) $(IMPORT_LIBS) $(LDLIBS_ALL)

-include $(wildcard $(BENCH_OBJ)/*.d)
-include bench/rpc.mk
