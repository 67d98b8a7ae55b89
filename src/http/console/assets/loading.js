// The view's loading state, for people (aria-busy) and for WebDriver tests:
// `#view[data-loaded]` and `body[data-ready]` are "true" once a view (or a
// re-load inside it, such as the next page of a table) has finished.

const view = () => document.getElementById('view');

export function markLoading() {
  const el = view();
  el.dataset.loaded = 'false';
  el.setAttribute('aria-busy', 'true');
  delete document.body.dataset.ready;
}

/**
 * owner: an element of the view that asked; when it has left the page (the
 * user moved on while it loaded) the new view's state is left alone.
 */
export function markLoaded(status = 'ok', owner = null) {
  if (owner && !owner.isConnected) return;
  const el = view();
  el.dataset.loaded = 'true';
  el.dataset.status = status;
  el.setAttribute('aria-busy', 'false');
  document.body.dataset.ready = 'true';
  // When the view became usable, in the page's own clock (the browser
  // checks read it against navigation start).
  performance.mark('fleet-risk:view-loaded');
}
