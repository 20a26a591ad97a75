# The engine that runs core.wasm, chosen at configure time:
#   -DPICO_NODE_ENGINE=aot    core.wasm transpiled to C by wasm2c (wabt 1.0.32) at build time, run from flash
#   -DPICO_NODE_ENGINE=wasm3  core.wasm interpreted by wasm3 (fetched by CMake; also runs modules given at run time)
# Both run the same core.wasm behind native/common/core_engine.h; README (Firmware) has the measurements.
#
# core_engine_library(<target> <aot|wasm3> <port_config.h> <core.wasm>) builds
# an engine with that port's settings (the tests build both; include
# wasm3.cmake or aot.cmake first for an engine other than PICO_NODE_ENGINE).
# It defines PICO_NODE_ENGINE_AOT or PICO_NODE_ENGINE_WASM3 for
# port_config.h (the stack each needs differs) and sets
# PICO_NODE_ENGINE_DESCRIPTION in the caller (what picotool info shows).
include_guard(GLOBAL)
include(${CMAKE_CURRENT_LIST_DIR}/shell.cmake)

set(PICO_NODE_ENGINE aot CACHE STRING "Engine that runs core.wasm: aot (wasm2c, code in flash) or wasm3 (interpreter)")
set_property(CACHE PICO_NODE_ENGINE PROPERTY STRINGS aot wasm3)
if(NOT PICO_NODE_ENGINE STREQUAL "aot" AND NOT PICO_NODE_ENGINE STREQUAL "wasm3")
  message(FATAL_ERROR "PICO_NODE_ENGINE=${PICO_NODE_ENGINE}: aot or wasm3")
endif()

if(PICO_NODE_ENGINE STREQUAL "wasm3")
  include(${CMAKE_CURRENT_LIST_DIR}/wasm3.cmake)
else()
  include(${CMAKE_CURRENT_LIST_DIR}/../aot/aot.cmake)
endif()

# GCC: -O2 with earlier inlining, so the generated code's bounds-checked loads
# and stores inline into the core's small functions (on the M0+: status build
# 1.36 -> 1.09 M cycles for 20 KB more flash; -Os takes twice the cycles).
set(PICO_NODE_AOT_OPTIMIZATION "-O2;--param=early-inlining-insns=40;--param=max-inline-insns-single=80"
  CACHE STRING "GCC options for the AOT engine's generated code")

function(core_engine_library target engine port_config core_wasm)
  get_filename_component(port_dir ${port_config} DIRECTORY)
  if(engine STREQUAL "wasm3")
    wasm3_library(${target}_wasm3 ${port_config})
    add_library(${target} STATIC ${SHELL_COMMON_DIR}/engine_wasm3.c ${SHELL_COMMON_DIR}/wasm3_heap.c)
    target_link_libraries(${target} PUBLIC ${target}_wasm3)
    target_compile_options(${target} PRIVATE -Wno-unused-parameter) # wasm3's raw-function macro names four parameters
    target_compile_definitions(${target} PUBLIC PICO_NODE_ENGINE_WASM3=1)
    set(PICO_NODE_ENGINE_DESCRIPTION "core engine: wasm3 interpreter (${WASM3_GIT_COMMIT_SHORT})" PARENT_SCOPE)
  else()
    aot_module(${target}_module ${core_wasm} ${SHELL_COMMON_DIR}/shell_config.h ${SHELL_COMMON_DIR} ${port_dir})
    if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
      target_compile_options(${target}_module PRIVATE ${PICO_NODE_AOT_OPTIMIZATION})
    endif()
    add_library(${target} STATIC ${SHELL_COMMON_DIR}/engine_aot.c)
    target_link_libraries(${target} PUBLIC ${target}_module)
    target_compile_definitions(${target} PUBLIC PICO_NODE_ENGINE_AOT=1)
    set(PICO_NODE_ENGINE_DESCRIPTION "core engine: AOT, core.wasm compiled by wasm2c ${WASM2C_VERSION}" PARENT_SCOPE)
  endif()
  target_include_directories(${target} PUBLIC ${SHELL_COMMON_DIR} ${port_dir})
  target_compile_options(${target} PUBLIC "SHELL:-include ${port_config}")
endfunction()
