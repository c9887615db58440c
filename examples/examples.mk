# examples/examples.mk - the example programs: the greeter and the three
# versions of the city guide's weather service, each a server and a client.
# Included by the top Makefile (-include), so it uses its variables: B, CC,
# CFLAGS_ALL, LDFLAGS_ALL, LDLIBS_ALL, LIBALR_A, ALRC.
#
#   make examples          generated code in $(B)/examples/DIR, programs in $(B)/examples/bin
#   make examples-test     build them and run tests/examples/run.sh (N passed, N failed)
#   make ... SAN=1         the same under ASan+UBSan (in build-san/)
#
# The three city guide versions share the package name `cityguide`, so each
# is generated into its own directory ($(B)/examples/cityguide/v1, ...).

EX_B    := $(B)/examples
EX_BIN  := $(EX_B)/bin
# DIR:STEM:PROGRAM-PREFIX, one per schema (examples/DIR/STEM.alr with server.c, client.c)
EX_LIST := greeter:greeter:greeter \
           cityguide/v1:cityguide:cityguide_v1 \
           cityguide/v2:cityguide:cityguide_v2 \
           cityguide/v3:cityguide:cityguide_v3
EX_PROGS := $(foreach x,$(EX_LIST),$(foreach p,server client,$(EX_BIN)/$(word 3,$(subst :, ,$(x)))_$(p)))

.PHONY: examples examples-test

examples: $(EX_PROGS)

examples-test: $(EX_PROGS)
	@bash tests/examples/run.sh $(EX_BIN)

# $(call ex_rules,DIR,STEM,PREFIX)
# alrc rewrites an output only when its bytes change, so a stamp records that
# the outputs are up to date with the schema and alrc; the objects depend on
# the generated files themselves and rebuild only when those change.
define ex_rules
$(EX_B)/$(1)/.stamp: examples/$(1)/$(2).alr $(ALRC)
	@mkdir -p $$(dir $$@)
	$$(ALRC) --emit=c -o $(EX_B)/$(1) $$<
	@touch $$@

$(EX_B)/$(1)/$(2)_gen.h $(EX_B)/$(1)/$(2)_gen.c: $(EX_B)/$(1)/.stamp ;

$(EX_B)/obj/$(1)/%.o: examples/$(1)/%.c $(EX_B)/$(1)/$(2)_gen.h
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS_ALL) -I$(EX_B)/$(1) -c -o $$@ $$<

$(EX_B)/obj/$(1)/$(2)_gen.o: $(EX_B)/$(1)/$(2)_gen.c $(EX_B)/$(1)/$(2)_gen.h
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS_ALL) -I$(EX_B)/$(1) -c -o $$@ $$<

$(EX_BIN)/$(3)_server: $(EX_B)/obj/$(1)/server.o $(EX_B)/obj/$(1)/$(2)_gen.o $(LIBALR_A)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS_ALL) -o $$@ $$^ $$(LDLIBS_ALL)

$(EX_BIN)/$(3)_client: $(EX_B)/obj/$(1)/client.o $(EX_B)/obj/$(1)/$(2)_gen.o $(LIBALR_A)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS_ALL) -o $$@ $$^ $$(LDLIBS_ALL)
endef

$(foreach x,$(EX_LIST),$(eval $(call ex_rules,$(word 1,$(subst :, ,$(x))),$(word 2,$(subst :, ,$(x))),$(word 3,$(subst :, ,$(x))))))

-include $(wildcard $(EX_B)/obj/*/*.d $(EX_B)/obj/*/*/*.d)

# The README's quick start, verbatim (examples/quickstart): built against the
# greeter's generated code and run by tests/examples/run.sh.
EX_QUICK := $(EX_BIN)/quickstart_server $(EX_BIN)/quickstart_client
examples: $(EX_QUICK)
examples-test: $(EX_QUICK)

$(EX_B)/obj/quickstart/%.o: examples/quickstart/%.c $(EX_B)/greeter/greeter_gen.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -I$(EX_B)/greeter -c -o $@ $<

$(EX_BIN)/quickstart_%: $(EX_B)/obj/quickstart/%.o $(EX_B)/obj/greeter/greeter_gen.o $(LIBALR_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)
