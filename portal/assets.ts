/**
 * The portal's stylesheet and script, served from memory at /portal/assets/ (nothing from a CDN, no web font: the
 * page works air-gapped). Readable on a 375 px phone; focus always visible.
 */
export const portalCss = `
:root { --ink: #1b1f24; --muted: #4f5864; --line: #d0d5dc; --accent: #0b57d0; --bad: #a4141b; --good: #146c2e;
  --bg: #ffffff; --panel: #f5f7fa; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: var(--bg); line-height: 1.5; font-size: 1rem; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--bg); padding: .5rem 1rem; }
.skip:focus { left: .5rem; z-index: 10; }
header.top { display: flex; flex-wrap: wrap; gap: .25rem 1rem; align-items: center; padding: .75rem 1rem;
  border-bottom: 1px solid var(--line); background: var(--panel); }
.brand { font-weight: 700; margin: 0; }
.who { margin: 0; color: var(--muted); font-size: .9rem; overflow-wrap: anywhere; }
.top-nav { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; margin-left: auto; }
form.inline { display: inline-flex; gap: .25rem; margin: 0; }
main { max-width: 56rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: .5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
section { margin-bottom: 1.5rem; }
ul.cards { list-style: none; padding: 0; margin: 0; display: grid; gap: .75rem; }
ul.cards > li { border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; }
.muted { color: var(--muted); }
.notice { border-left: 4px solid var(--good); background: #eef7f0; padding: .5rem .75rem; margin-bottom: 1rem; }
.notice.empty { display: none; }
.error-box { border-left: 4px solid var(--bad); background: #fbeff0; padding: .75rem 1rem; margin-bottom: 1rem; }
.refusals li { margin-bottom: .5rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-size: .95rem; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.amount, th.amount { text-align: right; white-space: nowrap; }
.table-wrap { overflow-x: auto; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0 0 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
fieldset { border: 1px solid var(--line); border-radius: 8px; margin: 0 0 1rem; padding: .5rem 1rem 1rem; }
legend { font-weight: 600; padding: 0 .25rem; }
label { display: block; margin: .25rem 0; }
fieldset label { display: flex; gap: .5rem; align-items: center; }
input[type=text], textarea { width: 100%; max-width: 36rem; font: inherit; padding: .5rem; border: 1px solid #767f8a; border-radius: 6px; }
button, .button { font: inherit; padding: .5rem 1rem; border-radius: 6px; border: 1px solid var(--accent);
  background: var(--bg); color: var(--accent); cursor: pointer; min-height: 44px; }
button.primary { background: var(--accent); color: #fff; }
button.danger { background: var(--bad); border-color: var(--bad); color: #fff; }
button[aria-pressed=true] { background: var(--accent); color: #fff; }
.top-nav button { min-height: 36px; padding: .25rem .75rem; }
.checklist { list-style: none; padding: 0; }
.checklist > li { border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin-bottom: .5rem; }
.checklist > li[data-done=true]::before { content: "✓ "; color: var(--good); font-weight: 700; }
.checklist > li[data-done=false]::before { content: "• "; color: var(--bad); font-weight: 700; }
.stage { font-weight: 700; }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; margin-top: 1rem; }
@media (max-width: 480px) { h1 { font-size: 1.35rem; } dl.facts { grid-template-columns: 1fr; } main { padding: .75rem; } }
`;

/**
 * On a page whose state changes by itself (a cancellation on its way), re-reads the page every 10 s and swaps the
 * `[data-live-region]` parts that changed; their container is a polite live region, so a screen reader hears the
 * new status. Without JavaScript the page is simply reloaded by hand.
 */
export const portalJs = `
(function () {
  var main = document.querySelector('main[data-live]');
  if (!main || !window.fetch || !window.DOMParser) return;
  var busy = false;
  // Each rendering gives a form a fresh Idempotency-Key: that alone is no change (and swapping would clear a
  // half-typed field).
  function norm(h) { return h.replace(/name="idempotencyKey" value="[^"]*"/g, ''); }
  function refresh() {
    if (busy || document.hidden) return;
    if (document.activeElement && document.activeElement.closest && document.activeElement.closest('[data-live-region] form')) return;
    busy = true;
    fetch(location.pathname, { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (text) {
        if (!text) return;
        var next = new DOMParser().parseFromString(text, 'text/html');
        document.querySelectorAll('[data-live-region]').forEach(function (region) {
          var fresh = next.querySelector('[data-live-region="' + region.getAttribute('data-live-region') + '"]');
          if (fresh && norm(fresh.innerHTML) !== norm(region.innerHTML)) region.innerHTML = fresh.innerHTML;
        });
      })
      .catch(function () {})
      .then(function () { busy = false; });
  }
  setInterval(refresh, Number(main.getAttribute('data-live')) || 10000);
})();
`;
