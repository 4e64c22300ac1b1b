/**
 * Temporaries left by crashes: each marker under <prefix>tmp/ older than the
 * cutoff names a multipart upload to abort and, if that upload had
 * completed, an object no file refers to (it was never acknowledged). Then
 * uploads of the blobs/ prefix that have no marker, where the store can list
 * them.
 */
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { isMissing, isUnsupported, translate } from './s3-errors.js';
import type { S3Location } from './s3-location.js';
import type { MarkerBody } from './s3-multipart.js';

/** Remove what was abandoned before `cutoffMs` (epoch ms); returns how many temporaries. */
export async function sweepAbandoned(client: S3Client, location: S3Location, cutoffMs: number): Promise<number> {
  let removed = 0;
  let token: string | undefined;
  do {
    const page = await client
      .send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: `${location.prefix}tmp/`, ...(token ? { ContinuationToken: token } : {}) }))
      .catch((err: unknown) => translate(err, 'listing temporaries'));
    for (const item of page.Contents ?? []) {
      if (!item.Key || (item.LastModified?.getTime() ?? 0) > cutoffMs) continue;
      await dropAbandoned(client, location, item.Key);
      removed++;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return removed + (await abortUnmarkedUploads(client, location, cutoffMs));
}

/** An upload left by a crash: abort it, drop an object completed but never acknowledged, then the marker. */
async function dropAbandoned(client: S3Client, location: S3Location, markerKey: string): Promise<void> {
  const bucket = location.bucket;
  let marker: MarkerBody | undefined;
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: markerKey }));
    marker = JSON.parse(await out.Body!.transformToString()) as MarkerBody;
  } catch (err) {
    if (!isMissing(err) && !(err instanceof SyntaxError)) translate(err, 'reading a temporary');
  }
  if (marker?.key.startsWith(`${location.prefix}blobs/`)) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: marker.key, UploadId: marker.uploadId })).catch((err: unknown) => {
      if (!isMissing(err) && !isUnsupported(err)) translate(err, 'aborting an upload');
    });
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: marker.key })).catch((err: unknown) => translate(err, 'deleting'));
  }
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: markerKey })).catch((err: unknown) => translate(err, 'deleting'));
}

/**
 * Uploads begun before the cutoff that have no marker (a crash between
 * CreateMultipartUpload and the marker). Stores without
 * ListMultipartUploads skip this; their lifecycle rules are the backstop.
 */
async function abortUnmarkedUploads(client: S3Client, location: S3Location, cutoff: number): Promise<number> {
  let aborted = 0;
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    let page;
    try {
      page = await client.send(new ListMultipartUploadsCommand({ Bucket: location.bucket, Prefix: `${location.prefix}blobs/`, ...(keyMarker ? { KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker } : {}) }));
    } catch (err) {
      if (isUnsupported(err)) return aborted;
      return translate(err, 'listing uploads');
    }
    for (const upload of page.Uploads ?? []) {
      if (!upload.Key || !upload.UploadId || (upload.Initiated?.getTime() ?? Infinity) > cutoff) continue;
      await client.send(new AbortMultipartUploadCommand({ Bucket: location.bucket, Key: upload.Key, UploadId: upload.UploadId })).catch((err: unknown) => {
        if (!isMissing(err)) translate(err, 'aborting an upload');
      });
      aborted++;
    }
    if (!page.IsTruncated) return aborted;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
}
