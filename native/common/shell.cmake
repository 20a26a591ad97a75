# The shell's portable C (native/common), the same for every port and engine.
include_guard(GLOBAL)
set(SHELL_COMMON_DIR ${CMAKE_CURRENT_LIST_DIR})
set(SHELL_COMMON_SOURCES
  ${SHELL_COMMON_DIR}/core_runner.c
  ${SHELL_COMMON_DIR}/crc32.c
  ${SHELL_COMMON_DIR}/device_config.c
  ${SHELL_COMMON_DIR}/event_queue.c
  ${SHELL_COMMON_DIR}/key_record.c
  ${SHELL_COMMON_DIR}/kubelet_tls.c
  ${SHELL_COMMON_DIR}/host_imports.c
  ${SHELL_COMMON_DIR}/logf.c
  ${SHELL_COMMON_DIR}/reboot_backoff.c
  ${SHELL_COMMON_DIR}/region_log.c
  ${SHELL_COMMON_DIR}/region_persistence.c
  ${SHELL_COMMON_DIR}/region_store.c
  ${SHELL_COMMON_DIR}/send_queue.c
  ${SHELL_COMMON_DIR}/sha256.c
  ${SHELL_COMMON_DIR}/shell.c
  ${SHELL_COMMON_DIR}/wasm_sections.c)

# The device's TLS identity behind the imports tls_csr/tls_install/tls_cert_validity: each shell adds one of
# these. With mbedTLS (2.28 API): the key, the CSR and the kubelet port's TLS server; the port links mbedTLS
# (POSIX: Debian's libmbedtls-dev, see tls_mbedtls_link) and implements hal_entropy and hal_device_key_*.
# Without: the imports answer "this host has no TLS".
set(SHELL_TLS_MBEDTLS_SOURCES
  ${SHELL_COMMON_DIR}/device_key.c
  ${SHELL_COMMON_DIR}/tls_random.c
  ${SHELL_COMMON_DIR}/tls_server.c)
set(SHELL_TLS_ABSENT_SOURCES ${SHELL_COMMON_DIR}/device_tls_absent.c)

# Firmware updates behind the imports firmware_*: each shell adds one of these. A port that installs images
# adds SHELL_FIRMWARE_SOURCES (the image check needs mbedTLS's ECDSA, firmware_key.cmake the trusted key) and
# its own device_firmware.h over its slots; without: "this host takes no updates".
set(SHELL_FIRMWARE_SOURCES
  ${SHELL_COMMON_DIR}/firmware_image.c
  ${SHELL_COMMON_DIR}/firmware_slot.c
  ${SHELL_COMMON_DIR}/ota_boot.c
  ${SHELL_COMMON_DIR}/ota_state.c
  ${SHELL_COMMON_DIR}/ota_swap.c)
set(SHELL_FIRMWARE_ABSENT_SOURCES ${SHELL_COMMON_DIR}/device_firmware_absent.c)

# Links the machine's mbedTLS 2.28 (Debian: apt-get install libmbedtls-dev) into target; stops naming the package without it.
function(tls_mbedtls_link target)
  find_path(MBEDTLS_INCLUDE_DIR mbedtls/ssl.h)
  find_library(MBEDTLS_TLS_LIBRARY mbedtls)
  find_library(MBEDTLS_X509_LIBRARY mbedx509)
  find_library(MBEDTLS_CRYPTO_LIBRARY mbedcrypto)
  if(NOT MBEDTLS_INCLUDE_DIR OR NOT MBEDTLS_TLS_LIBRARY OR NOT MBEDTLS_X509_LIBRARY OR NOT MBEDTLS_CRYPTO_LIBRARY)
    message(FATAL_ERROR "mbedTLS is missing: apt-get install libmbedtls-dev (the kubelet port's TLS)")
  endif()
  target_include_directories(${target} PRIVATE ${MBEDTLS_INCLUDE_DIR})
  target_link_libraries(${target} PRIVATE ${MBEDTLS_TLS_LIBRARY} ${MBEDTLS_X509_LIBRARY} ${MBEDTLS_CRYPTO_LIBRARY})
endfunction()
