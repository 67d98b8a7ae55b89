// A real OpenFeature client reads fleet-risk's flags: the web SDK with the
// OFREP web provider (bulk evaluation, ETag polling), under Node 20. For
// each user it sets the evaluation context, lets the provider fetch, and
// compares fleetRiskDashboard with what GET /api/flags answers for the same
// user. Exits 1 on any difference. Run by check.sh (which starts a server).
//
//   node check.mjs BASE_URL VIEWER_KEY [USERS]

import { OpenFeature } from '@openfeature/web-sdk';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';

const [baseUrl, key, count = '200'] = process.argv.slice(2);
// The web provider expects a browser page; Node has neither of these.
globalThis.document ??= {
  visibilityState: 'visible',
  addEventListener() {},
  removeEventListener() {},
};

const provider = new OFREPWebProvider({
  baseUrl,
  headers: [['Authorization', `Bearer ${key}`]],
  cacheMode: 'disabled',
  disableVisibilityRefresh: true,
});
const groupsFor = (i) => (i % 10 === 0 ? ['beta-testers'] : []);
await OpenFeature.setContext({ targetingKey: 'user-0', groups: groupsFor(0) });
await OpenFeature.setProviderAndWait(provider);
const client = OpenFeature.getClient();

let mismatches = 0;
let on = 0;
const reasons = {};
for (let i = 0; i < Number(count); i++) {
  const user = `user-${i}`;
  const groups = groupsFor(i);
  await OpenFeature.setContext({ targetingKey: user, groups });
  const details = client.getBooleanDetails('fleetRiskDashboard', false);
  const query = new URLSearchParams({ userId: user, groups: groups.join(',') });
  const response = await fetch(`${baseUrl}/api/flags?${query}`, {
    headers: { Authorization: `Bearer ${key}` },
  });
  const expected = (await response.json()).flags.fleetRiskDashboard;
  if (details.value !== expected || details.errorCode) {
    mismatches++;
    console.error(`${user}: provider ${JSON.stringify(details)} vs /api/flags ${expected}`);
  }
  on += details.value ? 1 : 0;
  reasons[details.reason] = (reasons[details.reason] ?? 0) + 1;
}
await OpenFeature.close();
console.log(JSON.stringify({ users: Number(count), on, reasons, mismatches }));
process.exit(mismatches === 0 && on > 0 ? 0 : 1);
