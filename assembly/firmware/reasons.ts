// Why an image is refused: one code per reason in docs/firmware-update.md, the
// same numbers the host returns from firmware_slot_write / firmware_slot_finish.

import { T, Text } from "../lib/text";

export const FIRMWARE_OK = 0;
export const FIRMWARE_REASON_NOT_SIGNED = 1;
export const FIRMWARE_REASON_UNKNOWN_KEY = 2;
export const FIRMWARE_REASON_BAD_SIGNATURE = 3;
export const FIRMWARE_REASON_WRONG_BOARD = 4;
export const FIRMWARE_REASON_WRONG_ENGINE = 5;
export const FIRMWARE_REASON_TOO_LARGE = 6;
export const FIRMWARE_REASON_VERSION_MISMATCH = 7;
export const FIRMWARE_REASON_DOWNGRADE = 8;
export const FIRMWARE_REASON_CORRUPTED = 9;
export const FIRMWARE_REASON_DIGEST_MISMATCH = 10;
const REASON_COUNT = 10;

const NAMES: usize = memory.data<u32>([
  T("NotSigned"), T("UnknownKey"), T("BadSignature"), T("WrongBoard"), T("WrongEngine"),
  T("TooLarge"), T("VersionMismatch"), T("Downgrade"), T("Corrupted"), T("DigestMismatch"),
]);

const MESSAGES: usize = memory.data<u32>([
  T("not a signed image (magic, header version, header size or reserved bytes)"),
  T("signed with a key this firmware does not trust"),
  T("the signature does not verify"),
  T("built for another board"),
  T("built for another engine"),
  T("larger than the download slot"),
  T("the image's version differs from firmware.version"),
  T("older than the running version and firmware.allowDowngrade is not \"true\""),
  T("the payload does not match the digest in its header (corrupted or truncated)"),
  T("the file's SHA-256 differs from firmware.sha256"),
]);

export function isReason(code: i32): bool {
  return code >= 1 && code <= REASON_COUNT;
}

/** The Node condition's reason for a refusal code (1..10). */
export function reasonName(code: i32): Text {
  if (!isReason(code)) return T("Rejected");
  return load<u32>(NAMES + <usize>((code - 1) << 2));
}

export function reasonMessage(code: i32): Text {
  if (!isReason(code)) return T("refused");
  return load<u32>(MESSAGES + <usize>((code - 1) << 2));
}
