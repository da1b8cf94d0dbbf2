// Automatic logoff in the page: after `data-idle-seconds` without a key or a click, the page
// signs out (the server would refuse the session anyway). `data-idle-warn-seconds` before
// that, a dialog counts down and offers to stay signed in (which tells the server too).
(() => {
  const body = document.body;
  const idleSeconds = Number(body.dataset.idleSeconds);
  const warnSeconds = Number(body.dataset.idleWarnSeconds);
  const dialog = document.getElementById('idle-warning') as HTMLDialogElement | null;
  const countdown = document.getElementById('idle-countdown');
  const logout = document.getElementById('idle-logout') as HTMLFormElement | null;
  const stay = document.getElementById('idle-stay');
  if (!idleSeconds || !dialog || !countdown || !logout || !stay) return;

  let lastActivity = Date.now();
  let lastPing = Date.now();
  const ping = () => {
    lastPing = Date.now();
    void fetch('/session/keepalive', {
      method: 'POST',
      headers: { 'x-csrf-token': body.dataset.csrf ?? '' },
      credentials: 'same-origin',
    }).then((r) => {
      if (r.status === 303 || r.redirected || r.status === 401) window.location.assign('/?signed-out=idle');
    });
  };
  const active = () => {
    if (dialog.open) return; // Only the button counts once the warning shows.
    lastActivity = Date.now();
    // Activity in the page (typing a long record) keeps the server's session alive too.
    if (Date.now() - lastPing > (idleSeconds * 1000) / 3) ping();
  };
  for (const type of ['keydown', 'pointerdown', 'input'])
    document.addEventListener(type, active, { passive: true });
  stay.addEventListener('click', () => {
    lastActivity = Date.now();
    dialog.close();
    ping();
  });
  const tick = setInterval(() => {
    const left = idleSeconds - Math.floor((Date.now() - lastActivity) / 1000);
    if (left <= 0) {
      // Once: a second submit while the first is under way (a slow answer) would abort it.
      clearInterval(tick);
      logout.submit();
      return;
    }
    if (left <= warnSeconds) {
      countdown.textContent = String(left);
      if (!dialog.open) dialog.showModal();
    }
  }, 1000);
})();
