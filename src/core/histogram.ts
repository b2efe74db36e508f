// A log-linear latency histogram for runs too long to keep every sample (HdrHistogram's layout,
// over doubles). Pure: no Node built-ins, shared by the profiler, the host and the webview.
//
// Layout: a value x ≠ 0 is written |x| = m·2^e with m in [1, 2); the range [2^e, 2^(e+1)) is cut
// into SUB_BUCKETS equal sub-buckets, so a bucket is at most 1/SUB_BUCKETS of its lower end wide.
// A bucket stands for its midpoint, hence the bound:
//
//   every value read back (an order statistic, a quantile) is within RELATIVE_ERROR =
//   1/(2·SUB_BUCKETS) = 1/2048 ≈ 0.049% of the exact one, relative to its magnitude.
//
// Interpolating two read-back values of the same sign (type 7) keeps the bound, since
// |t·(a' − a) + (1 − t)·(b' − b)| ≤ ε·(t·|a| + (1 − t)·|b|). The minimum and the maximum are kept
// exactly and clamp every read-back, so q = 0 and q = 1 are exact. Count, mean and standard
// deviation are exact as well (Welford's running moments, merged with Chan's formula): only
// order statistics are approximated. Zero has a bucket of its own; negative values mirror the
// positive ones (a command target's shell-overhead subtraction can produce them).
//
// Buckets are sparse (a Map from index to count): a latency distribution spanning 0.05–50 ms
// fills at most ~10 × 1024 of them whatever the number of samples, so memory stays flat.

/** Sub-buckets per power of two. */
export const SUB_BUCKETS = 1024;
/** The bound on the relative error of any order statistic or quantile read back (see the notes). */
export const RELATIVE_ERROR = 1 / (2 * SUB_BUCKETS);

/** Smallest binary exponent of a double (subnormals included), so every index is ≥ 0. */
const EXP_OFFSET = 1075;

/** Serialized form (JSON-safe, compact): bucket indexes delta-coded ascending, beside their counts. */
export interface HistogramData {
  /** Format tag and sub-buckets per power of two, so a reader knows the bound. */
  subBuckets: number;
  count: number;
  min: number;
  max: number;
  mean: number;
  /** Σ(x − mean)², for the exact variance. */
  m2: number;
  zeros: number;
  /** Positive values: first index, then differences to the previous one. */
  posIndex: number[];
  posCount: number[];
  /** Negative values, by the index of |x|, coded the same way. */
  negIndex: number[];
  negCount: number[];
}

export class LatencyHistogram {
  private readonly pos = new Map<number, number>();
  private readonly neg = new Map<number, number>();
  private zeros = 0;
  private n = 0;
  private mu = 0;
  private m2 = 0;
  private lo = Infinity;
  private hi = -Infinity;
  /** Ascending cumulative view, rebuilt after a change when a quantile is asked for. */
  private view: { values: Float64Array; cumulative: Float64Array } | undefined;

  get count(): number {
    return this.n;
  }

  /** @throws RangeError for a value that is not finite. */
  record(x: number): void {
    if (!Number.isFinite(x)) throw new RangeError(`LatencyHistogram.record: not a finite number (${x})`);
    this.view = undefined;
    this.n++;
    const d = x - this.mu;
    this.mu += d / this.n;
    this.m2 += d * (x - this.mu);
    if (x < this.lo) this.lo = x;
    if (x > this.hi) this.hi = x;
    if (x === 0) this.zeros++;
    else {
      const map = x > 0 ? this.pos : this.neg;
      const i = indexOf(Math.abs(x));
      map.set(i, (map.get(i) ?? 0) + 1);
    }
  }

  recordAll(xs: readonly number[]): void {
    for (let i = 0; i < xs.length; i++) this.record(xs[i]!);
  }

