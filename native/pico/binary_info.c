// What `picotool info -a` shows about the image (the network's lines come from
// board_radio.c or emulator/board_emulator.c).
#include "pico/binary_info.h"

bi_decl(bi_program_name("k3s_pico_node"));
bi_decl(bi_program_version_string(PICO_NODE_VERSION));
bi_decl(bi_program_description("Raspberry Pi Pico W as a Kubernetes node: core.wasm (AssemblyScript), "
                               "Node + Lease, ConfigMap to a 1 KB region, kubelet endpoints on :10250"));
bi_decl(bi_program_url(PICO_NODE_URL));
bi_decl(bi_program_feature(PICO_NODE_ENGINE_FEATURE)); // which engine runs the core (native/common/engine.cmake)
bi_decl(bi_program_feature(PICO_NODE_TLS_FEATURE));    // whether the kubelet port has TLS (firmware.cmake)
bi_decl(bi_program_feature("watchdog; region kept over resets and in a flash log (see the block device)"));
bi_decl(bi_program_feature("UART console 115200 8N1"));
