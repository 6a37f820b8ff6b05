# SPDX-License-Identifier: GPL-2.0-or-later
# Thin wrapper around meson/ninja: make, make check, make clean.
BUILD ?= build
SAN_BUILD ?= build-san
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
NINJA ?= ninja
# Seconds each fuzzer runs in check-fuzz.
FUZZ_TIME ?= 60

# Reports end the process with a failure; leak reports stay on (LSan).
# ASan keeps its shadow away from the guest-RAM mappings by itself (they
# are mmap'd, not malloc'd); allocator_may_return_null lets a refused
# huge -m size reach our own error path instead of aborting in malloc.
export ASAN_OPTIONS ?= halt_on_error=1:abort_on_error=1:detect_leaks=1:allocator_may_return_null=1:handle_segv=1:detect_stack_use_after_return=0
export UBSAN_OPTIONS ?= halt_on_error=1:abort_on_error=1:print_stacktrace=1
# GLib < 2.76 hands out g_slice memory from per-thread magazines that it
# synchronizes internally, unseen by the sanitizers: plain malloc lets ASan
# see each block's lifetime and TSan the hand-over between threads.
export G_SLICE ?= always-malloc
export TSAN_OPTIONS ?= halt_on_error=1:abort_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/tsan.supp


# Suites the sanitizer builds run: everything but the long guest runs.
SAN_TESTS = --suite unit --suite qtest --suite functional \
	--exclude test-guest --exclude test-linux-boot

.PHONY: all check check-unit check-qtest check-functional bench clean distclean \
	check-sanitizers check-tsan check-fuzz

all: $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

$(BUILD)/build.ninja:
	./configure

check: all
	python3 scripts/run-tests.py $(BUILD)

check-unit check-qtest check-functional: all
	python3 scripts/run-tests.py $(BUILD) --suite $(subst check-,,$@)

$(SAN_BUILD)/build.ninja:
	meson setup $(SAN_BUILD) -Dsanitizers=true -Dslow_tests=false

check-sanitizers: $(SAN_BUILD)/build.ninja
	$(NINJA) -C $(SAN_BUILD)
	python3 scripts/run-tests.py $(SAN_BUILD) $(SAN_TESTS) --timeout-multiplier 3

$(TSAN_BUILD)/build.ninja:
	meson setup $(TSAN_BUILD) -Dtsan=true -Dslow_tests=false

# The threads TSan is for: the memslot worker (unit, kvm-double), the
# prealloc threads (test-prealloc, test-hostmem) and vCPU threads, which
# only a running guest has: test-guest at two vCPUs and 64 MiB on every
# backend, with the error exits of the vCPU loop.  The larger guests are
# skipped (-s; GLib's -p would print one TAP plan per path).
TSAN_GUEST = $(foreach b,ram file memfd shm guest-memfd memfd-gmem,\
	-s /guest/builtin/$(b)/256M/smp1 -s /guest/builtin/$(b)/3136M/smp2)

check-tsan: $(TSAN_BUILD)/build.ninja
	$(NINJA) -C $(TSAN_BUILD)
	python3 scripts/run-tests.py $(TSAN_BUILD) $(SAN_TESTS) --timeout-multiplier 5
	python3 scripts/run-tests.py $(TSAN_BUILD) test-guest \
		--timeout-multiplier 5 --test-args '$(strip $(TSAN_GUEST))'

$(FUZZ_BUILD)/build.ninja:
	bash tests/fuzz/setup.sh
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzzing=true -Dsanitizers=true \
		-Dslow_tests=false

check-fuzz: $(FUZZ_BUILD)/build.ninja
	$(NINJA) -C $(FUZZ_BUILD) fuzz
	python3 scripts/run-tests.py $(FUZZ_BUILD) --suite fuzz
	bash tests/fuzz/run-fuzzers.sh $(FUZZ_BUILD) $(FUZZ_TIME)

bench: all
	$(NINJA) -C $(BUILD) bench

clean:
	-$(NINJA) -C $(BUILD) clean

distclean:
	rm -rf $(BUILD) $(SAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
