import { useAppState, useServices } from '../services.js';
import { LAYOUT_SIZES } from '../store/layout.js';
import { SegmentedRadio } from './SegmentedRadio.js';

const LAYOUT_LABELS = { 1: '1 chart', 2: '2 charts', 4: '4 charts' } as const;

/** How many charts the workspace shows. */
export function LayoutPicker() {
  const { store } = useServices();
  const size = useAppState((s) => s.workspace.size);
  return (
    <SegmentedRadio
      label="Chart layout"
      choices={LAYOUT_SIZES.map((n) => ({ value: n, label: LAYOUT_LABELS[n] }))}
      value={size}
      onChange={(n) => store.getState().setLayoutSize(n)}
    />
  );
}
