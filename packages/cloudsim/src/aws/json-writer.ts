/**
 * A byte-level JSON writer for the simulator's one large response (GetMetricData: 30,000 points in a
 * 620 KiB body). Building the text as JS strings and then UTF-8 encoding it cost more than computing
 * the values, most of it in number → string conversion, so numbers are formatted straight into a
 * Buffer. The bytes are exactly those of `JSON.stringify`/`String(n)` (tests compare them), so the wire
 * output does not depend on which serializer produced it.
 */

const QUOTE = 0x22
const COMMA = 0x2c
/** Longest String(number): "-1.2345678901234567e-123". */
const MAX_NUMBER_BYTES = 24
const BACKSLASH = 0x5c
const ZERO = 0x30
const NULL_BYTES = Uint8Array.from([0x6e, 0x75, 0x6c, 0x6c])
const INT32_LIMIT = 2 ** 31
/** "00" … "99" as ASCII, two bytes per entry. */
const DIGIT_PAIRS = Uint8Array.from(
  { length: 200 },
  (_, i) => ZERO + (i & 1 ? (i >> 1) % 10 : Math.floor((i >> 1) / 10)),
)

/**
 * `len` decimal digits of 0 ≤ x < 2^31 into `buf` at `pos`, zero-padded on the left, two digits per
 * division (int32 division by a constant, which V8 turns into a multiply); returns the next position.
 */
function writeDigits(buf: Buffer, pos: number, x: number, len: number): number {
  const end = pos + len
  let p = end
  let n = x | 0
  while (n >= 100) {
    const q = (n / 100) | 0
    const r = (n - q * 100) << 1
    buf[--p] = DIGIT_PAIRS[r + 1] ?? ZERO
    buf[--p] = DIGIT_PAIRS[r] ?? ZERO
    n = q
  }
  if (n >= 10) {
    const r = n << 1
    buf[--p] = DIGIT_PAIRS[r + 1] ?? ZERO
    buf[--p] = DIGIT_PAIRS[r] ?? ZERO
  } else {
    buf[--p] = ZERO + n
  }
  while (p > pos) buf[--p] = ZERO
  return end
}

function decimalLength(x: number): number {
  if (x < 100_000) return x < 10 ? 1 : x < 100 ? 2 : x < 1000 ? 3 : x < 10_000 ? 4 : 5
  return x < 1_000_000 ? 6 : x < 10_000_000 ? 7 : x < 100_000_000 ? 8 : x < 1_000_000_000 ? 9 : 10
}

/**
 * Doubles below this magnitude are at least 1e-6 apart from any other multiple of 1e-6 (their ulp is
 * < 1.2e-7), which is what makes the six-decimal shortcut in `number()` print what String() prints.
 */
const FIXED6_LIMIT = 1e9

export class JsonWriter {
  private buf: Buffer
  private pos = 0

  constructor(initialBytes = 1 << 16) {
    this.buf = Buffer.allocUnsafe(initialBytes)
  }

  /** Make room for `n` more bytes (callers reserve once for a run of small writes). */
  reserve(n: number): void {
    const need = this.pos + n
    if (need <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2))
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  /** Pre-encoded ASCII (punctuation, keys), copied by hand: short `set()` calls cost more than a loop. */
  bytes(b: Uint8Array): void {
    this.reserve(b.length)
    const buf = this.buf
    let p = this.pos
    for (let i = 0; i < b.length; i++) buf[p++] = b[i] ?? 0
    this.pos = p
  }

  byte(c: number): void {
    this.reserve(1)
    this.buf[this.pos++] = c
  }

