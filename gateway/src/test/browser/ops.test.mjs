// The ops dashboard (/ops on the admin port) in a real browser against a real gateway. Run by
// PagesBrowserIntegrationTest with ADMIN_URL, GATEWAY_URL, ADMIN_TOKEN, AGENT_TOKEN (an agent of pre-sales),
// SHOPPER_TOKEN (general) and SHOPPER2_TOKEN (pre-sales). Prints "ok <step>" per step; any failure exits 1.
import assert from 'node:assert/strict';
import { browser, run, shot, step, until, watch, WAIT } from './harness.mjs';

const { ADMIN_URL, GATEWAY_URL, ADMIN_TOKEN, AGENT_TOKEN, AGENT2_TOKEN, SHOPPER_TOKEN, SHOPPER2_TOKEN, SHOPPER3_TOKEN } = process.env;

// Answers of 400, 401 and 409 are part of the story (a bad field, a wrong token, a stale version): the page shows
// them, Chromium logs each as a failed load. Anything else is a problem.
const page = async () => watch(await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage(),
  (text) => /status of 4(00|01|09) /.test(text));

/** A client-library participant in a page of the gateway's public origin. */
async function participant(kind, token, name) {
  const p = await page();
  await p.goto(`${GATEWAY_URL}/healthz`);
  await p.evaluate(async ({ kind, token, name }) => {
    const lib = await import('/client/chat-gateway-client.js');
    window.frames_ = window.frames_ || {};
    const c = kind === 'agent' ? lib.connectAgent(location.origin, { token, autoAccept: true }) : lib.connectShopper(location.origin, { token });
    window.frames_[name] = [];
    c.addEventListener('frame', (e) => window.frames_[name].push(e.detail));
    window[name] = c;
  }, { kind, token, name });
  return p;
}

