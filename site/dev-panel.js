// Local development only (`make dev`): shows what happened on the X sandbox, the follow, the welcome DM and the
// opt-in post, under the result. Delete this file and its script tag when you copy the page.
//
// It reads /_dev/x/state, which make dev serves on the page's own origin (a proxy of the sandbox's
// /_sandbox/state: the sandbox itself is on another port and sends no CORS headers), and links to /_dev/x/, the
// sandbox's full panel. Anywhere else (real X, a deployed site) that route does not exist and nothing is shown.
const STATE = '/_dev/x/state';
const PANEL = '/_dev/x/';
const POLL_MS = 2000;
const POLL_FOR_MS = 2 * 60 * 1000;
const SHOW = 5;

const section = document.getElementById('x-activity');
const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(window.location.hostname);

function el(tag, { dataset, ...props } = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  Object.assign(node.dataset, dataset);
  node.append(...children);
  return node;
}

function when(at) {
  const d = new Date(at);
  return el('time', { dateTime: d.toISOString(), textContent: d.toLocaleTimeString() });
}

function list(id, title, items, empty, render) {
  const ul = el('ul', { id });
  if (items.length === 0) ul.append(el('li', { className: 'none', textContent: empty }));
  for (const it of items.slice(0, SHOW)) ul.append(render(it));
  return el('div', {}, el('h3', { textContent: title }), ul);
}

function render(state, screenName, followIntent) {
  const byId = new Map((state.users || []).map((u) => [u.id, u]));
  const name = (id) => `@${byId.get(id)?.username ?? id}`;
  const me = (state.users || []).find((u) => u.username === screenName)?.id;
  const mine = (...ids) => !me || ids.includes(me);
  const newest = (xs) => [...(xs || [])].reverse();

  const follows = newest(state.follows).filter((f) => mine(f.source_user_id, f.target_user_id));
  const dms = newest(state.dms).filter((d) => mine(d.sender_id, d.recipient_id));
  const tweets = newest(state.tweets).filter((t) => mine(t.author_id));

  section.replaceChildren(
    el('h2', { id: 'x-activity-title' }, el('span', { className: 'badge', textContent: 'local' }), ' What happened on X'),
    el('p', { className: 'hint' },
      me ? `Activity of ${name(me)} on the X sandbox. ` : 'Recent activity on the X sandbox. ',
      el('a', { href: PANEL, target: '_blank', rel: 'noopener', textContent: 'Open the sandbox panel' })),
    el('div', { className: 'dev-grid' },
      list('x-follows', 'Follows', follows, followIntent ? 'None through the API: with FOLLOW_MODE=intent the visitor follows with X’s button.' : 'No follow yet.', (f) =>
        el('li', {}, `${name(f.source_user_id)} ${f.pending ? 'asked to follow' : 'followed'} ${name(f.target_user_id)}`, when(f.at))),
      list('x-dms', 'Direct Messages', dms, 'No DM yet.', (d) =>
        el('li', { dataset: { recipientId: d.recipient_id } }, `${name(d.sender_id)} → ${name(d.recipient_id)}: ${d.text}`, when(d.at))),
      list('x-tweets', 'Posts', tweets, 'No post yet.', (t) =>
        el('li', {}, `${name(t.author_id)}: ${t.text}`, when(t.at))))
  );
  section.hidden = false;
}

async function refresh(screenName, followIntent) {
  const res = await fetch(STATE, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (!res.ok) return false;
  render(await res.json(), screenName, followIntent);
  return true;
}

if (section && loopback) {
  const params = new URLSearchParams(window.location.search);
  const screenName = params.get('result') === 'success' ? params.get('screen_name') : null;
  const followIntent = params.get('follow') === 'intent';
  const until = Date.now() + POLL_FOR_MS;
  const tick = async () => {
    let ok = false;
    try {
      ok = await refresh(screenName, followIntent);
    } catch {
      ok = false;
    }
    // The actions run after the redirect: keep looking for a while, unless there is no sandbox to ask.
    if (ok && Date.now() < until) setTimeout(tick, POLL_MS);
  };
  tick();
}
