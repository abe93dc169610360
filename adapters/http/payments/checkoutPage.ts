import type { CreditPackage } from '../../../core/ledger/config.js';
import { decimalFromMinor } from '../../../app/payments/money.js';

/**
 * The web checkout page: the user logs in with the Telegram Login Widget, picks a package and a
 * way to pay, and is sent to Stripe Checkout (USD) or YooKassa (RUB). Plain HTML and a little
 * script: no build step, nothing to load but Telegram's widget.
 */

export interface CheckoutPageOptions {
  botUsername: string;
  packages: readonly CreditPackage[];
  stripe: boolean;
  yookassa: boolean;
  /** CSP nonce of this response's inline script. */
  nonce: string;
}

const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The Content-Security-Policy of the page: our script by nonce, Telegram's widget and its frame. */
export const checkoutPageCsp = (nonce: string): string =>
  [
    `default-src 'self'`,
    `script-src 'nonce-${nonce}' https://telegram.org`,
    `frame-src https://oauth.telegram.org`,
    `img-src 'self' https://t.me https://telegram.org data:`,
    `style-src 'unsafe-inline'`,
    `connect-src 'self'`,
  ].join('; ');

const packageOption = (pkg: CreditPackage, index: number): string => {
  const checked = index === 0 ? ' checked' : '';
  const usd = decimalFromMinor(pkg.prices.USD);
  const rub = decimalFromMinor(pkg.prices.RUB);
  return `
    <label class="package">
      <input type="radio" name="package" value="${pkg.id}" data-testid="package-${pkg.id}"${checked}>
      <strong>${pkg.credits} credits</strong> (${pkg.id}) — $${usd} or ${rub} ₽
    </label>`;
};

const SCRIPT = `
  const state = { auth: null, attemptId: crypto.randomUUID() };
  const $ = (id) => document.getElementById(id);
  window.onTelegramAuth = (user) => {
    state.auth = user;
    $('who').textContent = user.username ? '@' + user.username : user.first_name;
    $('login').hidden = true;
    $('buy').hidden = false;
  };
  const pay = async (provider) => {
    $('error').textContent = '';
    const packageId = document.querySelector('input[name=package]:checked').value;
    const email = $('email').value.trim();
    if (provider === 'yookassa' && !email) { $('error').textContent = 'Enter an e-mail for the receipt.'; return; }
    for (const b of document.querySelectorAll('button')) b.disabled = true;
    try {
      const response = await fetch('/checkout/session', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          auth: state.auth, packageId, provider, attemptId: state.attemptId, ...(email ? { email } : {}),
        }),
      });
      const answer = await response.json();
      if (!response.ok) throw new Error(answer.error ? answer.error.message : 'checkout failed');
      window.location.assign(answer.url);
    } catch (error) {
      $('error').textContent = error.message;
      for (const b of document.querySelectorAll('button')) b.disabled = false;
    }
  };
  $('choice').addEventListener('submit', (event) => event.preventDefault());
  for (const button of document.querySelectorAll('button[data-provider]')) {
    button.addEventListener('click', () => pay(button.dataset.provider));
  }`;

const TELEGRAM_WIDGET = 'https://telegram.org/js/telegram-widget.js?22';
const STRIPE_BUTTON =
  '<button type="button" data-provider="stripe" data-testid="pay-stripe">Pay by card (USD)</button>';
const YOOKASSA_BUTTON =
  '<button type="button" data-provider="yookassa" data-testid="pay-yookassa">Оплатить картой (₽)</button>';

export const checkoutPageHtml = (options: CheckoutPageOptions): string => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Modera: buy credits</title>
  <style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}
  .package{display:block;margin:.5rem 0}button{margin:.5rem .5rem 0 0;padding:.6rem 1rem}#error{color:#b00}</style>
</head>
<body>
  <h1>Buy Modera credits</h1>
  <section id="login">
    <p>Log in with Telegram: the credits go to the account of the bot.</p>
    <script async src="${TELEGRAM_WIDGET}" data-telegram-login="${escape(options.botUsername)}"
      data-size="large" data-request-access="write" data-onauth="onTelegramAuth(user)"></script>
  </section>
  <section id="buy" hidden>
    <p>Buying for <span id="who"></span></p>
    <form id="choice">${options.packages.map(packageOption).join('')}
      <label>E-mail for the receipt <input type="email" id="email" autocomplete="email"></label>
    </form>
    ${options.stripe ? STRIPE_BUTTON : ''}
    ${options.yookassa ? YOOKASSA_BUTTON : ''}
    <p id="error" role="alert"></p>
  </section>
  <script nonce="${options.nonce}">${SCRIPT}</script>
</body>
</html>`;

/** Where the providers send the user back. Credits arrive with the provider's confirmation, not this page. */
export const checkoutReturnHtml = (result: 'done' | 'cancel'): string => {
  const message =
    result === 'done'
      ? 'Thank you! Your credits will appear in the bot in a moment.'
      : 'Payment cancelled. Nothing was charged.';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Modera</title></head>
<body><h1 id="result">${message}</h1></body></html>`;
};
