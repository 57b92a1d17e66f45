/**
 * The inventory published to Confluence, against a local server answering as
 * Confluence Cloud's REST API v2 does: pages made and written with the next
 * version, unchanged content never written again, a page edited by hand left
 * alone (and told to ops once) until an action says to overwrite it, a 409
 * read again and tried once more, refusals said plainly, and every text
 * escaped so no inventory name can add markup or a diagram node.
 */
import { XMLValidator } from 'fast-xml-parser';
import { publishInventory } from '../activities/inventory/activities';
import { inventoryDigest, MARK } from '../activities/inventory/publish';
import { parseConfig } from '../config/load';
import { runStep } from '../activities/actions/steps';
import { HostExecutors } from '../activities/hosts/executors';
import { networkDiagram } from '../lib/inventory/diagram-dot';
import { diagramPage, tablePage } from '../lib/inventory/confluence-pages';
import { INVENTORY_PUBLISH_PREFIX, INVENTORY_PUBLISH_SCHEDULE } from '../workflows/inventory/publish-workflow';
import { syncInventoryPublication } from '../workers/inventory-publication';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { ConfluencePeer } from './peers/confluence-api';

let peer: ConfluencePeer;
let desk: Desk;
const TITLES = { hosts: 'Hosts (dutydesk)', networks: 'IP networks (dutydesk)', diagram: 'Network diagram (dutydesk)' };
const hostile = 'Shop <b>floor</b> & "till" ]]> \\ end';

function rawConfig(extraNetworks: object[] = []) {
  return baseConfig(
    {
      h1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { app: { steps: [{ name: 'noop', run: 'true' }] } } },
      'pos-7': { address: '10.20.30.7', transport: 'local', groups: ['test'], production: true, services: { till: { steps: [{ name: 'noop', run: 'true' }] } } },
    },
    {
      notify: { approvals: 'ops', admins: 'ops' },
      inventory: {
        networks: [{ prefix: '10.20.0.0/16', name: 'Berlin', site: 'Berlin' }, { prefix: '10.20.30.0/24', name: hostile, site: 'Berlin', vlan: 130, owner: 'Retail IT' }, ...extraNetworks],
        confluence: { url: peer.url, user: peer.account.email, token: { env: 'TEST_CONFLUENCE_TOKEN' }, space: 'NET' },
      },
      actions: {
        'net.publish': { title: 'Publish the inventory', says: 'publish inventory', roles: ['lead'], steps: [{ confluence: {} }] },
        'net.overwrite': { title: 'Overwrite the inventory pages', says: 'overwrite inventory pages', roles: ['lead'], steps: [{ confluence: { overwriteHandEdits: true } }] },
      },
    },
  );
}

beforeAll(async () => {
  peer = await new ConfluencePeer().start();
  process.env.TEST_CONFLUENCE_TOKEN = peer.account.token;
  desk = await startDesk(rawConfig());
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  await peer?.stop();
});

const puts = () => peer.requests.filter((r) => r.method === 'PUT').length;

