// Wall time without an RTC: HTTP `Date:` headers (1 s resolution) plus the host's
// monotonic millisecond clock. Also RFC 3339 output for Kubernetes timestamps.

import { bytesEqual, isDigit, isSpaceOrTab, packedByte } from "./bytes";
import { Out } from "./out";
import { T, Text, textBytes, textCopy, textLen } from "./text";

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

/** Days since 1970-01-01 of a proleptic Gregorian date (y >= 0), Hinnant's algorithm. Month 13 is January of y+1. */
function daysFromCivil(y: i32, m: i32, d: i32): i32 {
  if (m <= 2) y--;
  const era = y / 400;
  const yoe = y - era * 400;
  const doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/**
 * The three HTTP-date formats (RFC 9110 5.6.7) as strftime-like shapes: %a day
 * name, %A full day name, %b month name, %d two-digit day, %e day as two digits
 * or space and digit, %Y four-digit year, %y RFC 850's two-digit year, %H %M %S
 * two-digit time; other bytes are literal. One matcher walks them all.
 */
const IMF_FIXDATE: Text = T("%a, %d %b %Y %H:%M:%S GMT");
const RFC850_DATE: Text = T("%A, %d-%b-%y %H:%M:%S GMT");
const ASCTIME_DATE: Text = T("%a %b %e %H:%M:%S %Y");
/** Copy of the shape being matched: name lookups reuse the text scratch buffer. */
const SHAPE_CAP: i32 = 32;
const shapeBytes: usize = memory.data(SHAPE_CAP);

/** The date at ptr if it has exactly this shape, as Unix seconds, or -1. */
function matchDate(ptr: usize, len: i32, shape: Text): i64 {
  const n = textLen(shape);
  textCopy(shape, 0, shapeBytes, n);
  let year = -1;
  let month = 0;
  let day = -1;
  let hour = -1;
  let minute = -1;
  let second = -1;
  let i = 0;
  for (let k = 0; k < n; k++) {
    let c = <i32>load<u8>(shapeBytes + <usize>k);
    if (c != 0x25) {
      // literal
      if (i >= len || !at(ptr, i, c)) return -1;
      i++;
      continue;
    }
    c = <i32>load<u8>(shapeBytes + <usize>++k);
    if (c == 0x61 || c == 0x41 || c == 0x62) {
      // %a %A %b: a name, up to the literal after it
      const stop = <i32>load<u8>(shapeBytes + <usize>(k + 1));
      let end = i;
      while (end < len && !at(ptr, end, stop)) end++;
      const idx = wordIndex(c == 0x61 ? DAYS : c == 0x41 ? FULL_DAYS : MONTHS, ptr + <usize>i, end - i);
      if (idx < 0) return -1;
      if (c == 0x62) month = idx + 1;
      i = end;
      continue;
    }
    const width = c == 0x59 ? 4 : 2;
    if (i + width > len) return -1;
    // %e: a space-padded day is its one digit
    const v = c == 0x65 && at(ptr, i, 0x20) ? num(ptr, i + 1, 1) : num(ptr, i, width);
    if (c == 0x59) year = v;
    else if (c == 0x79) year = v < 0 ? -1 : v < 70 ? 2000 + v : 1900 + v;
    else if (c == 0x48) hour = v;
    else if (c == 0x4d) minute = v;
    else if (c == 0x53) second = v;
    else day = v; // %d %e
    i += width;
  }
  if (i != len || year < 1970 || year > 9999 || month < 1 || day < 1) return -1;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return -1;
  const days = daysFromCivil(year, month, day);
  if (days >= daysFromCivil(year, month + 1, 1)) return -1; // past the month's last day
  // A leap second (60) counts as :59.
  return <i64>days * DAY_SECONDS + <i64>(hour * 3600 + minute * 60 + (second == 60 ? 59 : second));
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
  let secs = matchDate(ptr, len, IMF_FIXDATE);
  if (secs < 0) secs = matchDate(ptr, len, RFC850_DATE);
  if (secs < 0) secs = matchDate(ptr, len, ASCTIME_DATE);
  return secs;
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
/** Dates outside 2020-01-01 .. 2200-12-31 are not believed (nor written: RFC 3339 has four-digit years). */
const EARLIEST_UNIX_S: i64 = 1577836800;
const LATEST_UNIX_S: i64 = 7289654399;
/** A step of the server's clock up to this far is taken at once (NTP corrections, our own drift). */
const PLAUSIBLE_STEP_MICROS: i64 = 300_000_000;
/** A larger step is believed once this many Dates in a row agree on it. */
const STEP_CONFIRMATIONS: i32 = 3;

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
 *
 * What a hostile or broken server could do with one Date is bounded: a date
 * outside 2020..2200 is ignored, and a step of more than 5 minutes either way
 * is ignored until three Dates in a row confirm it (a server whose clock was
 * really set is believed within three responses).
 */
// Plain data, created once: no managed header needed.
@unmanaged
export class WallClock {
  known: bool = false;
  /** Estimated wall time minus monotonic time, in microseconds. */
  private offset: i64 = 0;
  /** A large step seen but not yet believed: its offset and how many Dates agreed. */
  private stepOffset: i64 = 0;
  private stepSeen: i32 = 0;

  /**
   * A Date header's Unix seconds (negative: unparsable) at arrival time monoMs.
   * Returns false if the date was ignored as implausible.
   */
  observe(dateUnixSec: i64, monoMs: u64): bool {
    if (dateUnixSec < EARLIEST_UNIX_S || dateUnixSec > LATEST_UNIX_S) return false;
    const candidate = dateUnixSec * MICROS - <i64>monoMs * 1000;
    if (!this.known) {
      this.offset = candidate;
      this.known = true;
      return true;
    }
    const ahead = this.offset - candidate;
    if (ahead >= 0 && ahead <= REBASE_MICROS) {
      this.stepSeen = 0;
      return true;
    }
    if (ahead >= -PLAUSIBLE_STEP_MICROS && ahead <= PLAUSIBLE_STEP_MICROS) {
      this.offset = candidate;
      this.stepSeen = 0;
      return true;
    }
    const agrees = this.stepSeen > 0 && abs<i64>(candidate - this.stepOffset) <= REBASE_MICROS;
    this.stepSeen = agrees ? this.stepSeen + 1 : 1;
    this.stepOffset = candidate;
    if (this.stepSeen < STEP_CONFIRMATIONS) return false;
    this.offset = candidate;
    this.stepSeen = 0;
    return true;
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
