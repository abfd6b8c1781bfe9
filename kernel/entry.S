# First instructions of every hart. QEMU's -bios none jumps here in machine mode with
# a0 = hart id. Give each hart its own boot stack (boot_stacks in start.c, BOOT_STACK
# bytes each) and call start().
#include "kernel/param.h"
#define BOOT_STACK 16384          // must match boot_stacks[] in start.c

.section .text
.global _entry
_entry:
        csrr a0, mhartid
        li t0, NCPU
        bgeu a0, t0, park          # more harts than we support: park them
        la sp, boot_stacks
        addi t0, a0, 1
        li t1, BOOT_STACK
        mul t0, t0, t1
        add sp, sp, t0             # sp = top of this hart's stack
        call start
park:
        wfi
        j park
