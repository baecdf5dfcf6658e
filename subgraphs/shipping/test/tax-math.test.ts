import { describe, expect, it } from 'vitest';
import { divideHalfEven, lineTax, percentToBasisPoints } from '../src/services/tax-math';
import { groupTaxLines } from '../src/services/quote-service';

describe('divideHalfEven', () => {
  it('rounds exact halves to the even neighbour and everything else to the nearest', () => {
    expect(divideHalfEven(5, 2)).toBe(2); // 2.5 → 2
    expect(divideHalfEven(7, 2)).toBe(4); // 3.5 → 4
    expect(divideHalfEven(1, 3)).toBe(0); // 0.33 → 0
    expect(divideHalfEven(2, 3)).toBe(1); // 0.67 → 1
    expect(divideHalfEven(0, 7)).toBe(0);
    expect(divideHalfEven(10, 5)).toBe(2);
  });

  it('stays exact where floating point would not (large amounts)', () => {
    // (99_999_999 × 1900) / 11900 = 15966386.39...: integer arithmetic, no float drift.
    expect(divideHalfEven(99_999_999 * 1900, 11_900)).toBe(15_966_386); // 15966386.39...
  });
});

describe('lineTax', () => {
  it('adds tax to tax-exclusive amounts, per line, half to even (US, 7.25%)', () => {
    // $19.99 × 7.25% = 144.9275 cents → 145
    expect(lineTax(1999, 725, false)).toBe(145);
    // $2.00 × 7.25% = 14.5 → 14 (14 is even), $6.00 × 7.25% = 43.5 → 44 (44 is even)
    expect(lineTax(200, 725, false)).toBe(14);
    expect(lineTax(600, 725, false)).toBe(44);
    // 1 cent × 7.25% = 0.0725 → 0
    expect(lineTax(1, 725, false)).toBe(0);
    // 0.1 + 0.2 style trap: 0.07 × 100 is 7.000000000000001 in floating point; basis points are exact.
    expect(lineTax(1000, percentToBasisPoints(0.07)!, false)).toBe(1); // 0.7 → 1
  });

  it('extracts the tax contained in tax-inclusive amounts (Germany, 19% and 7%)', () => {
    // €19.99 incl. 19%: 1999 × 19 / 119 = 319.168... → 319
    expect(lineTax(1999, 1900, true)).toBe(319);
    // €1.19 incl. 19% contains exactly €0.19
    expect(lineTax(119, 1900, true)).toBe(19);
    // €10.70 incl. 7% contains exactly €0.70; €0.99 incl. 7%: 6.476 → 6
    expect(lineTax(1070, 700, true)).toBe(70);
    expect(lineTax(99, 700, true)).toBe(6);
    // €0.01 incl. 19%: 0.16 → 0
    expect(lineTax(1, 1900, true)).toBe(0);
  });

  it('taxes nothing at a zero rate or on a zero amount', () => {
    expect(lineTax(1999, 0, false)).toBe(0);
    expect(lineTax(0, 1900, true)).toBe(0);
  });

  it('rounds per line, so three lines can differ from rounding their sum (documented)', () => {
    // Three lines of €3.33 incl. 19%: 53.168 each → 53, summed 159; the sum 999 alone would give 159.504 → 160.
    const taxes = [333, 333, 333].map((amount, i) => ({
      key: String(i),
      name: 'DE VAT',
      rateBasisPoints: 1900,
      amount: lineTax(amount, 1900, true),
    }));
    expect(groupTaxLines(taxes)).toEqual([{ name: 'DE VAT', rateBasisPoints: 1900, amount: 159 }]);
    expect(lineTax(999, 1900, true)).toBe(160);
  });
});

describe('percentToBasisPoints', () => {
  it('takes 0..100 with at most two decimals', () => {
    expect(percentToBasisPoints(19)).toBe(1900);
    expect(percentToBasisPoints(7.25)).toBe(725);
    expect(percentToBasisPoints(0)).toBe(0);
    expect(percentToBasisPoints(100)).toBe(10_000);
    expect(percentToBasisPoints(7.255)).toBeNull();
    expect(percentToBasisPoints(-1)).toBeNull();
    expect(percentToBasisPoints(100.01)).toBeNull();
    expect(percentToBasisPoints(Number.NaN)).toBeNull();
  });
});
