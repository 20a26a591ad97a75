// as-pect runs every spec in tests/unit against the core's modules. Specs test
// pure modules (parsers, writers, grammar); whole-core behaviour with a fake host
// is tested in tests/host against the release build/core.wasm.
export default {
  entries: ["tests/unit/**/*.spec.ts"],
  include: ["tests/unit/**/*.include.ts"],
  disclude: [/node_modules/],
  // The core's fixed texts are in the custom section "pico.rodata"; like every
  // host, the test runner serves them through rodata_read (docs/host-abi.md).
  async instantiate(memory, createImports, instantiate, binary) {
    const [section] = WebAssembly.Module.customSections(new WebAssembly.Module(binary), "pico.rodata");
    const rodata = new Uint8Array(section ?? new ArrayBuffer(0));
    let exports = null;
    const rodata_read = (offset, ptr, len) => {
      if (offset < 0 || len < 0 || offset + len > rodata.length) return -1;
      new Uint8Array(exports.memory.buffer).set(rodata.subarray(offset, offset + len), ptr);
      return len;
    };
    const result = await instantiate(binary, createImports({ env: { memory, rodata_read } }));
    exports = result.exports;
    return result;
  },
  outputBinary: false,
};
