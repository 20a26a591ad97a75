// The simulated device's serving key and its certificate request. Like a
// kubelet, the device makes its own ECDSA P-256 key (it never leaves the
// device) and asks the cluster to sign it with a PKCS#10 request (RFC 2986)
// for system:node:<name>, naming its addresses as subjectAltNames.
import crypto from "node:crypto";
import net from "node:net";
import { bitString, contextTag, integer, octetString, oid, sequence, set, utf8String } from "./der.js";

const ORGANIZATION = "2.5.4.10";
const COMMON_NAME = "2.5.4.3";
const EXTENSION_REQUEST = "1.2.840.113549.1.9.14"; // PKCS#9
const SUBJECT_ALT_NAME = "2.5.29.17";
const ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
const DNS_NAME = 2; // GeneralName tags (RFC 5280 4.2.1.6)
const IP_ADDRESS = 7;

// What Kubernetes accepts as a Node's name (IsDNS1123Subdomain).
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MAX_NODE_NAME = 253;

function checkNodeName(nodeName: string): void {
  if (nodeName.length > MAX_NODE_NAME) throw new Error(`node name of ${nodeName.length} characters: at most ${MAX_NODE_NAME} are allowed`);
  if (!DNS1123_SUBDOMAIN.test(nodeName)) {
    throw new Error(`node name "${nodeName}" is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', starting and ending with a letter or digit)`);
  }
}

function checkIpv4(ipv4: string): void {
  if (!net.isIPv4(ipv4)) throw new Error(`address "${ipv4}" is not an IPv4 dotted quad (such as 192.168.1.20)`);
}

/** O=system:nodes, CN=system:node:<name>: in this order, as kubelet writes it. */
function nodeSubject(nodeName: string): Buffer {
  const attribute = (type: string, value: string) => set(sequence(oid(type), utf8String(value)));
  return sequence(attribute(ORGANIZATION, "system:nodes"), attribute(COMMON_NAME, `system:node:${nodeName}`));
}

/** The extensionRequest attribute asking for subjectAltName DNS:<name> (and IP:<ipv4>). */
function addressesAttribute(nodeName: string, ipv4: string | null): Buffer {
  const names = [contextTag(DNS_NAME, Buffer.from(nodeName, "ascii"), "primitive")];
  if (ipv4) names.push(contextTag(IP_ADDRESS, Buffer.from(ipv4.split(".").map(Number)), "primitive"));
  const subjectAltName = sequence(oid(SUBJECT_ALT_NAME), octetString(sequence(...names)));
  return sequence(oid(EXTENSION_REQUEST), set(sequence(subjectAltName)));
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

export class ServingKey {
  private constructor(readonly key: crypto.KeyObject) {}

  static generate(): ServingKey {
    return new ServingKey(crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey);
  }

  /** The private key as PKCS#8 PEM, the form node:tls takes; for this device's own TLS server only. */
  keyPem(): string {
    return this.key.export({ type: "pkcs8", format: "pem" }).toString();
  }

  /** A signed request for a serving certificate for this node; throws naming a bad name or address. */
  csrPem(nodeName: string, ipv4: string | null): string {
    checkNodeName(nodeName);
    if (ipv4 !== null) checkIpv4(ipv4);
    const publicKeyInfo = crypto.createPublicKey(this.key).export({ type: "spki", format: "der" });
    const info = sequence(integer(0), nodeSubject(nodeName), publicKeyInfo, contextTag(0, addressesAttribute(nodeName, ipv4), "constructed"));
    const signature = crypto.sign("sha256", info, this.key); // DER ECDSA-Sig-Value
    return pem("CERTIFICATE REQUEST", sequence(info, sequence(oid(ECDSA_WITH_SHA256)), bitString(signature)));
  }

  /** Whether the certificate certifies this key (so it can be served with it). */
  matches(certPem: string): boolean {
    return new crypto.X509Certificate(certPem).checkPrivateKey(this.key);
  }
}
