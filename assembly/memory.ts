// Linear-memory accounting. The stub runtime only bumps a pointer; every
// object is created at start-up, so the heap top recorded then is the most
// the core ever uses. mem_heap_probe (an export for benchmarks) re-reads it to
// prove that nothing was allocated since.

let heapTopAtStart: usize = 0;

/** Current bump-pointer top. Costs one 16-byte block per call: start-up and benchmarks only. */
export function probeHeapTop(): usize {
  return heap.alloc(0);
}

export function recordHeapTop(): void {
  heapTopAtStart = probeHeapTop();
}

export function memoryUsedBytes(): i64 {
  return <i64>heapTopAtStart;
}
