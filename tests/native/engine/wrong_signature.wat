;; Imports host_log with a parameter missing: boot must name it and refuse.
(module
  (import "env" "host_log" (func $log (param i32 i32)))
  (memory (export "memory") 1 1)
  (func (export "abi_version") (result i32) (call $log (i32.const 2) (i32.const 0)) (i32.const 3)))
