/**
 * Bytes from a remote http(s) origin, for fetchFileHTTP when remote sources
 * are enabled. Contract: `open` resolves the host name, refuses with
 * OriginError('InvalidSourceUri') unless `allowAddress` accepts every address
 * it resolves to, connects only to an accepted address (no second lookup a
 * rebinding name could change), and rejects on any status but 200. The body
 * is streamed, never buffered; aborting `signal` destroys the connection.
 */
export interface RemoteSource {
  open(url: URL, options: { allowAddress: (address: string) => boolean; signal?: AbortSignal }): Promise<AsyncIterable<Buffer>>;
}
