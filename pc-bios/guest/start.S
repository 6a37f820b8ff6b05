/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Entry of the built-in guest: the VMM enters every vCPU here in long mode,
 * ring 0, with %rdi = vCPU index, %rsi = GuestInfo and %rsp = its own
 * stack.  The tester then drops to ring 3 with IOPL 3 (port I/O still
 * allowed): software-virtualized KVM (kvm_pvm) emulates supervisor code
 * instruction by instruction but runs user code natively, a factor of
 * about 1000 for the memory loops.  GDT 0x28/0x30 hold the user data/code
 * descriptors the VMM provides; all page-table levels have U/S set.
 * The conversion test (GUEST_FLAG_CONVERT, bit 1 of the flags at offset 16
 * of GuestInfo) stays in ring 0: KVM refuses hypercalls from CPL 3.
 */
    .section .text.entry, "ax"
    .code64
    .globl _start
_start:
    cli
    cld
    andq $-16, %rsp
    testq $2, 16(%rsi)
    jnz 1f
    movq %rsp, %rax
    pushq $0x2b             /* SS: user data, RPL 3 */
    pushq %rax              /* RSP */
    pushq $0x3002           /* RFLAGS: IOPL 3, IF 0 */
    pushq $0x33             /* CS: user 64-bit code, RPL 3 */
    leaq 1f(%rip), %rax
    pushq %rax
    iretq
1:  call guest_main
2:  pause
    jmp 2b
