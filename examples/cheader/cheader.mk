# examples/cheader/cheader.mk - the C-header example: libgeo, an ordinary C
# library (geo.h, geo.c), called and served over ALR through the adapter
# `alrc --emit=c geo.h` writes (geo_adapt.h, geo_client.c, geo_server.c;
# spec/annotations.md section 5).  Included by the top Makefile (-include),
# so it uses its variables: B, CC, CFLAGS_ALL, LDFLAGS_ALL, LDLIBS_ALL,
# LIBALR_A, ALRC (and IMPORT_HAVE from import/import.mk).
#
#   make cheader        generated code in $(B)/examples/cheader, programs in
#                       $(B)/examples/bin:
#                         cheader_server  server.c + the REAL geo.c + geo_server.c
#                         cheader_client  client.c + geo_client.c (no geo.c)
#                         cheader_local   client.c + geo.c (the same calls in process)
#   make cheader-test   build them and run tests/cheader/run.sh (N passed, N failed);
#                       with an alrc built without libclang it says so and skips
#   make ... SAN=1      the same under ASan+UBSan (in build-san/)

CH_SRC   := examples/cheader
CH_B     := $(B)/examples/cheader
CH_BIN   := $(B)/examples/bin
CH_GEN   := $(CH_B)/geo_gen.h $(CH_B)/geo_gen.c $(CH_B)/geo_adapt.h $(CH_B)/geo_client.c \
            $(CH_B)/geo_server.c
CH_PROGS := $(CH_BIN)/cheader_server $(CH_BIN)/cheader_client $(CH_BIN)/cheader_local
CH_CFLAGS = $(CFLAGS_ALL) -I$(CH_B) -I$(CH_SRC)

.PHONY: cheader cheader-test

ifneq ($(IMPORT_HAVE),0)
cheader: $(CH_PROGS)

cheader-test: $(CH_PROGS) $(ALRC)
	@bash tests/cheader/run.sh $(ALRC) $(CH_BIN)
else
# alrc has no libclang: nothing to generate; run.sh reports the skip
cheader:
	@echo "cheader: skipped: alrc was built without libclang (install libclang-14-dev)"

cheader-test: $(ALRC)
	@bash tests/cheader/run.sh $(ALRC) $(CH_BIN)
endif

# alrc rewrites an output only when its bytes change, so a stamp records the
# run; objects depend on the generated files themselves.  The flags after --
# are how this build compiles geo.h (the generated _Static_asserts check it).
$(CH_B)/.stamp: $(CH_SRC)/geo.h runtime/include/alr/annotate.h $(ALRC)
	@mkdir -p $(CH_B)
	$(ALRC) -I runtime/include --emit=c -o $(CH_B) $(CH_SRC)/geo.h -- -std=c11
	@touch $@

$(CH_GEN): $(CH_B)/.stamp ;

# the library and the programs: plain C, the project's warnings
$(CH_B)/obj/%.o: $(CH_SRC)/%.c $(CH_B)/geo_adapt.h $(CH_B)/geo_gen.h
	@mkdir -p $(dir $@)
	$(CC) $(CH_CFLAGS) -c -o $@ $<

$(CH_B)/obj/geo.o: $(CH_SRC)/geo.c
	@mkdir -p $(dir $@)
	$(CC) $(CH_CFLAGS) -c -o $@ $<

$(CH_B)/obj/local.o: $(CH_SRC)/client.c
	@mkdir -p $(dir $@)
	$(CC) $(CH_CFLAGS) -DCHEADER_LOCAL -c -o $@ $<

# generated code: also -Wpedantic
$(CH_B)/obj/gen/%.o: $(CH_B)/%.c $(CH_B)/geo_adapt.h $(CH_B)/geo_gen.h
	@mkdir -p $(dir $@)
	$(CC) $(CH_CFLAGS) -Wpedantic -c -o $@ $<

$(CH_BIN)/cheader_server: $(CH_B)/obj/server.o $(CH_B)/obj/geo.o $(CH_B)/obj/gen/geo_server.o \
                          $(CH_B)/obj/gen/geo_gen.o $(LIBALR_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(CH_BIN)/cheader_client: $(CH_B)/obj/client.o $(CH_B)/obj/gen/geo_client.o \
                          $(CH_B)/obj/gen/geo_gen.o $(LIBALR_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(CH_BIN)/cheader_local: $(CH_B)/obj/local.o $(CH_B)/obj/geo.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

-include $(wildcard $(CH_B)/obj/*.d $(CH_B)/obj/gen/*.d)