test('a worker start publishes a new inventory once: three pages, each written with the next version and dutydesk\'s mark', async () => {
  expect(await syncInventoryPublication(desk.env.client, desk.config)).toBe('started');
  const run = desk.env.client.workflow.getHandle(`${INVENTORY_PUBLISH_PREFIX}config-${inventoryDigest(desk.config)}`);
  const report = await run.result();
  expect(report.pages.map((p: { title: string; result: string; version: number }) => [p.title, p.result, p.version])).toEqual([
    [TITLES.hosts, 'created', 2],
    [TITLES.networks, 'created', 2],
    [TITLES.diagram, 'created', 2],
  ]);
  for (const title of Object.values(TITLES)) {
    const page = peer.page(title)!;
    expect(page.spaceId).toBe('98306');
    expect(peer.current(page).message).toMatch(new RegExp(`^${MARK}[0-9a-f]{32}$`));
  }
  const hosts = peer.current(peer.page(TITLES.hosts)!).body;
  expect(hosts).toContain('<tr><td>pos-7</td><td>10.20.30.7</td><td>test</td><td>local</td><td>yes</td><td>till</td></tr>');
  const networks = peer.current(peer.page(TITLES.networks)!).body;
  expect(networks).toContain('<td>Shop &lt;b&gt;floor&lt;/b&gt; &amp; &quot;till&quot; ]]&gt; \\ end</td>');
  const diagram = peer.page(TITLES.diagram)!;
  expect(peer.current(diagram).body).toContain('<ri:attachment ri:filename="network-diagram.svg" />');
  const svg = diagram.attachments.get('network-diagram.svg')!;
  expect(svg.type).toBe('image/svg+xml');
  expect(svg.bytes.toString()).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*10\.20\.30\.0\/24[\s\S]*pos&#45;7[\s\S]*<\/svg>\s*$/);
  expect(svg.bytes.toString()).not.toContain('<b>');
  // The same inventory at the next worker start is not published again; the Schedule is there.
  expect(await syncInventoryPublication(desk.env.client, desk.config)).toBe('published already');
  const schedule = await desk.env.client.schedule.getHandle(INVENTORY_PUBLISH_SCHEDULE).describe();
  expect(schedule.spec.intervals?.map((i) => i.every)).toEqual([3_600_000]);
}, 90_000);

