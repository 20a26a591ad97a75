# The AOT pipeline: core.wasm -> wasm2c (Debian's wabt 1.0.32) -> C in the
# build directory (never committed) -> compiled with our static runtime
# (wasm-rt.h, wasm_rt.c) and the glue glue.mjs writes (exports, imports,
# texts, the wasm's CRC).
#
# aot_module(<target> <module.wasm> <settings.h> [include dirs]) makes a static
# library of one module, with settings.h (and what it includes, from the
# directories given) force-included: it defines WASM_RT_MEMORY_BYTES and
# WASM_RT_MAX_CALL_STACK_DEPTH. Its symbols are named for a module called
# "core" whatever the file, so the AOT engine links against the node's core or
# a test module alike.
include_guard(GLOBAL)
set(AOT_DIR ${CMAKE_CURRENT_LIST_DIR})
set(WASM2C_REQUIRED_VERSION 1.0.32)

find_program(WASM2C wasm2c)
if(NOT WASM2C)
  message(FATAL_ERROR "wasm2c not found: the AOT engine needs wabt ${WASM2C_REQUIRED_VERSION} "
    "(apt-get install wabt), or configure with -DPICO_NODE_ENGINE=wasm3")
endif()
execute_process(COMMAND ${WASM2C} --version OUTPUT_VARIABLE WASM2C_VERSION OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT WASM2C_VERSION STREQUAL WASM2C_REQUIRED_VERSION)
  message(FATAL_ERROR "${WASM2C} is version '${WASM2C_VERSION}'; native/aot's runtime implements what wasm2c "
    "${WASM2C_REQUIRED_VERSION} emits (Debian bookworm's wabt: apt-get install wabt)")
endif()
find_program(NODE_EXECUTABLE node REQUIRED)

function(aot_module target wasm settings)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target})
  add_custom_command(OUTPUT ${out}/core.c ${out}/core.h
    COMMAND ${CMAKE_COMMAND} -E make_directory ${out}
    COMMAND ${WASM2C} ${wasm} -n core -o ${out}/core.c
    DEPENDS ${wasm}
    COMMENT "wasm2c ${WASM2C_VERSION}: ${wasm} -> C")
  add_custom_command(OUTPUT ${out}/glue.c
    COMMAND ${NODE_EXECUTABLE} ${AOT_DIR}/glue.mjs ${out}/core.h ${wasm} ${WASM2C_VERSION} ${out}/glue.c
    DEPENDS ${out}/core.h ${wasm} ${AOT_DIR}/glue.mjs
    COMMENT "AOT glue for ${wasm}")
  add_library(${target} STATIC ${out}/core.c ${out}/glue.c ${AOT_DIR}/wasm_rt.c)
  # Ours before the system's: the generated code includes "wasm-rt.h", and wabt's would otherwise win.
  target_include_directories(${target} BEFORE PUBLIC ${AOT_DIR})
  target_include_directories(${target} PRIVATE ${out} ${ARGN})
  target_compile_options(${target} PRIVATE "SHELL:-include ${settings}")
  target_link_libraries(${target} PUBLIC m) # the generated float helpers, when not optimized away
  # The generated code's warnings (unused helpers, casts) are wasm2c's shape, not ours to fix.
  set_source_files_properties(${out}/core.c PROPERTIES COMPILE_OPTIONS -w)
endfunction()