  /** A JSON string literal, as JSON.stringify writes it. */
  string(s: string): void {
    this.reserve(s.length + 2)
    const buf = this.buf
    let p = this.pos
    buf[p++] = QUOTE
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      // Printable ASCII other than `"` and `\` is written as is by JSON.stringify; anything else
      // (escapes, non-ASCII, surrogates) takes JSON.stringify itself.
      if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) {
        this.stringSlow(s)
        return
      }
      buf[p++] = c
    }
    buf[p++] = QUOTE
    this.pos = p
  }

  private stringSlow(s: string): void {
    const j = JSON.stringify(s)
    this.reserve(j.length * 3)
    this.pos += this.buf.write(j, this.pos, 'utf8')
  }

  /** A number, as String(v) formats it (non-finite → null, as JSON.stringify does). */
  number(v: number): void {
    this.reserve(MAX_NUMBER_BYTES)
    this.numberUnchecked(v)
  }

  /**
   * `count` numbers separated by commas, read from `xs` at `first`, `first + step`, …: one reservation
   * for the run instead of one per number.
   */
  numbers(xs: Float64Array, first: number, step: number, count: number): void {
    this.reserve(count * (MAX_NUMBER_BYTES + 1))
    // The common shapes (non-negative values below 1e9 with at most six decimals, int32 integers) are
    // formatted inline with the buffer and position in locals; anything else goes through
    // numberUnchecked. Same text either way.
    const buf = this.buf
    let pos = this.pos
    for (let k = 0, i = first; k < count; k++, i += step) {
      if (k > 0) buf[pos++] = COMMA
      const v = xs[i] ?? 0
      if (v >= 0 && v < INT32_LIMIT) {
        const ip = Math.floor(v)
        if (ip === v) {
          pos = writeDigits(buf, pos, ip, decimalLength(ip))
          continue
        }
        const k6 = Math.floor(v * 1e6 + 0.5)
        if (v < FIXED6_LIMIT && k6 / 1e6 === v) {
          // v is at least 1e-6 from an integer (far more than its ulp), so floor(v) is floor(k6/1e6).
          pos = writeDigits(buf, pos, ip, decimalLength(ip))
          buf[pos++] = 0x2e
          pos = writeDigits(buf, pos, k6 - ip * 1e6, 6)
          while (buf[pos - 1] === ZERO) pos--
          continue
        }
      }
      this.pos = pos
      this.numberUnchecked(v)
      pos = this.pos
    }
    this.pos = pos
  }

  /** Position of the next byte, to mark a range for `repeat()`. */
  get offset(): number {
    return this.pos
  }

  /** Write again the bytes already written at [start, end) (e.g. a run of timestamps every series shares). */
  repeat(start: number, end: number): void {
    this.reserve(end - start)
    this.buf.copyWithin(this.pos, start, end)
    this.pos += end - start
  }

  /** Callers have reserved MAX_NUMBER_BYTES. */
  private numberUnchecked(v: number): void {
    if (v >= 0 && v < INT32_LIMIT) {
      const i = v | 0
      if (i === v) {
        // Timestamps, counts; +0 and −0 both print as 0.
        this.digits(i, decimalLength(i))
        return
      }
      if (v < FIXED6_LIMIT) {
        // Metric values are rounded to 1e-6 (or 1e-4): when v is the double nearest k/1e6, the shortest
        // decimal that reads back as v (what String prints) is k/1e6 without trailing zeros. Any integer
        // k passing the check will do, so floor(x + 0.5) rather than the slower Math.round.
        const k = Math.floor(v * 1e6 + 0.5)
        if (k / 1e6 === v) {
          // v is at least 1e-6 from an integer (much more than its ulp), so floor(v) is floor(k/1e6).
          const ip = Math.floor(v)
          this.digits(ip, decimalLength(ip))
          this.fraction6((k - ip * 1e6) | 0)
          return
        }
      }
    }
    if (Number.isSafeInteger(v)) {
      this.integer(v)
      return
    }
    if (Math.abs(v) < FIXED6_LIMIT) {
      const k = Math.round(v * 1e6)
      if (k / 1e6 === v) {
        this.fixed6(k)
        return
      }
    }
    if (!Number.isFinite(v)) {
      const buf = this.buf
      for (let i = 0; i < NULL_BYTES.length; i++) buf[this.pos++] = NULL_BYTES[i] ?? 0
      return
    }
    this.pos += this.buf.write(String(v), this.pos, 'latin1')
  }

  /** `.` and six decimals of 0 < frac < 1e6, trailing zeros dropped. */
  private fraction6(frac: number): void {
    const buf = this.buf
    buf[this.pos++] = 0x2e
    this.digits(frac, 6)
    while (buf[this.pos - 1] === ZERO) this.pos--
  }

  /** A safe integer in decimal (−0 prints as 0, like String); callers have reserved 17 bytes. */
  private integer(v: number): void {
    let x = v
    if (x < 0) {
      this.buf[this.pos++] = 0x2d
      x = -x
    }
    if (x < INT32_LIMIT) {
      this.digits(x | 0, decimalLength(x | 0))
    } else {
      // Split so both halves fit int32 arithmetic (V8 turns int32 division by a constant into a multiply).
      const hi = Math.floor(x / 1e9)
      this.digits(hi | 0, decimalLength(hi | 0))
      this.digits((x - hi * 1e9) | 0, 9)
    }
  }

  /** `len` digits of 0 ≤ x < 2^31 at the current position (see writeDigits). */
  private digits(x: number, len: number): void {
    this.pos = writeDigits(this.buf, this.pos, x, len)
  }

  /** k / 1e6 for an integer 0 < |k| < 1e15 that is not a multiple of 1e6, trailing zeros dropped. */
  private fixed6(k: number): void {
    let a = k
    if (a < 0) {
      this.buf[this.pos++] = 0x2d
      a = -a
    }
    const ip = Math.floor(a / 1e6)
    const frac = (a - ip * 1e6) | 0
    this.integer(ip)
    if (frac !== 0) this.fraction6(frac)
  }

  /** The bytes written so far (a view, not a copy). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos)
  }
}

/** ASCII text as bytes, for `JsonWriter.bytes()`. */
export function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0))
}
