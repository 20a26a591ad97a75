// Wall time without an RTC: HTTP `Date:` headers (1 s resolution) plus the host's
// monotonic millisecond clock. Also RFC 3339 output for Kubernetes timestamps.

import { bytesEqual, isDigit, isSpaceOrTab, packedByte } from "./bytes";
import { Out } from "./out";
import { T, Text, textBytes, textLen } from "./text";

const MONTHS: Text = T("Jan,Feb,Mar,Apr,May,Jun,Jul,Aug,Sep,Oct,Nov,Dec");
const DAYS: Text = T("Mon,Tue,Wed,Thu,Fri,Sat,Sun");
const FULL_DAYS: Text = T("Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday");

const MICROS: i64 = 1000000;
const DAY_SECONDS: i64 = 86400;

/** Index of the comma-separated word in `list` equal to the bytes (case-sensitive, as RFC 9110), or -1. */
function wordIndex(list: Text, ptr: usize, len: i32): i32 {
  let idx = 0;
  let start = 0;
  const n = textLen(list);
  const words = textBytes(list);
  for (let i = 0; i <= n; i++) {
    if (i == n || load<u8>(words + <usize>i) == 0x2c) {
      if (i - start == len && bytesEqual(ptr, words + <usize>start, len)) return idx;
      idx++;
      start = i + 1;
    }
  }
  return -1;
}

/** The n-digit decimal number at i, or -1. */
function num(ptr: usize, i: i32, n: i32): i32 {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const b = load<u8>(ptr + <usize>(i + k));
    if (!isDigit(b)) return -1;
    v = v * 10 + <i32>b - 0x30;
  }
  return v;
}

function at(ptr: usize, i: i32, c: i32): bool {
  return <i32>load<u8>(ptr + <usize>i) == c;
}

