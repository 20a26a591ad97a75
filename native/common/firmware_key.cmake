# The public key a firmware trusts for updates (docs/firmware-update.md): the
# cache variable PICO_FIRMWARE_PUBKEY names its PEM file (pico-node firmware
# keygen writes one); firmware_key.mjs turns it into a header in the build
# directory, never the repository.
#
# firmware_trusted_key(<target>) gives target firmware_trusted_key.h
# (FIRMWARE_TRUSTED_KEY, the 65-byte point); without the variable, configure stops.
include_guard(GLOBAL)
set(FIRMWARE_KEY_DIR ${CMAKE_CURRENT_LIST_DIR})
set(PICO_FIRMWARE_PUBKEY "" CACHE FILEPATH "PEM public key that firmware updates must be signed with (pico-node firmware keygen)")

function(firmware_trusted_key target)
  if(NOT PICO_FIRMWARE_PUBKEY)
    message(FATAL_ERROR "PICO_FIRMWARE_PUBKEY is not set: the firmware checks updates against a public key built into it. "
      "Make a signing key once with `pico-node firmware keygen` and configure with "
      "-DPICO_FIRMWARE_PUBKEY=$ENV{HOME}/.config/pico-node/firmware-signing.pub.pem")
  endif()
  if(NOT EXISTS "${PICO_FIRMWARE_PUBKEY}")
    message(FATAL_ERROR "PICO_FIRMWARE_PUBKEY=${PICO_FIRMWARE_PUBKEY}: no such file (`pico-node firmware keygen` writes <name>.pub.pem)")
  endif()
  find_program(NODE_EXECUTABLE node REQUIRED)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/firmware_key)
  execute_process(COMMAND ${NODE_EXECUTABLE} ${FIRMWARE_KEY_DIR}/firmware_key.mjs ${PICO_FIRMWARE_PUBKEY} ${out}/firmware_trusted_key.h
    RESULT_VARIABLE status ERROR_VARIABLE error)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "PICO_FIRMWARE_PUBKEY=${PICO_FIRMWARE_PUBKEY}: ${error}")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PICO_FIRMWARE_PUBKEY})
  target_include_directories(${target} PRIVATE ${out})
endfunction()
