// The agent console (/console) in a real browser against a real gateway. Run by PagesBrowserIntegrationTest with
// GATEWAY_URL, AGENT_TOKEN and SHOPPER_TOKEN. Prints "ok <step>" per step; any failure exits 1.
import assert from 'node:assert/strict';
import { browser, run, shot, step, until, watch, WAIT } from './harness.mjs';

const { GATEWAY_URL, AGENT_TOKEN, SHOPPER_TOKEN, SUPERVISOR_TOKEN } = process.env;

const page = async () => watch(await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage());

await run(async () => {
  const desk = await page();
  await desk.clock.install(); // time runs as usual; the last step moves it on (an error's banner clears after 6 s)
  await desk.goto(`${GATEWAY_URL}/console`);
  await desk.getByLabel('Agent token (JWT from your shop\'s sign-in)').fill(AGENT_TOKEN);
  await desk.getByRole('button', { name: 'Sign in', exact: true }).click();
  await until('signed in', async () => (await desk.locator('#me').textContent()).includes('Signed in as ann'));
  step('sign in with a token');

  // A shopper (the client library in a page) starts a chat: the console shows an offer with a live countdown.
  const shopper = await page();
  await shopper.goto(`${GATEWAY_URL}/healthz`);
  await shopper.evaluate(async ({ token }) => {
    const { connectShopper } = await import('/client/chat-gateway-client.js');
    window.frames_ = [];
    window.shopper = connectShopper(location.origin, { token });
    window.shopper.addEventListener('frame', (e) => window.frames_.push(e.detail));
  }, { token: SHOPPER_TOKEN });
  const offer = desk.locator('#offers li');
  await offer.waitFor({ timeout: WAIT });
  const first = Number((await offer.locator('.countdown').textContent()).split(' ')[0]);
  await until('the countdown to tick', async () => Number((await offer.locator('.countdown').textContent()).split(' ')[0]) < first);
  assert.ok((await offer.textContent()).includes('vip'), 'the offer shows the tier');
  step('offer with a live countdown and the tier');

  await offer.getByRole('button', { name: 'Accept' }).click();
  await until('the conversation', async () => (await desk.locator('#chats li').count()) === 1);
  await until('the greeting in the thread', async () => (await desk.locator('#log li').count()) > 0);
  assert.equal(await desk.locator('#offers li').count(), 0, 'the offer is gone once accepted');
  const card = await desk.getByTestId('customer-card').textContent();
  assert.ok(card.includes('vip') && card.includes('urgent_order') && card.includes('Lee'), `customer card: ${card}`);
  assert.match(card, /Groupgeneral/, 'the card shows the chat\'s group');
  assert.match(card, /Language(en|zh-CN)/, 'the card shows the chat\'s language');
  assert.match(card, /First contact\d/, 'the card shows when the shopper first got in touch');
  assert.ok(await desk.getByTestId('all-chats').isHidden(), 'only supervisors see every chat');
  step('accept: the conversation, its history and the customer card');

  await shopper.evaluate(() => window.shopper.sendMessage('My parcel <b>never</b> came'));
  await until('the shopper\'s message as text', async () => (await desk.locator('#log li.customer').allTextContents()).includes('My parcel <b>never</b> came'));
  assert.equal(await desk.locator('#log b').count(), 0);
  step('the shopper\'s message, rendered as text');

  // The language guard: a banned phrase is held with a suggestion and may be sent anyway; a sensitive request never.
  await desk.locator('#text').fill("I don't know");
  await desk.locator('#text').press('Enter');
  await desk.locator('#warning').waitFor({ state: 'visible', timeout: WAIT });
  assert.ok((await desk.locator('#warning-suggestion').textContent()).startsWith('Suggestion:'));
  await desk.getByRole('button', { name: 'Send anyway' }).click();
  await until('the confirmed message at the shopper', () => shopper.evaluate(() => window.frames_.some((f) => f.type === 'message' && f.text === "I don't know")));
  await desk.locator('#text').fill('Please tell me your card CVV');
  await desk.locator('#text').press('Enter');
  await until('the sensitive-request warning', async () => (await desk.locator('#warning').isVisible()) && !(await desk.locator('#send-anyway').isVisible()));
  step('banned phrase: warning, suggestion, send anyway; sensitive request: blocked');

  await desk.locator('#canned').selectOption({ index: 2 });
  assert.ok((await desk.locator('#text').inputValue()).length > 0, 'a canned reply fills the box');
  await desk.locator('#text').press('Enter');
  await until('the canned reply at the shopper', () => shopper.evaluate(() => window.frames_.filter((f) => f.type === 'message' && f.from === 'agent').length === 2));
  await shot(desk, 'console');
  step('canned reply');

  // A supervisor, signed in through the address (#token=…, gone from it at once), sees every open chat, takes this one
  // over and hands it back.
  const sup = await page();
  await sup.goto(`${GATEWAY_URL}/console#token=${SUPERVISOR_TOKEN}`);
  await until('the supervisor signed in', async () => (await sup.locator('#me').textContent()).includes('Signed in as sue'));
  assert.ok(!sup.url().includes('token'), `the token stays out of the address bar: ${sup.url()}`);
  const listed = sup.getByTestId('all-chats').getByTestId('all-chat');
  await until('the open chat in "All chats"', async () => (await listed.count()) === 1 && (await listed.textContent()).includes('assigned · ann'));
  await sup.getByTestId('status').selectOption('away'); // looks on: takes no new chat
  await listed.getByTestId('take-over').click();
  await until('the chat on the supervisor\'s desk', async () => (await sup.getByTestId('chat-item').count()) === 1);
  await until('the agent told it moved', async () => (await desk.locator('#log').textContent()).includes('Transferred to sue'));
  assert.ok(await desk.getByTestId('send').isDisabled(), 'the agent can no longer write in it');
  await shot(sup, 'console-supervisor');
  step('supervisor: every open chat, take one over');
  await sup.getByLabel('Transfer to').fill('ann');
  await sup.getByTestId('transfer').click();
  await until('the chat back at the agent', async () => !(await desk.getByTestId('send').isDisabled()));
  await sup.close();
  step('supervisor hands the chat back');

  // Transfer to the group with a note: the shopper is told, the chat leaves this desk.
  await desk.getByLabel('Transfer to').fill('group:general');
  await desk.getByLabel('Note').fill('VIP, parcel lost');
  await desk.getByRole('button', { name: 'Transfer' }).click();
  await until('the shopper told of the transfer', () => shopper.evaluate(() => window.frames_.some((f) => f.type === 'transferred')));
  step('transfer to a group with a note');

  // The chat comes back as an offer (this agent has room); accept it and close it.
  const again = desk.locator('#offers li');
  await again.waitFor({ timeout: WAIT });
  await again.getByRole('button', { name: 'Accept' }).click();
  await until('the chat open again', async () => (await desk.locator('#close-chat').isVisible()));
  await desk.getByRole('button', { name: 'Close chat' }).click();
  await until('the shopper\'s closed', () => shopper.evaluate(() => window.frames_.some((f) => f.type === 'closed')));
  await until('the chat cleared from the list', async () => (await desk.locator('#chats li').count()) === 0);
  step('close: the shopper is told, the chat leaves the list');

  // The same agent signs in elsewhere: this console says so, and keeps saying so after a passing error's banner
  // (shown for 6 s) would have cleared itself.
  await desk.evaluate(() => window.consoleClient.dispatchEvent(new CustomEvent('error',
    { detail: { type: 'error', code: 'invalid_field', message: 'a passing error' } })));
  await until('the passing error shown', async () => (await desk.locator('#banner').textContent()) === 'a passing error');
  const other = await page();
  await other.goto(`${GATEWAY_URL}/console`);
  await other.getByLabel('Agent token (JWT from your shop\'s sign-in)').fill(AGENT_TOKEN);
  await other.getByRole('button', { name: 'Sign in', exact: true }).click();
  await until('the first console told', async () => (await desk.locator('#banner').textContent()).includes('Signed in elsewhere'));
  await desk.clock.fastForward(7000);
  assert.ok((await desk.locator('#banner').textContent()).includes('Signed in elsewhere'), 'the banner stays after 7 s');
  step('signed in elsewhere');

});
