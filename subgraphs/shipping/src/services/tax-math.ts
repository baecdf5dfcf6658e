/**
 * Tax arithmetic in integer minor units. Rates are basis points (19% = 1900, 7.25% = 725), so every
 * amount is an exact ratio of integers and rounding happens once, per line, half to even
 * (banker's rounding: 0.5 goes to the even neighbour, so a long order's rounding errors cancel
 * instead of drifting up).
 */

export const BASIS_POINTS = 10_000;

/** `numerator / denominator` rounded half to even; both non-negative integers, denominator > 0. */
export function divideHalfEven(numerator: number, denominator: number): number {
  const n = BigInt(numerator);
  const d = BigInt(denominator);
  const quotient = n / d;
  const twiceRemainder = (n - quotient * d) * 2n;
  if (twiceRemainder > d || (twiceRemainder === d && quotient % 2n === 1n)) return Number(quotient + 1n);
  return Number(quotient);
}

/**
 * The tax in one line's amount at `rateBasisPoints`. Tax-exclusive prices: the tax added to the
 * amount (amount × rate). Tax-inclusive prices: the tax contained in the amount
 * (amount × rate / (1 + rate)), which the total does not change.
 */
export function lineTax(amount: number, rateBasisPoints: number, pricesIncludeTax: boolean): number {
  if (amount <= 0 || rateBasisPoints <= 0) return 0;
  const denominator = pricesIncludeTax ? BASIS_POINTS + rateBasisPoints : BASIS_POINTS;
  return divideHalfEven(amount * rateBasisPoints, denominator);
}

/** 7.25 → 725; null when the percentage is not 0..100 with at most two decimals. */
export function percentToBasisPoints(percent: number): number | null {
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) return null;
  const basisPoints = Math.round(percent * 100);
  return Math.abs(basisPoints - percent * 100) < 1e-6 ? basisPoints : null;
}

export function basisPointsToPercent(basisPoints: number): number {
  return basisPoints / 100;
}
