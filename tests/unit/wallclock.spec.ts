import { Out } from "../../assembly/lib/out";
import { parseHttpDate, writeRfc3339, WallClock, StrictlyIncreasing } from "../../assembly/lib/wallclock";

// Expected instants computed independently, e.g. node -e "console.log(Date.UTC(2026,10,22,22,3,0)/1000)".
const NOV22_2026: i64 = 1795384980; // 2026-11-22T22:03:00Z
const NOV6_1994: i64 = 784111777; // 1994-11-06T08:49:37Z

function date(s: string): i64 {
  const b = String.UTF8.encode(s);
  return parseHttpDate(changetype<usize>(b), b.byteLength);
}

const out = new Out(64);
function rfc3339(micros: i64, withMicros: bool): string {
  out.beginBuffer();
  writeRfc3339(out, micros, withMicros);
  return out.stage.toString();
}

describe("parseHttpDate", () => {
  it("parses IMF-fixdate", () => {
    expect(date("Sun, 22 Nov 2026 22:03:00 GMT")).toBe(NOV22_2026);
    expect(date("Sun, 06 Nov 1994 08:49:37 GMT")).toBe(NOV6_1994);
  });

  it("parses RFC 850 dates with two-digit years", () => {
    expect(date("Sunday, 22-Nov-26 22:03:00 GMT")).toBe(NOV22_2026);
    expect(date("Sunday, 06-Nov-94 08:49:37 GMT")).toBe(NOV6_1994);
    expect(date("Wednesday, 31-Dec-69 23:59:59 GMT")).toBe(3155759999); // 2069
    expect(date("Thursday, 01-Jan-70 00:00:00 GMT")).toBe(0);
  });

  it("parses asctime dates with a space-padded or two-digit day", () => {
    expect(date("Sun Nov 22 22:03:00 2026")).toBe(NOV22_2026);
    expect(date("Sun Nov  6 08:49:37 1994")).toBe(NOV6_1994);
    expect(date("Sun Nov 06 08:49:37 1994")).toBe(NOV6_1994);
  });

  it("handles the epoch, leap years and century years", () => {
    expect(date("Thu, 01 Jan 1970 00:00:00 GMT")).toBe(0);
    expect(date("Thu, 29 Feb 2024 12:00:00 GMT")).toBe(1709208000);
    expect(date("Tue, 29 Feb 2000 23:59:59 GMT")).toBe(951868799);
    expect(date("Mon, 01 Mar 2100 00:00:00 GMT")).toBe(4107542400);
    expect(date("Fri, 31 Dec 9999 23:59:59 GMT")).toBe(253402300799);
  });

  it("ignores surrounding blanks and counts a leap second as :59", () => {
    expect(date("  Sun, 22 Nov 2026 22:03:00 GMT \t")).toBe(NOV22_2026);
    expect(date("Wed, 31 Dec 2016 23:59:60 GMT")).toBe(date("Wed, 31 Dec 2016 23:59:59 GMT"));
    expect(date("Wed, 31 Dec 2016 23:59:59 GMT")).toBe(1483228799);
  });

  it("rejects impossible days of the month", () => {
    expect(date("Mon, 30 Feb 2026 00:00:00 GMT")).toBe(-1);
    expect(date("Sun, 29 Feb 2026 00:00:00 GMT")).toBe(-1);
    expect(date("Mon, 29 Feb 2100 00:00:00 GMT")).toBe(-1);
    expect(date("Thu, 31 Apr 2026 00:00:00 GMT")).toBe(-1);
    expect(date("Thu, 00 Jan 2026 00:00:00 GMT")).toBe(-1);
    expect(date("Thu, 32 Jan 2026 00:00:00 GMT")).toBe(-1);
    expect(date("Sun Nov 31 22:03:00 2026")).toBe(-1);
  });

  it("rejects out-of-range times", () => {
    expect(date("Sun, 22 Nov 2026 24:00:00 GMT")).toBe(-1);
    expect(date("Sun, 22 Nov 2026 22:60:00 GMT")).toBe(-1);
    expect(date("Sun, 22 Nov 2026 22:03:61 GMT")).toBe(-1);
    expect(date("Sun, 22 Nov 2026 22-03-00 GMT")).toBe(-1);
  });

  it("rejects bad names, zones, years and shapes", () => {
    expect(date("Sun, 22 Nox 2026 22:03:00 GMT")).toBe(-1);
    expect(date("Sun, 22 nov 2026 22:03:00 GMT")).toBe(-1);
    expect(date("Sux, 22 Nov 2026 22:03:00 GMT")).toBe(-1);
    expect(date("Sun, 22 Nov 2026 22:03:00")).toBe(-1);
    expect(date("Sun, 22 Nov 2026 22:03:00 UTC")).toBe(-1);
    expect(date("Sun, 22 Nov 20x6 22:03:00 GMT")).toBe(-1);
    expect(date("Sun, 2 Nov 2026 22:03:00 GMT ")).toBe(-1);
    expect(date("Wed, 31 Dec 1969 23:59:59 GMT")).toBe(-1);
    expect(date("Sunday, 22-Nov-2026 22:03:00 GMT")).toBe(-1);
    expect(date("Sundae, 22-Nov-26 22:03:00 GMT")).toBe(-1);
    expect(date("Sun Nov 22 22:03:00 2026 GMT")).toBe(-1);
    expect(date("")).toBe(-1);
  });
});

