# bench/rpc.mk - the RPC benchmarks (see bench/README.md, "RPC: latency and
# throughput against the TCP floor and gRPC"), included at the end of
# bench/bench.mk:
#
#   make bench-floor     raw TCP in C: ping-pong latency, pipelined throughput
#   make bench-grpc      the floor and gRPC C++ (sync unary, async completion
#                        queue) on the same service, interleaved, one table
#   make bench-capnp     the floor and Cap'n Proto RPC (C++, one kj event loop;
#                        sync and async calls), one table
#   make bench-alr       the floor, gRPC and Cap'n Proto (when installed) and
#                        ALR (sync, async and one-way calls), one table
#   make bench           ... all of them, after the codec benchmarks
#
# BENCH_RUNS (5) runs per figure, median; BENCH_SECONDS (1) timed seconds per
# run, after BENCH_WARMUP (0.2) seconds of warm-up; BENCH_INFLIGHT (128) calls
# in flight in the async rows, BENCH_DEEP (1024) in the -deep ones.  bench/run_rpc.sh runs every figure (server and
# client as separate processes, pinned with taskset), under $(BENCH_LOCK).
# gRPC and Cap'n Proto are optional: without the Debian packages below,
# bench-grpc or bench-capnp says so in one line and the build goes on.

BENCH_SECONDS  ?= 1
BENCH_WARMUP   ?= 0.2
BENCH_INFLIGHT ?= 128
BENCH_DEEP     ?= 1024

BENCH_FLOOR     := $(BENCH_B)/floor
BENCH_ALR_GEN   := $(BENCH_GEN)/alr
BENCH_ALR_OBJ   := $(BENCH_OBJ)/alr
BENCH_ALR_PROGS := $(BENCH_B)/alr_server $(BENCH_B)/alr_client
BENCH_GRPC_GEN  := $(BENCH_GEN)/grpc
BENCH_GRPC_OBJ  := $(BENCH_OBJ)/grpc
BENCH_GRPC_PROGS := $(BENCH_B)/grpc_server $(BENCH_B)/grpc_client
BENCH_GRPC_PKGS := libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev
BENCH_HAVE_GRPC := $(if $(and $(shell command -v $(CXX) 2>/dev/null),\
                     $(shell command -v protoc 2>/dev/null),\
                     $(shell command -v grpc_cpp_plugin 2>/dev/null),\
                     $(shell pkg-config --exists grpc++ protobuf 2>/dev/null && echo y)),1,0)
BENCH_CAPNP_GEN := $(BENCH_GEN)/capnp
BENCH_CAPNP_OBJ := $(BENCH_OBJ)/capnp
BENCH_CAPNP_PROGS := $(BENCH_B)/capnp_server $(BENCH_B)/capnp_client
BENCH_CAPNP_PKGS := capnproto libcapnp-dev
BENCH_HAVE_CAPNP := $(if $(and $(shell command -v $(CXX) 2>/dev/null),\
                      $(shell command -v capnp 2>/dev/null),\
                      $(shell command -v capnpc-c++ 2>/dev/null),\
                      $(shell pkg-config --exists capnp-rpc capnp kj-async 2>/dev/null && echo y)),1,0)

# The driver (results in $(BENCH_B)/rpc/).  Rows measured by one invocation are
# interleaved (run 1 of every row, then run 2, ...), so that drift on the
# machine hits them all, and it prints the one table.  So the RPC goals of one
# make share one run of the driver (bench-rpc-run, which make runs once), with
# every row set they want: bench-floor the floor; bench-grpc the floor and
# gRPC (when installed); bench-capnp the floor and Cap'n Proto (when
# installed); bench-alr the floor, gRPC and Cap'n Proto (when installed) and
# ALR; bench all of them.
BENCH_RPC = $(BENCH_LOCK) bench/run_rpc.sh --dir $(BENCH_B) --runs $(BENCH_RUNS) \
            --seconds $(BENCH_SECONDS) --warmup $(BENCH_WARMUP) --inflight $(BENCH_INFLIGHT) \
            --deep $(BENCH_DEEP)
BENCH_RPC_GRPC := $(and $(filter 1,$(BENCH_HAVE_GRPC)),$(filter bench bench-grpc bench-alr,$(MAKECMDGOALS)))
BENCH_RPC_CAPNP := $(and $(filter 1,$(BENCH_HAVE_CAPNP)),$(filter bench bench-capnp bench-alr,$(MAKECMDGOALS)))
BENCH_RPC_ALR  := $(filter bench bench-alr,$(MAKECMDGOALS))
BENCH_RPC_SETS := floor $(if $(BENCH_RPC_GRPC),grpc) $(if $(BENCH_RPC_CAPNP),capnp) \
                  $(if $(BENCH_RPC_ALR),alr)
BENCH_RPC_PROGS := $(BENCH_FLOOR) $(if $(BENCH_RPC_GRPC),$(BENCH_GRPC_PROGS)) \
                   $(if $(BENCH_RPC_CAPNP),$(BENCH_CAPNP_PROGS)) \
                   $(if $(BENCH_RPC_ALR),$(BENCH_ALR_PROGS))

