# cmake -P embed.cmake: writes a C file holding a file's bytes as an array.
#   -DINPUT=<file> -DOUTPUT=<file.c> -DSYMBOL=<name> [-DTEXT=1 [-DROOM=<bytes>]]
# With TEXT=1 the array is a NUL-terminated char[] and <SYMBOL>_SIZE counts
# the NUL, padded with blank lines to ROOM bytes (room for a harness to write
# another text in); otherwise a const uint8_t[] in flash with <SYMBOL>_LENGTH.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR length "${digits} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n  " body "${body}")
if(TEXT)
  if(ROOM AND length LESS ROOM)
    math(EXPR padding "${ROOM} - 1 - ${length}")
    string(REPEAT "0x0a," ${padding} blank_lines)
    string(APPEND body "${blank_lines}")
    math(EXPR length "${ROOM} - 1")
  endif()
  math(EXPR size "${length} + 1")
  set(content "#include <stddef.h>\nconst char ${SYMBOL}[${size}] = {\n  ${body}0x00};\nconst size_t ${SYMBOL}_SIZE = ${size};\n")
else()
  set(content "#include <stddef.h>\n#include <stdint.h>\n__attribute__((aligned(4))) const uint8_t ${SYMBOL}[${length}] = {\n  ${body}};\nconst size_t ${SYMBOL}_LENGTH = ${length};\n")
endif()
file(WRITE "${OUTPUT}.tmp" "/* generated from ${INPUT} by native/pico/embed.cmake: do not edit or commit */\n${content}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
