/** Loads the T-Invest contract subset from proto/ with the options the simulator and tests share. */
import { fileURLToPath } from 'node:url';
import { loadSync } from '@grpc/proto-loader';
import type { Options, PackageDefinition } from '@grpc/proto-loader';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { PKG } from './wire.js';

export const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));

export const PROTO_FILES = [
  'common.proto',
  'users.proto',
  'instruments.proto',
  'marketdata.proto',
  'orders.proto',
  'stoporders.proto',
  'operations.proto',
  'sandbox.proto',
] as const;

/** keepCase: wire names as in the contract; int64 as decimal strings; enums as numbers. */
export const LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: Number,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

export function loadContract(): PackageDefinition {
  return loadSync([...PROTO_FILES], LOADER_OPTIONS);
}

/** The contract's services by short name ("UsersService"). */
export function contractServices(def: PackageDefinition): Map<string, ServiceDefinition> {
  const out = new Map<string, ServiceDefinition>();
  const prefix = `${PKG}.`;
  for (const [name, d] of Object.entries(def)) {
    if (!name.startsWith(prefix) || 'format' in d) continue;
    const short = name.slice(prefix.length);
    // Message and enum definitions carry `format`; what is left are services.
    if (short.endsWith('Service')) out.set(short, d as ServiceDefinition);
  }
  return out;
}

export type AnyMethod = MethodDefinition<object, object>;
