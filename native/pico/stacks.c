// The C stack the Pico shell and the core run on (core0's own is 2 KB):
// painted, so its high-water mark can be read, and bounding how deep wasm3
// may go (hal_stack_floor), so a runaway recursion traps instead of
// overwriting static RAM below the stack (the AOT engine counts calls instead).

#include "hal.h"
#include "pico_port.h"
#include "shell_config.h"

void run_on_stack(void (*fn)(void *), void *arg, void *stack_top);

#define STACK_PAINT 0x5741534du // "WASM": words still holding it were never used

static uint32_t shell_stack[SHELL_STACK_BYTES / 4] __attribute__((aligned(8)));
static uint8_t *floor_now;        // wasm code traps below this on the stack in use (NULL: none set)

static void paint(uint32_t *words, size_t count) {
  for (size_t i = 0; i < count; i++) words[i] = STACK_PAINT;
}

static uint32_t untouched(const uint32_t *words, size_t count) {
  size_t n = 0;
  while (n < count && words[n] == STACK_PAINT) n++;
  return (uint32_t)(n * 4);
}

void pico_run_on_shell_stack(void (*fn)(void *), void *arg) {
  paint(shell_stack, SHELL_STACK_BYTES / 4);
  floor_now = (uint8_t *)shell_stack + STACK_GUARD_BYTES;
  run_on_stack(fn, arg, shell_stack + SHELL_STACK_BYTES / 4);
}

uint32_t pico_stack_untouched(void) { return untouched(shell_stack, SHELL_STACK_BYTES / 4); }

void *hal_stack_floor(void) { return floor_now; }
