# The engine that runs core.wasm, chosen at configure time:
#   -DPICO_NODE_ENGINE=aot    core.wasm transpiled to C by wasm2c (wabt 1.0.32) at build time, run from flash
#   -DPICO_NODE_ENGINE=wasm3  core.wasm interpreted by wasm3 (fetched by CMake; also runs modules given at run time)
# Both run the same core.wasm behind native/common/core_engine.h; README (Firmware) has the measurements.
#
# core_engine_library(<target> <port_config.h> <core.wasm>) builds the chosen
# engine with that port's settings. It defines PICO_NODE_ENGINE_AOT or
# PICO_NODE_ENGINE_WASM3 for port_config.h (the stack each needs differs) and
# sets PICO_NODE_ENGINE_DESCRIPTION in the caller (what picotool info shows).
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

function(core_engine_library target port_config core_wasm)
  if(PICO_NODE_ENGINE STREQUAL "wasm3")
    wasm3_library(${target}_wasm3 ${port_config})
    add_library(${target} STATIC ${SHELL_COMMON_DIR}/engine_wasm3.c)
    target_link_libraries(${target} PUBLIC ${target}_wasm3)
    target_compile_options(${target} PRIVATE -Wno-unused-parameter) # wasm3's raw-function macro names four parameters
    target_compile_definitions(${target} PUBLIC PICO_NODE_ENGINE_WASM3=1)
    set(PICO_NODE_ENGINE_DESCRIPTION "core engine: wasm3 interpreter (${WASM3_GIT_COMMIT_SHORT})" PARENT_SCOPE)
  else()
    get_filename_component(port_dir ${port_config} DIRECTORY)
    aot_module(${target}_module ${core_wasm} ${SHELL_COMMON_DIR}/shell_config.h ${SHELL_COMMON_DIR} ${port_dir})
    add_library(${target} STATIC ${SHELL_COMMON_DIR}/engine_aot.c)
    target_link_libraries(${target} PUBLIC ${target}_module)
    target_compile_definitions(${target} PUBLIC PICO_NODE_ENGINE_AOT=1)
    set(PICO_NODE_ENGINE_DESCRIPTION "core engine: AOT, core.wasm compiled by wasm2c ${WASM2C_VERSION}" PARENT_SCOPE)
  endif()
  get_filename_component(port_dir ${port_config} DIRECTORY)
  target_include_directories(${target} PUBLIC ${SHELL_COMMON_DIR} ${port_dir})
  target_compile_options(${target} PUBLIC "SHELL:-include ${port_config}")
endfunction()
