// The one seeded PRNG of the project: input data, test distributions and generated models all
// need streams that are identical on every platform and every run.

/** mulberry32: small, fast, seedable; quality is ample for filling tensors and test data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
