// The core's exports: the host drives everything through these. See
// docs/host-abi.md. Order at boot: abi_version (check), write the configuration
// text into io_buffer, configure(len), start(now_ms); then tick(now_ms) at least
// every 100 ms and the on_* events as they happen.

import { clockAdvance } from "./lib/clock";
import { seedRandom } from "./lib/random";
import { ByteBuf } from "./lib/bytes";
import { LOG_ERROR, LOG_INFO, log, logBegin, logEnd } from "./lib/log";
import { config, parseConfig } from "./config";
import { apiChannel, leaseChannel, reviewChannel, watchChannel } from "./api/channels";
import { identity, CORE_VERSION } from "./node/identity";
import { facts } from "./node/facts";
import { refreshConditions } from "./node/health";
import { nodeController } from "./node/controller";
import { leaseController } from "./node/lease";
import { watcher } from "./config_map/watcher";
import { region } from "./config_map/region";
import { serverAccept, serverData, serverClosed, serverTick, serverPump, serverMakeRoom, LISTENER_HEALTHZ, LISTENER_KUBELET } from "./kubelet/server";
import { servingCert } from "./kubelet/serving_cert";
import { blinker } from "./kubelet/blink";
import { firmwareUpdater } from "./firmware/updater";
import { firmwareDownload } from "./firmware/download";
import { recordHeapTop, memoryUsedBytes, probeHeapTop } from "./memory";
import { T } from "./lib/text";

/** Bumped whenever an import or export changes meaning; hosts refuse a mismatch. */
export const ABI_VERSION: u32 = 4;

const IO_BYTES = 512;
const io = ByteBuf.create(IO_BYTES);

let configured = false;
let started = false;

export function abi_version(): u32 {
  return ABI_VERSION;
}

/** Where the host writes configuration text and received bytes. */
export function io_buffer(): usize {
  return io.ptr;
}

export function io_capacity(): i32 {
  return IO_BYTES;
}

/** Parses the configuration text in io_buffer. Returns the number of errors (each logged). */
export function configure(len: i32): i32 {
  if (started) {
    log(LOG_ERROR, T("core"), T("configure after start"));
    return 1;
  }
  if (len < 0 || len > IO_BYTES) len = 0;
  const errors = parseConfig(io.ptr, len);
  configured = errors == 0;
  if (configured) {
    nodeController.configure();
    leaseController.configure();
    watcher.configure();
    servingCert.configure();
    firmwareUpdater.configure();
  }
  return errors;
}

/** The port the host must listen on for kubelet requests, with TLS (after configure). */
export function kubelet_port(): i32 {
  return config.kubeletPort;
}

/** The plain-HTTP port for local /healthz probes, as kubelet's :10248; 0: none. */
export function healthz_port(): i32 {
  return config.healthzPort;
}

/** Begins node work. Returns 0, or -1 if configure() has not succeeded. */
export function start(nowMs: u32): i32 {
  if (!configured) {
    log(LOG_ERROR, T("core"), T("start before a successful configure"));
    return -1;
  }
  if (started) return 0;
  clockAdvance(nowMs);
  seedRandom();
  identity.load();
  region.loadFromHost();
  facts.refresh();
  refreshConditions();
  watcher.start();
  firmwareUpdater.start();
  started = true;
  recordHeapTop();
  const o = logBegin(LOG_INFO, T("core"));
  o.ascii(T("k3s-pico-node core "));
  o.ascii(CORE_VERSION);
  o.ascii(T(" starting as "));
  o.buf(config.nodeName);
  o.ascii(T(" via "));
  o.buf(config.apiHostPort);
  o.ascii(T("; memory used "));
  o.decSigned(memoryUsedBytes());
  o.ascii(T(" bytes"));
  logEnd();
  pump();
  return 0;
}

/** Starts whatever requests are due, on each connection independently. Runs after every event, never inside one. */
function pump(): void {
  // One connection per loop turn, to bound wasm3's C stack (see node/render.ts):
  // a started request renders its whole body below this frame.
  for (let channel = 0; channel < 5; channel++) {
    switch (channel) {
      case 0: {
        if (!apiChannel.busy() && !nodeController.pumpRegistration(apiChannel)) nodeController.pumpStatus(apiChannel);
        break;
      }
      case 1: {
        leaseController.pump(leaseChannel);
        break;
      }
      case 2: {
        if (nodeController.registered()) watcher.pump(watchChannel);
        break;
      }
      case 3: {
        // Kubelet-port requests waiting for a review come first: a client waits on them.
        serverPump(reviewChannel);
        servingCert.pump(reviewChannel);
        break;
      }
      default: {
        firmwareUpdater.pump(watcher.listedOnce, leaseController.renewedOnce);
      }
    }
  }
}

