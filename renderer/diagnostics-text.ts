/** How diagnostics figures read in the panel. */

/** "venue clock 1.2 s ahead of ours" / "… behind ours" / "in step with ours". */
export function skewText(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 50) return 'in step with ours';
  const amount = abs < 1000 ? `${Math.round(abs)} ms` : `${(abs / 1000).toFixed(abs < 10_000 ? 1 : 0)} s`;
  return `${amount} ${ms > 0 ? 'ahead of' : 'behind'} ours`;
}
