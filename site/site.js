// The landing page's behaviour, shared by index.html (the form posts, the browser follows the redirects) and
// spa.html (the same form sent with fetch). No framework, no dependencies.
//
// After the sign-in, /api/twitter-callback sends the browser back here with a query string:
//   ?result=success&type=twitter&screen_name=alice[&follow=intent&follow_user_id=<digits>]
//   ?result=success&type=twitter&screen_name=acme&brand=connected   (brand.html: the brand's own start)
//   ?result=denied&type=twitter
//   ?result=fail&type=twitter&reason=<code>
// showResult() explains each outcome in plain words.

// What a visitor reads for each failure reason. `owner` is for whoever runs the site: the fix, where the cause is
// a setup problem rather than something the visitor can change.
export const REASONS = {
  session_not_found: {
    text: 'This sign-in link was already used, or we don’t recognise it. Please start again below.',
  },
  session_expired: {
    text: 'The sign-in took more than 15 minutes and expired. Please start again below.',
  },
  session_mismatch: {
    text: 'The sign-in was finished in a different browser from the one that started it. Please start again in this browser.',
  },
  not_the_brand: {
    text: 'That X account is not the brand’s account, so nothing was kept and its access was withdrawn at X. Sign in with the brand’s own account.',
    owner: 'The brand’s start (brand=true) keeps only the account FOLLOW_UID names: sign in at X as that account.',
  },
  bad_callback: {
    text: 'X sent you back to us with an incomplete answer. Please try again.',
  },
  store_unavailable: {
    text: 'We couldn’t save your sign-up just now. Please try again in a minute.',
    owner: 'DynamoDB did not answer (see the twitter_callback or generate_session logs).',
  },
  x_unavailable: {
    text: 'X isn’t answering right now. Please try again in a few minutes.',
  },
  x_timeout: {
    text: 'X took too long to answer. Please try again.',
  },
  x_rate_limited: {
    text: 'X is getting too many sign-ins at the moment. Please try again in a few minutes.',
  },
  x_malformed: {
    text: 'X sent an answer we couldn’t read. Please try again.',
  },
  x_auth_failed: {
    text: 'X didn’t accept our app’s credentials. This is a problem on our side, not yours; please try again later.',
    owner: 'X error 32: check TWITTER_CONSUMER_KEY and the consumer secret in the X developer portal.',
  },
  x_bad_auth_data: {
    text: 'X rejected our sign-in request. This is a problem on our side, not yours; please try again later.',
    owner: 'X error 215: the request was not signed correctly (consumer key or secret).',
  },
  x_clock_skew: {
    text: 'Our server’s clock is out of step with X’s. This is a problem on our side; please try again later.',
    owner: 'X error 135: the server clock is off; check its time synchronisation.',
  },
  x_callback_not_approved: {
    text: 'X doesn’t yet allow this site to sign you in. This is a setup problem on our side; please try again later.',
    owner: 'X error 415: add TWITTER_CALLBACK_URL to the app’s callback URLs in the X developer portal.',
  },
  x_app_not_web: {
    text: 'Our X app isn’t set up for signing in on a website yet. This is a setup problem on our side.',
    owner: 'X error 417: set the app type to “Web App” in the app’s user authentication settings.',
  },
  x_access_level: {
    text: 'Our X app’s plan doesn’t allow this yet. This is a problem on our side, not yours.',
    owner: 'X error 453: the app’s access level or plan does not include this endpoint.',
  },
  x_token_invalid: {
    text: 'X no longer accepts this sign-in. Please start again below.',
  },
  x_usage_capped: {
    text: 'Our app has used up its X allowance for now. Please try again later.',
    owner: 'The X app reached its usage cap for the period (see the plan in the X developer portal).',
  },
  internal: {
    text: 'Something went wrong on our side. Please try again.',
  },
};

const GENERIC = { text: 'Something went wrong and the sign-up didn’t finish. Please try again.' };

// explain returns the words for a reason code; an unknown or missing code gets a generic message.
export function explain(reason) {
  return Object.prototype.hasOwnProperty.call(REASONS, reason) ? REASONS[reason] : GENERIC;
}

