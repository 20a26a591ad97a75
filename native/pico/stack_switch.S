@ run_on_stack(fn, arg, stack_top): calls fn(arg) with the stack pointer at
@ stack_top, then returns on the caller's stack. The shell and the core
@ need more than core0's 2 KB (see port_config.h).
    .syntax unified
    .cpu cortex-m0plus
    .thumb
    .section .text.run_on_stack, "ax"
    .global run_on_stack
    .type run_on_stack, %function
    .thumb_func
run_on_stack:
    push {r4, lr}
    mov r4, sp          @ the caller's stack, kept in a callee-saved register
    mov sp, r2
    mov r3, r0
    mov r0, r1
    blx r3
    mov sp, r4
    pop {r4, pc}
    .size run_on_stack, . - run_on_stack
