// The one transmit path: every byte the core sends goes through this Out,
// staged in a small buffer and handed to the host's net_send in pieces.

import { net_send } from "../host";
import { Out } from "../lib/out";
import { JsonWriter } from "../json/writer";

const TX_STAGE_BYTES = 256;

export const tx = new Out(TX_STAGE_BYTES);
export const txJson = new JsonWriter(tx);

function sendToHost(handle: i32, ptr: usize, len: i32): bool {
  return net_send(handle, ptr, len) == 0;
}

/** Starts writing to a connection. */
export function txBegin(handle: i32): Out {
  tx.beginStream(sendToHost, handle);
  txJson.reset();
  return tx;
}

/** Starts a counting pass (to learn a body's length). */
export function txCount(): Out {
  tx.beginCount();
  txJson.reset();
  return tx;
}

/** Sends what is staged; false if the connection refused bytes. */
export function txEnd(): bool {
  return tx.flush();
}
