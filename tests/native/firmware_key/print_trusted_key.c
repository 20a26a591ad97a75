// Prints FIRMWARE_TRUSTED_KEY in hex: what the build took from PICO_FIRMWARE_PUBKEY.
#include <stdio.h>

#include "firmware_trusted_key.h"

int main(void) {
  for (size_t i = 0; i < sizeof FIRMWARE_TRUSTED_KEY; i++) printf("%02x", FIRMWARE_TRUSTED_KEY[i]);
  printf("\n");
  return 0;
}
