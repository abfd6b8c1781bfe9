# kernelvec: a trap taken in the kernel. It is stvec in the scheduler and kernel threads;
# while a user process runs, uservec (uservec.S) passes the kernel's traps on here. An
# interrupt or exception arrives on the current kernel stack; save the caller-saved
# registers (the C calling convention keeps the others), call kerneltrap(), restore,
# sret. tp is not restored: after a yield() inside kerneltrap the thread may resume on
# another hart, and tp names the hart.
.globl kerneltrap
.globl kernelvec
.align 4
kernelvec:
        addi sp, sp, -144
        sd ra, 0(sp)
        sd gp, 8(sp)
        sd t0, 16(sp)
        sd t1, 24(sp)
        sd t2, 32(sp)
        sd t3, 40(sp)
        sd t4, 48(sp)
        sd t5, 56(sp)
        sd t6, 64(sp)
        sd a0, 72(sp)
        sd a1, 80(sp)
        sd a2, 88(sp)
        sd a3, 96(sp)
        sd a4, 104(sp)
        sd a5, 112(sp)
        sd a6, 120(sp)
        sd a7, 128(sp)
        sd s0, 136(sp)          # frame pointer, for backtraces through the trap

        call kerneltrap

        ld ra, 0(sp)
        ld gp, 8(sp)
        ld t0, 16(sp)
        ld t1, 24(sp)
        ld t2, 32(sp)
        ld t3, 40(sp)
        ld t4, 48(sp)
        ld t5, 56(sp)
        ld t6, 64(sp)
        ld a0, 72(sp)
        ld a1, 80(sp)
        ld a2, 88(sp)
        ld a3, 96(sp)
        ld a4, 104(sp)
        ld a5, 112(sp)
        ld a6, 120(sp)
        ld a7, 128(sp)
        ld s0, 136(sp)
        addi sp, sp, 144
        sret

# machinevec: mtvec, used only when the hart lacks Sstc (see start.c). Runs in machine
# mode with this hart's mtimer_scratch in mscratch:
#   0..16: saved t0..t2; 24: address of this hart's CLINT mtimecmp; 32: tick interval;
#   40: set to 1 when an exception was skipped.
# A machine timer interrupt re-arms mtimecmp and passes the tick on to the kernel as a
# supervisor software interrupt (mip.SSIP) [priv 3.1.9]. An exception can only be
# start()'s probe of an unimplemented CSR: skip the 4-byte instruction. (mret then
# returns to machine mode, and leaves mstatus.MPP = U: start() sets MPP afterwards.)
.globl machinevec
.align 4
machinevec:
        csrrw a0, mscratch, a0
        sd t0, 0(a0)
        sd t1, 8(a0)
        sd t2, 16(a0)
        csrr t0, mcause
        bltz t0, 1f
        csrr t0, mepc
        addi t0, t0, 4
        csrw mepc, t0
        li t1, 1
        sd t1, 40(a0)           # tell start() the probe faulted
        j 2f
1:
        ld t0, 24(a0)           # &mtimecmp
        ld t1, 0(t0)
        ld t2, 32(a0)
        add t1, t1, t2
        sd t1, 0(t0)            # next machine timer interrupt
        li t0, 2
        csrs mip, t0            # mip.SSIP: the kernel sees a software interrupt
2:
        ld t0, 0(a0)
        ld t1, 8(a0)
        ld t2, 16(a0)
        csrrw a0, mscratch, a0
        mret
