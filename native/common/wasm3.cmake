# wasm3, fetched by CMake and pinned by commit (never committed here).
# Offline: -DFETCHCONTENT_SOURCE_DIR_WASM3=/path/to/wasm3 uses a local copy.
# Only the interpreter (source/m3_*.c) is built; no WASI or libc API.
#
# wasm3_library(<target> <port_config.h>) builds it with that port's settings:
# the header is force-included into wasm3 and into everything that links it,
# so the engine and the shell agree on the layout of wasm3's structures.
include_guard(GLOBAL)
include(FetchContent)

set(WASM3_GIT_COMMIT c9b579d8c048db71ce2322cf68a0d88ae81684d2)
FetchContent_Declare(wasm3
  GIT_REPOSITORY https://github.com/wasm3/wasm3.git
  GIT_TAG ${WASM3_GIT_COMMIT})
FetchContent_GetProperties(wasm3)
if(NOT wasm3_POPULATED)
  message(STATUS "wasm3: ${FETCHCONTENT_SOURCE_DIR_WASM3}")
  FetchContent_Populate(wasm3)
endif()
if(NOT EXISTS ${wasm3_SOURCE_DIR}/source/wasm3.h)
  message(FATAL_ERROR "wasm3 not found at ${wasm3_SOURCE_DIR} (set FETCHCONTENT_SOURCE_DIR_WASM3)")
endif()

function(wasm3_library target port_config)
  file(GLOB engine_sources ${wasm3_SOURCE_DIR}/source/m3_*.c)
  list(FILTER engine_sources EXCLUDE REGEX "m3_api_")
  add_library(${target} STATIC ${engine_sources})
  target_include_directories(${target} PUBLIC ${wasm3_SOURCE_DIR}/source)
  target_compile_options(${target} PUBLIC "SHELL:-include ${port_config}")
  # Upstream warnings are not ours to fix; keep the build output about our code.
  target_compile_options(${target} PRIVATE -w)
endfunction()

# The shell's common sources: the plain-C host layer and the wasm3 glue.
set(SHELL_COMMON_DIR ${CMAKE_CURRENT_LIST_DIR})
set(SHELL_COMMON_SOURCES
  ${SHELL_COMMON_DIR}/core_runner.c
  ${SHELL_COMMON_DIR}/crc32.c
  ${SHELL_COMMON_DIR}/device_config.c
  ${SHELL_COMMON_DIR}/event_queue.c
  ${SHELL_COMMON_DIR}/host_imports.c
  ${SHELL_COMMON_DIR}/import_table.c
  ${SHELL_COMMON_DIR}/logf.c
  ${SHELL_COMMON_DIR}/reboot_backoff.c
  ${SHELL_COMMON_DIR}/region_log.c
  ${SHELL_COMMON_DIR}/region_persistence.c
  ${SHELL_COMMON_DIR}/region_store.c
  ${SHELL_COMMON_DIR}/send_queue.c
  ${SHELL_COMMON_DIR}/shell.c
  ${SHELL_COMMON_DIR}/wasm_sections.c)
set_source_files_properties(${SHELL_COMMON_DIR}/import_table.c PROPERTIES COMPILE_OPTIONS -Wno-unused-parameter)
