import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import t from 'tap';
import { yookassaNotification } from '../../../test/fakes/yookassaServer.js';
import { stripeEvent } from '../../../test/fakes/stripePayloads.js';
import { BOT_TOKEN, deliverStripe, deliverYooKassa, paymentsHarness } from '../../../test/support/payments.js';
import { telegramLoginHash } from './telegramLogin.js';

/** Debian's `chromium` package (apt-get install chromium), or CHROMIUM_PATH. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** What the Telegram Login Widget hands the page for this user, signed as Telegram signs it. */
const widgetLogin = (id: number, token = BOT_TOKEN) => {
  const fields = { id, first_name: 'Ann', username: `ann${id}`, auth_date: Math.floor(Date.now() / 1000) };
  return { ...fields, hash: telegramLoginHash(fields, token) };
};

const openCheckout = async (browser: Browser, base: string): Promise<Page> => {
  const page = await browser.newPage();
  // The widget's script comes from telegram.org; offline, it is stubbed, and the test plays
  // Telegram's part by calling the page's onTelegramAuth as the widget does after login.
  await page.route('https://telegram.org/**', (route) => route.fulfill({ contentType: 'text/javascript', body: '' }));
  await page.goto(`${base}/checkout`);
  return page;
};

const login = (page: Page, user: ReturnType<typeof widgetLogin>) =>
  page.evaluate((u) => (globalThis as unknown as { onTelegramAuth(user: unknown): void }).onTelegramAuth(u), user);

t.test(
  'checkout page in headless Chromium: Telegram login, pick a package, pay at Stripe or YooKassa, credited',
  { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium)` },
  async (t) => {
    const h = await paymentsHarness(t);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    t.teardown(() => browser.close());
    const processor = h.processor();

    t.test('Stripe (USD)', async (t) => {
      const page = await openCheckout(browser, base);
      t.equal(await page.locator('#buy').isVisible(), false, 'nothing to buy before the login');
      await login(page, widgetLogin(7001));
      t.equal(await page.locator('#who').textContent(), '@ann7001');
      await page.getByTestId('package-premium').check();
      await Promise.all([page.waitForURL(`${h.stripeFake.url}/pay/**`), page.getByTestId('pay-stripe').click()]);
      t.match(await page.locator('#stripe-checkout').textContent(), /Pay for cs_test_/);
      const sessionId = new URL(page.url()).pathname.split('/').pop()!;
      t.match(h.stripeFake.sessions.get(sessionId), {
        client_reference_id: '7001',
        metadata: { packageId: 'premium', userId: '7001' },
        amount_total: 799,
      });
      // The customer pays at Stripe; Stripe tells us.
      await deliverStripe(h.app, stripeEvent('checkout.session.completed', h.stripeFake.pay(sessionId)));
      await processor.drain();
      t.match((await h.account('7001')).events.at(-1), {
        type: 'CreditsPurchased',
        data: { provider: 'stripe', packageId: 'premium', credits: 50 },
      });
    });

    t.test('YooKassa (RUB), with the e-mail for the receipt', async (t) => {
      const page = await openCheckout(browser, base);
      await login(page, widgetLogin(7002));
      await page.getByTestId('pay-yookassa').click();
      t.match(await page.locator('#error').textContent(), /e-mail/, 'the receipt needs an e-mail');
      await page.locator('#email').fill('ann@example.com');
      await Promise.all([
        page.waitForURL(`${h.yookassaFake.url.replace(/\/v3$/, '')}/pay/**`),
        page.getByTestId('pay-yookassa').click(),
      ]);
      const paymentId = new URL(page.url()).pathname.split('/').pop()!;
      t.match(h.yookassaFake.payments.get(paymentId), {
        metadata: { userId: '7002', packageId: 'basic' },
        amount: { value: '199.00', currency: 'RUB' },
      });
      await deliverYooKassa(h.app, yookassaNotification('payment.succeeded', h.yookassaFake.succeed(paymentId)));
      await processor.drain();
      t.match((await h.account('7002')).events.at(-1), {
        type: 'CreditsPurchased',
        data: { provider: 'yookassa', amountMinor: 19_900, currency: 'RUB' },
      });
    });

    t.test('a login not signed with our bot token buys nothing', async (t) => {
      const page = await openCheckout(browser, base);
      const sessions = h.stripeFake.sessions.size;
      await login(page, widgetLogin(7003, '999999:forged-token-forged-token-forged'));
      await page.getByTestId('pay-stripe').click();
      await page
        .locator('#error')
        .filter({ hasText: /Telegram login refused/ })
        .waitFor();
      t.equal(new URL(page.url()).pathname, '/checkout', 'still on our page');
      t.equal(h.stripeFake.sessions.size, sessions, 'no session was created');
    });
  },
);
