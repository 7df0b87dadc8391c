/**
 * Random ids from crypto.getRandomValues. Why not crypto.randomUUID: browsers expose it only in secure contexts
 * (HTTPS or localhost), and the front end is served over plain HTTP on a private address (http://172.16.1.19:3000),
 * where calling it throws and the page would never become interactive.
 */
type RandomBytes = (bytes: Uint8Array) => Uint8Array;

const platformRandom: RandomBytes = (bytes) => crypto.getRandomValues(bytes);

/** An RFC 4122 version 4 UUID (the API's Idempotency-Key), e.g. "3b241101-e2bb-4255-8caf-4136c566a962". */
export function randomUuid(random: RandomBytes = platformRandom): string {
  const b = random(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40; // version 4
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** 32 random hex characters. */
export function randomHex32(random: RandomBytes = platformRandom): string {
  return Array.from(random(new Uint8Array(16)), (x) => x.toString(16).padStart(2, "0")).join("");
}
