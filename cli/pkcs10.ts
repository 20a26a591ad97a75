// Reads what a kubelet-serving approval needs from a PKCS#10 certificate
// request (RFC 2986): the subject's attributes and the subjectAltName
// extension the request asks for. node:crypto parses certificates but not
// requests; the API server has already checked the request's signature.
import net from "node:net";

export interface CsrContent {
  /** Subject attributes by short name (CN, O, or the dotted OID), in order. */
  subject: { type: string; value: string }[];
  dnsNames: string[];
  ipAddresses: string[];
  /** SANs of any other kind (email, URI, …), named; a serving certificate has none. */
  otherNames: string[];
}

interface Tlv {
  tag: number;
  start: number; // of the value
  end: number;
}

const SUBJECT_NAMES: Record<string, string> = { "2.5.4.3": "CN", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.6": "C" };
const EXTENSION_REQUEST = "1.2.840.113549.1.9.14";
const SUBJECT_ALT_NAME = "2.5.29.17";
const GENERAL_NAME_KINDS = ["otherName", "email", "DNS", "x400Address", "directoryName", "ediPartyName", "URI", "IP", "registeredID"];

class Der {
  constructor(private readonly b: Buffer) {}

  read(at: number, limit: number): Tlv {
    if (at + 2 > limit) throw new Error("truncated DER");
    const tag = this.b[at];
    if ((tag & 0x1f) === 0x1f) throw new Error("multi-byte DER tags are not used in a CSR");
    let len = this.b[at + 1];
    let start = at + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 3 || start + n > limit) throw new Error("bad DER length");
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + this.b[start + i];
      start += n;
    }
    if (start + len > limit) throw new Error("DER value runs past its container");
    return { tag, start, end: start + len };
  }

  expect(at: number, limit: number, tag: number, what: string): Tlv {
    const t = this.read(at, limit);
    if (t.tag !== tag) throw new Error(`${what}: expected tag 0x${tag.toString(16)}, found 0x${t.tag.toString(16)}`);
    return t;
  }

  children(t: Tlv): Tlv[] {
    const out: Tlv[] = [];
    for (let at = t.start; at < t.end; ) {
      const c = this.read(at, t.end);
      out.push(c);
      at = c.end;
    }
    return out;
  }

  oid(t: Tlv): string {
    if (t.tag !== 0x06 || t.end === t.start) throw new Error("expected an OID");
    const first = this.b[t.start];
    const arcs = [Math.floor(Math.min(first, 80) / 40), first - 40 * Math.floor(Math.min(first, 80) / 40)];
    let v = 0;
    for (let i = t.start + 1; i < t.end; i++) {
      v = v * 128 + (this.b[i] & 0x7f);
      if (!(this.b[i] & 0x80)) (arcs.push(v), (v = 0));
    }
    return arcs.join(".");
  }

  bytes(t: Tlv): Buffer {
    return this.b.subarray(t.start, t.end);
  }
}

function pemBody(pem: string): Buffer {
  const m = /-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----([\s\S]*?)-----END (?:NEW )?CERTIFICATE REQUEST-----/.exec(pem);
  if (!m) throw new Error("not a PEM certificate request");
  return Buffer.from(m[1].replace(/\s+/g, ""), "base64");
}

function ipText(raw: Buffer): string {
  if (raw.length === 4) return [...raw].join(".");
  if (raw.length === 16) {
    const groups = [];
    for (let i = 0; i < 16; i += 2) groups.push(raw.readUInt16BE(i).toString(16));
    const text = groups.join(":");
    return net.isIPv6(text) ? new URL(`http://[${text}]/`).hostname.slice(1, -1) : text; // compressed form
  }
  throw new Error(`an IP address SAN of ${raw.length} bytes`);
}

/** Parses a PEM (or DER) PKCS#10 request; throws naming what is malformed. */
export function parseCsr(input: string | Buffer): CsrContent {
  const b = typeof input === "string" ? pemBody(input) : input;
  const d = new Der(b);
  const outer = d.expect(0, b.length, 0x30, "CertificationRequest");
  const [info] = d.children(outer);
  if (!info || info.tag !== 0x30) throw new Error("CertificationRequest: no certificationRequestInfo");
  const [, subjectTlv, , attributes] = d.children(info);
  if (!subjectTlv || subjectTlv.tag !== 0x30) throw new Error("certificationRequestInfo: no subject");
  const out: CsrContent = { subject: [], dnsNames: [], ipAddresses: [], otherNames: [] };
  for (const rdn of d.children(subjectTlv)) {
    for (const atv of d.children(rdn)) {
      const [type, value] = d.children(atv);
      const oid = d.oid(type);
      out.subject.push({ type: SUBJECT_NAMES[oid] ?? oid, value: d.bytes(value).toString("utf8") });
    }
  }
  if (!attributes) return out;
  if (attributes.tag !== 0xa0) throw new Error("certificationRequestInfo: attributes are not [0]");
  for (const attribute of d.children(attributes)) {
    const [type, values] = d.children(attribute);
    if (d.oid(type) !== EXTENSION_REQUEST) continue;
    for (const extensions of d.children(values)) {
      for (const extension of d.children(extensions)) {
        const parts = d.children(extension);
        if (d.oid(parts[0]) !== SUBJECT_ALT_NAME) continue;
        const value = parts[parts.length - 1];
        if (value.tag !== 0x04) throw new Error("subjectAltName: extnValue is not an OCTET STRING");
        const names = d.expect(value.start, value.end, 0x30, "subjectAltName");
        for (const name of d.children(names)) {
          const kind = name.tag & 0x1f;
          if (name.tag === 0x82) out.dnsNames.push(d.bytes(name).toString("latin1"));
          else if (name.tag === 0x87) out.ipAddresses.push(ipText(d.bytes(name)));
          else out.otherNames.push(GENERAL_NAME_KINDS[kind] ?? `[${kind}]`);
        }
      }
    }
  }
  return out;
}
