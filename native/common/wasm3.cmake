# wasm3, fetched by CMake and pinned by commit (never committed here).
# Offline: -DFETCHCONTENT_SOURCE_DIR_WASM3=/path/to/wasm3 uses a local copy.
# Only the interpreter (source/m3_*.c) is built; no WASI or libc API.
#
# wasm3_library(<target> <port_config.h>) builds it with that port's settings:
# the header is force-included into wasm3 and into everything that links it,
# so the engine and the shell agree on the layout of wasm3's structures.
include_guard(GLOBAL)
include(FetchContent)
set(WASM3_CMAKE_DIR ${CMAKE_CURRENT_LIST_DIR})

set(WASM3_GIT_COMMIT c9b579d8c048db71ce2322cf68a0d88ae81684d2)
string(SUBSTRING ${WASM3_GIT_COMMIT} 0 7 WASM3_GIT_COMMIT_SHORT)
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
  # wasm3's calloc, realloc and free go to the engine's heap (wasm3_heap.h: out of memory unwinds, never NULL).
  # (C only: on the board the SDK's assembly sources compile in this target too.)
  target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:C>:SHELL:-include ${WASM3_CMAKE_DIR}/wasm3_heap.h>")
  target_compile_definitions(${target} PRIVATE WASM3_HEAP_REDIRECT=1)
endfunction()
