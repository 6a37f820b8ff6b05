/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Binary size units. */
#ifndef QEMU_UNITS_H
#define QEMU_UNITS_H
#define KiB (INT64_C(1) << 10)
#define MiB (INT64_C(1) << 20)
#define GiB (INT64_C(1) << 30)
#define TiB (INT64_C(1) << 40)
#define PiB (INT64_C(1) << 50)
#define EiB (INT64_C(1) << 60)
#endif