  /** Adds every value of `other` (same layout); exact moments merged with Chan's formula. */
  merge(other: LatencyHistogram): void {
    if (other.n === 0) return;
    this.view = undefined;
    const n = this.n + other.n;
    const d = other.mu - this.mu;
    this.m2 += other.m2 + (d * d * this.n * other.n) / n;
    this.mu += (d * other.n) / n;
    this.n = n;
    this.lo = Math.min(this.lo, other.lo);
    this.hi = Math.max(this.hi, other.hi);
    this.zeros += other.zeros;
    for (const [i, c] of other.pos) this.pos.set(i, (this.pos.get(i) ?? 0) + c);
    for (const [i, c] of other.neg) this.neg.set(i, (this.neg.get(i) ?? 0) + c);
  }

  get min(): number {
    return this.n ? this.lo : NaN;
  }
  get max(): number {
    return this.n ? this.hi : NaN;
  }
  /** Exact. */
  get mean(): number {
    return this.n ? this.mu : NaN;
  }
  /** Exact sample standard deviation (n − 1 denominator); 0 for one value. */
  get stdev(): number {
    return this.n > 1 ? Math.sqrt(Math.max(0, this.m2 / (this.n - 1))) : this.n === 1 ? 0 : NaN;
  }

  /** Number of non-empty buckets: what the memory and the serialized size grow with. */
  get buckets(): number {
    return this.pos.size + this.neg.size + (this.zeros ? 1 : 0);
  }

  /**
   * The value at a 1-based rank, fractional ranks interpolated as quantileCI's atRank does
   * (r = k + f: X(k) + f·(X(k+1) − X(k))). Within RELATIVE_ERROR of the exact order statistic.
   *
   * @throws RangeError when empty or r is outside [1, count].
   */
  atRank(r: number): number {
    if (this.n === 0) throw new RangeError('LatencyHistogram.atRank: empty histogram');
    if (!(r >= 1 && r <= this.n)) throw new RangeError(`LatencyHistogram.atRank: rank must be in [1, ${this.n}], got ${r}`);
    const k = Math.floor(r);
    const f = r - k;
    const a = this.orderStatistic(k);
    if (f === 0 || k === this.n) return a;
    const b = this.orderStatistic(k + 1);
    return a + (b - a) * f;
  }

  /**
   * The q-quantile, Hyndman–Fan type 7 as stats.percentile computes it on the sorted samples,
   * each order statistic read from its bucket: within RELATIVE_ERROR of the exact figure.
   *
   * @throws RangeError when empty or q is outside [0, 1].
   */
  quantile(q: number): number {
    if (this.n === 0) throw new RangeError('LatencyHistogram.quantile: empty histogram');
    if (!(q >= 0 && q <= 1)) throw new RangeError(`LatencyHistogram.quantile: q must be in [0, 1], got ${q}`);
    const h = (this.n - 1) * q;
    const lo = Math.floor(h);
    const a = this.orderStatistic(lo + 1);
    if (lo === h) return a;
    const b = this.orderStatistic(lo + 2);
    const t = h - lo;
    return t < 0.5 ? a + (b - a) * t : b - (b - a) * (1 - t);
  }

