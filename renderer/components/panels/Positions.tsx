import { useEffect } from 'react';
import type { Account } from '../../../common/domain.js';
import { clockTime, VENUE_NAMES } from '../../order-text.js';
import { useAppState, useServices } from '../../services.js';
import { accountKey } from '../../store/portfolio.js';

function AccountPositions({ account }: { account: Account }) {
  const { store } = useServices();
  const entry = useAppState((s) => s.portfolios[accountKey(account.venue, account.id)]);
  const title = `Positions — ${VENUE_NAMES[account.venue]} · ${account.name || account.id}`;
  const positions = entry?.portfolio?.positions ?? [];
  return (
    <section className="account" aria-label={title}>
      <header className="account-head">
        <h3>{title}</h3>
        <span className="muted" role="status" aria-label={`${title} status`}>
          {entry?.status === 'loading'
            ? 'Refreshing…'
            : entry?.status === 'error'
              ? `Could not refresh: ${entry.error}`
              : entry?.portfolio
                ? `as of ${clockTime(entry.portfolio.at)}`
                : 'Not loaded'}
        </span>
        <button
          type="button"
          aria-label={`Refresh ${title}`}
          onClick={() => void store.getState().loadPortfolio(account.venue, account.id)}
        >
          Refresh
        </button>
      </header>
      <table aria-label={title}>
        <thead>
          <tr>
            <th>Asset</th>
            <th>Quantity</th>
            <th>Blocked</th>
            <th>Average price</th>
            <th>Value</th>
          </tr>
        </thead>
        <tbody>
          {positions.map((p) => (
            <tr key={`${p.instrumentId ?? ''}|${p.asset}`}>
              <th scope="row">{p.asset}</th>
              <td>{p.quantity}</td>
              <td>{p.blocked}</td>
              <td>{p.averagePrice ?? '—'}</td>
              <td>{p.value !== undefined ? `${p.value} ${(p.currency ?? '').toUpperCase()}` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {entry?.portfolio && positions.length === 0 && <p className="muted empty">Nothing held.</p>}
    </section>
  );
}

/** Positions and balances of every account of every venue; refreshed after fills. */
export function Positions() {
  const { store } = useServices();
  const venues = useAppState((s) => s.venues);
  const accounts = venues.flatMap((v) => v.accounts);
  const portfolios = useAppState((s) => s.portfolios);
  useEffect(() => {
    for (const a of accounts) {
      if (!portfolios[accountKey(a.venue, a.id)]) void store.getState().loadPortfolio(a.venue, a.id);
    }
  }, [accounts, portfolios, store]);
  if (accounts.length === 0) return <p className="muted empty">No accounts yet: they appear when a venue is connected.</p>;
  return (
    <div className="positions">
      {accounts.map((a) => (
        <AccountPositions key={accountKey(a.venue, a.id)} account={a} />
      ))}
    </div>
  );
}
