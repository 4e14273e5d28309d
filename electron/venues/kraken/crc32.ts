/**
 * CRC-32 (IEEE, zlib polynomial) over ASCII text, resumable so callers can chain sections.
 * The register update is linear, so appending a piece of length L to any running state is
 * "state shifted through L zero bytes" XOR "the piece's CRC from a zero register". The
 * book keeps each level's piece CRC, so a checksum costs a few lookups per level, not per
 * character (crc32Append).
 */

const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** The running state before any input. */
export const CRC32_START = -1;

/** Feeds the char codes of `s` (ASCII) into a running state. */
export function crc32Update(state: number, s: string): number {
  let c = state;
  for (let i = 0; i < s.length; i++) c = TABLE[(c ^ s.charCodeAt(i)) & 0xff]! ^ (c >>> 8);
  return c;
}

/** The unsigned 32-bit checksum of a running state. */
export function crc32Final(state: number): number {
  return (state ^ -1) >>> 0;
}

export function crc32(s: string): number {
  return crc32Final(crc32Update(CRC32_START, s));
}

/** A piece's contribution: its CRC from a zero register (what crc32Append needs). */
export function crc32Piece(s: string): number {
  return crc32Update(0, s);
}

/** Per length L: four byte tables of the operator "run L zero bytes through the register". */
const SHIFTS: Int32Array[] = [];

function shiftTable(len: number): Int32Array {
  let t = SHIFTS[len];
  if (t === undefined) {
    t = new Int32Array(1024);
    for (let j = 0; j < 4; j++) {
      for (let b = 0; b < 256; b++) {
        let c = b << (8 * j);
        for (let k = 0; k < len; k++) c = TABLE[c & 0xff]! ^ (c >>> 8);
        t[j * 256 + b] = c;
      }
    }
    SHIFTS[len] = t;
  }
  return t;
}

/** The running state after appending a piece of `len` chars whose crc32Piece is `piece`. */
export function crc32Append(state: number, piece: number, len: number): number {
  const t = shiftTable(len);
  return t[state & 0xff]! ^ t[256 + ((state >>> 8) & 0xff)]! ^ t[512 + ((state >>> 16) & 0xff)]! ^ t[768 + (state >>> 24)]! ^ piece;
}
