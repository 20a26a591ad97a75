// Settings of the engine tests (tests/native/engine): the shell's defaults,
// with room for every trap the test module makes before a reboot would be due.
#ifndef PORT_CONFIG_H
#define PORT_CONFIG_H

#define CORE_MAX_RESTARTS 10u
#define WASM_RT_MAX_CALL_DEPTH 100 // AOT: the recursion test stops here (or at the fake HAL's stack floor)

// wasm3: the boards' settings (BRIEF §2)
#define d_m3CodePageAlignSize 1024
#define d_m3MaxFunctionStackHeight 192
#define d_m3MaxConstantTableSize 64
#define d_m3HasFloat 0
#define d_m3CascadedOpcodes 0
#define d_m3MaxNativeStack (256 * 1024)

#endif
