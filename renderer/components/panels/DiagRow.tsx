/** The pieces every diagnostics card is made of: a term and its figure, and a latency in ms. */
import type { ReactNode } from 'react';

export function ms(v: number | undefined): string {
  return v === undefined ? '—' : `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;
}

export function Row({ term, children }: { term: string; children: ReactNode }) {
  return (
    <>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </>
  );
}
