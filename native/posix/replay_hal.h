// pico-node-replay's HAL (replay_hal.c): the host imports' answers, from a recording.
#ifndef REPLAY_HAL_H
#define REPLAY_HAL_H

#include <stddef.h>
#include <stdint.h>

typedef struct replay_answer {
  char name[24];   // the import: net_open, random_u32, board_platform, …
  int32_t value;   // a number's answer
  char text[64];   // a text's answer (NUL-terminated)
  size_t text_len;
} replay_answer;

/** Answers from list[0] on, in order. */
void replay_hal_start(const replay_answer *list, size_t count);
/** Answers not asked for (0 when the core took the recorded path to its end). */
size_t replay_hal_unused(void);

#endif
