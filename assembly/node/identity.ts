// Who this node is: its configured name, the uid the API server gave the Node
// object, and the board-derived ids reported in nodeInfo.

import { board_platform, board_unique_id, random_u32 } from "../host";
import { ByteBuf } from "../lib/bytes";
import { UID_BYTES } from "../api/limits";
import { Out } from "../lib/out";
import { JsonWriter } from "../json/writer";
import { T, Text } from "../lib/text";

export const CORE_VERSION: Text = T("0.1.0");
/** Reported as nodeInfo.kubeletVersion: the API level the node speaks, plus ours. */
export const KUBELET_VERSION: Text = T("v1.34.0-pico.0.1.0");
export const INSTANCE_TYPE: Text = T("rp2040-pico-w");

// Plain data, created once: no managed header needed.
@unmanaged
export class Identity {
  uid: ByteBuf = ByteBuf.create(UID_BYTES);
  /** Board unique id in hex (machineID). */
  boardId: ByteBuf = ByteBuf.create(32);
  platform: ByteBuf = ByteBuf.create(48);
  /** 16 random bytes, fresh every boot. */
  bootId: ByteBuf = ByteBuf.create(16);

  load(): void {
    this.boardId.len = board_unique_id(this.boardId.ptr, this.boardId.cap);
    if (this.boardId.len < 0 || this.boardId.len > this.boardId.cap) this.boardId.len = 0;
    this.platform.len = board_platform(this.platform.ptr, this.platform.cap);
    if (this.platform.len < 0 || this.platform.len > this.platform.cap) this.platform.len = 0;
    this.bootId.len = 16;
    for (let i = 0; i < 16; i += 4) store<u32>(this.bootId.ptr + <usize>i, random_u32());
    // RFC 4122 version 4, variant 10xx
    store<u8>(this.bootId.ptr + 6, (this.bootId.at(6) & 0x0f) | 0x40);
    store<u8>(this.bootId.ptr + 8, (this.bootId.at(8) & 0x3f) | 0x80);
  }
}

export const identity = new Identity();

/** 8-4-4-4-12 form of 16 bytes. */
export function writeUuid(out: Out, ptr: usize): void {
  for (let i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.byte(0x2d);
    out.hexByte(load<u8>(ptr + <usize>i));
  }
}

/** systemUUID: the board id's hex digits laid into UUID form, zero-padded (stable per board). */
export function writeSystemUuid(out: Out): void {
  const id = identity.boardId;
  for (let i = 0; i < 32; i++) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out.byte(0x2d);
    out.byte(i < id.len ? id.at(i) : 0x30);
  }
}

/** The board's three ids as JSON members, under the caller's key names (Node nodeInfo, /spec). */
export function writeIds(w: JsonWriter, machineKey: Text, uuidKey: Text, bootKey: Text): void {
  // One id per loop turn, to bound wasm3's C stack (see node/render.ts).
  for (let id = 0; id < 3; id++) {
    if (id == 0) {
      w.kBuf(machineKey, identity.boardId);
    } else if (id == 1) {
      writeSystemUuid(w.key(uuidKey).beginRawString());
      w.endRawString();
    } else {
      writeUuid(w.key(bootKey).beginRawString(), identity.bootId.ptr);
      w.endRawString();
    }
  }
}
