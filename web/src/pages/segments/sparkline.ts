/**
 * The points of a sparkline polyline in a width × height box with `pad` pixels inside each edge: the
 * smallest value at the bottom, the largest at the top, a flat series along the middle.
 */
export function sparklinePoints(values: readonly number[], width: number, height: number, pad: number): string {
  if (values.length === 0) return '';
  const min = Math.min(...values);
  const max = Math.max(...values);
  const x = (i: number) => (values.length === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (values.length - 1));
  const y = (v: number) => (max === min ? height / 2 : height - pad - ((v - min) * (height - 2 * pad)) / (max - min));
  const round = (n: number) => Math.round(n * 10) / 10;
  return values.map((v, i) => `${round(x(i))},${round(y(v))}`).join(' ');
}