.PHONY: bench-floor bench-grpc bench-capnp bench-alr bench-rpc-run

bench: bench-floor bench-grpc bench-capnp bench-alr
bench-build: $(BENCH_FLOOR) $(BENCH_ALR_PROGS) $(if $(filter 1,$(BENCH_HAVE_GRPC)),$(BENCH_GRPC_PROGS)) \
             $(if $(filter 1,$(BENCH_HAVE_CAPNP)),$(BENCH_CAPNP_PROGS))

# (--new: a new set of results; older rows would be compared with a floor they
# were not measured with)
bench-rpc-run: $(BENCH_RPC_PROGS)
	@mkdir -p $(BENCH_B)
	@$(BENCH_RPC) --new --table $(strip $(BENCH_RPC_SETS))

bench-floor bench-alr: bench-rpc-run

ifeq ($(BENCH_HAVE_GRPC),1)
bench-grpc: bench-rpc-run
else
bench-grpc: bench-rpc-run
	@echo "bench-grpc: skipped: gRPC C++ not found (Debian: apt-get install $(BENCH_GRPC_PKGS))"
endif

ifeq ($(BENCH_HAVE_CAPNP),1)
bench-capnp: bench-rpc-run
else
bench-capnp: bench-rpc-run
	@echo "bench-capnp: skipped: Cap'n Proto not found (Debian: apt-get install $(BENCH_CAPNP_PKGS))"
endif

# every benchmark program is built before anything is timed, even under -j
ifneq ($(filter bench,$(MAKECMDGOALS)),)
bench-sizes bench-codec: | $(BENCH_RPC_PROGS)
bench-rpc-run: | $(BENCH_PROGS)
endif

# ---------------------------------------------------------------- floor (C11)
$(BENCH_OBJ)/floor.o: bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -O2 -c -o $@ $<

$(BENCH_FLOOR): $(BENCH_OBJ)/floor.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

# ---------------------------------------------------------------- ALR (C11)
# alrc writes its outputs only when their bytes change, so a stamp records
# that they are up to date with the schema and alrc; the objects depend on the
# generated files themselves.
$(BENCH_ALR_GEN)/.stamp: bench/add.alr bench/shapes.alr $(ALRC)
	@mkdir -p $(dir $@)
	$(ALRC) --emit=c -o $(BENCH_ALR_GEN) $<
	@touch $@

$(BENCH_ALR_GEN)/add_gen.h $(BENCH_ALR_GEN)/add_gen.c: $(BENCH_ALR_GEN)/.stamp ;

# the flags of floor.c, for ours and the generated code alike (-O2; SAN=1's
# sanitizers, which the result lines then report); libalr as `make` builds it
$(BENCH_ALR_OBJ)/alr_server.o $(BENCH_ALR_OBJ)/alr_client.o: $(BENCH_ALR_OBJ)/%.o: \
    bench/%.c $(BENCH_ALR_GEN)/add_gen.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -O2 -I$(BENCH_ALR_GEN) -c -o $@ $<

$(BENCH_ALR_OBJ)/add_gen.o: $(BENCH_ALR_GEN)/add_gen.c $(BENCH_ALR_GEN)/add_gen.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -O2 -I$(BENCH_ALR_GEN) -c -o $@ $<

