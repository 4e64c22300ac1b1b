/**
 * RemoteSource over node:http and node:https. The host name is resolved once
 * here, every address it resolves to is checked, and the connection goes to
 * the checked address (a custom `lookup`), so a name that resolves to a
 * public address on the check and a private one on the connect cannot slip
 * through.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { OriginError } from '../../domain/errors.js';
import type { RemoteSource } from '../../ports/remote-source.js';

export class HttpRemoteSource implements RemoteSource {
  open(url: URL, options: { allowAddress: (address: string) => boolean; signal?: AbortSignal }): Promise<AsyncIterable<Buffer>> {
    // An address literal is never looked up by node:net, so it is checked here.
    const literal = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(literal) !== 0 && !options.allowAddress(literal)) {
      return Promise.reject(new OriginError('InvalidSourceUri', { reason: `${literal} is a refused address` }));
    }
    const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
      dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses: LookupAddress[]) => {
        if (err) return callback(err, '', 0);
        const refused = addresses.find((a) => !options.allowAddress(a.address));
        if (addresses.length === 0 || refused) {
          const e = new OriginError('InvalidSourceUri', { reason: `${hostname} resolves to a refused address ${refused?.address ?? ''}`.trim() });
          return callback(e as NodeJS.ErrnoException, '', 0);
        }
        // With autoSelectFamily (Node 20's default) net asks for every address.
        if (lookupOptions.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        const first = addresses[0]!;
        callback(null, first.address, first.family);
      });
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method: 'GET', lookup, ...(options.signal ? { signal: options.signal } : {}) }, (res: IncomingMessage) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new OriginError('InvalidSourceUri', { reason: `the origin answered HTTP ${res.statusCode}` }));
          return;
        }
        resolve(res);
      });
      req.once('error', reject);
      req.end();
    });
  }
}
