// Live updates for the dashboard: the service says which consent changed (SignalR, fed from the stored events);
// the list swaps in its fresh rows, a consent's page reloads (a GET, never a form again) unless someone is typing in
// one of its forms, a form of it is being sent (the answer is on its way and may be shown only once, such as a new
// tablet link; a reload would cancel it) or it shows a new tablet link.
(function () {
  'use strict';
  var live = document.body.dataset.live;
  if (!live || !window.signalR) return;
  var status = document.getElementById('live-status');
  var typing = false, sending = false;
  document.addEventListener('input', function () { typing = true; });
  document.addEventListener('submit', function () { sending = true; });

  var connection = new signalR.HubConnectionBuilder().withUrl('/dashboard/live').withAutomaticReconnect().build();
  // The newest stored event this page already shows: a message about it or anything older changes nothing.
  var shown = parseInt(document.body.dataset.liveSequence || '0', 10);
  // A change to this consent that the page does not show yet: reload it (a GET), unless that would throw work away.
  function behind(sequence) {
    if (sequence <= shown || sending) return;
    // A tablet link is shown only once, and a form being filled in is someone's work: neither is thrown away.
    if (typing || document.querySelector('[data-tablet-url]')) status.textContent = 'This consent changed. Reload the page to see it.';
    else location.replace(location.pathname + location.search);
  }
  // Updates sent while the page was loading or reconnecting reached nobody: ask once what the newest is.
  function catchUp() {
    if (live === 'list') return;
    fetch(location.pathname + '?handler=Sequence', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (v) { if (v) behind(v.sequence); });
  }
  connection.on('changed', function (consentId, type, sequence) {
    if (live === 'list') {
      var rows = document.getElementById('consent-rows');
      if (!rows) return;
      fetch(rows.dataset.rowsUrl, { credentials: 'same-origin', cache: 'no-store' })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null) { rows.innerHTML = html; status.textContent = 'The list was updated.'; } });
    } else if (consentId === live) {
      behind(sequence);
    }
    // Which update the page has handled last, for a test to wait on instead of sleeping.
    document.body.dataset.liveHandled = consentId + ':' + sequence;
  });
  connection.onreconnected(catchUp);
  connection.start().then(function () { document.body.dataset.liveConnected = 'true'; catchUp(); }).catch(function () {
    status.textContent = 'Live updates are not available; reload the page to see changes.';
  });
})();
