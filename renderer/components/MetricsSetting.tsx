import { useEffect, useId, useState } from 'react';
import type { MetricsServerStatus } from '../../electron/contract.js';
import { useServices } from '../services.js';

const DEFAULT_PORT = 9464;

/**
 * The metrics endpoint in the Settings dialog. The desktop app serves it on this computer only
 * (127.0.0.1) when the box is ticked; headless mode shows what --metrics decided.
 */
export function MetricsSetting() {
  const { bridge } = useServices();
  const [status, setStatus] = useState<MetricsServerStatus | undefined>(undefined);
  const [port, setPort] = useState(String(DEFAULT_PORT));
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const portId = useId();
  useEffect(() => {
    let live = true;
    void bridge.invoke('metricsServer.get', {}).then((r) => {
      if (!live || !r.ok) return;
      setStatus(r.value);
      if (r.value.port !== undefined) setPort(String(r.value.port));
    });
    return () => {
      live = false;
    };
  }, [bridge]);
  if (!status || status.source === 'none') return null;
  if (status.source === 'flag') {
    return (
      <div className="settings-row">
        <span>Metrics</span>
        <span className="muted">{status.url !== undefined ? `served at ${status.url} (--metrics)` : (status.error ?? 'off')}</span>
      </div>
    );
  }
  const apply = (enabled: boolean): void => {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 1024 || n > 65_535) {
      setProblem('The port must be a whole number from 1024 to 65535.');
      return;
    }
    setProblem(undefined);
    void bridge.invoke('metricsServer.set', { enabled, port: n }).then((r) => {
      if (r.ok) setStatus(r.value);
      else setProblem(r.message);
    });
  };
  return (
    <div className="settings-row metrics-setting">
      <label>
        <input type="checkbox" checked={status.enabled} onChange={(e) => apply(e.target.checked)} />
        Serve metrics (OpenMetrics, this computer only)
      </label>
      <label htmlFor={portId}>Port</label>
      <input
        id={portId}
        type="number"
        min={1024}
        max={65_535}
        value={port}
        onChange={(e) => setPort(e.target.value)}
        onBlur={() => {
          if (status.enabled && Number(port) !== status.port) apply(true);
        }}
        aria-label="Metrics port"
      />
      {status.url !== undefined && <code className="metrics-url">{status.url}</code>}
      {(problem ?? status.error) !== undefined && <p className="diag-error">{problem ?? status.error}</p>}
    </div>
  );
}
