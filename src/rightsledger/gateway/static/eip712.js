// EIP-712 (eth_signTypedData_v4) hashing and signing with a local key, for the page's
// "local development key" signer. Pure JS: keccak-256 and secp256k1 from the pinned, vendored
// @noble packages (see scripts/vendor_js.py). A browser wallet does the same on its own.
import { keccak_256 } from './vendor/noble-hashes/sha3.js';
import * as secp from './vendor/noble-secp256k1/index.js';

const utf8 = (s) => new TextEncoder().encode(s);

export function hexToBytes(hex) {
  const h = hex.startsWith('0x') ? hex.slice(2) : hex;
  if (h.length % 2 || /[^0-9a-fA-F]/.test(h)) throw new Error(`not hex: ${hex}`);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(i * 2, 2), 16);
  return out;
}

export function bytesToHex(bytes) {
  return '0x' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function word(n) {
  let v = BigInt(n);
  if (v < 0n) v = (1n << 256n) + v;  // two's complement for intN
  return hexToBytes(v.toString(16).padStart(64, '0'));
}

function dependencies(type, types, found = new Set()) {
  const base = type.replace(/\[\d*\]$/, '');
  if (found.has(base) || !types[base]) return found;
  found.add(base);
  for (const field of types[base]) dependencies(field.type, types, found);
  return found;
}

function encodeType(primary, types) {
  const deps = [...dependencies(primary, types)].filter((t) => t !== primary).sort();
  return [primary, ...deps].map((t) => `${t}(${types[t].map((f) => `${f.type} ${f.name}`).join(',')})`).join('');
}

function encodeValue(type, value, types) {
  if (types[type]) return hashStruct(type, value, types);
  const array = type.match(/^(.*)\[(\d*)\]$/);
  if (array) return keccak_256(concat(...value.map((v) => encodeValue(array[1], v, types))));
  if (type === 'string') return keccak_256(utf8(value));
  if (type === 'bytes') return keccak_256(hexToBytes(value));
  if (type === 'address') return word(BigInt(value));
  if (type === 'bool') return word(value ? 1 : 0);
  if (/^u?int\d*$/.test(type)) return word(value);
  const fixed = type.match(/^bytes(\d+)$/);
  if (fixed) { const out = new Uint8Array(32); out.set(hexToBytes(value)); return out; }
  throw new Error(`EIP-712 type ${type} is not supported`);
}

export function hashStruct(type, data, types) {
  const typeHash = keccak_256(utf8(encodeType(type, types)));
  return keccak_256(concat(typeHash, ...types[type].map((f) => encodeValue(f.type, data[f.name], types))));
}

/** The digest an EIP-712 signature signs: keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(message)). */
export function typedDataDigest(typed) {
  const domain = hashStruct('EIP712Domain', typed.domain, typed.types);
  const message = hashStruct(typed.primaryType, typed.message, typed.types);
  return keccak_256(concat(Uint8Array.of(0x19, 0x01), domain, message));
}

export function checksumAddress(hex) {
  const lower = hex.toLowerCase().replace(/^0x/, '');
  const hash = bytesToHex(keccak_256(utf8(lower))).slice(2);
  return '0x' + [...lower].map((c, i) => (parseInt(hash[i], 16) >= 8 ? c.toUpperCase() : c)).join('');
}

export function addressOf(privateKey) {
  const pub = secp.getPublicKey(hexToBytes(privateKey), false);
  return checksumAddress(bytesToHex(keccak_256(pub.slice(1)).slice(12)));
}

/** A 65-byte Ethereum signature (r ‖ s ‖ v, v = 27 or 28) over the typed data. */
export async function signTypedData(privateKey, typed) {
  const digest = typedDataDigest(typed);
  const sig = await secp.signAsync(digest, hexToBytes(privateKey), { prehash: false, format: 'recovered' });
  return bytesToHex(concat(sig.slice(1), Uint8Array.of(27 + sig[0])));
}
