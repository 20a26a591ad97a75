// The provisioning record (native/common/provisioning_record.h): a device's
// settings text in the flash area the firmware reads them from, and where
// that area lies (native/pico/flash_layout.h).
import zlib from "node:zlib";
import { PROVISIONING } from "./flash_layout.js";
import { FLASH_XIP_BASE, writeUf2 } from "./uf2.js";

export const PROVISIONING_OFFSET = PROVISIONING.offset; // FLASH_PROVISIONING_OFFSET, from the start of flash
export const PROVISIONING_BYTES = PROVISIONING.bytes;   // FLASH_PROVISIONING_BYTES
export const RECORD_VERSION = 1;
export const HEADER_BYTES = 16;
const MAGIC = Buffer.from("PKPR", "latin1");

/** The record holding text: magic, format version, length, CRC32 (of the 12 bytes before it and the text), text. */
export function encodeProvisioningRecord(text: string): Buffer {
  const body = Buffer.from(text, "utf8");
  if (body.length > PROVISIONING_BYTES - HEADER_BYTES) {
    throw new Error(`the device settings are ${body.length} bytes; the provisioning area holds ${PROVISIONING_BYTES - HEADER_BYTES}`);
  }
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(RECORD_VERSION, 4);
  header.writeUInt32LE(body.length, 8);
  header.writeUInt32LE(zlib.crc32(body, zlib.crc32(header.subarray(0, 12))), 12);
  return Buffer.concat([header, body]);
}

/** The whole area as it is written: the record, then erased flash (0xFF) to the area's end. */
export function provisioningArea(text: string): Buffer {
  const area = Buffer.alloc(PROVISIONING_BYTES, 0xff);
  encodeProvisioningRecord(text).copy(area);
  return area;
}

/** The UF2 that writes text's record over the whole provisioning area (8 KB: a shorter record leaves nothing
 *  stale), what `pico-node provision` writes and the emulator harness applies. */
export function provisioningUf2(text: string): Buffer {
  return writeUf2(FLASH_XIP_BASE + PROVISIONING_OFFSET, provisioningArea(text));
}

/** The text of the record at the start of area, or an Error saying what is wrong (the firmware's checks). */
export function decodeProvisioningRecord(area: Uint8Array): string {
  const b = Buffer.from(area.buffer, area.byteOffset, area.byteLength);
  if (b.length < HEADER_BYTES) throw new Error(`${b.length} bytes: smaller than a record's header`);
  if (b.subarray(0, HEADER_BYTES).every((x) => x === 0xff)) throw new Error("no provisioning record (the area is erased)");
  if (!b.subarray(0, 4).equals(MAGIC)) throw new Error(`no provisioning record (magic 0x${b.readUInt32LE(0).toString(16).padStart(8, "0")}, not "PKPR")`);
  const version = b.readUInt32LE(4), length = b.readUInt32LE(8), crc = b.readUInt32LE(12);
  if (version !== RECORD_VERSION) throw new Error(`provisioning record format ${version} (this reads format ${RECORD_VERSION})`);
  if (length > b.length - HEADER_BYTES) throw new Error(`provisioning record of ${length} bytes of text (the area holds ${b.length - HEADER_BYTES})`);
  const body = b.subarray(HEADER_BYTES, HEADER_BYTES + length);
  const actual = zlib.crc32(body, zlib.crc32(b.subarray(0, 12)));
  if (actual !== crc) throw new Error(`provisioning record corrupted (CRC32 0x${actual.toString(16).padStart(8, "0")}, the record says 0x${crc.toString(16).padStart(8, "0")})`);
  return body.toString("utf8");
}
