# Targets of the Pico firmware (included from the top-level CMakeLists.txt):
#   k3s_pico_node           the node firmware (k3s_pico_node.uf2)
#   k3s_pico_node_selftest  hardware self-test: LED, UART, CYW43, one wasm3 call (pico_w only)
# PICO_BOARD=pico_w is the board; PICO_BOARD=pico is the emulator image for
# rp2040js: no radio, the network is a fake one over UART1 (native/pico/emulator/).
set(PICO_DIR ${CMAKE_CURRENT_LIST_DIR})
if(NOT PICO_BOARD STREQUAL "pico_w" AND NOT PICO_BOARD STREQUAL "pico")
  message(FATAL_ERROR "PICO_BOARD=${PICO_BOARD}: pico_w (the board) or pico (the rp2040js emulator image)")
endif()
set(REPO_DIR ${CMAKE_SOURCE_DIR})
include(${PICO_DIR}/../common/wasm3.cmake)

file(READ ${REPO_DIR}/package.json package_json)
string(JSON PICO_NODE_VERSION GET "${package_json}" version)
set(PICO_NODE_URL "https://github.com/mak3r/k3s-pico-node" CACHE STRING "Project URL shown by picotool info")

# ---- device configuration: device.env (gitignored) or cache variables, never committed sources ----
set(PICO_NODE_DEVICE_CONFIG "${REPO_DIR}/device.env" CACHE FILEPATH "Device configuration file (see device.env.example)")
set(WIFI_SSID "" CACHE STRING "Wi-Fi network (when no device configuration file)")
set(WIFI_PASSWORD "" CACHE STRING "Wi-Fi password (when no device configuration file)")
set(PICO_NODE_NAME "" CACHE STRING "Node name (when no device configuration file)")
set(PICO_NODE_API "" CACHE STRING "http://HOST:PORT of the node's proxy (when no device configuration file)")
set(PICO_NODE_TOKEN "" CACHE STRING "Bearer token for the proxy (when no device configuration file)")
set(device_config_file ${CMAKE_BINARY_DIR}/device.env.effective)
if(EXISTS "${PICO_NODE_DEVICE_CONFIG}")
  set(device_config_source ${PICO_NODE_DEVICE_CONFIG})
elseif(PICO_NODE_NAME AND PICO_NODE_API)
  set(lines "wifi_ssid=${WIFI_SSID}\nwifi_password=${WIFI_PASSWORD}\nnode_name=${PICO_NODE_NAME}\napi=${PICO_NODE_API}\n")
  if(PICO_NODE_TOKEN)
    string(APPEND lines "api_token=${PICO_NODE_TOKEN}\n")
  endif()
  file(WRITE ${device_config_file}.from-cache "${lines}")
  set(device_config_source ${device_config_file}.from-cache)
else()
  message(FATAL_ERROR "No device configuration: create ${PICO_NODE_DEVICE_CONFIG} from device.env.example "
    "(enrolment writes it), or pass -DPICO_NODE_NAME=... -DPICO_NODE_API=... -DWIFI_SSID=... -DWIFI_PASSWORD=...")
endif()
# Wi-Fi from cache variables joins an enrolment-written device.env (which holds only the core's keys);
# lines in the file itself come later and win.
file(READ ${device_config_source} device_config_content)
if(WIFI_SSID AND NOT device_config_content MATCHES "(^|\n)wifi_ssid=")
  set(device_config_content "wifi_ssid=${WIFI_SSID}\nwifi_password=${WIFI_PASSWORD}\n${device_config_content}")
endif()
file(CONFIGURE OUTPUT ${device_config_file} CONTENT "${device_config_content}" @ONLY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${device_config_source})
message(STATUS "device configuration: ${device_config_source}")

set(CORE_WASM_FILE "${REPO_DIR}/build/core.wasm" CACHE FILEPATH "core.wasm to embed (npm run build:core)")
if(NOT EXISTS "${CORE_WASM_FILE}")
  message(FATAL_ERROR "${CORE_WASM_FILE} is missing: run `npm run build:core` first")
endif()

