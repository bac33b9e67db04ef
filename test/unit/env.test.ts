import { CloudRunGatewayEnv, GatewayEnv, parseEnv } from '../../services/shared/src/env';

describe('the Cloud Run gateway environment', () => {
  test('refuses to boot without GOOGLE_CLOUD_PROJECT, saying what it is for', () => {
    expect(() => parseEnv(CloudRunGatewayEnv, {})).toThrow('Invalid environment:\nGOOGLE_CLOUD_PROJECT: required (the project of Firestore and Pub/Sub)');
    expect(() => parseEnv(CloudRunGatewayEnv, { GOOGLE_CLOUD_PROJECT: '' })).toThrow(/GOOGLE_CLOUD_PROJECT: required/);
  });

  test('uses Firestore and Pub/Sub unless told otherwise; local mode leaves the choice open', () => {
    const env = parseEnv(CloudRunGatewayEnv, { GOOGLE_CLOUD_PROJECT: 'acme-ai' });
    expect([env.GOOGLE_CLOUD_PROJECT, env.GATEHOUSE_STORE, env.GATEHOUSE_BUS]).toEqual(['acme-ai', 'firestore', 'pubsub']);
    expect(parseEnv(CloudRunGatewayEnv, { GOOGLE_CLOUD_PROJECT: 'acme-ai', GATEHOUSE_BUS: 'memory' }).GATEHOUSE_BUS).toBe('memory');
    const local = parseEnv(GatewayEnv, {});
    expect([local.GATEHOUSE_STORE, local.GATEHOUSE_BUS, local.GOOGLE_CLOUD_PROJECT]).toEqual([undefined, undefined, undefined]);
  });
});