export function tick(nowMs: u32): void {
  if (!started) return;
  clockAdvance(nowMs);
  // Housekeeping, then pump() in a loop turn of its own (see pump).
  for (let step = 0; step < 2; step++) {
    if (step == 0) {
      facts.refresh();
      refreshConditions();
      apiChannel.tick();
      leaseChannel.tick();
      watchChannel.tick();
      reviewChannel.tick();
      firmwareUpdater.tick();
      serverTick();
      blinker.tick();
    } else {
      pump();
    }
  }
}

function validLength(len: i32): bool {
  return len >= 0 && len <= IO_BYTES;
}

export function on_net_connected(handle: i32): void {
  if (!started) return;
  apiChannel.onConnected(handle);
  leaseChannel.onConnected(handle);
  watchChannel.onConnected(handle);
  reviewChannel.onConnected(handle);
  firmwareDownload.onConnected(handle);
  pump();
}

/** len bytes received on an outbound connection, in io_buffer. */
export function on_net_data(handle: i32, len: i32): void {
  if (!started || !validLength(len)) return;
  apiChannel.onData(handle, io.ptr, len);
  leaseChannel.onData(handle, io.ptr, len);
  watchChannel.onData(handle, io.ptr, len);
  reviewChannel.onData(handle, io.ptr, len);
  firmwareDownload.onData(handle, io.ptr, len);
  pump();
}

/** The peer closed an outbound connection (EOF). The handle is then gone. */
export function on_net_closed(handle: i32): void {
  if (!started) return;
  apiChannel.onClosed(handle);
  leaseChannel.onClosed(handle);
  watchChannel.onClosed(handle);
  reviewChannel.onClosed(handle);
  firmwareDownload.onClosed(handle);
  pump();
}

/** An outbound connection failed (connect refused, reset, timeout). The handle is then gone. */
export function on_net_error(handle: i32, code: i32): void {
  if (!started) return;
  apiChannel.onError(handle, code);
  leaseChannel.onError(handle, code);
  watchChannel.onError(handle, code);
  reviewChannel.onError(handle, code);
  firmwareDownload.onError(handle, code);
  pump();
}

/** A client connected to the kubelet port (listener 0, TLS) or the healthz port (1).
 *  identity_len bytes in io_buffer: its client certificate's names, "CN\nO1\nO2…",
 *  when the host verified it against the cluster's client CA; 0 otherwise. */
export function on_server_accept(handle: i32, listener: i32, identity_len: i32): void {
  if (!started) return;
  if (!validLength(identity_len) || (listener != LISTENER_KUBELET && listener != LISTENER_HEALTHZ)) identity_len = 0;
  serverAccept(handle, listener == LISTENER_HEALTHZ ? LISTENER_HEALTHZ : LISTENER_KUBELET, io.ptr, identity_len);
  pump();
}

/** len request bytes from a kubelet-port client, in io_buffer. */
export function on_server_data(handle: i32, len: i32): void {
  if (!started || !validLength(len)) return;
  serverData(handle, io.ptr, len);
  pump();
}

/** The host has a new kubelet-port client waiting but no room (its TLS connection limit): returns 1 if the
 *  core closed an idle kept connection for it (its net_close comes first), 0 if every connection is busy. */
export function server_make_room(): i32 {
  if (!started) return 0;
  return serverMakeRoom();
}

/** A kubelet-port client went away. */
export function on_server_closed(handle: i32): void {
  if (!started) return;
  serverClosed(handle);
}

/** Linear memory in use (static data + every object), fixed after start. */
export function mem_used(): i32 {
  return <i32>memoryUsedBytes();
}

/** Benchmarks only: the heap top now (costs 16 bytes); equal to mem_used()+16·calls if nothing else allocated. */
export function mem_heap_probe(): i32 {
  return <i32>probeHeapTop();
}
