/** Jest globalSetup: no Google client may look for the real metadata server (test-infra.md). */
export default async function globalSetup(): Promise<void> {
  process.env.METADATA_SERVER_DETECTION = 'none';
}
