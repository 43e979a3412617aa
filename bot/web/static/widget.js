/*! resbot chat widget. Answers about UN resolutions, quoted verbatim with their citations.
 *
 * Embed with one tag:
 *   <script src="https://bot.example.org/widget.js" data-title="Ask about A/RES/71/194"
 *           defer></script>
 * Options (data attributes on that tag):
 *   data-server  the bot's address (default: where widget.js comes from)
 *   data-title   the panel's title
 *   data-accent  a CSS colour for the launcher, header and links
 *   data-open    "true" to open the panel when the page loads
 *
 * The panel opens with a few questions to start with, from the bot (GET /api/starters).
 * When the bot refuses this page's origin (it is not in the server's RESBOT_CORS_ORIGINS),
 * the browser console says so and what to set; visitors see a plain "cannot be reached".
 *
 * Plain ES2017, no dependencies. Every piece of user and bot text goes into the page as text
 * (textContent, text nodes), never as HTML; only http(s) citation URLs become links.
 */
(function () {
  'use strict';

  if (window.resbotWidgetLoaded) {
    return;
  }
  window.resbotWidgetLoaded = true;

  const SVG_NS = 'http://www.w3.org/2000/svg';
  const MAX_MESSAGE_CHARS = 2000;
  const MAX_ENTRIES = 60;
  const TIMEOUT_MS = 20000;
  const STARTERS_TIMEOUT_MS = 8000;
  const PROBE_TIMEOUT_MS = 5000;
  const MAX_STARTERS = 6;
  const MAX_STARTER_CHARS = 200;
  const DEFAULT_TITLE = 'Ask about this resolution';
  const DEFAULT_ACCENT = '#0b5394';
  const INTRO =
    'Ask a question about the resolution. Every answer quotes its text verbatim, ' +
    'with a link to the official document.';
  const MESSAGES = {
    unreachable:
      'The bot cannot be reached right now. Check your connection, then try again in a moment.',
    refused: 'The bot cannot be reached from this page right now. Please try again later.',
    timeout: 'The bot took too long to answer. Please try again.',
    tooLong: 'That message is too long for the bot. Please shorten it and try again.',
    unreadable: 'The bot sent a reply this page cannot read. Please try again later.',
  };

  const STYLES = `
:host { all: initial; --accent: ${DEFAULT_ACCENT}; }
* { box-sizing: border-box; }
.launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; width: 56px;
  height: 56px; border: none; border-radius: 50%; background: var(--accent); color: #fff;
  box-shadow: 0 4px 14px rgba(0, 0, 0, .3); cursor: pointer; display: flex;
  align-items: center; justify-content: center; padding: 0; }
.launcher svg { width: 28px; height: 28px; fill: currentColor; }
.panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483000; width: 390px;
  max-width: calc(100vw - 24px); height: 580px; max-height: calc(100vh - 108px);
  display: flex; flex-direction: column; overflow: hidden; background: #fff; color: #1b1b1b;
  border-radius: 12px; box-shadow: 0 8px 30px rgba(0, 0, 0, .28);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
.panel[hidden], .typing[hidden] { display: none; }
.header { display: flex; align-items: center; gap: 8px; padding: 10px 12px;
  background: var(--accent); color: #fff; }
.header h2 { flex: 1; margin: 0; font-size: 16px; font-weight: 600; overflow-wrap: anywhere; }
.header button { min-width: 34px; min-height: 34px; padding: 4px 9px; border-radius: 6px;
  border: 1px solid rgba(255, 255, 255, .7); background: transparent; color: #fff;
  font: inherit; font-size: 13px; cursor: pointer; }
.scroll { position: relative; flex: 1; overflow-y: auto; padding: 12px; background: #f6f7f9; }
.msg { margin: 0 0 10px; padding: 8px 11px; border-radius: 10px; max-width: 94%;
  overflow-wrap: anywhere; }
.msg p { margin: 0 0 6px; white-space: pre-line; }
.msg > :last-child { margin-bottom: 0; }
.hint { color: #4a4a4a; font-size: 14px; margin: 0 0 10px; }
.user { margin-left: auto; width: fit-content; background: var(--accent); color: #fff; }
.bot { background: #fff; border: 1px solid #dfe3e8; }
.error { background: #fdecea; border: 1px solid #f1b5b0; color: #6f1710; }
figure { margin: 6px 0 8px; }
blockquote { margin: 0; padding: 5px 10px; border-left: 3px solid var(--accent);
  background: #f1f4f8; }
figcaption, .sources { font-size: 13px; margin-top: 3px; }
a { color: var(--accent); }
.note { font-size: 13px; color: #4a4a4a; }
.suggestions, .starters { display: flex; flex-wrap: wrap; gap: 6px; margin: 0 0 10px; }
.starters[hidden] { display: none; }
.suggestion, .retry { max-width: 100%; padding: 5px 10px; border: 1px solid var(--accent);
  border-radius: 14px; background: #fff; color: var(--accent); font: inherit;
  font-size: 13px; text-align: left; cursor: pointer; overflow-wrap: anywhere; }
.retry { margin-top: 6px; }
.typing { display: flex; gap: 4px; align-items: center; padding: 2px 4px 6px; }
.dot { width: 7px; height: 7px; border-radius: 50%; background: #8a9099;
  animation: resbot-blink 1.2s infinite ease-in-out; }
.dot:nth-child(2) { animation-delay: .2s; }
.dot:nth-child(3) { animation-delay: .4s; }
@keyframes resbot-blink { 0%, 80%, 100% { opacity: .25; } 40% { opacity: 1; } }
form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #dfe3e8; background: #fff; }
input { flex: 1; min-width: 0; padding: 8px 10px; border: 1px solid #9aa1aa; border-radius: 8px;
  font: inherit; font-size: 16px; color: #1b1b1b; background: #fff; }
.send { min-height: 40px; padding: 0 14px; border: none; border-radius: 8px;
  background: var(--accent); color: #fff; font: inherit; cursor: pointer; }
button:focus-visible, input:focus-visible, a:focus-visible, .scroll:focus-visible {
  outline: 3px solid #f0a500; outline-offset: 2px; }
.sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
@media (max-width: 480px) {
  .panel { left: 8px; right: 8px; width: auto; max-width: none; bottom: 80px;
    height: calc(100vh - 92px); max-height: none; }
  .launcher { right: 12px; bottom: 12px; }
}
@media (prefers-reduced-motion: reduce) { .dot { animation: none; opacity: .6; } }
`;

  // -- configuration -------------------------------------------------------------------
  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  const options = (script && script.dataset) || {};
  const server = serverAddress(options.server, script);
  const title = text(options.title).trim() || DEFAULT_TITLE;
  const storageKey = 'resbot:' + server;

  function serverAddress(given, tag) {
    try {
      if (given) {
        return new URL(given, location.href).href.replace(/\/+$/, '');
      }
      if (tag && tag.src) {
        return new URL(tag.src, location.href).origin;
      }
    } catch (error) {
      // An unusable address: fall back to this page's own origin.
    }
    return location.origin;
  }

  // -- small helpers -------------------------------------------------------------------
  function text(value) {
    return typeof value === 'string' ? value : '';
  }

  function list(value) {
    return Array.isArray(value) ? value : [];
  }

  function isObject(value) {
    return value !== null && typeof value === 'object';
  }

  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (name === 'text') {
        node.textContent = attributes[name];
      } else {
        node.setAttribute(name, attributes[name]);
      }
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  function icon(pathData) {
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', pathData);
    svg.appendChild(path);
    return svg;
  }

  function newSender() {
    const cryptoApi = window.crypto;
    if (cryptoApi && typeof cryptoApi.randomUUID === 'function') {
      return cryptoApi.randomUUID();
    }
    if (cryptoApi && cryptoApi.getRandomValues) {
      const bytes = cryptoApi.getRandomValues(new Uint8Array(16));
      return Array.prototype.map
        .call(bytes, function (b) {
          return ('0' + b.toString(16)).slice(-2);
        })
        .join('');
    }
    return Date.now().toString(16) + Math.random().toString(16).slice(2);
  }

  // -- the Answer, checked (from the server or from storage) ---------------------------
  function cleanAnswer(raw) {
    if (!isObject(raw) || typeof raw.text !== 'string') {
      return null;
    }
    return {
      text: text(raw.text),
      lead: text(raw.lead),
      fallback: raw.fallback === true,
      citations: list(raw.citations).filter(isObject).map(function (c) {
        return {
          document: text(c.document),
          paragraph: text(c.paragraph),
          label: text(c.label),
          url: text(c.url),
        };
      }),
      quotes: list(raw.quotes).filter(isObject).map(function (q) {
        return { document: text(q.document), paragraph: text(q.paragraph), text: text(q.text) };
      }),
      notes: list(raw.notes).filter(function (n) {
        return typeof n === 'string' && n.trim();
      }),
      suggestions: list(raw.suggestions).filter(function (s) {
        return typeof s === 'string' && s.trim();
      }),
    };
  }

  function cleanEntry(raw) {
    if (!isObject(raw)) {
      return null;
    }
    if (raw.who === 'bot') {
      const answer = cleanAnswer(raw.answer);
      return answer ? { who: 'bot', answer: answer } : null;
    }
    if ((raw.who === 'user' || raw.who === 'error') && typeof raw.text === 'string') {
      return { who: raw.who, text: raw.text };
    }
    return null;
  }

  // -- storage: the sender id and the transcript survive a reload ----------------------
  function loadState() {
    try {
      const saved = JSON.parse(window.localStorage.getItem(storageKey) || 'null');
      if (isObject(saved) && typeof saved.sender === 'string' && saved.sender) {
        return {
          sender: saved.sender.slice(0, 200),
          transcript: list(saved.transcript).map(cleanEntry).filter(Boolean),
        };
      }
    } catch (error) {
      // Storage blocked or corrupt: start a fresh conversation.
    }
    return { sender: newSender(), transcript: [] };
  }

  function saveState() {
    try {
      state.transcript = state.transcript.slice(-MAX_ENTRIES);
      window.localStorage.setItem(storageKey, JSON.stringify(state));
    } catch (error) {
      // Storage full or blocked: the conversation still works, it just won't be kept.
    }
  }

  function rememberOpen(isOpen) {
    try {
      if (isOpen) {
        window.sessionStorage.setItem(storageKey + ':open', '1');
      } else {
        window.sessionStorage.removeItem(storageKey + ':open');
      }
    } catch (error) {
      // Not remembered; nothing else depends on it.
    }
  }

  function wasOpen() {
    try {
      return window.sessionStorage.getItem(storageKey + ':open') === '1';
    } catch (error) {
      return false;
    }
  }

  const state = loadState();
  let pending = false;
  let starterQuestions = null; // null: not asked for yet; then the list (maybe empty)
  let startersLoading = false;
  let hinted = false;
  let warnedDown = false;

  // -- the page structure ----------------------------------------------------------------
  const host = el('div', { 'data-resbot-widget': '' });
  const root = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;
  const style = el('style', { text: STYLES });

  const launcher = el('button', {
    type: 'button',
    class: 'launcher',
    'aria-expanded': 'false',
    'aria-controls': 'resbot-panel',
    'aria-label': 'Chat: ' + title,
    title: title,
  });
  launcher.appendChild(
    icon('M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z')
  );

  const heading = el('h2', { id: 'resbot-title', text: title });
  const resetButton = el('button', {
    type: 'button',
    text: 'New',
    'aria-label': 'Start a new conversation',
    title: 'Start a new conversation',
  });
  const closeButton = el('button', {
    type: 'button',
    text: '\u00d7',
    'aria-label': 'Close chat',
    title: 'Close chat',
  });
  const transcript = el('div', { class: 'log', role: 'log', 'aria-live': 'polite' });
  const typing = el('div', { class: 'typing', role: 'status' }, [
    el('span', { class: 'dot', 'aria-hidden': 'true' }),
    el('span', { class: 'dot', 'aria-hidden': 'true' }),
    el('span', { class: 'dot', 'aria-hidden': 'true' }),
    el('span', { class: 'sr-only', text: 'The bot is writing an answer\u2026' }),
  ]);
  typing.hidden = true;
  const starters = el('div', {
    class: 'starters',
    role: 'group',
    'aria-label': 'Questions to start with',
  });
  starters.hidden = true;
  const scroller = el(
    'div',
    { class: 'scroll', role: 'region', tabindex: '0', 'aria-label': 'Conversation' },
    [el('p', { class: 'hint', text: INTRO }), starters, transcript, typing]
  );
  const input = el('input', {
    id: 'resbot-input',
    type: 'text',
    name: 'message',
    maxlength: String(MAX_MESSAGE_CHARS),
    autocomplete: 'off',
    placeholder: 'Ask a question\u2026',
  });
  const form = el('form', { class: 'ask' }, [
    el('label', { for: 'resbot-input', class: 'sr-only', text: 'Your question' }),
    input,
    el('button', { type: 'submit', class: 'send', text: 'Send' }),
  ]);
  const panel = el(
    'div',
    { id: 'resbot-panel', class: 'panel', role: 'dialog', 'aria-labelledby': 'resbot-title' },
    [el('div', { class: 'header' }, [heading, resetButton, closeButton]), scroller, form]
  );
  panel.hidden = true;
  root.appendChild(style);
  root.appendChild(launcher);
  root.appendChild(panel);

  const cssApi = window.CSS;
  if (options.accent && cssApi && cssApi.supports && cssApi.supports('color', options.accent)) {
    host.style.setProperty('--accent', options.accent);
  }

  // -- drawing the conversation ------------------------------------------------------------
  function citationLink(citation) {
    const label = citation.label || (citation.document + ' ' + citation.paragraph).trim();
    if (/^https?:\/\//i.test(citation.url)) {
      return el('a', {
        href: citation.url,
        target: '_blank',
        rel: 'noopener noreferrer',
        text: label,
      });
    }
    return el('span', { text: label });
  }

  function paragraphs(raw, className) {
    return raw
      .split(/\n\s*\n/)
      .map(function (part) {
        return part.trim();
      })
      .filter(Boolean)
      .map(function (part) {
        return el('p', className ? { class: className, text: part } : { text: part });
      });
  }

  function key(item) {
    return item.document + '\u0000' + item.paragraph;
  }

  // The same reading of an Answer as the server's renderers: the lead (or the text when there
  // is no lead), each quote with its citation, the footnotes, then the other sources.
  function drawAnswer(answer) {
    const node = el('div', { class: 'msg bot' });
    const intro = answer.lead || answer.text;
    paragraphs(intro).forEach(function (p) {
      node.appendChild(p);
    });
    const cited = Object.create(null);
    answer.citations.forEach(function (c) {
      if (!(key(c) in cited)) {
        cited[key(c)] = c;
      }
    });
    const quotes = answer.lead ? answer.quotes : [];
    const quoted = Object.create(null);
    quotes.forEach(function (quote) {
      quoted[key(quote)] = true;
      const figure = el('figure', {}, [el('blockquote', { text: quote.text })]);
      const citation = cited[key(quote)];
      if (citation) {
        figure.appendChild(el('figcaption', {}, ['\u2014 ', citationLink(citation)]));
      }
      node.appendChild(figure);
    });
    const notes = answer.lead ? answer.notes : [];
    notes.forEach(function (note) {
      paragraphs(note, 'note').forEach(function (p) {
        node.appendChild(p);
      });
    });
    const sources = answer.fallback
      ? []
      : answer.citations.filter(function (c) {
          return !quoted[key(c)] && !(notes.length && c.paragraph.indexOf('fn') === 0);
        });
    if (sources.length) {
      const line = el('p', { class: 'sources' }, [sources.length > 1 ? 'Sources: ' : 'Source: ']);
      sources.forEach(function (c, index) {
        if (index) {
          line.appendChild(document.createTextNode(', '));
        }
        line.appendChild(citationLink(c));
      });
      node.appendChild(line);
    }
    if (!node.childNodes.length) {
      node.appendChild(el('p', { text: 'The bot sent an empty answer.' }));
    }
    return node;
  }

  function questionButton(question) {
    const button = el('button', { type: 'button', class: 'suggestion', text: question });
    button.addEventListener('click', function () {
      input.focus();
      ask(question);
    });
    return button;
  }

  function drawSuggestions(suggestions) {
    const group = el('div', {
      class: 'suggestions',
      role: 'group',
      'aria-label': 'Suggested questions',
    });
    suggestions.forEach(function (question) {
      group.appendChild(questionButton(question));
    });
    return group;
  }

  // The starter questions show while the conversation is empty.
  function drawStarters() {
    while (starters.firstChild) {
      starters.removeChild(starters.firstChild);
    }
    const questions = state.transcript.length ? [] : starterQuestions || [];
    questions.forEach(function (question) {
      starters.appendChild(questionButton(question));
    });
    starters.hidden = !questions.length;
  }

  // Draws one entry; returns its first node.
  function drawEntry(entry, isLast, retry) {
    let node;
    if (entry.who === 'user') {
      node = el('div', { class: 'msg user' }, [el('p', { text: entry.text })]);
      transcript.appendChild(node);
    } else if (entry.who === 'error') {
      node = el('div', { class: 'msg error' }, [el('p', { text: entry.text })]);
      if (retry) {
        const again = el('button', { type: 'button', class: 'retry', text: 'Try again' });
        again.addEventListener('click', function () {
          input.focus();
          ask(retry);
        });
        node.appendChild(again);
      }
      transcript.appendChild(node);
    } else {
      node = drawAnswer(entry.answer);
      transcript.appendChild(node);
      if (isLast && entry.answer.suggestions.length) {
        transcript.appendChild(drawSuggestions(entry.answer.suggestions));
      }
    }
    return node;
  }

  function clearActions() {
    Array.prototype.forEach.call(
      transcript.querySelectorAll('.suggestions, .retry'),
      function (node) {
        node.remove();
      }
    );
  }

  function scrollToEnd() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  // Scroll to the end, unless that would hide the start of a long new answer.
  function reveal(node) {
    const end = scroller.scrollHeight - scroller.clientHeight;
    scroller.scrollTop = Math.max(0, Math.min(end, node.offsetTop - 8));
  }

  function addEntry(entry, retry) {
    clearActions();
    state.transcript.push(entry);
    saveState();
    drawStarters();
    reveal(drawEntry(entry, true, retry));
  }

  function redraw() {
    while (transcript.firstChild) {
      transcript.removeChild(transcript.firstChild);
    }
    state.transcript.forEach(function (entry, index) {
      drawEntry(entry, index === state.transcript.length - 1, '');
    });
    drawStarters();
    scrollToEnd();
  }

  function setPending(on) {
    pending = on;
    typing.hidden = !on;
    transcript.setAttribute('aria-busy', on ? 'true' : 'false');
    if (on) {
      scrollToEnd();
    }
  }

  // -- talking to the bot ------------------------------------------------------------------
  function failure(message) {
    const error = new Error(message);
    error.forUser = true;
    return error;
  }

  async function errorMessage(response) {
    let detail = '';
    try {
      const body = await response.json();
      detail = isObject(body) ? text(body.error).slice(0, 200) : '';
    } catch (error) {
      detail = '';
    }
    const status = response.status;
    if (status === 429) {
      const wait = parseInt(response.headers.get('Retry-After') || '', 10);
      const when = wait > 0 ? wait + ' seconds' : 'a moment';
      return 'Too many questions in a short time. Please wait ' + when + ' and ask again.';
    }
    if (status === 413) {
      return MESSAGES.tooLong;
    }
    if (status === 400) {
      return 'The bot could not read that question' + (detail ? ': ' + detail : '.');
    }
    if (status >= 500) {
      return 'The bot ran into a problem (error ' + status + '). Please try again in a moment.';
    }
    return 'The bot did not answer (error ' + status + (detail ? ': ' + detail : '') + ').';
  }

  // An AbortSignal that fires after `ms` (where the browser has AbortController).
  function deadline(ms) {
    const controller = window.AbortController ? new AbortController() : null;
    const timer = controller
      ? setTimeout(function () {
          controller.abort();
        }, ms)
      : 0;
    return {
      signal: controller ? controller.signal : undefined,
      passed: function () {
        return Boolean(controller && controller.signal.aborted);
      },
      clear: function () {
        clearTimeout(timer);
      },
    };
  }

  function isCrossOrigin() {
    try {
      return new URL(server).origin !== location.origin;
    } catch (error) {
      return true;
    }
  }

  // Whether the bot's server answers at all. A no-cors request needs no CORS grant, so it
  // gets its (opaque) response whenever the server is up, whether it refuses this page or not.
  async function serverAnswers() {
    const limit = deadline(PROBE_TIMEOUT_MS);
    try {
      await fetch(server + '/widget.js', {
        method: 'HEAD',
        mode: 'no-cors',
        cache: 'no-store',
        credentials: 'omit',
        signal: limit.signal,
      });
      return true;
    } catch (error) {
      return false;
    } finally {
      limit.clear();
    }
  }

  function refusedHint() {
    const origin = location.origin;
    const where = 'resbot: the chat widget cannot use its bot at ' + server + '. ';
    if (!origin || origin === 'null') {
      return (
        where +
        'This page has no origin (a file:// page or a sandboxed frame), and the bot only ' +
        'answers pages from the sites listed in RESBOT_CORS_ORIGINS on its server. Serve the ' +
        'page from an http(s) site and add that origin to RESBOT_CORS_ORIGINS.'
      );
    }
    return (
      where +
      'The server is up but refuses requests from this page: most likely its origin, ' +
      origin +
      ', is not in RESBOT_CORS_ORIGINS. On the bot\'s server, add ' +
      origin +
      ' to RESBOT_CORS_ORIGINS (comma-separated) and restart the bot. The server logs the ' +
      'refusal too, and its reply to the browser\'s preflight request says the same.'
    );
  }

  // After a request to the bot got no response at all: true when the bot's server is up, so
  // that (for a page on another origin) it refused this page's origin. The console tells the
  // site's owner what to set, once per page; visitors only see a plain message.
  async function originRefused() {
    if (!isCrossOrigin()) {
      return false; // the bot's own pages need no CORS grant
    }
    const up = await serverAnswers();
    if (up && !hinted) {
      hinted = true;
      console.error(refusedHint());
    } else if (!up && !warnedDown) {
      warnedDown = true;
      console.warn(
        'resbot: no answer from the bot at ' +
          server +
          '. Is it running, and is its address right (data-server, or where widget.js ' +
          'comes from)?'
      );
    }
    return up;
  }

  async function post(message) {
    const limit = deadline(TIMEOUT_MS);
    try {
      let response;
      try {
        response = await fetch(server + '/api/ask', {
          method: 'POST',
          mode: 'cors',
          credentials: 'omit',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ sender: state.sender, message: message }),
          signal: limit.signal,
        });
      } catch (error) {
        if (limit.passed()) {
          throw failure(MESSAGES.timeout);
        }
        throw failure((await originRefused()) ? MESSAGES.refused : MESSAGES.unreachable);
      }
      if (!response.ok) {
        throw failure(await errorMessage(response));
      }
      let answer = null;
      try {
        answer = cleanAnswer(await response.json());
      } catch (error) {
        answer = null;
      }
      if (!answer) {
        throw failure(MESSAGES.unreadable);
      }
      return answer;
    } finally {
      limit.clear();
    }
  }

  function cleanStarters(body) {
    return list(isObject(body) ? body.questions : null)
      .filter(function (question) {
        return typeof question === 'string' && question.trim();
      })
      .map(function (question) {
        return question.trim().slice(0, MAX_STARTER_CHARS);
      })
      .slice(0, MAX_STARTERS);
  }

  // The questions to start with, asked for when the panel first opens. Without an answer
  // (the server down, this origin refused) they are asked for again at the next opening.
  async function loadStarters() {
    if (starterQuestions !== null || startersLoading) {
      return;
    }
    startersLoading = true;
    const limit = deadline(STARTERS_TIMEOUT_MS);
    let questions = null;
    try {
      const response = await fetch(server + '/api/starters', {
        method: 'GET',
        mode: 'cors',
        credentials: 'omit',
        signal: limit.signal,
      });
      questions = [];
      if (response.ok) {
        questions = cleanStarters(await response.json());
      }
    } catch (error) {
      if (questions === null && !limit.passed()) {
        originRefused();
      }
    } finally {
      limit.clear();
      startersLoading = false;
    }
    starterQuestions = questions;
    drawStarters();
  }

  async function ask(raw) {
    const message = text(raw).trim().slice(0, MAX_MESSAGE_CHARS);
    if (!message || pending) {
      return;
    }
    addEntry({ who: 'user', text: message });
    setPending(true);
    let entry;
    let retry = '';
    try {
      entry = { who: 'bot', answer: await post(message) };
    } catch (error) {
      entry = { who: 'error', text: error && error.forUser ? error.message : MESSAGES.unreachable };
      retry = message;
    }
    setPending(false);
    addEntry(entry, retry);
  }

  // -- opening, closing, keyboard ----------------------------------------------------------
  function isOpen() {
    return !panel.hidden;
  }

  function openPanel(moveFocus) {
    panel.hidden = false;
    launcher.setAttribute('aria-expanded', 'true');
    rememberOpen(true);
    scrollToEnd();
    if (moveFocus) {
      input.focus();
    }
    loadStarters();
  }

  function closePanel() {
    panel.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    rememberOpen(false);
    launcher.focus();
  }

  launcher.addEventListener('click', function () {
    if (isOpen()) {
      closePanel();
    } else {
      openPanel(true);
    }
  });
  closeButton.addEventListener('click', closePanel);
  panel.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' || event.key === 'Esc') {
      event.preventDefault();
      event.stopPropagation();
      closePanel();
    }
  });
  resetButton.addEventListener('click', function () {
    state.sender = newSender();
    state.transcript = [];
    saveState();
    redraw();
    input.focus();
  });
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (pending || !input.value.trim()) {
      return;
    }
    const message = input.value;
    input.value = '';
    ask(message);
  });

  // -- start -------------------------------------------------------------------------------
  function mount() {
    document.body.appendChild(host);
    redraw();
    if (options.open === '' || options.open === 'true' || wasOpen()) {
      openPanel(false);
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', mount);
  } else {
    mount();
  }
})();
