// spa.html: the same sign-up for single-page frontends. The form is sent with fetch and
// `Accept: application/json`; the API answers {"authorize_url", "expires_at"} and sets the cookie that binds this
// browser to the sign-in, and the page navigates to X itself.
// The API may be on another origin of the same site as this page (www.example.com and api.example.com; set the
// form's action to the API's URL): credentials: 'include' makes the browser keep and send that cookie across
// origins, where 'same-origin' drops it and every sign-in ends in session_mismatch. The API's CORS configuration
// must list this page's origin (the allowedOrigins param), or the browser refuses the answer. On another SITE
// (execute-api.amazonaws.com under www.example.com) the browser refuses the SameSite=Lax cookie of a fetch even so:
// give the API a custom domain on the page's site, or use the classic form (index.html), whose top-level POST
// navigation may set it.
// Other answers: 200 {"result":"fail","reason"} when X or the store failed, 4xx {"error","reason"} for a form the
// API refuses. X sends the browser back to return_to, this page, which shows the result like index.html.
import { preparePage, showResult } from './site.js';

const { form, box } = preparePage();
const button = document.getElementById('signin');
const label = document.getElementById('signin-label');
const idleLabel = label.textContent;

// Come back to this page, not to the site's default landing page.
form.elements.namedItem('return_to').value = window.location.pathname;

function busy(on, text = idleLabel) {
  button.disabled = on;
  button.setAttribute('aria-busy', String(on));
  label.textContent = text;
}

function isWebURL(s) {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

function showFailure(reason, detail) {
  showResult(box, new URLSearchParams({ result: 'fail', reason: reason || '' }));
  if (detail) {
    const p = document.createElement('p');
    p.className = 'code';
    p.textContent = detail;
    box.append(p);
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  busy(true, 'Connecting to X…');
  let res;
  let data = {};
  try {
    res = await fetch(form.action, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(new FormData(form)),
      credentials: 'include', // the binding cookie, also when the API is on another origin (see the top)
      redirect: 'manual', // a redirect here would mean the API ignored Accept: never follow it blindly
    });
    data = await res.json().catch(() => ({}));
  } catch {
    busy(false, 'Try again with X');
    showFailure('', 'We couldn’t reach our server. Check your connection and try again.');
    return;
  }

  if (res.ok && typeof data.authorize_url === 'string' && isWebURL(data.authorize_url)) {
    busy(true, 'Opening X…');
    window.location.assign(data.authorize_url);
    return;
  }
  busy(false, 'Try again with X');
  if (res.ok && data.result === 'fail') {
    showFailure(data.reason);
  } else if (res.status >= 400 && res.status < 500 && typeof data.error === 'string') {
    // The API refused the form (a bug in the page rather than anything the visitor did).
    showFailure(data.reason, `The server refused the form: ${data.error}`);
  } else {
    showFailure('', `Unexpected answer from the server (HTTP ${res.status || 'redirect'}).`);
  }
});
