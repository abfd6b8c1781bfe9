# The way between user mode and the kernel. Every user page table maps the kernel too
# (vm.c), so neither direction changes satp, and it maps the process's trapframe at
# TRAPFRAME_VA = -2048 (memlayout.h): TF(off) below is that address plus off, written as
# an offset from x0, so these routines reach the trapframe without a register holding
# its address, and without a CSR to keep one in (under QEMU each CSR access leaves the
# translated code, ~0.2 us: a system call now makes three, sepc twice and scause).
#
# stvec follows the page table (vm_switch): uservec while a hart runs a user process, in
# user mode or in the kernel for it; kernelvec (kernelvec.S) in the scheduler and kernel
# threads, whose kernel table has no trapframe.
#
# uservec: every trap while a user process runs. The trapframe's in_kernel tells them
#   apart: 1 while the kernel runs for the process. From the kernel, go on to kernelvec.
#   From user mode: save every user register xN at TF(N*8) (slot 0 gets sepc), set
#   in_kernel, load the kernel's sp and tp, jump to usertrap().
# userret: called by usertrapret() with interrupts off: set sepc from the trapframe,
#   clear in_kernel, reload every user register, sret to user mode.
#
# The offsets of the fields after the registers; trap.c checks them against struct
# trapframe and TRAPFRAME_VA against -2048.
#define TF(off) -2048+off
#define KSP 256
#define KTRAP 264
#define KTP 272
#define IN_KERNEL 280
#define SCRATCH 288

.section .text
.globl uservec
.globl userret
.balign 4                               # stvec's low two bits are the mode [priv 4.1.2]
uservec:
        sd t0, TF(SCRATCH)(zero)        # free t0 to look at in_kernel
        ld t0, TF(IN_KERNEL)(zero)
        bnez t0, from_kernel
        sd x1, TF(8)(zero)
        sd x2, TF(16)(zero)
        sd x3, TF(24)(zero)
        sd x4, TF(32)(zero)
        sd x6, TF(48)(zero)
        sd x7, TF(56)(zero)
        sd x8, TF(64)(zero)
        sd x9, TF(72)(zero)
        sd x10, TF(80)(zero)
        sd x11, TF(88)(zero)
        sd x12, TF(96)(zero)
        sd x13, TF(104)(zero)
        sd x14, TF(112)(zero)
        sd x15, TF(120)(zero)
        sd x16, TF(128)(zero)
        sd x17, TF(136)(zero)
        sd x18, TF(144)(zero)
        sd x19, TF(152)(zero)
        sd x20, TF(160)(zero)
        sd x21, TF(168)(zero)
        sd x22, TF(176)(zero)
        sd x23, TF(184)(zero)
        sd x24, TF(192)(zero)
        sd x25, TF(200)(zero)
        sd x26, TF(208)(zero)
        sd x27, TF(216)(zero)
        sd x28, TF(224)(zero)
        sd x29, TF(232)(zero)
        sd x30, TF(240)(zero)
        sd x31, TF(248)(zero)
        ld t0, TF(SCRATCH)(zero)        # the user's t0 (x5)
        sd t0, TF(40)(zero)
        csrr t0, sepc
        sd t0, TF(0)(zero)
        li t0, 1
        sd t0, TF(IN_KERNEL)(zero)      # a trap from here on is the kernel's

        ld sp, TF(KSP)(zero)
        ld tp, TF(KTP)(zero)
        ld t0, TF(KTRAP)(zero)
        jr t0                           # usertrap(); does not return here

from_kernel:
        ld t0, TF(SCRATCH)(zero)        # the kernel's t0 back
        j kernelvec

userret:
        ld t0, TF(0)(zero)
        csrw sepc, t0
        sd zero, TF(IN_KERNEL)(zero)    # the next trap comes from user mode
        ld x1, TF(8)(zero)
        ld x2, TF(16)(zero)
        ld x3, TF(24)(zero)
        ld x4, TF(32)(zero)
        ld x5, TF(40)(zero)
        ld x6, TF(48)(zero)
        ld x7, TF(56)(zero)
        ld x8, TF(64)(zero)
        ld x9, TF(72)(zero)
        ld x10, TF(80)(zero)
        ld x11, TF(88)(zero)
        ld x12, TF(96)(zero)
        ld x13, TF(104)(zero)
        ld x14, TF(112)(zero)
        ld x15, TF(120)(zero)
        ld x16, TF(128)(zero)
        ld x17, TF(136)(zero)
        ld x18, TF(144)(zero)
        ld x19, TF(152)(zero)
        ld x20, TF(160)(zero)
        ld x21, TF(168)(zero)
        ld x22, TF(176)(zero)
        ld x23, TF(184)(zero)
        ld x24, TF(192)(zero)
        ld x25, TF(200)(zero)
        ld x26, TF(208)(zero)
        ld x27, TF(216)(zero)
        ld x28, TF(224)(zero)
        ld x29, TF(232)(zero)
        ld x30, TF(240)(zero)
        ld x31, TF(248)(zero)
        sret                            # to user mode at sepc (sstatus.SPP = 0)
