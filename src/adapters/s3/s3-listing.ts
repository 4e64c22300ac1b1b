/**
 * Listings of the bucket for fsck: the durable blobs under <prefix>blobs/ and
 * the temporaries' markers under <prefix>tmp/, one ListObjectsV2 page at a
 * time, so a bucket of millions is never held in memory.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { StoredBlob } from '../../ports/blob-store.js';
import { translate } from './s3-errors.js';
import type { S3Location } from './s3-location.js';

export async function* listObjectsUnder(client: S3Client, location: S3Location, folder: 'blobs/' | 'tmp/'): AsyncGenerator<StoredBlob> {
  const prefix = `${location.prefix}${folder}`;
  let token: string | undefined;
  do {
    const page = await client
      .send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }))
      .catch((err: unknown) => translate(err, `listing ${folder}`));
    for (const item of page.Contents ?? []) {
      if (!item.Key) continue;
      yield { blobId: item.Key.slice(prefix.length), sizeBytes: item.Size ?? 0, modifiedMs: item.LastModified?.getTime() ?? 0 };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}
