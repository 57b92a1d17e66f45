/**
 * The console page's behaviour: pick who you are, open a chat, follow it
 * live (server-sent events), type, send a file, press buttons. Messages are
 * drawn by message-view.js as elements and text nodes only; no HTML is ever
 * built from strings here.
 */
(function () {
  'use strict';
  var view = window.dutydeskMessageView;
  var $ = function (id) {
    return document.getElementById(id);
  };
  var state = { user: null, chat: null, events: null, messages: new Map(), users: [] };

  function render() {
    var log = $('log');
    var list = Array.from(state.messages.values()).sort(function (a, b) {
      return Number(a.id) - Number(b.id);
    });
    log.replaceChildren.apply(
      log,
      list.map(function (m) {
        return view.toDom(view.messageView(m, state.users), document, press);
      }),
    );
    log.scrollTop = log.scrollHeight;
  }

  async function errorOf(res) {
    var body = await res.json().catch(function () {
      return {};
    });
    return String(body.error || 'HTTP ' + res.status);
  }

  async function press(p) {
    var res = await fetch('/console/api/press', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: state.user, chat: state.chat, messageId: p.messageId, action: p.action }),
    });
    if (!res.ok) alert(await errorOf(res));
  }

  async function openChat(chatId) {
    state.chat = chatId;
    state.messages.clear();
    render();
    document.querySelectorAll('.chat').forEach(function (el) {
      el.classList.toggle('active', el.dataset.chat === chatId);
    });
    if (state.events) state.events.close();
    state.events = new EventSource('/console/api/events?chat=' + encodeURIComponent(chatId));
    state.events.onmessage = function (e) {
      take([JSON.parse(e.data)]);
    };
    // Reconnected after a drop: what came meanwhile is fetched, so no answer is missed.
    state.events.onopen = function () {
      load(chatId);
    };
    await load(chatId);
  }

  /** Newer versions of messages replace older ones; the same version twice changes nothing. */
  function take(list) {
    var changed = false;
    list.forEach(function (m) {
      var old = state.messages.get(m.id);
      if (!old || old.version < m.version) {
        state.messages.set(m.id, m);
        changed = true;
      }
    });
    if (changed) render();
  }

  async function load(chatId) {
    var res = await fetch('/console/api/messages?chat=' + encodeURIComponent(chatId));
    if (!res.ok || state.chat !== chatId) return;
    take(await res.json());
  }

  function element(tag, text, className) {
    var el = document.createElement(tag);
    if (text !== undefined) el.textContent = text;
    if (className) el.className = className;
    return el;
  }

  /** Sends a line to the open chat as if typed (a home's action button): the same checks as any command. */
  async function say(text) {
    var res = await fetch('/console/api/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: state.user, chat: state.chat, text: text }),
    });
    if (!res.ok) alert(await errorOf(res));
  }

  /** The side panel: open incidents, what runs, and the actions this person may run (text nodes only). */
  async function loadHome() {
    var res = await fetch('/console/api/home?user=' + encodeURIComponent(state.user));
    if (!res.ok) return $('home').replaceChildren(element('div', 'Home: ' + (await errorOf(res))));
    var home = await res.json();
    var parts = [];
    if (home.incidents) parts.push(element('div', home.incidents.total ? '🔴 ' + home.incidents.total + ' open incident(s): ' + home.incidents.subjects.join(', ') : '✅ No open incidents'));
    if (home.tickets) parts.push(element('div', home.tickets.length + ' open ticket(s) of yours'));
    var running = element('ul');
    home.running.forEach(function (r) {
      running.append(element('li', r.what + (r.requestedBy ? ' (' + r.requestedBy + ')' : '')));
    });
    parts.push(element('div', home.running.length ? 'Running:' : 'Nothing is running.'));
    if (home.running.length) parts.push(running);
    home.actions.forEach(function (a) {
      if (a.runnable) {
        var b = element('button', '▶ ' + a.title, 'home-action');
        b.addEventListener('click', function () {
          say(a.usage);
        });
        parts.push(b);
      } else {
        parts.push(element('div', a.usage + ' — ' + a.title, 'home-usage'));
      }
    });
    $('home').replaceChildren.apply($('home'), parts);
  }

  async function pickUser(userId) {
    state.user = userId;
    localStorage.setItem('dutydesk.user', userId);
    var chats = await (await fetch('/console/api/chats?user=' + encodeURIComponent(userId))).json();
    $('chats').replaceChildren.apply(
      $('chats'),
      chats.map(function (c) {
        var div = document.createElement('div');
        div.className = 'chat';
        div.dataset.chat = c.chatId;
        div.textContent = c.title;
        div.addEventListener('click', function () {
          openChat(c.chatId);
        });
        return div;
      }),
    );
    await openChat(chats[0].chatId);
    await loadHome();
  }
  // What runs changes: the panel is read again now and then while the page is open.
  setInterval(function () {
    if (state.user) loadHome();
  }, 15000);

  $('file').addEventListener('change', function () {
    var file = $('file').files[0];
    $('filename').textContent = file ? file.name : '';
  });

  $('send').addEventListener('submit', async function (e) {
    e.preventDefault();
    var text = $('text').value.trim();
    if (!text) return;
    $('text').value = '';
    var file = $('file').files[0];
    var uploadId;
    if (file) {
      var up = await fetch('/console/api/upload?name=' + encodeURIComponent(file.name), { method: 'POST', body: file });
      if (!up.ok) return alert(await errorOf(up));
      uploadId = (await up.json()).uploadId;
      $('file').value = '';
      $('filename').textContent = '';
    }
    var res = await fetch('/console/api/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: state.user, chat: state.chat, text: text, uploadId: uploadId }),
    });
    if (!res.ok) alert(await errorOf(res));
  });

  /** Signed in (chat link or proxy): the page is that person's, with sign-out; demo: the identity picker. */
  (async function start() {
    var me = await fetch('/console/api/me');
    var who = await me.json().catch(function () {
      return {};
    });
    if (who.signIn !== 'demo') {
      $('user').hidden = true;
      var hint = document.querySelector('.hint');
      if (!me.ok || !who.user) {
        hint.textContent = who.error || 'Not signed in.';
        $('send').hidden = true;
        return;
      }
      state.users = [who.user];
      $('whoami').textContent = who.user.name;
      hint.textContent = 'Type help for what you can do.';
      var out = document.createElement('button');
      out.textContent = 'Sign out';
      out.addEventListener('click', async function () {
        await fetch('/console/signout', { method: 'POST' });
        location.reload();
      });
      $('whoami').after(out);
      return pickUser(who.user.id);
    }
    state.users = who.users;
    state.users.forEach(function (u) {
      $('user').add(new Option(u.name + ' (' + u.roles.join(', ') + ')', u.id));
    });
    var saved = localStorage.getItem('dutydesk.user');
    if (saved && state.users.some(function (u) { return u.id === saved; })) $('user').value = saved;
    $('user').addEventListener('change', function () {
      pickUser($('user').value);
    });
    await pickUser($('user').value);
  })();
})();
