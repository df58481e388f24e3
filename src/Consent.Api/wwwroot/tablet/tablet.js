// The tablet's small script: opening the link, reading tools, the idle screen, waiting for staff, and the signature
// pad (signature_pad from npm). Every form works by a plain post; this only adds what a server cannot do.
(function () {
  'use strict';
  var body = document.body;
  var root = document.documentElement;

  function store(key, value) {
    try { if (value === null) sessionStorage.removeItem(key); else sessionStorage.setItem(key, value); } catch (e) { /* private mode */ }
  }

  // Opening: the token is in the fragment, which no server ever sees. Take it out of the address bar and the
  // history at once, then post it to get this browser session's cookie.
  var openForm = document.getElementById('open-form');
  if (openForm) {
    var token = location.hash.length > 1 ? decodeURIComponent(location.hash.substring(1)) : '';
    history.replaceState(null, '', location.pathname);
    var entry = document.getElementById('code-entry');
    if (token) {
      entry.hidden = true;
      document.getElementById('opening').hidden = false;
      document.getElementById('open-token').value = token;
      openForm.submit();
    } else if (entry.dataset.hasSession === 'true') {
      // No link in the address: back to this browser's own session.
      location.replace('/tablet/consent');
    }
  }

  // A session that ended leaves nothing behind for the next person, not even reading preferences.
  if (location.pathname === '/tablet/ended') { try { sessionStorage.clear(); } catch (e) { /* ignore */ } }

  // Text size: three steps above the default, kept for this browser session.
  var sizes = ['', 'large', 'larger', 'largest'];
  function setSize(delta) {
    var now = sizes.indexOf(root.getAttribute('data-text-size') || '');
    var next = Math.max(0, Math.min(sizes.length - 1, now + delta));
    if (sizes[next]) root.setAttribute('data-text-size', sizes[next]); else root.removeAttribute('data-text-size');
    store('consent.textSize', sizes[next] || null);
  }
  bind('text-smaller', function () { setSize(-1); });
  bind('text-larger', function () { setSize(1); });

  var contrast = document.getElementById('contrast');
  function showContrast() { if (contrast) contrast.setAttribute('aria-pressed', root.classList.contains('high-contrast') ? 'true' : 'false'); }
  showContrast();
  bind('contrast', function () {
    root.classList.toggle('high-contrast');
    store('consent.contrast', root.classList.contains('high-contrast') ? 'high' : null);
    showContrast();
  });

  // Read aloud with the browser's own speech, in the page's language.
  var readButton = document.getElementById('read-aloud');
  if (readButton && 'speechSynthesis' in window) {
    readButton.hidden = false;
    readButton.addEventListener('click', function () {
      if (speechSynthesis.speaking) { speechSynthesis.cancel(); readButton.textContent = body.dataset.textRead; return; }
      var main = document.querySelector('[data-read-aloud]') || document.getElementById('main');
      var utterance = new SpeechSynthesisUtterance(main.innerText);
      utterance.lang = root.lang;
      utterance.rate = 0.9;
      utterance.onend = function () { readButton.textContent = body.dataset.textRead; };
      readButton.textContent = body.dataset.textStop;
      speechSynthesis.speak(utterance);
    });
  }
  window.addEventListener('pagehide', function () { if ('speechSynthesis' in window) speechSynthesis.cancel(); });

  // Idle: warn, then hide the screen. A finished consent's screen ends the session instead of pausing it.
  var idleSeconds = parseInt(body.dataset.idleSeconds || '0', 10);
  var warnSeconds = parseInt(body.dataset.idleWarningSeconds || '0', 10);
  if (idleSeconds > 0) {
    var warning = document.getElementById('idle-warning');
    var warnTimer, hideTimer;
    var hide = function () {
      if ('speechSynthesis' in window) speechSynthesis.cancel();
      if (body.dataset.idleEnds === 'true') document.getElementById('idle-end-form').submit();
      else location.replace('/tablet/paused?lang=' + encodeURIComponent(root.lang));
    };
    var restart = function () {
      clearTimeout(warnTimer); clearTimeout(hideTimer);
      if (warning && !warning.hidden) warning.hidden = true;
      warnTimer = setTimeout(function () { if (warning) { warning.hidden = false; document.getElementById('idle-keep').focus(); } }, (idleSeconds - warnSeconds) * 1000);
      hideTimer = setTimeout(hide, idleSeconds * 1000);
    };
    ['pointerdown', 'keydown', 'wheel', 'touchstart', 'input'].forEach(function (type) {
      document.addEventListener(type, restart, { passive: true, capture: true });
    });
    bind('idle-keep', restart);
    restart();
  }

  // Waiting for staff: look for a change every few seconds and show it when it comes.
  var pollVersion = body.dataset.pollVersion;
  if (pollVersion) {
    setInterval(function () {
      fetch('/tablet/consent?handler=Version', { credentials: 'same-origin', cache: 'no-store' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (v) { if (v && String(v.version) !== pollVersion) location.replace('/tablet/consent'); })
        .catch(function () { /* try again next time */ });
    }, 4000);
  }

  bind('print', function () { window.print(); });

  // Signature: drawn with signature_pad, or the typed name drawn as a signature for those who cannot draw.
  var canvas = document.getElementById('signature-canvas');
  if (canvas && window.SignaturePad) {
    var pad = new window.SignaturePad(canvas, { minWidth: 1.2, maxWidth: 3.2, penColor: '#111111', backgroundColor: 'rgb(255,255,255)' });
    var resize = function () {
      var data = pad.toData();
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext('2d').scale(ratio, ratio);
      pad.clear();
      pad.fromData(data);
    };
    window.addEventListener('resize', resize);
    resize();
    var typed = false;
    pad.addEventListener('beginStroke', function () { if (typed) { pad.clear(); typed = false; } hideEmpty(); });
    bind('signature-clear', function () { pad.clear(); typed = false; });
    bind('signature-typed', function () {
      var name = document.getElementById('signer-name').value.trim();
      if (!name) { document.getElementById('signer-name').focus(); return; }
      pad.clear();
      var ctx = canvas.getContext('2d');
      ctx.fillStyle = '#111111';
      ctx.font = 'italic 34px "DejaVu Serif", Georgia, serif';
      ctx.textBaseline = 'middle';
      ctx.fillText(name, 20, canvas.offsetHeight / 2, canvas.offsetWidth - 40);
      typed = true;
      hideEmpty();
    });
    var empty = document.getElementById('signature-empty');
    var hideEmpty = function () { empty.hidden = true; };
    document.getElementById('step-form').addEventListener('submit', function (event) {
      if (pad.isEmpty() && !typed) {
        event.preventDefault();
        empty.hidden = false;
        empty.focus();
        return;
      }
      document.getElementById('signature-image').value = canvas.toDataURL('image/png');
    });
  }

  function bind(id, handler) {
    var element = document.getElementById(id);
    if (element) element.addEventListener('click', handler);
  }
})();
