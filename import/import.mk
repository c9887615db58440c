# import/import.mk - the C-header front end (included by the Makefile right
# after COMPILER_OBJ is defined).  Detects libclang (Debian 12: libclang-14-dev)
# and appends the importer's objects to COMPILER_OBJ and -lclang to IMPORT_LIBS.
# Without libclang alrc still builds; a header input then fails with a message
# saying what to install.
#
#   IMPORT_LIBCLANG=auto  use libclang when found (the default)
#   IMPORT_LIBCLANG=1     require it (error when missing)
#   IMPORT_LIBCLANG=0     build without it (C-header input disabled)
#   LIBCLANG_INCDIR=DIR LIBCLANG_LIBDIR=DIR   where clang-c/Index.h and libclang.so are

IMPORT_LIBCLANG ?= auto
LLVM_CONFIG ?= $(firstword $(wildcard /usr/lib/llvm-14/bin/llvm-config) $(shell command -v llvm-config 2>/dev/null))

IMPORT_HAVE := 0
ifneq ($(IMPORT_LIBCLANG),0)
  ifeq ($(origin LIBCLANG_INCDIR),undefined)
    LIBCLANG_INCDIR := $(firstword $(patsubst %/clang-c/Index.h,%,$(wildcard /usr/lib/llvm-14/include/clang-c/Index.h)) \
                       $(if $(LLVM_CONFIG),$(shell $(LLVM_CONFIG) --includedir 2>/dev/null)))
  endif
  ifeq ($(origin LIBCLANG_LIBDIR),undefined)
    LIBCLANG_LIBDIR := $(firstword $(patsubst %/libclang.so,%,$(wildcard /usr/lib/llvm-14/lib/libclang.so)) \
                       $(if $(LLVM_CONFIG),$(shell $(LLVM_CONFIG) --libdir 2>/dev/null)))
  endif
  ifneq ($(and $(LIBCLANG_INCDIR),$(LIBCLANG_LIBDIR),$(wildcard $(LIBCLANG_INCDIR)/clang-c/Index.h),$(wildcard $(LIBCLANG_LIBDIR)/libclang.so)),)
    IMPORT_HAVE := 1
  else ifeq ($(IMPORT_LIBCLANG),1)
    $(error IMPORT_LIBCLANG=1 but libclang was not found: install the Debian package libclang-14-dev (or set LIBCLANG_INCDIR and LIBCLANG_LIBDIR))
  else
    $(info import.mk: libclang not found (install the Debian package libclang-14-dev): building alrc without C-header input)
  endif
endif

IMPORT_COMMON_SRC := import/imp_load.c import/imp_text.c import/imp_facts.c
IMPORT_CLANG_SRC  := import/imp_clang.c import/imp_walk.c
IMPORT_COMMON_OBJ := $(IMPORT_COMMON_SRC:%.c=$(B)/obj/%.o)
IMPORT_CLANG_OBJ  := $(IMPORT_CLANG_SRC:%.c=$(B)/obj/%.o)

COMPILER_OBJ += $(IMPORT_COMMON_OBJ)
ifeq ($(IMPORT_HAVE),1)
COMPILER_OBJ += $(IMPORT_CLANG_OBJ)
IMPORT_LIBS  += -L$(LIBCLANG_LIBDIR) -lclang -Wl,-rpath,$(LIBCLANG_LIBDIR)
# Only import/ sees clang-c (as a system header: its own warnings are not ours).
$(IMPORT_CLANG_OBJ): CFLAGS_ALL += -isystem $(LIBCLANG_INCDIR)
endif

# imp_load.o carries the configuration; it is rebuilt (and so libalrc.a and
# alrc relinked) whenever the configuration changes, through this stamp.
IMPORT_STAMP  := $(B)/obj/import/config.stamp
IMPORT_CONFIG := libclang=$(IMPORT_HAVE) inc=$(LIBCLANG_INCDIR) lib=$(LIBCLANG_LIBDIR)
$(shell mkdir -p $(B)/obj/import && { [ "$$(cat $(IMPORT_STAMP) 2>/dev/null)" = "$(IMPORT_CONFIG)" ] || echo "$(IMPORT_CONFIG)" > $(IMPORT_STAMP); })
$(B)/obj/import/imp_load.o: $(IMPORT_STAMP)
$(B)/obj/import/imp_load.o: CFLAGS_ALL += -DIMP_HAVE_LIBCLANG=$(IMPORT_HAVE)

# The driver and the importer's unit test include import/imp.h.
$(B)/obj/compiler/alrc_main.o $(B)/obj/tests/unit/test_import.o: CFLAGS_ALL += -Iimport
