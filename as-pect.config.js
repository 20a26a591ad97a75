// as-pect runs every spec in tests/unit against the core's modules. Specs test
// pure modules (parsers, writers, grammar); whole-core behaviour with a fake host
// is tested in tests/host against the release build/core.wasm.
export default {
  entries: ["tests/unit/**/*.spec.ts"],
  include: ["tests/unit/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
