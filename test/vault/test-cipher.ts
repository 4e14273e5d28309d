/**
 * A stand-in for Electron safeStorage, which can't run here: real AES-256-GCM under keys the
 * test holds, numbered so a blob from an older key asks to be re-encrypted, like a rotated OS key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { OsCipher } from '../../electron/vault/encrypted-file-store.js';

export class TestCipher implements OsCipher {
  readonly keys = [randomBytes(32)];
  constructor(
    readonly backend = 'gnome_libsecret',
    public available = true,
  ) {}

  rotate(): void {
    this.keys.push(randomBytes(32));
  }

  isAvailable(): Promise<boolean> {
    return Promise.resolve(this.available);
  }

  encrypt(plain: string): Promise<Buffer> {
    const id = this.keys.length - 1;
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.keys[id] as Buffer, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return Promise.resolve(Buffer.concat([Buffer.from([id]), iv, c.getAuthTag(), body]));
  }

  decrypt(blob: Buffer): Promise<{ plain: string; shouldReEncrypt: boolean }> {
    const id = blob[0] ?? 0;
    const d = createDecipheriv('aes-256-gcm', this.keys[id] as Buffer, blob.subarray(1, 13));
    d.setAuthTag(blob.subarray(13, 29));
    const plain = Buffer.concat([d.update(blob.subarray(29)), d.final()]).toString('utf8');
    return Promise.resolve({ plain, shouldReEncrypt: id !== this.keys.length - 1 });
  }
}
