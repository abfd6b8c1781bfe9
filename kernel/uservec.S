# The way between user mode and the kernel. Every user page table also maps the kernel
# (vm.c), so neither direction changes satp.
#
# uservec: stvec, always: every trap comes here, from user mode and from the kernel.
#   sscratch tells them apart: it holds the kernel address of the process's trapframe
#   while the hart runs user code, and 0 while it runs the kernel. From the kernel, go
#   on to kernelvec (kernelvec.S). From user mode: save every user register xN at
#   trapframe + N*8 (struct trapframe in proc.h; slot 0 gets sepc), set sscratch to 0,
#   load the kernel's sp and tp, jump to usertrap().
#   One vector rather than one per mode because under QEMU every CSR access leaves the
#   translated code: switching stvec cost two such trips per system call.
# userret(a0 = trapframe): called by usertrapret() with interrupts off; put the
#   trapframe's address in sscratch for the next uservec, reload every user register,
#   sret to user mode.
#
# The offsets of the kernel_* fields; trap.c checks them against struct trapframe.
#define KSP 256
#define KTRAP 264
#define KTP 272

.section .text
.globl uservec
.globl userret
.balign 4                               # stvec's low two bits are the mode [priv 4.1.2]
uservec:
        csrrw a0, sscratch, a0          # user: a0 = the trapframe, sscratch = user a0
        beqz a0, from_kernel            # kernel: a0 = 0, sscratch = the kernel's a0
        sd x1, 8(a0)
        sd x2, 16(a0)
        sd x3, 24(a0)
        sd x4, 32(a0)
        sd x5, 40(a0)
        sd x6, 48(a0)
        sd x7, 56(a0)
        sd x8, 64(a0)
        sd x9, 72(a0)
        sd x11, 88(a0)
        sd x12, 96(a0)
        sd x13, 104(a0)
        sd x14, 112(a0)
        sd x15, 120(a0)
        sd x16, 128(a0)
        sd x17, 136(a0)
        sd x18, 144(a0)
        sd x19, 152(a0)
        sd x20, 160(a0)
        sd x21, 168(a0)
        sd x22, 176(a0)
        sd x23, 184(a0)
        sd x24, 192(a0)
        sd x25, 200(a0)
        sd x26, 208(a0)
        sd x27, 216(a0)
        sd x28, 224(a0)
        sd x29, 232(a0)
        sd x30, 240(a0)
        sd x31, 248(a0)
        csrrw t0, sscratch, zero        # the user's a0 (x10); sscratch = 0: in the kernel
        sd t0, 80(a0)
        csrr t0, sepc
        sd t0, 0(a0)

        ld sp, KSP(a0)
        ld tp, KTP(a0)
        ld t0, KTRAP(a0)
        jr t0                           # usertrap(); does not return here

from_kernel:
        csrrw a0, sscratch, zero        # the kernel's a0 back, sscratch = 0 again
        j kernelvec

userret:
        csrw sscratch, a0               # for the next uservec
        ld t0, 0(a0)
        csrw sepc, t0
        ld x1, 8(a0)
        ld x2, 16(a0)
        ld x3, 24(a0)
        ld x4, 32(a0)
        ld x5, 40(a0)
        ld x6, 48(a0)
        ld x7, 56(a0)
        ld x8, 64(a0)
        ld x9, 72(a0)
        ld x11, 88(a0)
        ld x12, 96(a0)
        ld x13, 104(a0)
        ld x14, 112(a0)
        ld x15, 120(a0)
        ld x16, 128(a0)
        ld x17, 136(a0)
        ld x18, 144(a0)
        ld x19, 152(a0)
        ld x20, 160(a0)
        ld x21, 168(a0)
        ld x22, 176(a0)
        ld x23, 184(a0)
        ld x24, 192(a0)
        ld x25, 200(a0)
        ld x26, 208(a0)
        ld x27, 216(a0)
        ld x28, 224(a0)
        ld x29, 232(a0)
        ld x30, 240(a0)
        ld x31, 248(a0)
        ld a0, 80(a0)
        sret                            # to user mode at sepc (sstatus.SPP = 0)
