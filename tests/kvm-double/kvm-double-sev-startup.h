/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An SEV-SNP start-up of the microvm machine with the built-in guest, in
 * process, on the KVM double with its SEV-SNP layer (vl.c's order), for
 * the tests and the launch benchmark.
 */
#ifndef TESTS_KVM_DOUBLE_SEV_STARTUP_H
#define TESTS_KVM_DOUBLE_SEV_STARTUP_H

#include "qemu/osdep.h"
#include "hw/boards.h"
#include "kvm-double.h"
#include "kvm-double-sev.h"

typedef struct Run {
    KVMDouble *dbl;
    KVMDoubleSev *sev;
    MachineState *ms;
    uint8_t digest[SNP_DIGEST_SIZE];
    GPtrArray *log;
    uint64_t copied;
    unsigned updates;
    /* phases, ns: accelerator + CGS set-up, RAM + board, the launch */
    int64_t t_accel, t_board, t_launch;
    MemoryRegion *flash;         /* the firmware's region, if any */
} Run;

/*
 * Start-up of an SNP guest with @ram_size of RAM (@in_place: a
 * memory-backend-guest-memfd, else memory-backend-ram); @snp_json adds
 * sev-snp-guest properties; @fail_cmd (non-zero) makes the 2nd such
 * command fail with SEV_RET_RESOURCE_LIMIT.  False with *errp set.
 * Call sev_startup_end() in every case.
 */
bool sev_startup(Run *r, bool in_place, uint64_t ram_size,
                 const char *snp_json, uint32_t fail_cmd, Error **errp);
/* Tear everything down (asserting no fd is left), keeping the log. */
void sev_startup_end(Run *r);
/*
 * The same with firmware image @fw (@fw_size bytes) mapped from a second
 * backend of the same kind at 4 GiB - @fw_size and handed to the launch
 * (sev_snp_add_firmware()).
 */
bool sev_startup_fw(Run *r, bool in_place, uint64_t ram_size,
                    const char *snp_json, uint32_t fail_cmd,
                    const uint8_t *fw, size_t fw_size, Error **errp);
void sev_startup_free(Run *r);

#endif
