# The shell's portable C (native/common), the same for every port and engine.
include_guard(GLOBAL)
set(SHELL_COMMON_DIR ${CMAKE_CURRENT_LIST_DIR})
set(SHELL_COMMON_SOURCES
  ${SHELL_COMMON_DIR}/core_runner.c
  ${SHELL_COMMON_DIR}/crc32.c
  ${SHELL_COMMON_DIR}/device_config.c
  ${SHELL_COMMON_DIR}/event_queue.c
  ${SHELL_COMMON_DIR}/host_imports.c
  ${SHELL_COMMON_DIR}/logf.c
  ${SHELL_COMMON_DIR}/reboot_backoff.c
  ${SHELL_COMMON_DIR}/region_log.c
  ${SHELL_COMMON_DIR}/region_persistence.c
  ${SHELL_COMMON_DIR}/region_store.c
  ${SHELL_COMMON_DIR}/send_queue.c
  ${SHELL_COMMON_DIR}/shell.c
  ${SHELL_COMMON_DIR}/wasm_sections.c)
