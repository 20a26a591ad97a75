// Known, unfixed defects (a saved input whose text file has an "open:" line):
// a failure with one of their signatures ends the input as a pass, so the
// fuzzer goes on looking for others, as the JavaScript harness's "open" marks
// do. FUZZ_KNOWN names a file of "TARGET SIGNATURE" lines (run.mjs writes it):
// a defect is known only for the target it was found with.
#ifndef KNOWN_H
#define KNOWN_H

#include <stdbool.h>
#include <stddef.h>

/** Reads the signatures FUZZ_KNOWN names (none without it). */
void known_load(void);
/** The failure's signature as crashes.mjs makes it: quoted runs → "", numbers → #, 120 characters. */
void known_signature(const char *oracle, const char *detail, char *out, size_t cap);
/** True if a failure with this signature, in an input of this target, is a known, open defect. */
bool known_open(const char *target, const char *signature);

#endif
