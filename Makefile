# ALR for C - one non-recursive GNU Makefile.
#
#   make                 build build/bin/alrc, build/lib/libalr.{a,so}
#   make test            build and run every test (unit, golden, fixpoint)
#   make test SAN=1      the same under ASan+UBSan (in build-san/)
#   make fuzz            run every libFuzzer target for FUZZ_TIME seconds (clang)
#   make demo            the main job
#   make install PREFIX=/usr/local DESTDIR=
#
# Generated sources (re2c lexer, lemon parser) are build outputs in $(B)/gen.

.SUFFIXES:
.DELETE_ON_ERROR:
.DEFAULT_GOAL := all
SHELL := /bin/bash

CC      ?= cc
ifeq ($(origin CC),default)
CC      := cc
endif
PREFIX  ?= /usr/local
DESTDIR ?=
SAN     ?=
FUZZ_TIME ?= 60

ifeq ($(SAN),1)
B       := build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT     := -O1 -g
else
B       := build
SANFLAGS :=
OPT     := -O2 -g
endif

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-missing-field-initializers
BASEFLAGS := -std=c11 -D_GNU_SOURCE -fPIC $(OPT) $(SANFLAGS) -MMD -MP
CFLAGS_ALL := $(BASEFLAGS) $(WARN) -Iruntime/include -Iruntime -Icompiler -Iidl -I$(B)/gen/idl -Itools/alr $(CFLAGS)
# Generated parser/lexer: not our code, so only the warnings that matter.
CFLAGS_GEN := $(BASEFLAGS) -Wall -Wno-unused-parameter -Wno-unused-variable \
              -Wno-unused-but-set-variable -Wno-sign-compare -Wno-implicit-fallthrough \
              -Iruntime/include -Iruntime -Icompiler -Iidl -I$(B)/gen/idl $(CFLAGS)
LDFLAGS_ALL := $(SANFLAGS) $(LDFLAGS)
LDLIBS_ALL  := -lpthread -lm $(LDLIBS)

RE2C    ?= re2c
LEMON   ?= lemon
LEMPAR  := $(firstword $(wildcard /usr/share/lemon/lempar.c /usr/share/sqlite3/lempar.c /usr/local/share/lemon/lempar.c))

need = @command -v $(1) >/dev/null 2>&1 || { echo "error: '$(1)' not found: install the Debian package '$(2)' (apt-get install $(2))" >&2; exit 1; }

