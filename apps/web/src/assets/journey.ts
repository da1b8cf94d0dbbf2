// The journey view, kept live: the page is complete without this script; with it, the server's
// events (`data-events`) replace the diagram with a fresh server-rendered copy. The fragment is
// parsed with DOMParser (scripts in it never run) and swapped in whole: no innerHTML, and no
// value is ever put into markup here.
(() => {
  const initial = document.getElementById('journey-live');
  const url = initial?.dataset.events;
  if (!initial || !url || typeof EventSource === 'undefined') return;
  const progress = document.getElementById('journey-progress');
  const source = new EventSource(url);
  let updates = 0;

  source.addEventListener('journey', (e) => {
    const parsed = new DOMParser().parseFromString((e as MessageEvent<string>).data, 'text/html');
    const next = parsed.getElementById('journey-live');
    const current = document.getElementById('journey-live');
    if (!next || !current) return;
    // Keep each lane's "every hop" list open or closed as the person left it.
    const open = new Set(
      Array.from(current.querySelectorAll('section.lane details[open]')).map((d) => d.closest('section')?.id),
    );
    const fresh = document.importNode(next, true);
    for (const details of Array.from(fresh.querySelectorAll('section.lane details'))) {
      if (open.has(details.closest('section')?.id)) details.setAttribute('open', '');
    }
    // How many live updates this page has taken (the page as served has none).
    fresh.dataset.updates = String(++updates);
    // The person's place: the focused button (the break-it panel is in the fragment) keeps focus.
    const focused =
      document.activeElement && current.contains(document.activeElement) ? document.activeElement.id : '';
    current.replaceWith(fresh);
    if (focused) document.getElementById(focused)?.focus();
    const summary = fresh.dataset.summary;
    if (progress && summary && progress.textContent !== summary) progress.textContent = summary;
  });

  source.addEventListener('end', (e) => {
    source.close();
    const summary = document.getElementById('journey-live')?.dataset.summary ?? '';
    if (progress) progress.textContent = `${summary} ${(e as MessageEvent<string>).data}`.trim();
  });
})();
