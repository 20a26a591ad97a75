// The one table of imports the host links into core.wasm: name, wasm3
// signature, wrapper. Adding an import to the ABI is one line here plus its
// plain-C implementation in host_imports.c.
#ifndef IMPORT_TABLE_H
#define IMPORT_TABLE_H

#include <stddef.h>

#include "wasm3.h"

typedef struct import_entry {
  const char *name;      // field name in module "env"
  const char *signature; // wasm3 form: results then (params); i = i32
  M3RawCall wrapper;
} import_entry;

extern const import_entry IMPORT_TABLE[];
extern const size_t IMPORT_TABLE_LENGTH;

#endif