# ---------------------------------------------------------------- sources
RUNTIME_SRC  := $(sort $(wildcard runtime/*.c))
COMPILER_SRC := $(sort $(filter-out compiler/alrc_main.c,$(wildcard compiler/*.c)))
IDL_SRC      := $(sort $(wildcard idl/*.c))
GEN_SRC      := $(B)/gen/idl/lexer.c $(B)/gen/idl/parser.c

RUNTIME_OBJ  := $(RUNTIME_SRC:%.c=$(B)/obj/%.o)
COMPILER_OBJ := $(COMPILER_SRC:%.c=$(B)/obj/%.o) $(IDL_SRC:%.c=$(B)/obj/%.o) $(GEN_SRC:$(B)/gen/%.c=$(B)/obj/gen/%.o)
# The C-header front end (import/import.mk) appends its objects to COMPILER_OBJ and the
# libraries they need to IMPORT_LIBS (libclang), which everything linking libalrc.a uses.
IMPORT_LIBS  :=
-include import/import.mk

LIBALR_A  := $(B)/lib/libalr.a
LIBALR_SO := $(B)/lib/libalr.so
LIBALRC_A := $(B)/lib/libalrc.a
ALRC      := $(B)/bin/alrc

UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

ALR_TOOL  := $(B)/bin/alr
ALR_TOOL_SRC := $(sort $(filter-out tools/alr/main.c,$(wildcard tools/alr/*.c)))
ALR_TOOL_OBJ := $(ALR_TOOL_SRC:%.c=$(B)/obj/%.o)
JSON_LIBS := -ljansson

.PHONY: all test check check-noclang demo install clean fuzz fuzz-build unit golden tsan
all: $(ALRC) $(LIBALR_A) $(LIBALR_SO) $(ALR_TOOL)

# ---------------------------------------------------------------- generated front end
$(B)/gen/idl/lexer.c: idl/lexer.re | $(B)/gen/idl/parser.c
	$(call need,$(RE2C),re2c)
	@mkdir -p $(dir $@)
	$(RE2C) -W --no-generation-date --no-version -o $@ $<

$(B)/gen/idl/parser.c: idl/parser.y
	$(call need,$(LEMON),lemon)
	@mkdir -p $(dir $@)
	@test -n "$(LEMPAR)" || { echo "error: lempar.c not found: install the Debian package 'lemon' (apt-get install lemon)" >&2; exit 1; }
	cp $< $(B)/gen/idl/parser.y
	$(LEMON) -q -T$(LEMPAR) $(B)/gen/idl/parser.y
	@rm -f $(B)/gen/idl/parser.y

$(B)/gen/idl/parser.h: $(B)/gen/idl/parser.c

$(B)/obj/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_GEN) -c -o $@ $<

# idl/ sources include the generated token header
$(IDL_SRC:%.c=$(B)/obj/%.o): $(B)/gen/idl/parser.c

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

# ---------------------------------------------------------------- libraries and tools
$(LIBALR_A): $(RUNTIME_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBALR_SO): $(RUNTIME_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libalr.so.0 $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(LIBALRC_A): $(COMPILER_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(ALRC): $(B)/obj/compiler/alrc_main.o $(LIBALRC_A) $(LIBALR_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(IMPORT_LIBS) $(LDLIBS_ALL)

# The wire debugging tool: JSON through jansson (a tool dependency, never libalr's).
$(B)/lib/libalrtool.a: $(ALR_TOOL_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(ALR_TOOL): $(B)/obj/tools/alr/main.o $(B)/lib/libalrtool.a $(LIBALRC_A) $(LIBALR_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(JSON_LIBS) $(IMPORT_LIBS) $(LDLIBS_ALL)

# ---------------------------------------------------------------- tests
$(B)/tests/%: $(B)/obj/tests/unit/%.o $(LIBALRC_A) $(LIBALR_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(IMPORT_LIBS) $(LDLIBS_ALL)

# tests that exercise the JSON tool library
$(B)/tests/test_evolution: $(B)/obj/tests/unit/test_evolution.o $(B)/lib/libalrtool.a $(LIBALRC_A) $(LIBALR_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(JSON_LIBS) $(IMPORT_LIBS) $(LDLIBS_ALL)

$(B)/obj/tests/unit/%.o: CFLAGS_ALL += -Itests

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

golden: $(ALRC) $(ALR_TOOL) $(LIBALR_A)
	@bash tests/golden.sh $(ALRC)
	@bash tests/tool.sh $(ALR_TOOL) $(ALRC)
	@bash tests/gen/check.sh $(ALRC) $(LIBALR_A)
	@bash tests/import/run.sh $(ALRC)

test: all unit golden rpc-test examples-test cheader-test
	@echo "all test suites passed ($(B))"

# The threaded tests under ThreadSanitizer (in build-tsan/).
TSAN_TESTS := test_rpc test_async test_flow test_scopes test_inline
tsan:
	@$(MAKE) --no-print-directory B=build-tsan SANFLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
	    OPT="-O1 -g" $(TSAN_TESTS:%=build-tsan/tests/%)
	@set -e; for t in $(TSAN_TESTS); do echo "== build-tsan/tests/$$t (TSan)"; \
	    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" build-tsan/tests/$$t; done

# What CI runs: the tests, the tests under ASan+UBSan, and every fuzzer.
check:
	@$(MAKE) --no-print-directory test
	@$(MAKE) --no-print-directory SAN=1 test
	@$(MAKE) --no-print-directory tsan
	@$(MAKE) --no-print-directory check-noclang
	@$(MAKE) --no-print-directory fuzz

# The suite with alrc built without libclang: header tests must be skipped, loudly.
check-noclang:
	@$(MAKE) --no-print-directory B=build-noclang IMPORT_LIBCLANG=0 test

# ---------------------------------------------------------------- fuzzing (clang + libFuzzer)
FUZZ_CC    ?= clang
FUZZ_B     := build-fuzz
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN   := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_B)/%)
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
              -Iruntime/include -Iruntime -Icompiler -Iidl -I$(FUZZ_B)/gen/idl -Itests

fuzz-build:
	$(call need,$(FUZZ_CC),clang)
	@$(MAKE) --no-print-directory B=$(FUZZ_B) CC=$(FUZZ_CC) SANFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
	    OPT="-O1 -g" $(FUZZ_B)/lib/libalrc.a $(FUZZ_B)/lib/libalr.a
	@mkdir -p $(FUZZ_B)
	@set -e; for s in $(FUZZ_SRC); do n=$$(basename $$s .c); \
	    $(FUZZ_CC) $(FUZZ_FLAGS) -o $(FUZZ_B)/$$n $$s $(FUZZ_B)/lib/libalrc.a $(FUZZ_B)/lib/libalr.a $(IMPORT_LIBS) -lpthread -lm; done

fuzz: fuzz-build
	@bash tests/fuzz/run.sh $(FUZZ_B) $(FUZZ_TIME)

# ---------------------------------------------------------------- demo and install
demo: all examples
	@bash examples/demo.sh $(B)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/alr $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(ALRC) $(DESTDIR)$(PREFIX)/bin/alrc
	install -m 755 $(ALR_TOOL) $(DESTDIR)$(PREFIX)/bin/alr
	install -m 644 $(LIBALR_A) $(DESTDIR)$(PREFIX)/lib/libalr.a
	install -m 755 $(LIBALR_SO) $(DESTDIR)$(PREFIX)/lib/libalr.so.0
	ln -sf libalr.so.0 $(DESTDIR)$(PREFIX)/lib/libalr.so
	install -m 644 runtime/include/alr/*.h $(DESTDIR)$(PREFIX)/include/alr/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell sed -n 's/^#define ALR_VERSION_STRING "\(.*\)"/\1/p' runtime/include/alr/alr.h)|g' \
	    alr.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/alr.pc

clean:
	rm -rf build build-san build-fuzz build-tsan build-noclang

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

# Benchmarks (bench/bench.mk defines `bench` and its programs).
-include bench/bench.mk
# Multi-process RPC tests (rpc-build, rpc-test).
-include tests/rpc/rpc.mk
# Example programs (examples, examples-test) and the C-header example (cheader, cheader-test).
-include examples/examples.mk
-include examples/cheader/cheader.mk
