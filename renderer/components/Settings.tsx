import { useEffect, useId, useRef, useState } from 'react';
import { useServices, useAppState } from '../services.js';
import type { ChartTimeZone, ThemeChoice } from '../store/prefs.js';
import { SegmentedRadio } from './SegmentedRadio.js';
import { useDocumentTheme } from './theme.js';
import { MetricsSetting } from './MetricsSetting.js';

const ZONES: readonly { value: ChartTimeZone; label: string; title: string }[] = [
  { value: 'utc', label: 'UTC', title: 'As the venues stamp their bars' },
  { value: 'local', label: 'Local', title: "This computer's time zone" },
  { value: 'exchange', label: 'Exchange', title: 'Each venue’s own: MSK (UTC+3) for T-Invest / MOEX, UTC for Kraken' },
];

const THEMES: readonly { value: ThemeChoice; label: string; title: string }[] = [
  { value: 'dark', label: 'Dark', title: 'Dark' },
  { value: 'light', label: 'Light', title: 'Light' },
  { value: 'system', label: 'System', title: 'Follow the operating system' },
];

/** The toolbar's settings: chart time zone, theme, and whether a dragged order line asks first. */
export function SettingsButton() {
  useDocumentTheme();
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        Settings
      </button>
      {open && <SettingsDialog onClose={() => setOpen(false)} />}
    </>
  );
}

function SettingsDialog({ onClose }: { onClose(): void }) {
  const { store } = useServices();
  const prefs = useAppState((s) => s.prefs);
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="settings"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId}>Settings</h2>
      <div className="settings-row">
        <span>Chart time</span>
        <SegmentedRadio label="Chart time zone" choices={ZONES} value={prefs.chartTimeZone} onChange={(z) => store.getState().setChartTimeZone(z)} />
      </div>
      <div className="settings-row">
        <span>Theme</span>
        <SegmentedRadio label="Theme" choices={THEMES} value={prefs.theme} onChange={(t) => store.getState().setTheme(t)} />
      </div>
      <label className="settings-row">
        <input type="checkbox" checked={prefs.confirmAmends} onChange={(e) => store.getState().setConfirmAmends(e.target.checked)} />
        Confirm before amending a dragged order line
      </label>
      <MetricsSetting />
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  );
}