// X account ids are decimal strings of up to 19 digits (and exceed 2^53: never parse them as numbers).
const X_USER_ID = /^[0-9]{1,19}$/;
const SCREEN_NAME = /^[A-Za-z0-9_]{1,15}$/;

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k in node) node[k] = v;
    else node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

// showResult renders an outcome into #result: {result, reason, screen_name, follow, follow_user_id} as the
// callback puts them in the query string (spa.js passes the same shape for answers it got by fetch).
// It returns the outcome shown, or '' when there is none.
export function showResult(box, params) {
  const result = params.get('result');
  if (!result) {
    box.hidden = true;
    return '';
  }
  const kind = ['success', 'denied', 'fail'].includes(result) ? result : 'fail';
  box.replaceChildren();
  box.dataset.result = kind;

  const title = el('h2', { tabIndex: -1 });
  box.append(title);
  if (kind === 'success' && params.get('brand') === 'connected') {
    const name = params.get('screen_name') || '';
    title.textContent = SCREEN_NAME.test(name) ? `@${name} is connected as the brand` : 'The brand account is connected';
    box.append(el('p', {}, 'Welcome messages and campaigns go out from this account. Messages that waited for it are on their way.'));
  } else if (kind === 'success') {
    const name = params.get('screen_name') || '';
    title.textContent = SCREEN_NAME.test(name) ? `You’re in, @${name}!` : 'You’re in!';
    box.append(el('p', {}, 'Thanks for signing up. Watch your X Direct Messages: our welcome message is on its way.'));
    const uid = params.get('follow_user_id') || '';
    if (params.get('follow') === 'intent' && X_USER_ID.test(uid)) {
      box.append(
        el('p', {}, 'One more step to follow us: X asks you to confirm it yourself.'),
        el(
          'div',
          { className: 'actions' },
          el('a', {
            id: 'follow-intent',
            className: 'x-button',
            href: `https://x.com/intent/follow?user_id=${uid}`,
            target: '_blank',
            rel: 'noopener noreferrer',
            textContent: 'Follow us on X',
          })
        )
      );
    }
  } else if (kind === 'denied') {
    title.textContent = 'No problem: you cancelled at X';
    box.append(el('p', {}, 'Nothing was shared with us. You can sign up whenever you like.'));
  } else {
    const reason = params.get('reason') || '';
    const why = explain(reason);
    title.textContent = 'Your sign-up didn’t finish';
    box.append(el('p', { id: 'reason', dataset: { reason } }, why.text));
    if (reason) box.append(el('p', { className: 'code' }, `Reason code: ${reason}`));
    if (why.owner) {
      box.append(el('details', {}, el('summary', {}, 'Details for the site owner'), el('p', {}, why.owner)));
    }
  }
  box.hidden = false;
  // Move focus to the outcome so that keyboard and screen-reader users land on it.
  title.focus({ preventScroll: false });
  return kind;
}

// The attribution fields the form carries (shared/web keeps utm_source, _medium, _campaign, _term, _content).
const UTM_FIELDS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'];

// fillAttribution copies the page's own utm_* query parameters into the form's hidden fields, and disables the
// empty ones so that they are not sent at all.
export function fillAttribution(form, params) {
  for (const name of UTM_FIELDS) {
    const input = form.elements.namedItem(name);
    if (!input) continue;
    const value = (params.get(name) || '').trim().slice(0, 200);
    input.value = value;
    input.disabled = value === '';
  }
}

// preparePage wires a page that has the #signup form and the #result box.
export function preparePage() {
  const params = new URLSearchParams(window.location.search);
  const form = document.getElementById('signup');
  const box = document.getElementById('result');
  fillAttribution(form, params);
  const shown = showResult(box, params);
  if (shown === 'success') {
    // Signed up: the form is done with (a reload keeps showing the result).
    document.getElementById('signup-card').hidden = true;
  } else if (shown) {
    document.getElementById('signin-label').textContent = 'Try again with X';
  }
  return { params, form, box, shown };
}
