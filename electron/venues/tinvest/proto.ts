/**
 * Loads proto/ once with proto-loader and hands out typed method descriptors. The hot stream
 * response has its own decoder (marketdata-decoder.ts); everything else goes through here.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSync } from '@grpc/proto-loader';
import type { MethodDefinition, Options, PackageDefinition, ServiceDefinition } from '@grpc/proto-loader';
import { PROTO_PACKAGE } from './constants.js';
import type { ServiceName } from './constants.js';

export const PROTO_FILES = [
  'users.proto',
  'instruments.proto',
  'marketdata.proto',
  'orders.proto',
  'stoporders.proto',
  'operations.proto',
  'sandbox.proto',
] as const;

export const LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: String,
  enums: Number,
  defaults: true,
  oneofs: true,
};

export interface Method<Req, Res> {
  service: ServiceName;
  name: string;
  path: string;
  serialize: (req: Req) => Buffer;
  deserialize: (buf: Buffer) => Res;
}

/** proto/ sits at the repository root; walk up so this works from sources and from dist/. */
export function findProtoDir(from = dirname(fileURLToPath(import.meta.url))): string {
  const env = process.env.SWITCHBOARD_PROTO_DIR;
  if (env && existsSync(join(env, 'marketdata.proto'))) return env;
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, 'marketdata.proto'))) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error(`proto/ not found above ${from}; set SWITCHBOARD_PROTO_DIR`);
    dir = up;
  }
}

let loaded: PackageDefinition | undefined;

export function packageDefinition(): PackageDefinition {
  if (!loaded) {
    const dir = findProtoDir();
    loaded = loadSync([...PROTO_FILES], { ...LOADER_OPTIONS, includeDirs: [dir] });
  }
  return loaded;
}

function service(name: ServiceName): ServiceDefinition {
  const def = packageDefinition()[`${PROTO_PACKAGE}.${name}`];
  if (!def || 'format' in def) throw new Error(`service ${name} missing from proto/`);
  return def as ServiceDefinition;
}

/**
 * A typed view of one method. The types are our reading of the proto (messages.ts); this is
 * the single place where proto-loader's untyped objects are taken to be those shapes.
 */
export function method<Req, Res>(svc: ServiceName, name: string): Method<Req, Res> {
  const def = service(svc)[name] as MethodDefinition<Req, Res> | undefined;
  if (!def) throw new Error(`${svc}.${name} missing from proto/`);
  return {
    service: svc,
    name,
    path: def.path,
    serialize: def.requestSerialize,
    deserialize: def.responseDeserialize,
  };
}