# the client reads bench/data/*.json for its async-SHAPE modes with the
# JSON mapping of the alr tool (libalrtool: tools/alr/json_value.c, jansson)
$(BENCH_B)/alr_server: $(BENCH_ALR_OBJ)/alr_server.o $(BENCH_ALR_OBJ)/add_gen.o $(LIBALR_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BENCH_B)/alr_client: $(BENCH_ALR_OBJ)/alr_client.o $(BENCH_ALR_OBJ)/add_gen.o \
    $(B)/lib/libalrtool.a $(LIBALR_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(JSON_LIBS) $(LDLIBS_ALL)

-include $(wildcard $(BENCH_ALR_OBJ)/*.d)

# ---------------------------------------------------------------- gRPC (C++17)
ifeq ($(BENCH_HAVE_GRPC),1)
BENCH_GRPC_CFLAGS := $(shell pkg-config --cflags grpc++ protobuf)
BENCH_GRPC_LIBS   := $(shell pkg-config --libs grpc++ protobuf) -lpthread
# Not built with SAN's sanitizers: gRPC and protobuf are not instrumented.
BENCH_CXXFLAGS    := -std=c++17 -O2 -g -MMD -MP $(BENCH_GRPC_CFLAGS) $(CXXFLAGS)

$(BENCH_GRPC_GEN)/add.pb.cc: bench/grpc/add.proto
	@mkdir -p $(dir $@)
	protoc -Ibench/grpc --cpp_out=$(BENCH_GRPC_GEN) --grpc_out=$(BENCH_GRPC_GEN) \
	    --plugin=protoc-gen-grpc=$(shell command -v grpc_cpp_plugin) $<

$(BENCH_GRPC_GEN)/add.pb.h $(BENCH_GRPC_GEN)/add.grpc.pb.cc $(BENCH_GRPC_GEN)/add.grpc.pb.h: \
    $(BENCH_GRPC_GEN)/add.pb.cc

# generated code: not ours, so warnings but no -Werror
$(BENCH_GRPC_OBJ)/add.pb.o $(BENCH_GRPC_OBJ)/add.grpc.pb.o: $(BENCH_GRPC_OBJ)/%.o: \
    $(BENCH_GRPC_GEN)/%.cc $(BENCH_GRPC_GEN)/add.pb.h $(BENCH_GRPC_GEN)/add.grpc.pb.h
	@mkdir -p $(dir $@)
	$(CXX) $(BENCH_CXXFLAGS) -Wall -c -o $@ $<

# ours: the generated headers come in as system headers (their warnings are
# not ours to fix)
$(BENCH_GRPC_OBJ)/server.o $(BENCH_GRPC_OBJ)/client.o: $(BENCH_GRPC_OBJ)/%.o: \
    bench/grpc/%.cc bench/peer_opts.h $(BENCH_GRPC_GEN)/add.pb.h $(BENCH_GRPC_GEN)/add.grpc.pb.h
	@mkdir -p $(dir $@)
	$(CXX) $(BENCH_CXXFLAGS) -Wall -Wextra -Werror -isystem $(BENCH_GRPC_GEN) -c -o $@ $<

$(BENCH_B)/grpc_server $(BENCH_B)/grpc_client: $(BENCH_B)/grpc_%: $(BENCH_GRPC_OBJ)/%.o \
    $(BENCH_GRPC_OBJ)/add.pb.o $(BENCH_GRPC_OBJ)/add.grpc.pb.o
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(BENCH_GRPC_LIBS)

-include $(wildcard $(BENCH_GRPC_OBJ)/*.d)
endif

# ---------------------------------------------------------------- Cap'n Proto (C++17)
ifeq ($(BENCH_HAVE_CAPNP),1)
BENCH_CAPNP_CFLAGS := $(shell pkg-config --cflags capnp-rpc capnp kj-async)
BENCH_CAPNP_LIBS   := $(shell pkg-config --libs capnp-rpc capnp kj-async) -lpthread
BENCH_CAPNP_INC    := $(shell pkg-config --variable=includedir capnp)
# Not built with SAN's sanitizers: libcapnp and libkj are not instrumented.
BENCH_CAPNP_CXXFLAGS := -std=c++17 -O2 -g -MMD -MP $(BENCH_CAPNP_CFLAGS) $(CXXFLAGS)

# capnp compile runs the C++ plugin (capnpc-c++) and imports /capnp/c++.capnp
# (from the include directory of libcapnp-dev)
$(BENCH_CAPNP_GEN)/add.capnp.c++: bench/capnp/add.capnp
	@mkdir -p $(dir $@)
	capnp compile $(if $(BENCH_CAPNP_INC),-I$(BENCH_CAPNP_INC)) --src-prefix=bench/capnp \
	    -oc++:$(BENCH_CAPNP_GEN) $<

$(BENCH_CAPNP_GEN)/add.capnp.h: $(BENCH_CAPNP_GEN)/add.capnp.c++

# generated code: not ours, so warnings but no -Werror
$(BENCH_CAPNP_OBJ)/add.capnp.o: $(BENCH_CAPNP_GEN)/add.capnp.c++ $(BENCH_CAPNP_GEN)/add.capnp.h
	@mkdir -p $(dir $@)
	$(CXX) $(BENCH_CAPNP_CXXFLAGS) -Wall -c -o $@ $<

# ours: the generated header comes in as a system header (its warnings are
# not ours to fix)
$(BENCH_CAPNP_OBJ)/server.o $(BENCH_CAPNP_OBJ)/client.o: $(BENCH_CAPNP_OBJ)/%.o: \
    bench/capnp/%.cc bench/capnp/latency_cxx.h bench/peer_opts.h $(BENCH_CAPNP_GEN)/add.capnp.h
	@mkdir -p $(dir $@)
	$(CXX) $(BENCH_CAPNP_CXXFLAGS) -Wall -Wextra -Werror -isystem $(BENCH_CAPNP_GEN) -c -o $@ $<

# bench/latency.h is C, not C++ (realloc's void * without a cast):
# latency_cxx.c exports it to the C++ programs.  The flags of floor.c without
# SAN's sanitizers (the programs link with the C++ compiler, without the
# sanitizer runtimes).
$(BENCH_CAPNP_OBJ)/latency_cxx.o: bench/capnp/latency_cxx.c bench/capnp/latency_cxx.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -g -MMD -MP $(WARN) -Ibench $(CFLAGS) -c -o $@ $<

$(BENCH_B)/capnp_server $(BENCH_B)/capnp_client: $(BENCH_B)/capnp_%: $(BENCH_CAPNP_OBJ)/%.o \
    $(BENCH_CAPNP_OBJ)/add.capnp.o $(BENCH_CAPNP_OBJ)/latency_cxx.o
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(BENCH_CAPNP_LIBS)

-include $(wildcard $(BENCH_CAPNP_OBJ)/*.d)
endif
