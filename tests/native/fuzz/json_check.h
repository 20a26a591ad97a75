// Strict checks of what the core writes: RFC 3629 UTF-8 and RFC 8259 JSON.
#ifndef JSON_CHECK_H
#define JSON_CHECK_H

#include <stddef.h>
#include <stdint.h>

/** Index of the first byte that starts an invalid UTF-8 sequence, or -1 when all of it is valid. */
long utf8_first_invalid(const uint8_t *bytes, size_t len);
/** NULL when bytes are one JSON value (blanks around it allowed), else what is wrong (static text) and
 *  where. Bytes from 0x80 up are taken as they are: check UTF-8 first. */
const char *json_problem(const uint8_t *bytes, size_t len, size_t *at);

#endif
