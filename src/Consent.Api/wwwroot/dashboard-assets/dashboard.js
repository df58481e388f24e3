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
  // A part of the page fetched again: a GET, or for a searched list the filter form posted again (a name typed in
  // the search never goes into a URL).
  function refresh(element, url, formId) {
    var form = formId && document.getElementById(formId);
    var request = form
      ? fetch(url.split('?')[0] + '?handler=Rows', { method: 'POST', body: new FormData(form), credentials: 'same-origin', cache: 'no-store' })
      : fetch(url, { credentials: 'same-origin', cache: 'no-store' });
    return request.then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) element.innerHTML = html; return html !== null; });
  }
  connection.on('changed', function (consentId, type, sequence) {
    if (live === 'list') {
      var queue = document.getElementById('work-queue');
      var rows = document.getElementById('consent-rows');
      var done = [];
      if (queue) done.push(refresh(queue, queue.dataset.queueUrl));
      if (rows) done.push(refresh(rows, rows.dataset.rowsUrl, rows.dataset.rowsPost));
      Promise.all(done).then(function () {
        status.textContent = 'The list was updated.';
        document.body.dataset.liveRefreshed = consentId + ':' + sequence;
      });
    } else if (consentId === live) {
      behind(sequence);
    }
    // Which update the page has handled last, for a test to wait on instead of sleeping.
    document.body.dataset.liveHandled = consentId + ':' + sequence;
  });
  // Someone at a tablet waits for staff: a browser notification reaches them in another tab or window too. It says
  // what kind of thing is waiting, never what was asked or who asked it (a notification can show on a locked screen).
  var alertTexts = {
    question: 'A patient has a question and is waiting at the tablet.',
    identity: 'A patient said "This is not me" on the tablet.'
  };
  connection.on('alert', function (consentId, kind) {
    document.body.dataset.lastAlert = kind + ':' + consentId;
    if (!('Notification' in window) || Notification.permission !== 'granted' || !alertTexts[kind]) return;
    var note = new Notification('Consent: needs you now', { body: alertTexts[kind], tag: kind + ':' + consentId });
    note.onclick = function () { window.focus(); location.assign('/dashboard/consents/' + consentId); };
  });
  connection.onreconnected(catchUp);
  connection.start().then(function () { document.body.dataset.liveConnected = 'true'; catchUp(); }).catch(function () {
    status.textContent = 'Live updates are not available; reload the page to see changes.';
  });

  // Asked once, by a button the user presses: a browser asks for permission only after a person chose to be told.
  var ask = document.getElementById('notify-ask');
  if (ask && 'Notification' in window && Notification.permission === 'default') {
    ask.hidden = false;
    ask.addEventListener('click', function () {
      Notification.requestPermission().then(function (answer) {
        ask.hidden = true;
        status.textContent = answer === 'granted' ? 'You will be told about questions while this page is open.' : 'No notifications: the queue on this page still updates.';
      });
    });
  }
})();
