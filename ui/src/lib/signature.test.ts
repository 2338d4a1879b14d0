import { describe, expect, it } from 'vitest';
import { hasInk, toStrokes } from './signature';

describe('signature pad data to the Rust strokes format', () => {
  it('keeps strokes and points in order, rounded to 1/8 px', () => {
    const strokes = toStrokes([
      { points: [{ x: 10.06, y: 20.2, time: 1000, pressure: 0.5 }, { x: 30, y: 40, time: 1016, pressure: 0.7 }] },
      { points: [] },
      { points: [{ x: 1, y: 2, time: 2000 }] },
    ]);
    expect(strokes).toEqual([
      { points: [{ x: 10, y: 20.25, time: 1000, pressure: null }, { x: 30, y: 40, time: 1016, pressure: 0.7 }] },
      { points: [{ x: 1, y: 2, time: 2000, pressure: null }] },
    ]);
  });
  it('counts as ink only with a stroke of two points or more', () => {
    expect(hasInk([{ points: [{ x: 1, y: 1, time: 0, pressure: null }] }])).toBe(false);
    expect(hasInk(toStrokes([{ points: [{ x: 1, y: 1, time: 0 }, { x: 2, y: 2, time: 5 }] }]))).toBe(true);
    expect(hasInk([])).toBe(false);
  });
});
