// signature_pad's point groups → the Rust strokes format (core::signoff::strokes: CSS pixels, ms).
import type { Stroke } from '../bindings/Stroke';

export interface PadPoint {
  x: number;
  y: number;
  time: number;
  pressure?: number;
}

export function toStrokes(groups: { points: PadPoint[] }[]): Stroke[] {
  return groups
    .map((g) => ({
      points: g.points.map((p) => ({
        x: round(p.x),
        y: round(p.y),
        time: p.time,
        // Mouse and most touch screens report 0 or 0.5: not real pressure.
        pressure: p.pressure && p.pressure > 0 && p.pressure !== 0.5 ? p.pressure : null,
      })),
    }))
    .filter((s) => s.points.length > 0);
}

function round(v: number): number {
  return Math.round(v * 8) / 8;
}

/** Enough ink to be a signature: at least one stroke with two points. */
export function hasInk(strokes: Stroke[]): boolean {
  return strokes.some((s) => s.points.length >= 2);
}
