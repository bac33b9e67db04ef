import { type FakeMetadata, startFakeMetadata } from '../fakes/fake-metadata';

/**
 * Points google-auth-library's workload-identity path (ADC → metadata server) at a fake metadata
 * server on loopback for one test file; `close()` stops it and puts the environment back, so no
 * Google client can look for the real one afterwards.
 */
export async function startWorkloadIdentity(): Promise<FakeMetadata> {
  const metadata = await startFakeMetadata();
  const previous = { host: process.env.GCE_METADATA_HOST, detection: process.env.METADATA_SERVER_DETECTION };
  process.env.GCE_METADATA_HOST = metadata.host;
  process.env.METADATA_SERVER_DETECTION = 'assume-present';
  const close = metadata.close.bind(metadata);
  return Object.assign(metadata, {
    async close() {
      await close();
      if (previous.host === undefined) delete process.env.GCE_METADATA_HOST;
      else process.env.GCE_METADATA_HOST = previous.host;
      process.env.METADATA_SERVER_DETECTION = previous.detection ?? 'none';
    },
  });
}
