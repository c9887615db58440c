# bench/rpc.mk - the RPC benchmarks (see bench/README.md, "RPC: latency and
# throughput against the TCP floor and gRPC"), included at the end of
# bench/bench.mk:
#
#   make bench-floor     raw TCP in C: ping-pong latency, pipelined throughput
#   make bench-grpc      the floor and gRPC C++ (sync unary, async completion
#                        queue) on the same service, interleaved, one table
#   make bench           ... both, after the codec benchmarks
#
# BENCH_RUNS (5) runs per figure, median; BENCH_SECONDS (1) timed seconds per
# run, after BENCH_WARMUP (0.2) seconds of warm-up; BENCH_INFLIGHT (128) calls
# in flight in the async rows.  bench/run_rpc.sh runs every figure (server and
# client as separate processes, pinned with taskset), under $(BENCH_LOCK).
# gRPC is optional: without the Debian packages below, bench-grpc says so in
# one line and the build goes on.

BENCH_SECONDS  ?= 1
BENCH_WARMUP   ?= 0.2
BENCH_INFLIGHT ?= 128

BENCH_FLOOR     := $(BENCH_B)/floor
BENCH_GRPC_GEN  := $(BENCH_GEN)/grpc
BENCH_GRPC_OBJ  := $(BENCH_OBJ)/grpc
BENCH_GRPC_PROGS := $(BENCH_B)/grpc_server $(BENCH_B)/grpc_client
BENCH_GRPC_PKGS := libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev
BENCH_HAVE_GRPC := $(if $(and $(shell command -v $(CXX) 2>/dev/null),\
                     $(shell command -v protoc 2>/dev/null),\
                     $(shell command -v grpc_cpp_plugin 2>/dev/null),\
                     $(shell pkg-config --exists grpc++ protobuf 2>/dev/null && echo y)),1,0)

# The driver (results in $(BENCH_B)/rpc/).  Rows measured by one invocation are
# interleaved (run 1 of every row, then run 2, ...), so that drift on the
# machine hits them all, and it prints the one table.  So the floor is timed by
# bench-floor alone only when gRPC is not wanted (or not there); otherwise
# bench-floor only builds, and bench-grpc times the floor and gRPC together.
# ALR's rows (a bench-alr target, placeholder in run_rpc.sh) join the same way:
# the last RPC target of the goals runs every wanted row set.
BENCH_RPC = $(BENCH_LOCK) bench/run_rpc.sh --dir $(BENCH_B) --runs $(BENCH_RUNS) \
            --seconds $(BENCH_SECONDS) --warmup $(BENCH_WARMUP) --inflight $(BENCH_INFLIGHT)
BENCH_RPC_WITH_GRPC := $(and $(filter 1,$(BENCH_HAVE_GRPC)),$(filter bench bench-grpc,$(MAKECMDGOALS)))

.PHONY: bench-floor bench-grpc

bench: bench-floor bench-grpc
bench-build: $(BENCH_FLOOR) $(if $(filter 1,$(BENCH_HAVE_GRPC)),$(BENCH_GRPC_PROGS))

# (--new: a new set of results; older rows would be compared with a floor they
# were not measured with)
bench-floor: $(BENCH_FLOOR)
	@mkdir -p $(BENCH_B)
	@$(if $(BENCH_RPC_WITH_GRPC),:,$(BENCH_RPC) --new --table floor)

# every benchmark program is built before anything is timed, even under -j
ifneq ($(filter bench bench-grpc,$(MAKECMDGOALS)),)
bench-sizes bench-codec bench-floor: | $(BENCH_PROGS) $(BENCH_FLOOR) \
                                       $(if $(filter 1,$(BENCH_HAVE_GRPC)),$(BENCH_GRPC_PROGS))
endif

ifeq ($(BENCH_HAVE_GRPC),1)
bench-grpc: $(BENCH_GRPC_PROGS) $(BENCH_FLOOR) bench-floor
	@$(BENCH_RPC) --new --table floor grpc
else
bench-grpc: bench-floor
	@echo "bench-grpc: skipped: gRPC C++ not found (Debian: apt-get install $(BENCH_GRPC_PKGS))"
endif

# ---------------------------------------------------------------- floor (C11)
$(BENCH_OBJ)/floor.o: bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -O2 -c -o $@ $<

$(BENCH_FLOOR): $(BENCH_OBJ)/floor.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

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
    bench/grpc/%.cc $(BENCH_GRPC_GEN)/add.pb.h $(BENCH_GRPC_GEN)/add.grpc.pb.h
	@mkdir -p $(dir $@)
	$(CXX) $(BENCH_CXXFLAGS) -Wall -Wextra -Werror -isystem $(BENCH_GRPC_GEN) -c -o $@ $<

$(BENCH_B)/grpc_server $(BENCH_B)/grpc_client: $(BENCH_B)/grpc_%: $(BENCH_GRPC_OBJ)/%.o \
    $(BENCH_GRPC_OBJ)/add.pb.o $(BENCH_GRPC_OBJ)/add.grpc.pb.o
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(BENCH_GRPC_LIBS)

-include $(wildcard $(BENCH_GRPC_OBJ)/*.d)
endif
