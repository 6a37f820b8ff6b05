# SPDX-License-Identifier: GPL-2.0-or-later
# Package of the QAPI schema generator run by scripts/qapi-gen.py.
