import { useAppState, useServices } from '../services.js';

/** The last failure worth telling the user, until dismissed. */
export function Notice() {
  const { store } = useServices();
  const notice = useAppState((s) => s.notice);
  if (!notice) return null;
  return (
    <div className="notice" role="alert">
      <span>{notice}</span>
      <button type="button" onClick={() => store.getState().dismissNotice()}>
        Dismiss
      </button>
    </div>
  );
}
