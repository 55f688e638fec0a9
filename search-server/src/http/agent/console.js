// The agent console's progressive enhancement: keyboard shortcuts, Ctrl+Enter to send, and live
// updates from /agent/events. Every page works without this file.
(() => {
  'use strict';
  const page = document.body.dataset.page;
  const typing = (el) => el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));

  // Ctrl+Enter (or Cmd+Enter) in a textarea sends its form.
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && e.target.tagName === 'TEXTAREA' && e.target.form) {
      e.preventDefault();
      e.target.form.requestSubmit();
    }
  });

  const rows = () => Array.from(document.querySelectorAll('#inbox a.ticket-link'));
  let selected = null;
  function select(index) {
    const links = rows();
    if (links.length === 0) return;
    const i = Math.max(0, Math.min(links.length - 1, index));
    links.forEach((a) => a.closest('tr').classList.remove('selected'));
    links[i].closest('tr').classList.add('selected');
    links[i].focus();
    selected = links[i].closest('tr').dataset.reference;
  }
  function current() {
    return rows().findIndex((a) => a === document.activeElement || a.closest('tr').dataset.reference === selected);
  }

  const shortcuts = {
    inbox: {
      j: () => select(current() + 1),
      k: () => select(current() < 0 ? 0 : current() - 1),
      '/': () => document.getElementById('f-status')?.focus(),
    },
    ticket: {
      r: () => document.getElementById('reply')?.focus(),
      n: () => document.getElementById('note')?.focus(),
      s: () => document.getElementById('status-solved')?.click(),
      i: () => { location.href = '/agent'; },
    },
  };
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    const action = shortcuts[page]?.[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  });

  // Live updates: when the inbox changes, fetch this page again and swap in the parts that
  // show data (never a form being filled in).
  const live = { inbox: ['inbox'], ticket: ['conversation-list', 'ticket-facts'] }[page];
  if (!live || !window.EventSource || !window.DOMParser) return;
  const status = document.createElement('div');
  status.className = 'visually-hidden';
  status.setAttribute('role', 'status');
  document.querySelector('main').append(status);
  let marker = document.getElementById('inbox')?.dataset.marker;
  let refreshing = false;
  async function refresh() {
    if (refreshing) return;
    refreshing = true;
    try {
      const response = await fetch(location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
      if (!response.ok || response.redirected) return;
      const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
      const hadFocus = document.getElementById(live[0])?.contains(document.activeElement);
      for (const id of live) {
        const now = document.getElementById(id);
        const next = fresh.getElementById(id);
        if (now && next) now.replaceWith(document.adoptNode(next));
      }
      if (page === 'inbox') {
        const i = rows().findIndex((a) => a.closest('tr').dataset.reference === selected);
        if (i >= 0) {
          rows()[i].closest('tr').classList.add('selected');
          if (hadFocus) rows()[i].focus();
        }
        status.textContent = `Inbox updated: ${document.getElementById('inbox-count')?.textContent ?? ''}`;
      } else {
        status.textContent = 'This ticket was updated.';
      }
    } finally {
      refreshing = false;
    }
  }
  const events = new EventSource('/agent/events');
  events.addEventListener('inbox', (e) => {
    if (marker === undefined) { marker = e.data; return; }
    if (e.data !== marker) {
      marker = e.data;
      refresh();
    }
  });
})();
