# kernelvec: stvec while in the kernel. An interrupt or exception arrives on the
# current kernel stack; save the caller-saved registers (the C calling convention
# keeps the others), call kerneltrap(), restore, sret. tp is not restored: after a
# yield() inside kerneltrap the thread may resume on another hart, and tp names the hart.
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
