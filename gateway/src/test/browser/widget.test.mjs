// The widget in a real browser (Debian's chromium through playwright-core), embedded in a shop page of another
// origin, against a real gateway. Run by PagesBrowserIntegrationTest, which starts the gateway and the shop and
// passes: SHOP_URL (the shop page), GATEWAY_URL, AGENT_TOKEN. Prints "ok <step>" per step; any failure exits 1.
import assert from 'node:assert/strict';
import { browser, run, shot, step, until, watch, WAIT } from './harness.mjs';

const { SHOP_URL, GATEWAY_URL, AGENT_TOKEN, CONSOLE_AGENT_TOKEN, ADMIN_URL, ADMIN_TOKEN } = process.env;

async function shopPage(viewport, query = '') {
  const page = watch(await (await browser.newContext({ viewport })).newPage());
  await page.goto(SHOP_URL + query);
  return page;
}

const widget = (page, css) => page.locator(`[data-chat-gateway] ${css}`); // CSS locators pierce the open shadow root
const logTexts = (page) => widget(page, 'ol.log li').allTextContents();

await run(async () => {
  // A shopper on a phone: the launcher opens a full-screen panel, greeted at once, told their place in line.
  const shop = await shopPage({ width: 390, height: 844 });
  const launcher = widget(shop, 'button.launcher');
  await launcher.waitFor({ timeout: WAIT });
  assert.equal(await launcher.getAttribute('aria-expanded'), 'false');
  await launcher.click();
  const panel = widget(shop, 'section.panel');
  await panel.waitFor({ state: 'visible', timeout: WAIT });
  const box = await panel.boundingBox();
  assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 390, 844], 'full screen under 480 px');
  assert.equal(await launcher.getAttribute('aria-expanded'), 'true');
  step('phone: launcher opens a full-screen panel');

  await until('the greeting', async () => (await logTexts(shop)).some((t) => t.startsWith('Hi')));
  await until('the place in line', async () => (await widget(shop, '.status').textContent()).includes('number 1 in line'));
  // Nobody is online yet: the shopper is told so plainly and offered to leave a message at once (no "stay with us").
  assert.match(await widget(shop, '.status').textContent(), /No agent is online/);
  await widget(shop, 'form.leave').waitFor({ state: 'visible', timeout: WAIT });
  assert.equal(await widget(shop, 'ol.log').getAttribute('aria-live'), 'polite');
  assert.equal(await shop.evaluate(() => document.querySelector('[data-chat-gateway]').shadowRoot.activeElement?.id), 'cg-input',
    'the message box has the focus');
  const label = await widget(shop, 'label[for="cg-input"]').textContent();
  assert.equal(label, 'Your message', 'the message box is labelled');
  for (const id of ['launcher', 'composer', 'send', 'messages', 'queue-status']) {
    assert.ok(await shop.getByTestId(id).isVisible(), `the ${id} test hook`);
  }
  for (const id of ['leave-message-form', 'csat']) assert.equal(await shop.getByTestId(id).count(), 1, `the ${id} test hook`);
  step('greeting, honest place in line (nobody online: said so, leave-a-message offered), labelled input, live region');

  // A surge: ops switch surge mode on; the widget shows the FAQ and the leave-a-message form; the shopper leaves one.
  const surge = (mode) => fetch(`${ADMIN_URL}/admin/overflow`, { method: 'POST', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ group: 'general', mode }) });
  assert.equal((await surge('on')).status, 200);
  await widget(shop, 'form.leave').waitFor({ state: 'visible', timeout: WAIT });
  await widget(shop, 'details').waitFor({ state: 'visible', timeout: WAIT });
  await widget(shop, 'form.leave textarea').fill('Please call me about my order');
  await widget(shop, 'form.leave input[name="orderNo"]').fill('A-1');
  await widget(shop, 'form.leave button').click();
  await widget(shop, 'form.leave').waitFor({ state: 'hidden', timeout: WAIT });
  assert.equal((await surge('auto')).status, 200);
  step('surge: FAQ and leave-a-message form, message left');

  // An agent desktop (the client library in the agent role) takes the chat.
  const desk = await (await browser.newContext()).newPage();
  await desk.goto(`${GATEWAY_URL}/healthz`);
  await desk.evaluate(async ({ token }) => {
    const { connectAgent } = await import('/client/chat-gateway-client.js');
    window.frames_ = [];
    window.agent = connectAgent(location.origin, { token, autoAccept: true });
    window.agent.addEventListener('frame', (e) => window.frames_.push(e.detail));
  }, { token: AGENT_TOKEN });
  await until('the agent name', async () => (await widget(shop, '.who').textContent()).includes('Ann'));
  const chatId = await desk.evaluate(() => new Promise((resolve) => {
    const find = () => window.frames_.find((f) => f.type === 'assigned');
    const t = setInterval(() => { if (find()) { clearInterval(t); resolve(find().chatId); } }, 50);
  }));
  step('assigned: the shopper sees the agent\'s name');

  // Shopper writes; the agent sees it, and the shopper's typing.
  await widget(shop, '#cg-input').fill('Where is my order?');
  await widget(shop, '#cg-input').press('Enter');
  await until('the message at the desk', () => desk.evaluate(() => window.frames_.some((f) => f.type === 'message' && f.text === 'Where is my order?')));
  // typing is not ordered with messages (it takes no seq): wait for it rather than expect it first
  await until('the shopper\'s typing at the desk', () => desk.evaluate(() => window.frames_.some((f) => f.type === 'typing' && f.from === 'customer')));
  await until('the echo in the widget', async () => (await logTexts(shop)).includes('Where is my order?'));
  step('shopper writes (Enter sends), the agent sees the text and the typing');

  // The agent's text is shown as text, never as HTML.
  const hostile = '<img src=x onerror="window.__xss=1">It ships today';
  await desk.evaluate(({ chatId }) => window.agent.typing(chatId), { chatId });
  await until('the typing notice', async () => (await widget(shop, '.typing').textContent()).includes('Ann is typing'));
  await desk.evaluate(({ chatId, text }) => window.agent.sendMessage(text, { chatId }), { chatId, text: hostile });
  await until('the agent\'s answer', async () => (await logTexts(shop)).includes(hostile));
  assert.equal(await widget(shop, 'img').count(), 0);
  assert.equal(await shop.evaluate(() => window.__xss), undefined);
  assert.equal(await widget(shop, '.typing').textContent(), '', 'the typing notice goes with the message');
  step('agent typing shown; agent text rendered as text (no element, no script)');

  // The network drops: the widget says so, and after the resume every message is there once.
  await shop.evaluate(() => window.__chatGatewayWidget.client.dropConnection());
  await desk.evaluate(({ chatId }) => window.agent.sendMessage('Are you still there?', { chatId }), { chatId });
  await until('the missed message after the resume', async () => (await logTexts(shop)).includes('Are you still there?'));
  const texts = await logTexts(shop);
  for (const t of ['Where is my order?', hostile, 'Are you still there?']) {
    assert.equal(texts.filter((x) => x === t).length, 1, `"${t}" shown once`);
  }
  assert.ok(!(await widget(shop, '.status').textContent()).includes('Reconnecting'), 'the reconnecting notice is gone');
  await shot(shop, 'widget-phone');
  step('drop and resume: nothing lost, nothing twice');

  // A reload: the chat continues with its history, once.
  await shop.reload();
  await widget(shop, 'button.launcher').click();
  await until('the history after a reload', async () => (await logTexts(shop)).includes('Are you still there?'));
  const again = await logTexts(shop);
  assert.equal(again.filter((x) => x === 'Where is my order?').length, 1);
  step('reload: history on return, once');

  // Escape closes the panel and gives the focus back to the launcher.
  await widget(shop, '#cg-input').press('Escape');
  await until('the panel closing', async () => !(await panel.isVisible()));
  assert.equal(await shop.evaluate(() => document.querySelector('[data-chat-gateway]').shadowRoot.activeElement?.className), 'launcher');
  await widget(shop, 'button.launcher').click();
  step('keyboard: Escape closes, focus returns to the launcher');

  // The agent closes: the shopper rates the chat.
  await desk.evaluate(({ chatId }) => window.agent.send({ type: 'close', chatId }), { chatId });
  await widget(shop, 'form.csat').waitFor({ state: 'visible', timeout: WAIT });
  assert.ok((await logTexts(shop)).includes('The chat has ended.'));
  await widget(shop, 'form.csat label:nth-of-type(4)').click();
  await widget(shop, 'form.csat textarea').fill('quick and kind');
  await widget(shop, 'form.csat button').click();
  await until('the thanks', async () => (await widget(shop, 'form.csat').textContent()).includes('Thank you'));
  step('closed: CSAT stars and comment sent');

  await desk.close(); // the client-library agent leaves: from here on the console's agent (below) is the only one

  // Desktop layout and the Chinese widget.
  const desktop = await shopPage({ width: 1280, height: 800 }, '?lang=zh-CN');
  const zhLauncher = widget(desktop, 'button.launcher');
  await zhLauncher.waitFor({ timeout: WAIT });
  assert.equal(await zhLauncher.textContent(), '联系客服');
  await zhLauncher.click();
  const zhPanel = widget(desktop, 'section.panel');
  await zhPanel.waitFor({ state: 'visible', timeout: WAIT });
  assert.equal((await zhPanel.boundingBox()).width, 360, 'a side panel on a desktop');
  await until('the Chinese greeting', async () => (await logTexts(desktop)).some((t) => /[\u4e00-\u9fff]/.test(t)));
  await shot(desktop, 'widget-desktop-zh');
  step('desktop layout and zh-CN');

  // The whole story in the two real pages: the shopper in the widget on the shop's origin, the agent in the console.
  const agentPage = watch(await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage());
  await agentPage.goto(`${GATEWAY_URL}/console#token=${CONSOLE_AGENT_TOKEN}`);
  await agentPage.getByTestId('offer').waitFor({ timeout: WAIT });
  await agentPage.getByTestId('accept').click();
  await agentPage.getByTestId('chat-item').waitFor({ timeout: WAIT });
  await widget(desktop, '#cg-input').fill('我的包裹在哪里？');
  await widget(desktop, '#cg-input').press('Enter');
  await until('the shopper\'s words in the console', async () => (await agentPage.locator('#log').textContent()).includes('我的包裹在哪里？'));
  await agentPage.locator('#canned').selectOption({ index: 2 });
  const canned = await agentPage.getByTestId('composer').inputValue();
  await agentPage.getByTestId('send').click();
  await until('the canned reply in the widget', async () => (await logTexts(desktop)).includes(canned));
  await agentPage.getByLabel('Transfer to').fill('group:general');
  await agentPage.getByLabel('Note').fill('parcel question');
  await agentPage.getByTestId('transfer').click();
  await agentPage.getByTestId('offer').waitFor({ timeout: WAIT }); // back in the group: offered again to its only agent
  await agentPage.getByTestId('accept').click();
  await until('the chat open again', async () => !(await agentPage.getByTestId('send').isDisabled()));
  await agentPage.getByTestId('close-chat').click();
  await widget(desktop, 'form.csat').waitFor({ state: 'visible', timeout: WAIT });
  await widget(desktop, 'form.csat label:nth-of-type(5)').click();
  await widget(desktop, 'form.csat button').click();
  await until('the thanks', async () => (await widget(desktop, 'form.csat').textContent()).length > 0
    && (await widget(desktop, 'form.csat p').count()) === 1);
  step('widget and console together: canned reply, transfer with a note, close, rating');

});