describe("writeRfc3339", () => {
  it("writes the epoch", () => {
    expect(rfc3339(0, false)).toBe("1970-01-01T00:00:00Z");
    expect(rfc3339(0, true)).toBe("1970-01-01T00:00:00.000000Z");
  });

  it("writes known instants with and without exactly 6 fractional digits", () => {
    // node -e "console.log(new Date(1795471380123).toISOString())" → 2026-11-23T22:03:00.123Z
    expect(rfc3339(1795471380123456, true)).toBe("2026-11-23T22:03:00.123456Z");
    expect(rfc3339(1795471380123456, false)).toBe("2026-11-23T22:03:00Z");
    expect(rfc3339(1709208000000001, true)).toBe("2024-02-29T12:00:00.000001Z");
    expect(rfc3339(951868799000000, false)).toBe("2000-02-29T23:59:59Z");
    expect(rfc3339(4107542400000000, false)).toBe("2100-03-01T00:00:00Z");
    expect(rfc3339(253402300799999999, true)).toBe("9999-12-31T23:59:59.999999Z");
  });

  it("round-trips parsed dates", () => {
    expect(rfc3339(date("Sun, 06 Nov 1994 08:49:37 GMT") * 1000000, false)).toBe("1994-11-06T08:49:37Z");
    expect(rfc3339(date("Thu, 28 Feb 2030 23:59:59 GMT") * 1000000 + 1000000, false)).toBe("2030-03-01T00:00:00Z");
  });

  it("writes the epoch for negative times", () => {
    expect(rfc3339(-5, true)).toBe("1970-01-01T00:00:00.000000Z");
  });
});