await run(async () => {
  const ops = await page();
  await ops.goto(`${ADMIN_URL}/ops`);
  await ops.getByLabel(/Admin token/).fill('wrong-token');
  await ops.getByRole('button', { name: 'Open the dashboard' }).click();
  await until('the refusal', async () => (await ops.locator('#banner').textContent()).includes('refused'));
  await ops.getByLabel(/Admin token/).fill(ADMIN_TOKEN);
  await ops.getByRole('button', { name: 'Open the dashboard' }).click();
  await ops.locator('#live').waitFor({ timeout: WAIT });
  step('sign in: a wrong token is refused, the right one opens the dashboard');

  // Live: a shopper waits in general; an agent serves pre-sales only.
  const people = await participant('agent', AGENT_TOKEN, 'agent');
  await people.evaluate(async ({ s1, s2, s3 }) => {
    const lib = await import('/client/chat-gateway-client.js');
    for (const [name, token] of [['shopper', s1], ['shopper2', s2], ['shopper3', s3]]) {
      const c = lib.connectShopper(location.origin, { token });
      window.frames_[name] = [];
      c.addEventListener('frame', (e) => window.frames_[name].push(e.detail));
      window[name] = c;
    }
  }, { s1: SHOPPER_TOKEN, s2: SHOPPER2_TOKEN, s3: SHOPPER3_TOKEN });
  await until('the waiting shopper in the queue table', async () => (await ops.getByTestId('queues-table').textContent()).includes('general'));
  const rows = await ops.getByTestId('queues-table').locator('tbody tr').allTextContents();
  assert.ok(rows.some((r) => r.startsWith('general') && r.includes('regular1')), `queues: ${rows}`);
  assert.ok(rows.some((r) => r.startsWith('general') && r.includes('new1')), `queues: ${rows}`);
  await until('the agent on the board', async () => (await ops.getByTestId('agents-table').textContent()).includes('pre-sales'));
  await until('the SLA panel', async () => (await ops.locator('#sla').textContent()).includes('100.0 % of 3'));
  assert.ok((await ops.locator('#chart polyline').getAttribute('points')).length > 0);
  await shot(ops, 'ops-live');
  step('live queues per group and tier, agents board, SLA panel, chart');

  // Routing: an invalid field is shown where it is; a valid change is dry-run, then applied with its version.
  await ops.getByRole('button', { name: 'Routing' }).click();
  await ops.getByLabel('VIP weight').fill('-5');
  await ops.getByLabel('VIP weight').dispatchEvent('change');
  await ops.getByRole('button', { name: 'Apply' }).click();
  await until('the inline error', async () => (await ops.getByLabel('VIP weight').getAttribute('aria-invalid')) === 'true');
  assert.ok((await ops.locator('#e-tierWeights\\.vip').textContent()).includes('tierWeights.vip'));
  await ops.getByLabel('VIP weight').fill('350');
  await ops.getByLabel('VIP weight').dispatchEvent('change');
  await ops.getByLabel('New weight').fill('5000'); // new shoppers ahead of regular ones
  await ops.getByLabel('New weight').dispatchEvent('change');
  await ops.getByLabel('QA sample rate (0..1)').fill('1');
  await ops.getByLabel('QA sample rate (0..1)').dispatchEvent('change');
  await ops.getByTestId('dry-run').click();
  await ops.locator('#dryrun-result').waitFor({ state: 'visible', timeout: WAIT });
  assert.ok((await ops.locator('#then').textContent()).includes('regular'));
  await ops.getByTestId('apply-config').click();
  await until('applied', async () => (await ops.locator('#banner').textContent()).includes('Applied as version 2'));
  assert.equal(await ops.getByLabel('VIP weight').getAttribute('aria-invalid'), null);
  await shot(ops, 'ops-routing');
  step('routing: inline field error, dry run side by side, apply with the version');

  // The queue order follows: an agent of general now gets the new shopper first, though the regular one came first.
  const desk2 = await participant('agent', AGENT2_TOKEN, 'agent2');
  const firstServed = await until('the general agent\'s first chat', () => desk2.evaluate(() => window.frames_.agent2.find((f) => f.type === 'assigned')?.chatId));
  const newcomer = await people.evaluate(() => window.frames_.shopper3.find((f) => f.type === 'welcome').chatId);
  assert.equal(firstServed, newcomer, 'the new-tier shopper is served first after the weight change');
  step('the applied weight changes the queue order');

  // Someone else changes the document meanwhile: the next apply is told so and offers a reload.
  await ops.evaluate(async ({ token }) => {
    const h = { Authorization: `Bearer ${token}` };
    const cur = await (await fetch('/admin/config', { headers: h })).json();
    cur.config.urgentOrderBoost = 160;
    await fetch('/admin/config', { method: 'PUT', headers: h, body: JSON.stringify({ version: cur.version, config: cur.config }) });
  }, { token: ADMIN_TOKEN });
  await ops.getByLabel('Urgent-order boost').fill('170');
  await ops.getByLabel('Urgent-order boost').dispatchEvent('change');
  await ops.getByRole('button', { name: 'Apply' }).click();
  await until('the conflict', async () => (await ops.locator('#banner').textContent()).includes('Changed by someone else'));
  await ops.locator('#banner').getByRole('button', { name: 'Reload' }).click();
  await until('the reloaded version', async () => (await ops.locator('#version').textContent()) === '3');
  assert.equal(await ops.getByLabel('Urgent-order boost').inputValue(), '160');
  step('a stale version: "changed by someone else", reload');

  // Surge switch per group.
  await ops.getByTestId('overflow-switch').and(ops.getByLabel('Surge mode of general')).selectOption('on');
  await ops.getByRole('button', { name: 'Live' }).click();
  await until('surge on in the queue table', async () => (await ops.locator('#queues').textContent()).includes('on (on)'));
  step('surge mode switched on for a group');

  // Scripts: a bad placeholder is refused with the reason; a good text is saved.
  await ops.getByRole('button', { name: 'Scripts' }).click();
  await ops.locator('#script-kind').selectOption('greeting');
  await ops.getByLabel(/^Text/).fill('Hello {nickname}');
  await ops.getByRole('button', { name: 'Save the script' }).click();
  await until('the refusal', async () => (await ops.locator('#script-status').textContent()).includes('nickname'));
  await ops.getByLabel(/^Text/).fill('Welcome to {shop}{name}!');
  await ops.getByRole('button', { name: 'Save the script' }).click();
  await until('saved', async () => (await ops.locator('#script-status').textContent()) === 'Saved.');
  step('script editor: placeholders checked, saved');

  // A pre-sales chat with a card number closes: QA shows it masked, with the rating.
  const chatId = await until('the pre-sales chat assigned', () => people.evaluate(() => window.frames_.agent.find((f) => f.type === 'assigned')?.chatId));
  await people.evaluate(() => window.shopper2.sendMessage('my card is 4111 1111 1111 1111'));
  await until('the message at the agent', () => people.evaluate(() => window.frames_.agent.some((f) => f.type === 'message' && f.from === 'customer')));
  await people.evaluate(({ chatId }) => window.agent.send({ type: 'close', chatId }), { chatId });
  await until('closed', () => people.evaluate(() => window.frames_.shopper2.some((f) => f.type === 'closed')));
  await people.evaluate(() => window.shopper2.send({ type: 'csat', score: 5, comment: 'great' }));
  await ops.getByRole('button', { name: 'Audit' }).click();
  await until('the audit entries', async () => (await ops.getByTestId('audit-log').locator('li').count()) >= 2);
  assert.ok((await ops.getByTestId('audit-log').textContent()).includes('ops-dashboard'));
  await ops.getByRole('button', { name: 'QA' }).click();
  await until('the QA review with its rating', async () => {
    await ops.getByRole('button', { name: 'QA' }).click();
    return (await ops.locator('#qa-list').textContent()).includes('★★★★★');
  });
  const qa = await ops.locator('#qa-list').textContent();
  assert.ok(!qa.includes('4111 1111 1111 1111'), `the card number is masked: ${qa}`);
  assert.ok(qa.includes('1111'), 'its last four digits stay');
  step('audit log and QA review (masked transcript, CSAT)');

  // A token handed over in the address (single sign-on, scripts) opens the dashboard and leaves the address bar.
  const handed = await page();
  await handed.goto(`${ADMIN_URL}/ops#token=${encodeURIComponent(ADMIN_TOKEN)}`);
  await until('the dashboard open', async () => (await handed.getByTestId('queues-table').textContent()).includes('general'));
  assert.ok(!handed.url().includes('token'), `the token stays out of the address bar: ${handed.url()}`);
  assert.equal(await handed.getByTestId('config-editor').count(), 1);
  step('a token in the address fragment, read once');

});
