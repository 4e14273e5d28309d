/**
 * How the wire inspector reads binary frames: T-Invest's protobuf, by the gRPC method the
 * frame belongs to (its request type going out, its response type coming in). Lives in the
 * composition root because it knows a venue's protocol and the inspector may not.
 * The protos are loaded on the first binary frame a view reads, with options for reading
 * rather than trading: enums by name, 64-bit integers and bytes as text, unset fields left out.
 */
import { loadSync } from '@grpc/proto-loader';
import type { MethodDefinition, PackageDefinition } from '@grpc/proto-loader';
import type { BytesDecoder } from '../inspector/types.js';
import { PROTO_FILES, findProtoDir } from '../venues/tinvest/proto.js';

type AnyMethod = MethodDefinition<unknown, unknown>;

let methods: Map<string, AnyMethod> | undefined;

/**
 * Every method under three names: its path ("/pkg.OrdersService/PostOrder"), "OrdersService/PostOrder"
 * and "PostOrder" (the first service to define a bare name keeps it), so whichever word the
 * adapter used as the frame's channel finds it.
 */
function tinvestMethods(): Map<string, AnyMethod> {
  if (methods === undefined) {
    const def: PackageDefinition = loadSync([...PROTO_FILES], { keepCase: false, longs: String, enums: String, bytes: String, defaults: false, oneofs: false, includeDirs: [findProtoDir()] });
    methods = new Map();
    for (const [name, svc] of Object.entries(def)) {
      if ('format' in svc) continue;
      const service = name.slice(name.lastIndexOf('.') + 1);
      for (const [m, md] of Object.entries(svc)) {
        const method = md as AnyMethod;
        methods.set(method.path, method);
        methods.set(`${service}/${m}`, method);
        if (!methods.has(m)) methods.set(m, method);
      }
    }
  }
  return methods;
}

function tinvestMethod(channel: string): AnyMethod | undefined {
  const all = tinvestMethods();
  return all.get(channel) ?? all.get(channel.replace(/^\//, '')) ?? all.get(channel.slice(channel.lastIndexOf('/') + 1)) ?? all.get(channel.slice(channel.lastIndexOf('.') + 1));
}

/** The app's decoder of binary frames: T-Invest protobuf; undefined for anything else. */
export const decodeWireBytes: BytesDecoder = ({ venue, channel, dir, bytes }) => {
  if (venue !== 'tinvest' || channel === undefined) return undefined;
  const method = tinvestMethod(channel);
  if (method === undefined) return undefined;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return dir === 'out' ? method.requestDeserialize(buf) : method.responseDeserialize(buf);
};
