import { describe, expect, it } from 'vitest';
import { formEncode, signRequest } from '../../../electron/venues/kraken/auth.js';

const SECRET = 'kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==';

describe('Kraken API-Sign', () => {
  it('reproduces the official AddOrder vector from the REST authentication page', () => {
    const body = 'nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25';
    expect(signRequest('/0/private/AddOrder', '1616492376594', body, SECRET)).toBe(
      '4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==',
    );
  });

  it('signs the exact bytes: a Balance body and a JSON body give the recorded signatures', () => {
    expect(signRequest('/0/private/Balance', '1616492376594', 'nonce=1616492376594', SECRET)).toBe(
      '1nH4vwR+8FHiYh1QT649xXkGd3JR3x0DWkgv3u9Ed/Qqv6KPtgQpEU4m+Emb/VgpEji3j1XNwI+HCbfXxmrTOg==',
    );
    const json = '{"nonce":"1616492376594","ordertype":"limit","pair":"XBTUSD","price":37500,"type":"buy","volume":1.25}';
    expect(signRequest('/0/private/AddOrder', '1616492376594', json, SECRET)).toBe(
      'BVT3EumzzXSJHlvrinSwICz5uKKlSZPXL9cJIuKqn7ZMhHSbbtXhGdvwoDBmRz6ALXI+GVxFD0ZlGuOmfi2bxA==',
    );
  });

  it('form-encodes in the given order so the signed body is the sent body', () => {
    const body = formEncode({ nonce: '1616492376594', ordertype: 'limit', pair: 'XBTUSD', price: '37500', type: 'buy', volume: '1.25' });
    expect(body).toBe('nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25');
    expect(formEncode({ expiretm: '+5', cl_ord_id: 'a b' })).toBe('expiretm=%2B5&cl_ord_id=a%20b');
  });
});
