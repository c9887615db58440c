# tests/rpc/rpc.mk - the multi-process RPC tests: rpc_server, rpc_client
# (written against alr/rpc.h with the hand-written tables of rpctest.h) and
# the blob they load.  Included by the top Makefile (-include), so it uses
# its variables: B, CC, CFLAGS_ALL, LDFLAGS_ALL, LDLIBS_ALL, LIBALR_A, ALRC.
#
#   make rpc-test          build and run tests/rpc/run.sh (prints N passed, N failed)
#   make rpc-test SAN=1    the same under ASan+UBSan

RPC_B     := $(B)/tests/rpc
RPC_PROGS := $(RPC_B)/rpc_server $(RPC_B)/rpc_client
RPC_BLOB  := $(RPC_B)/rpctest.alrs

.PHONY: rpc-test rpc-build

$(RPC_PROGS): $(RPC_B)/%: $(B)/obj/tests/rpc/%.o $(LIBALR_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(B)/obj/tests/rpc/%.o: CFLAGS_ALL += -Itests

$(RPC_BLOB): tests/rpc/rpctest.alr $(ALRC)
	@mkdir -p $(dir $@)
	$(ALRC) -o $(RPC_B) $<

rpc-build: $(RPC_PROGS) $(RPC_BLOB)

rpc-test: rpc-build
	@bash tests/rpc/run.sh $(RPC_B)