describe("WallClock", () => {
  const L: i64 = NOV22_2026 * 1000000;

  it("is unknown until the first observation, and ignores unparsable dates", () => {
    const c = new WallClock();
    expect(c.known).toBe(false);
    expect(c.nowMicros(1000)).toBe(-1);
    c.observe(-1, 1000);
    expect(c.known).toBe(false);
    c.observe(NOV22_2026, 10000);
    expect(c.known).toBe(true);
    expect(c.nowMicros(10000)).toBe(L);
    expect(c.nowMicros(10500)).toBe(L + 500000);
  });

  it("stays put across observations consistent with the estimate", () => {
    const c = new WallClock();
    c.observe(NOV22_2026, 10000);
    // Later responses within the same second, then the next seconds.
    c.observe(NOV22_2026, 10900);
    expect(c.nowMicros(10900)).toBe(L + 900000);
    c.observe(NOV22_2026 + 1, 11100);
    expect(c.nowMicros(11100)).toBe(L + 1100000);
    c.observe(NOV22_2026, 11900); // slow response: Date generated 1.9 s ago
    expect(c.nowMicros(11900)).toBe(L + 1900000);
    for (let i = 0; i < 20; i++) {
      const mono: u64 = 12000 + <u64>i * 250;
      c.observe(NOV22_2026 + (2 + <i64>i * 250 / 1000), mono);
    }
    expect(c.nowMicros(20000)).toBe(L + 10000000);
  });

  it("moves forward to a Date the estimate has fallen behind", () => {
    const c = new WallClock();
    c.observe(NOV22_2026, 10000);
    // At 11500 the estimate is L+1.5 s but the server says at least L+2 s.
    c.observe(NOV22_2026 + 2, 11500);
    expect(c.nowMicros(11500)).toBe(L + 2000000);
  });

  it("re-bases when the server's clock steps forward", () => {
    const c = new WallClock();
    c.observe(NOV22_2026, 10000);
    c.observe(NOV22_2026 + 100, 11000);
    expect(c.nowMicros(11000)).toBe(L + 100000000);
  });

  it("ignores Dates outside 2020..2200 (so a year never wraps into RFC 3339's four digits)", () => {
    const c = new WallClock();
    expect(c.observe(1577836799, 1000)).toBe(false); // 2019-12-31T23:59:59Z
    expect(c.observe(7289654400, 1000)).toBe(false); // 2201-01-01T00:00:00Z
    expect(c.known).toBe(false);
    expect(c.observe(1577836800, 1000)).toBe(true); // 2020-01-01T00:00:00Z
    const d = new WallClock();
    expect(d.observe(7289654399, 1000)).toBe(true); // 2200-12-31T23:59:59Z
    expect(rfc3339(d.nowMicros(1000), false)).toBe("2200-12-31T23:59:59Z");
  });

  it("takes a step of up to 5 minutes either way at once", () => {
    const c = new WallClock();
    c.observe(NOV22_2026, 10000);
    expect(c.observe(NOV22_2026 + 301, 11000)).toBe(true);
    expect(c.nowMicros(11000)).toBe(L + 301000000);
    expect(c.observe(NOV22_2026 + 2, 12000)).toBe(true);
    expect(c.nowMicros(12000)).toBe(L + 2000000);
  });

  it("believes a larger step only when three Dates in a row agree on it", () => {
    const c = new WallClock();
    const DAY: i64 = 86400;
    c.observe(NOV22_2026, 10000);
    expect(c.observe(NOV22_2026 + DAY, 20000)).toBe(false);
    expect(c.observe(NOV22_2026 + DAY + 10, 30000)).toBe(false);
    expect(c.nowMicros(30000)).toBe(L + 20000000);
    expect(c.observe(NOV22_2026 + DAY + 20, 40000)).toBe(true);
    expect(c.nowMicros(40000)).toBe(L + (DAY + 20) * 1000000);
  });

  it("starts counting agreement afresh after a Date consistent with the estimate, or one that disagrees", () => {
    const c = new WallClock();
    const DAY: i64 = 86400;
    c.observe(NOV22_2026, 10000);
    expect(c.observe(NOV22_2026 + DAY, 20000)).toBe(false);
    expect(c.observe(NOV22_2026 + DAY + 10, 30000)).toBe(false);
    expect(c.observe(NOV22_2026 + 30, 40000)).toBe(true); // the real clock again
    expect(c.observe(NOV22_2026 + DAY + 40, 50000)).toBe(false);
    expect(c.observe(NOV22_2026 + 2 * DAY, 60000)).toBe(false); // a different step
    expect(c.observe(NOV22_2026 + DAY + 60, 70000)).toBe(false);
    expect(c.nowMicros(70000)).toBe(L + 60000000);
  });

  it("keeps an estimate up to 2 s ahead, re-bases beyond", () => {
    const c = new WallClock();
    c.observe(NOV22_2026 + 10, 10000);
    c.observe(NOV22_2026 + 8, 10000); // estimate exactly 2 s ahead: kept
    expect(c.nowMicros(10000)).toBe(L + 10000000);
    c.observe(NOV22_2026 + 8, 10001); // 2.001 s ahead: stepped back
    expect(c.nowMicros(10001)).toBe(L + 8000000);
  });
});

describe("StrictlyIncreasing", () => {
  it("passes increasing candidates through", () => {
    const s = new StrictlyIncreasing();
    expect(s.next(0)).toBe(0);
    expect(s.next(100)).toBe(100);
    expect(s.next(5000)).toBe(5000);
  });

  it("returns last + 1 µs for equal or earlier candidates", () => {
    const s = new StrictlyIncreasing();
    expect(s.next(200)).toBe(200);
    expect(s.next(200)).toBe(201);
    expect(s.next(150)).toBe(202);
    expect(s.next(203)).toBe(203);
  });

  it("keeps renewTime increasing when the wall clock is re-based backwards", () => {
    const c = new WallClock();
    const s = new StrictlyIncreasing();
    c.observe(NOV22_2026 + 60, 10000);
    const a = s.next(c.nowMicros(10000));
    c.observe(NOV22_2026, 20000); // server stepped back a minute
    const raw = c.nowMicros(20000);
    expect(raw).toBeLessThan(a);
    const b = s.next(raw);
    expect(b).toBe(a + 1);
    expect(rfc3339(b, true)).toBe("2026-11-22T22:04:00.000001Z");
  });
});
