import { message, startRoutingRig, type RoutingRig } from './routing-harness';

/** `strategy.sticky` keeps one Claude Code session on one target (and its prompt cache) across requests. */
let rig: RoutingRig;
beforeAll(async () => {
  rig = await startRoutingRig();
});
afterAll(() => rig.close());

const sticky = {
  strategy: { mode: 'loadbalance', sticky: { enabled: true } },
  targets: [
    { name: 'central', provider: '@vertex-us-central' },
    { name: 'east', provider: '@vertex-us-east' },
  ],
};

async function regionsFor(session: string, n: number): Promise<Set<string>> {
  const regions = new Set<string>();
  for (let i = 0; i < n; i++) {
    const res = await rig.send(message(), { config: sticky, headers: { 'x-claude-code-session-id': session } });
    expect(res.status).toBe(200);
    regions.add(res.headers.get('x-gatehouse-provider')!);
  }
  return regions;
}

it('sends every request of a session to the same target, whatever the random draws', async () => {
  let flip = 0;
  rig.random = () => (flip++ % 2 ? 0.99 : 0.01);
  for (const session of ['session-a', 'session-b', 'session-c']) expect((await regionsFor(session, 6)).size).toBe(1);
});

it('spreads different sessions over the targets', async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) for (const r of await regionsFor(`s-${i}`, 1)) seen.add(r);
  expect(seen).toEqual(new Set(['@vertex-us-central', '@vertex-us-east']));
});