test('unchanged content is never written again; a changed inventory writes only the pages it changes', async () => {
  const before = puts();
  const again = await publishInventory(desk.config, desk.env.client);
  expect(again.pages.map((p) => p.result)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  expect(puts()).toBe(before);
  const changed = parseConfig(rawConfig([{ prefix: '2001:db8:20::/48', name: 'Berlin v6', site: 'Berlin' }]), desk.configFile);
  const report = await publishInventory(changed, desk.env.client);
  expect(report.pages.map((p) => [p.kind, p.result, p.version])).toEqual([
    ['hosts', 'unchanged', 2],
    ['networks', 'updated', 3],
    ['diagram', 'updated', 3],
  ]);
  expect(peer.current(peer.page(TITLES.networks)!).body).toContain('<td>2001:db8:20::/48</td>');
  expect(peer.page(TITLES.diagram)!.attachments.get('network-diagram.svg')!.versions).toBe(2);
  // Back to the first inventory for the tests after.
  await publishInventory(desk.config, desk.env.client);
}, 60_000);

test('a page edited by hand is left alone and ops hear of it once; an action told to overwrite replaces it', async () => {
  peer.editByHand(TITLES.hosts, '<p>Our own notes</p>');
  const first = await publishInventory(desk.config, desk.env.client);
  expect(first.pages.find((p) => p.kind === 'hosts')).toMatchObject({ result: 'edited-by-hand', version: 3 });
  await publishInventory(desk.config, desk.env.client);
  expect(peer.current(peer.page(TITLES.hosts)!).body).toBe('<p>Our own notes</p>');
  const told = await desk.botMessage('ops', (m) => m.text.startsWith('📝 The Confluence page "Hosts (dutydesk)" was edited by hand'), 'the notice to ops');
  expect(told.text).toContain('/spaces/NET/pages/');
  expect((await desk.messages('ops')).filter((m) => m.text.startsWith('📝 The Confluence page')).length).toBe(1);

  // The plain publish action leaves it too; carol may not run either.
  const refused = await desk.say('carol', 'dm-carol', 'overwrite inventory pages');
  await desk.botMessage('dm-carol', (m) => Number(m.id) > Number(refused.id) && /may not run|only for|is for lead/i.test(m.text), 'the refusal');
  await desk.say('bob', 'dm-bob', 'publish inventory');
  const kept = await desk.botMessage('dm-bob', (m) => m.text.includes('edited by hand (version 3), so left alone'), 'the plain publication');
  expect(kept.text).toContain('Hosts (dutydesk): edited by hand');
  await desk.say('bob', 'dm-bob', 'overwrite inventory pages');
  const done = await desk.botMessage('dm-bob', (m) => m.text.includes('overwritten as told'), 'the overwrite');
  expect(done.text).toContain('Hosts (dutydesk): overwritten as told: version 4');
  expect(peer.current(peer.page(TITLES.hosts)!).body).toContain('<td>pos-7</td>');
  expect((await publishInventory(desk.config, desk.env.client)).pages.map((p) => p.result)).toEqual(['unchanged', 'unchanged', 'unchanged']);
}, 120_000);

test('a stale version (409) is read again and tried once more', async () => {
  const changed = parseConfig(rawConfig([{ prefix: '192.0.2.0/24', name: 'Lab' }]), desk.configFile);
  const page = peer.page(TITLES.networks)!;
  const start = peer.current(page).number;
  // Another worker publishes this very content a moment before our PUT lands.
  peer.beforeNextPut = (p) => p.versions.push({ ...peer.current(p), number: peer.current(p).number + 1, message: `${MARK}${'0'.repeat(32)}` });
  const putsBefore = peer.requests.filter((r) => r.method === 'PUT' && r.path.endsWith(`/pages/${page.id}`)).length;
  const report = await publishInventory(changed, desk.env.client);
  expect(report.pages.find((p) => p.kind === 'networks')).toMatchObject({ result: 'updated', version: start + 2 });
  expect(peer.requests.filter((r) => r.method === 'PUT' && r.path.endsWith(`/pages/${page.id}`)).length).toBe(putsBefore + 2);
  expect(peer.current(page).body).toContain('<td>192.0.2.0/24</td>');
  await publishInventory(desk.config, desk.env.client);
}, 60_000);

test('refusals say what to check and are not retried', async () => {
  const wrongToken = parseConfig({ ...rawConfig(), inventory: { confluence: { url: peer.url, user: peer.account.email, token: { env: 'TEST_CONFLUENCE_WRONG' }, space: 'NET' } } }, desk.configFile);
  process.env.TEST_CONFLUENCE_WRONG = 'not-the-token';
  await expect(publishInventory(wrongToken, desk.env.client)).rejects.toMatchObject({ type: 'ConfluenceRefused', nonRetryable: true, message: expect.stringContaining('Space NET: failed: Confluence GET /api/v2/spaces: Confluence refused the credentials (401 Unauthorized; scope does not match); check inventory.confluence.user and token') });
  // In an action, a refusal fails its step at once, saying what to check (not retried until the action's time is up).
  const step = runStep({ confluence: {} }, { config: wrongToken, actionId: 'net.publish', executors: new HostExecutors(wrongToken), params: {}, language: 'en', signal: new AbortController().signal, timeoutMs: 60_000, filesDir: '/nonexistent', publishInventory: (options) => publishInventory(wrongToken, desk.env.client, options) });
  await expect(step).rejects.toMatchObject({ type: 'StepFailed', nonRetryable: true, message: expect.stringContaining('check inventory.confluence.user and token') });
  const noSpace = parseConfig({ ...rawConfig(), inventory: { confluence: { url: peer.url, user: peer.account.email, token: { env: 'TEST_CONFLUENCE_TOKEN' }, space: 'OPS' } } }, desk.configFile);
  await expect(publishInventory(noSpace, desk.env.client)).rejects.toThrow('Confluence has no space "OPS" this account can see; check inventory.confluence.space');
  const badParent = parseConfig({ ...rawConfig(), inventory: { confluence: { url: peer.url, user: peer.account.email, token: { env: 'TEST_CONFLUENCE_TOKEN' }, space: 'NET', parentId: '999', pages: { hosts: 'Other hosts', networks: false, diagram: false } } } }, desk.configFile);
  await expect(publishInventory(badParent, desk.env.client)).rejects.toMatchObject({ type: 'ConfluenceRefused', nonRetryable: true, message: expect.stringContaining('Other hosts: failed: Confluence POST /api/v2/pages: 400 Provided value for parentId is not valid') });
});

test('configuration mistakes are named at load', () => {
  const load = (confluence: object, actions: object = {}) => () => parseConfig({ ...rawConfig(), actions, inventory: { confluence: { url: peer.url, space: 'NET', token: { env: 'X' }, ...confluence } } }, desk.configFile);
  expect(load({ every: '10s' })).toThrow('publish at most once a minute');
  expect(load({ pages: { hosts: 'Same', networks: 'same' } })).toThrow('give each page its own title');
  expect(load({ token: undefined })).toThrow('Confluence needs an API token');
  expect(load({ hostGroups: ['nowhere'] })).toThrow('no host is in group "nowhere"');
  expect(load({ url: 'https://bot:pw@acme.atlassian.net/wiki' })).toThrow('put no user or password in the URL');
  expect(() => parseConfig({ ...rawConfig(), inventory: {}, actions: { 'net.publish': { title: 'P', says: 'publish inventory', steps: [{ confluence: {} }] } } }, desk.configFile)).toThrow('configure inventory.confluence first');
});

test('no inventory text can add markup, a diagram node or an attribute', () => {
  const config = parseConfig(rawConfig([{ prefix: '198.51.100.0/24', name: 'x" ]; evil [label="pwned', site: 'a"}\nsubgraph { b', owner: '\u0007bell\ud800' }]), desk.configFile);
  const diagram = networkDiagram(config, ['*']);
  // Only the nodes made here: n1.. for networks, h1.. for hosts.
  const nodes = [...diagram.dot.matchAll(/^\s*([A-Za-z_][\w]*) \[label=/gm)].map((m) => m[1]);
  expect(nodes.every((n) => /^[nh]\d+$/.test(n))).toBe(true);
  expect(diagram.dot).toContain('label="198.51.100.0/24\\nx\\" ]; evil [label=\\"pwned\\n bell"');
  expect(diagram.dot).not.toContain('\n subgraph');
  for (const body of [tablePage('networks', { header: ['name'], rows: [[hostile], ['\u0000\ud800x']] }), diagramPage(diagram)]) {
    expect(XMLValidator.validate(`<root xmlns:ac="a" xmlns:ri="r">${body}</root>`)).toBe(true);
  }
  expect(diagramPage(networkDiagram(parseConfig(rawConfig(), desk.configFile), ['*']))).toContain('Shop <b>floor</b> & \\"till\\" ]]]]><![CDATA[> \\\\ end');
});

test('without inventory.confluence nothing is published and the Schedule goes', async () => {
  const none = parseConfig({ ...rawConfig(), inventory: {}, actions: {} }, desk.configFile);
  expect(await syncInventoryPublication(desk.env.client, none)).toBe('none');
  await expect(desk.env.client.schedule.getHandle(INVENTORY_PUBLISH_SCHEDULE).describe()).rejects.toThrow(/not found/i);
  expect((await publishInventory(none, desk.env.client)).text).toBe('No Confluence is configured (inventory.confluence): nothing to publish.');
});

test("each team's own space gets its own hosts' pages", async () => {
  peer.spaces.push({ id: '131073', key: 'SD', name: 'Service Desk' });
  const raw = rawConfig() as Record<string, any>;
  raw.hosts.h1.groups = ['sd'];
  raw.teams = { sd: { title: 'Service Desk', members: ['alice'], hostGroups: ['sd'], confluence: { space: 'SD' } }, net: { title: 'Network', members: ['bob'], hostGroups: ['test'] } };
  raw.actions = { 'sd.publish': { ...raw.actions['net.publish'], roles: undefined } };
  const teams = parseConfig(raw, desk.configFile);
  const report = await publishInventory(teams, desk.env.client);
  const sd = report.pages.filter((p) => p.team === 'sd');
  expect(sd.map((p) => [p.title, p.result])).toEqual([
    [TITLES.hosts, 'created'],
    [TITLES.networks, 'created'],
    [TITLES.diagram, 'created'],
  ]);
  const sdHosts = [...peer.pages.values()].find((p) => p.spaceId === '131073' && p.title === TITLES.hosts)!;
  expect(peer.current(sdHosts).body).toContain('<td>h1</td>');
  expect(peer.current(sdHosts).body).not.toContain('pos-7');
  expect(report.text).toContain('Hosts (dutydesk) (team sd): created');
  // A team's action publishes that team's pages alone, however it is told to overwrite.
  peer.editByHand(TITLES.hosts, '<p>net notes</p>');
  const own = await publishInventory(teams, desk.env.client, { team: 'sd', overwrite: true });
  expect(own.pages.map((p) => p.team)).toEqual(['sd', 'sd', 'sd']);
  expect(own.text).not.toContain('edited by hand');
  expect(peer.current([...peer.pages.values()].find((p) => p.spaceId === '98306' && p.title === TITLES.hosts)!).body).toBe('<p>net notes</p>');
  await publishInventory(desk.config, desk.env.client, { overwrite: true });
  expect(() => parseConfig({ ...raw, actions: { 'net.publish': raw.actions['sd.publish'] } }, desk.configFile)).toThrow("with teams, a confluence step publishes its team's own pages: give team net confluence: { space }");
  expect(() => parseConfig({ ...raw, teams: { ...raw.teams, net: { ...raw.teams.net, confluence: { space: 'sd' } } } }, desk.configFile)).toThrow("space sd is team sd's already");
  expect(() => parseConfig({ ...raw, teams: { ...raw.teams, net: { ...raw.teams.net, confluence: { space: 'net' } } } }, desk.configFile)).toThrow("space net is inventory.confluence's already");
});

test('the diagram\'s picture: left alone with a page edited by hand, uploaded again when it did not land', async () => {
  const raw = rawConfig([{ prefix: '203.0.113.0/24', name: 'Edge' }]) as Record<string, any>;
  raw.inventory.confluence.pages = { hosts: false, networks: false };
  const changed = parseConfig(raw, desk.configFile);
  const diagram = peer.page(TITLES.diagram)!;
  const pictures = diagram.attachments.get('network-diagram.svg')!.versions;
  // Someone edits the page just before dutydesk's PUT lands: the 409 is read again, the page is left alone, its picture too.
  peer.beforeNextPut = (p) => p.versions.push({ ...peer.current(p), number: peer.current(p).number + 1, message: '', authorId: 'someone', body: '<p>mine</p>' });
  const report = await publishInventory(changed, desk.env.client);
  expect(report.pages).toEqual([expect.objectContaining({ kind: 'diagram', result: 'edited-by-hand' })]);
  expect(diagram.attachments.get('network-diagram.svg')!.versions).toBe(pictures);
  await publishInventory(desk.config, desk.env.client, { overwrite: true });
  // A picture that is gone (an upload that failed after its page was written) is uploaded again, the page left as it is.
  diagram.attachments.clear();
  const version = peer.current(diagram).number;
  expect((await publishInventory(desk.config, desk.env.client)).pages.find((p) => p.kind === 'diagram')?.result).toBe('unchanged');
  expect(diagram.attachments.get('network-diagram.svg')?.comment).toMatch(new RegExp(`^${MARK}`));
  expect(peer.current(diagram).number).toBe(version);
});

test('a run for another inventory is left to a worker that has it; without overwriteHandEdits the configuration decides', async () => {
  await expect(publishInventory(desk.config, desk.env.client, { digest: 'f'.repeat(32) })).rejects.toMatchObject({ type: 'OtherInventory', nonRetryable: false });
  peer.editByHand(TITLES.networks, '<p>by hand</p>');
  const raw = rawConfig() as Record<string, any>;
  raw.inventory.confluence.overwriteHandEdits = true;
  const report = await publishInventory(parseConfig(raw, desk.configFile), desk.env.client, { overwrite: undefined });
  expect(report.pages.find((p) => p.kind === 'networks')?.result).toBe('overwritten');
});
