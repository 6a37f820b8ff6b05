# SPDX-License-Identifier: GPL-2.0-or-later
# Thin wrapper around meson/ninja: make, make check, make clean.
BUILD ?= build
NINJA ?= ninja

.PHONY: all check check-unit check-qtest check-functional bench clean distclean

all: $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

$(BUILD)/build.ninja:
	./configure

check: all
	python3 scripts/run-tests.py $(BUILD)

check-unit check-qtest check-functional: all
	python3 scripts/run-tests.py $(BUILD) --suite $(subst check-,,$@)

bench: all
	$(NINJA) -C $(BUILD) bench

clean:
	-$(NINJA) -C $(BUILD) clean

distclean:
	rm -rf $(BUILD)