function isLeap(y: i32): bool {
  return (y & 3) == 0 && (y % 100 != 0 || y % 400 == 0);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (y >= 0), Hinnant's algorithm. */
function daysFromCivil(y: i32, m: i32, d: i32): i32 {
  if (m <= 2) y--;
  const era = y / 400;
  const yoe = y - era * 400;
  const doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/** "HH:MM:SS" at i as seconds of the day, or -1. A leap second (60) counts as :59. */
function timeOfDay(ptr: usize, i: i32): i32 {
  if (!at(ptr, i + 2, 0x3a) || !at(ptr, i + 5, 0x3a)) return -1;
  const h = num(ptr, i, 2);
  const m = num(ptr, i + 3, 2);
  let s = num(ptr, i + 6, 2);
  if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 60) return -1;
  if (s == 60) s = 59;
  return h * 3600 + m * 60 + s;
}

function unixSeconds(y: i32, mon: i32, d: i32, tod: i32): i64 {
  if (y < 1970 || y > 9999 || mon < 1 || tod < 0 || d < 1) return -1;
  const dim = mon == 2 ? (isLeap(y) ? 29 : 28) : mon == 4 || mon == 6 || mon == 9 || mon == 11 ? 30 : 31;
  if (d > dim) return -1;
  return <i64>daysFromCivil(y, mon, d) * DAY_SECONDS + <i64>tod;
}

/**
 * An HTTP-date (RFC 9110 5.6.7) as Unix seconds, or -1. Accepts IMF-fixdate
 * "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" and
 * asctime "Sun Nov  6 08:49:37 1994"; surrounding blanks are ignored. The day name
 * must be valid but is not checked against the date. RFC 850's two-digit year
 * is 2000-2069 for 00-69 and 1970-1999 for 70-99. Years before 1970 are invalid.
 */
export function parseHttpDate(ptr: usize, len: i32): i64 {
  while (len > 0 && isSpaceOrTab(load<u8>(ptr))) {
    ptr++;
    len--;
  }
  while (len > 0 && isSpaceOrTab(load<u8>(ptr + <usize>(len - 1)))) len--;
  if (len < 24) return -1;

  if (len == 29 && at(ptr, 3, 0x2c)) {
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
    if (wordIndex(DAYS, ptr, 3) < 0) return -1;
    if (!at(ptr, 4, 0x20) || !at(ptr, 7, 0x20) || !at(ptr, 11, 0x20) || !at(ptr, 16, 0x20) || !at(ptr, 25, 0x20)) return -1;
    if (wordIndex(T("GMT"), ptr + 26, 3) < 0) return -1;
    const y = num(ptr, 12, 4);
    return unixSeconds(y, wordIndex(MONTHS, ptr + 8, 3) + 1, num(ptr, 5, 2), timeOfDay(ptr, 17));
  }

  if (at(ptr, 3, 0x20)) {
    // asctime: "Sun Nov  6 08:49:37 1994" (day is two digits or space and digit)
    if (len != 24 || wordIndex(DAYS, ptr, 3) < 0) return -1;
    if (!at(ptr, 7, 0x20) || !at(ptr, 10, 0x20) || !at(ptr, 19, 0x20)) return -1;
    const d = at(ptr, 8, 0x20) ? num(ptr, 9, 1) : num(ptr, 8, 2);
    const y = num(ptr, 20, 4);
    return unixSeconds(y, wordIndex(MONTHS, ptr + 4, 3) + 1, d, timeOfDay(ptr, 11));
  }

  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
  const n = len - 24; // length of the day name
  if (n < 6 || n > 9 || wordIndex(FULL_DAYS, ptr, n) < 0) return -1;
  const p = ptr + <usize>n;
  if (!at(p, 0, 0x2c) || !at(p, 1, 0x20) || !at(p, 4, 0x2d) || !at(p, 8, 0x2d)) return -1;
  if (!at(p, 11, 0x20) || !at(p, 20, 0x20) || wordIndex(T("GMT"), p + 21, 3) < 0) return -1;
  const yy = num(p, 9, 2);
  if (yy < 0) return -1;
  return unixSeconds(yy < 70 ? 2000 + yy : 1900 + yy, wordIndex(MONTHS, p + 5, 3) + 1, num(p, 2, 2), timeOfDay(p, 12));
}

/** "YYYY-MM-DDThh:mm:ss" separators, little-endian: "-" "-" "T" ":" ":" go before digits 4, 6, 8, 10 and 12. */
const RFC3339_SEPARATORS: u64 = 0x3a3a542d2d;

/**
 * RFC 3339 UTC: "2026-11-22T22:03:00Z", or with exactly 6 fractional digits
 * (Kubernetes MicroTime) "2026-11-22T22:03:00.123456Z". Negative times write the epoch.
 */
export function writeRfc3339(out: Out, unixMicros: i64, withMicros: bool): void {
  if (unixMicros < 0) unixMicros = 0;
  // A call of its own (too big for binaryen to inline): the C stack of its
  // many ops unwinds before the first byte, and so a flush, is written.
  const digits = utcDigits(unixMicros / MICROS);
  let div: u64 = 10000000000000;
  for (let k = 0; k < 14; k++) {
    if (k >= 4 && (k & 1) == 0) out.byte(packedByte(RFC3339_SEPARATORS, (k - 4) >> 1));
    out.byte(<u8>(0x30 + <u32>((digits / div) % 10)));
    div /= 10;
  }
  if (withMicros) {
    out.byte(0x2e);
    out.decPadded(<u64>(unixMicros % MICROS), 6);
  }
  out.byte(0x5a);
}

/** Unix seconds (>= 0) as the decimal number YYYYMMDDhhmmss. */
function utcDigits(secs: i64): u64 {
  const sod = <i32>(secs % DAY_SECONDS);
  // Civil date from days since the epoch (Hinnant's algorithm, days >= 0).
  const z = <i32>(secs / DAY_SECONDS) + 719468;
  const era = z / 146097;
  const doe = z - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  const d = doy - (153 * mp + 2) / 5 + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const date = y * 10000 + m * 100 + d;
  const time = (sod / 3600) * 10000 + ((sod / 60) % 60) * 100 + sod % 60;
  return <u64>date * 1000000 + <u64>time;
}

/** Beyond this, an observation behind the estimate means the server's clock stepped back. */
const REBASE_MICROS: i64 = 2000000;

/**
 * Wall time from Date observations and the monotonic clock.
 *
 * A Date of S seconds was generated before the response arrived, so at arrival
 * the true time is >= S: each observation is a lower bound. The estimate only
 * moves forward to a bound it falls behind (so it converges to the tightest
 * bound and does not jitter within the second), and otherwise stays put, since
 * it is consistent with any Date up to ~1 s behind it. If it is more than 2 s
 * ahead of an observation, the server's clock stepped back (or ours drifted
 * fast): re-base onto that observation.
 */
// Plain data, created once: no managed header needed.
@unmanaged
export class WallClock {
  known: bool = false;
  /** Estimated wall time minus monotonic time, in microseconds. */
  private offset: i64 = 0;

  /** A Date header's Unix seconds (negative, i.e. unparsable, is ignored) at arrival time monoMs. */
  observe(dateUnixSec: i64, monoMs: u64): void {
    if (dateUnixSec < 0) return;
    const lower = dateUnixSec * MICROS;
    const mono = <i64>monoMs * 1000;
    if (this.known) {
      const ahead = this.offset + mono - lower;
      if (ahead >= 0 && ahead <= REBASE_MICROS) return;
    }
    this.offset = lower - mono;
    this.known = true;
  }

  /** Estimated Unix time in microseconds at monoMs, or -1 before any observation. */
  nowMicros(monoMs: u64): i64 {
    if (!this.known) return -1;
    return this.offset + <i64>monoMs * 1000;
  }
}

/** Timestamps that only strictly increase (Lease renewTime), even if the wall clock steps back. */
// Plain data, created once: no managed header needed.
@unmanaged
export class StrictlyIncreasing {
  last: i64 = i64.MIN_VALUE;

  next(candidateMicros: i64): i64 {
    const v = candidateMicros > this.last ? candidateMicros : this.last + 1;
    this.last = v;
    return v;
  }
}