  /** The k-th smallest value (1-based), as its bucket's midpoint clamped to [min, max]. */
  private orderStatistic(k: number): number {
    if (k === 1) return this.lo;
    if (k === this.n) return this.hi;
    const { values, cumulative } = this.ascending();
    // First bucket whose cumulative count reaches k.
    let a = 0;
    let b = cumulative.length - 1;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (cumulative[mid]! >= k) b = mid;
      else a = mid + 1;
    }
    return Math.min(this.hi, Math.max(this.lo, values[a]!));
  }

  private ascending(): { values: Float64Array; cumulative: Float64Array } {
    if (this.view) return this.view;
    const neg = [...this.neg.keys()].sort((x, y) => y - x);
    const pos = [...this.pos.keys()].sort((x, y) => x - y);
    const size = neg.length + (this.zeros ? 1 : 0) + pos.length;
    const values = new Float64Array(size);
    const cumulative = new Float64Array(size);
    let j = 0;
    let total = 0;
    const put = (value: number, c: number) => {
      total += c;
      values[j] = value;
      cumulative[j++] = total;
    };
    for (const i of neg) put(-midpointOf(i), this.neg.get(i)!);
    if (this.zeros) put(0, this.zeros);
    for (const i of pos) put(midpointOf(i), this.pos.get(i)!);
    this.view = { values, cumulative };
    return this.view;
  }

  toJSON(): HistogramData {
    const code = (map: Map<number, number>) => {
      const keys = [...map.keys()].sort((x, y) => x - y);
      return { index: keys.map((k, i) => (i === 0 ? k : k - keys[i - 1]!)), count: keys.map((k) => map.get(k)!) };
    };
    const p = code(this.pos);
    const g = code(this.neg);
    return {
      subBuckets: SUB_BUCKETS,
      count: this.n,
      min: this.n ? this.lo : 0,
      max: this.n ? this.hi : 0,
      mean: this.mu,
      m2: this.m2,
      zeros: this.zeros,
      posIndex: p.index,
      posCount: p.count,
      negIndex: g.index,
      negCount: g.count,
    };
  }

  /** @throws RangeError when the data is not a histogram of this layout or its counts disagree. */
  static fromJSON(d: HistogramData): LatencyHistogram {
    if (!isHistogramData(d)) throw new RangeError('LatencyHistogram.fromJSON: not histogram data of this layout');
    const h = new LatencyHistogram();
    const decode = (index: number[], count: number[], map: Map<number, number>) => {
      let k = 0;
      index.forEach((delta, i) => {
        k += delta;
        map.set(k, count[i]!);
      });
    };
    decode(d.posIndex, d.posCount, h.pos);
    decode(d.negIndex, d.negCount, h.neg);
    h.zeros = d.zeros;
    h.n = d.count;
    h.mu = d.mean;
    h.m2 = d.m2;
    if (d.count) {
      h.lo = d.min;
      h.hi = d.max;
    }
    return h;
  }
}

/** Bucket index of a positive finite value: (binary exponent + offset)·SUB_BUCKETS + sub-bucket. */
export function indexOf(abs: number): number {
  let e = Math.floor(Math.log2(abs));
  let m = abs / 2 ** e;
  // log2 rounds near powers of two; settle the exponent so m is in [1, 2).
  if (m >= 2) {
    e++;
    m = abs / 2 ** e;
  } else if (m < 1) {
    e--;
    m = abs / 2 ** e;
  }
  // 2 ** e underflows to 0 below the subnormal range's exponent: those tiny values share one bucket.
  if (!Number.isFinite(m)) return 0;
  return (e + EXP_OFFSET) * SUB_BUCKETS + Math.min(SUB_BUCKETS - 1, Math.floor((m - 1) * SUB_BUCKETS));
}

/** The midpoint of a bucket: the value it stands for. */
export function midpointOf(index: number): number {
  const e = Math.floor(index / SUB_BUCKETS) - EXP_OFFSET;
  const sub = index % SUB_BUCKETS;
  return 2 ** e * (1 + (sub + 0.5) / SUB_BUCKETS);
}

function isIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0);
}

/** Shape check for the serialized form (the panel and history validate results with it). */
export function isHistogramData(v: unknown): v is HistogramData {
  if (typeof v !== 'object' || v === null) return false;
  const d = v as Record<string, unknown>;
  const finite = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  if (d.subBuckets !== SUB_BUCKETS || !finite(d.min) || !finite(d.max) || !finite(d.mean) || !finite(d.m2)) return false;
  if (!Number.isInteger(d.count) || (d.count as number) < 0 || !Number.isInteger(d.zeros) || (d.zeros as number) < 0) return false;
  if (!isIntArray(d.posIndex) || !isIntArray(d.posCount) || !isIntArray(d.negIndex) || !isIntArray(d.negCount)) return false;
  if (d.posIndex.length !== d.posCount.length || d.negIndex.length !== d.negCount.length) return false;
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  return sum(d.posCount) + sum(d.negCount) + (d.zeros as number) === d.count;
}
