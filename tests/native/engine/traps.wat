;; A stand-in core for the engine tests: the whole export list of the host ABI,
;; doing nothing, except on_server_data, which obeys the first byte it gets:
;;   l  logs "alive" (the core answers)         o  loads above the bytes backed (40 KiB), inside the page
;;   u  executes unreachable                    r  recurses until the engine stops it
;;   p  hands host_log bytes outside memory     a  calls abort()
(module
  (import "env" "host_log" (func $log (param i32 i32 i32)))
  (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 64) "alive")
  (func (export "abi_version") (result i32) (i32.const 4))
  (func (export "io_buffer") (result i32) (i32.const 256))
  (func (export "io_capacity") (result i32) (i32.const 512))
  (func (export "configure") (param i32) (result i32) (i32.const 0))
  (func (export "kubelet_port") (result i32) (i32.const 10250))
  (func (export "healthz_port") (result i32) (i32.const 10248))
  (func (export "server_make_room") (result i32) (i32.const 0))
  (func (export "start") (param i32) (result i32) (i32.const 0))
  (func (export "tick") (param i32))
  (func (export "on_net_connected") (param i32))
  (func (export "on_net_data") (param i32 i32))
  (func (export "on_net_closed") (param i32))
  (func (export "on_net_error") (param i32 i32))
  (func (export "on_server_accept") (param i32 i32 i32))
  (func (export "on_server_closed") (param i32))
  (func (export "mem_used") (result i32) (i32.const 1024))
  (func $deeper (param i32) (result i32)
    (i32.add (call $deeper (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func (export "on_server_data") (param $handle i32) (param $len i32)
    (local $command i32)
    (local.set $command (i32.load8_u (i32.const 256)))
    (if (i32.eq (local.get $command) (i32.const 108)) ;; l
      (then (call $log (i32.const 2) (i32.const 64) (i32.const 5))))
    (if (i32.eq (local.get $command) (i32.const 111)) ;; o
      (then (drop (i32.load (i32.const 40960)))))
    (if (i32.eq (local.get $command) (i32.const 117)) ;; u
      (then (unreachable)))
    (if (i32.eq (local.get $command) (i32.const 114)) ;; r
      (then (drop (call $deeper (i32.const 0)))))
    (if (i32.eq (local.get $command) (i32.const 112)) ;; p
      (then (call $log (i32.const 2) (i32.const 40956) (i32.const 100))))
    (if (i32.eq (local.get $command) (i32.const 97)) ;; a
      (then (call $abort (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 1))))))
