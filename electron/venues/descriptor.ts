/**
 * What a venue contributes to the app, in one value per venue (`<venue>/descriptor.ts`): its
 * id, its modes, where its credentialed modes connect, the shape of its section in the config
 * file, how to read the demo venue's ready line, and how to build the adapter. The composition
 * root (electron/app/) imports every descriptor statically and never branches on a venue name.
 */
import type { z } from 'zod';
import type { VenueId, VenueMode } from '../../common/domain.js';
import type { VenueCredentials } from '../credentials.js';
import type { Venue, VenueSink } from './venue.js';
import type { WireTap } from '../net/wire-tap.js';

/** Modes that sign in with stored credentials (demo talks to the local venues with their keys). */
export type CredentialedMode = Exclude<VenueMode, 'demo'>;

/** One way to build a venue: a mode, where it connects, and the keys it signs in with. */
export interface VenuePlan {
  readonly mode: VenueMode;
  /** Where it connects, for logs and errors (no secrets). */
  readonly where: string;
  /** Keys and tokens this plan signs in with: the app registers them with the log redactor. */
  readonly secrets: readonly string[];
  create(ctx: { sink: VenueSink; stateDir: string; wire: WireTap }): Venue;
}

/** A venue with its config-file section applied. */
export interface ConfiguredVenue {
  /** The demo build from one of the local venues' ready lines, or undefined when the line is another venue's. */
  demo(line: Readonly<Record<string, unknown>>): VenuePlan | undefined;
  /** The build that signs in with stored credentials, or undefined when they are another venue's or for a mode it lacks. */
  withCredentials(creds: VenueCredentials): VenuePlan | undefined;
}

/** Reading the config file's section failed: `path` names the field, from the venue down. */
export class VenueConfigError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'VenueConfigError';
  }
}

export interface ConfigContext {
  /** Reads a file the section names (a root CA), relative to the config file. */
  readText(file: string): string;
}

export interface VenueDescriptor<Id extends VenueId = VenueId> {
  readonly id: Id;
  /** Every mode the venue offers, demo first. */
  readonly modes: readonly VenueMode[];
  /** Applies the venue's config-file section (undefined = the venue's own endpoints); throws VenueConfigError. */
  configure(section: unknown, ctx: ConfigContext): ConfiguredVenue;
}

/** Parses a config section with its schema, or throws VenueConfigError naming the first bad field. */
export function parseSection<T>(venue: VenueId, schema: z.ZodType<T>, section: unknown): T {
  const r = schema.safeParse(section ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const at = [venue, ...(issue?.path ?? []).map(String)].join('.');
  throw new VenueConfigError(at, issue?.message ?? 'invalid');
}

/** A non-empty string field of a ready line, or undefined. */
export function lineText(line: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = line[key];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
