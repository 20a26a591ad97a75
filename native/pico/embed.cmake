# cmake -P embed.cmake: writes a C file holding a file's bytes as an array.
#   -DINPUT=<file> -DOUTPUT=<file.c> -DSYMBOL=<name>
# The array is a const uint8_t[] in flash, its length in <SYMBOL>_LENGTH.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR length "${digits} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n  " body "${body}")
set(content "#include <stddef.h>\n#include <stdint.h>\n__attribute__((aligned(4))) const uint8_t ${SYMBOL}[${length}] = {\n  ${body}};\nconst size_t ${SYMBOL}_LENGTH = ${length};\n")
file(WRITE "${OUTPUT}.tmp" "/* generated from ${INPUT} by native/pico/embed.cmake: do not edit or commit */\n${content}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