set(generated ${CMAKE_BINARY_DIR}/generated)
add_custom_command(OUTPUT ${generated}/core_wasm.c
  COMMAND ${CMAKE_COMMAND} -DINPUT=${CORE_WASM_FILE} -DOUTPUT=${generated}/core_wasm.c -DSYMBOL=CORE_WASM -P ${PICO_DIR}/embed.cmake
  DEPENDS ${CORE_WASM_FILE} ${PICO_DIR}/embed.cmake
  COMMENT "Embedding core.wasm")
add_custom_command(OUTPUT ${generated}/device_config_text.c
  COMMAND ${CMAKE_COMMAND} -DINPUT=${device_config_file} -DOUTPUT=${generated}/device_config_text.c -DSYMBOL=DEVICE_CONFIG_TEXT -DTEXT=1 -P ${PICO_DIR}/embed.cmake
  DEPENDS ${device_config_file} ${PICO_DIR}/embed.cmake
  COMMENT "Embedding the device configuration")

# ---- wasm3, built with this port's settings; -O2: the interpreter's speed matters more than 15 KB of flash ----
wasm3_library(wasm3_engine ${PICO_DIR}/port_config.h)
target_compile_options(wasm3_engine PRIVATE -O2)
target_link_libraries(wasm3_engine PUBLIC pico_stdlib)

set(board_libraries pico_stdlib hardware_adc hardware_flash hardware_watchdog pico_flash pico_rand pico_unique_id)
if(PICO_BOARD STREQUAL "pico_w")
  set(network_sources ${PICO_DIR}/net_lwip.c ${PICO_DIR}/wifi.c ${PICO_DIR}/board_radio.c)
  list(APPEND board_libraries pico_cyw43_arch_lwip_poll)
else()
  set(EMULATOR_DIR ${PICO_DIR}/emulator)
  set(board_include_dirs ${EMULATOR_DIR})
  set(network_sources ${EMULATOR_DIR}/board_emulator.c ${EMULATOR_DIR}/fake_link.c ${EMULATOR_DIR}/net_fake.c)
  list(APPEND board_libraries hardware_uart hardware_irq)
  set(board_definitions REGION_PERSIST_DELAY_MS=0u) # each commit is saved at once, for the script to see (port_config.h)
endif()

function(pico_node_target target)
  target_include_directories(${target} PRIVATE ${PICO_DIR} ${board_include_dirs} ${SHELL_COMMON_DIR})
  target_compile_definitions(${target} PRIVATE
    PICO_NODE_VERSION="${PICO_NODE_VERSION}" PICO_NODE_URL="${PICO_NODE_URL}"
    PICO_STDIO_ENABLE_CRLF_SUPPORT=1 PICO_PANIC_FUNCTION=pico_panic ${board_definitions})
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  target_link_libraries(${target} PRIVATE wasm3_engine ${board_libraries})
  pico_enable_stdio_uart(${target} 1)
  pico_enable_stdio_usb(${target} 0)
  pico_add_extra_outputs(${target})
endfunction()

add_executable(k3s_pico_node
  ${PICO_DIR}/firmware_main.c ${PICO_DIR}/hal_pico.c ${PICO_DIR}/fatal_reboot.c ${PICO_DIR}/region_flash.c
  ${PICO_DIR}/stacks.c ${PICO_DIR}/stack_switch.S
  ${PICO_DIR}/binary_info.c ${network_sources} ${SHELL_COMMON_SOURCES}
  ${generated}/core_wasm.c ${generated}/device_config_text.c)
pico_node_target(k3s_pico_node)
pico_set_program_name(k3s_pico_node "k3s_pico_node")

if(PICO_BOARD STREQUAL "pico_w")
  add_executable(k3s_pico_node_selftest
    ${PICO_DIR}/selftest.c ${PICO_DIR}/hal_pico.c ${PICO_DIR}/fatal_reboot.c ${PICO_DIR}/region_flash.c
    ${PICO_DIR}/stacks.c ${PICO_DIR}/stack_switch.S
    ${network_sources} ${SHELL_COMMON_SOURCES} ${generated}/core_wasm.c)
  pico_node_target(k3s_pico_node_selftest)
  pico_set_program_name(k3s_pico_node_selftest "k3s_pico_node_selftest")
endif()
