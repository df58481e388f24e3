// Runs in <head> so the reader's text size and contrast apply before the page is drawn. Kept for this browser
// session only (sessionStorage): the next patient on the tablet starts from the defaults.
(function () {
  var root = document.documentElement;
  try {
    var size = sessionStorage.getItem('consent.textSize');
    if (size) root.setAttribute('data-text-size', size);
    if (sessionStorage.getItem('consent.contrast') === 'high') root.classList.add('high-contrast');
  } catch (e) { /* storage unavailable: defaults */ }
})();
