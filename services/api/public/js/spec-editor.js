// The spec editor: a plain textarea over a backdrop that marks the ranges of the current
// problems, and a list of those problems in the compiler's format (location, message, the line
// of the equation string with a caret). Clicking a problem selects its text in the editor.

import { lineColumn, nodeAt, rangeOf } from './json-locate.js';

function escapeHtml(s) {
  return s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props);
  for (const c of children) e.append(c);
  return e;
}

/** The line of text and a caret line under `column` (1-based), `length` wide. */
function caret(line, column, length) {
  const shown = line.replace(/\t/g, ' ');
  const col = Math.max(1, Math.min(column, shown.length + 1));
  const span = Math.max(1, Math.min(length, shown.length - col + 1));
  return `${shown}\n${' '.repeat(col - 1)}^${'~'.repeat(span - 1)}`;
}

export class SpecEditor {
  /**
   * @param {{textarea: HTMLTextAreaElement, backdrop: HTMLElement, list: HTMLElement}} parts
   * @param {() => void} onEdit called on every edit
   */
  constructor(parts, onEdit) {
    this.textarea = parts.textarea;
    this.backdrop = parts.backdrop;
    this.list = parts.list;
    this.ranges = [];
    this.textarea.addEventListener('input', () => {
      this.ranges = [];
      this.paint();
      onEdit();
    });
    this.textarea.addEventListener('scroll', () => this.syncScroll());
    this.textarea.addEventListener('keydown', (ev) => {
      if (ev.key === 'Tab' && !ev.shiftKey && !ev.ctrlKey && !ev.metaKey) {
        ev.preventDefault();
        document.execCommand('insertText', false, '  ');
      }
    });
    this.paint();
  }

  get text() {
    return this.textarea.value;
  }

  set text(value) {
    this.textarea.value = value;
    this.ranges = [];
    this.paint();
  }

  syncScroll() {
    this.backdrop.scrollTop = this.textarea.scrollTop;
    this.backdrop.scrollLeft = this.textarea.scrollLeft;
  }

  paint() {
    const text = this.textarea.value;
    const ranges = [...this.ranges].sort((a, b) => a.start - b.start);
    let html = '';
    let at = 0;
    for (const r of ranges) {
      const start = Math.max(at, Math.min(r.start, text.length));
      const end = Math.max(start, Math.min(r.end, text.length));
      html += escapeHtml(text.slice(at, start));
      // An empty range (end of input) still gets a visible mark.
      html += `<mark>${end > start ? escapeHtml(text.slice(start, end)) : ' '}</mark>`;
      at = end;
    }
    html += escapeHtml(text.slice(at)) + '\n ';
    this.backdrop.firstElementChild.innerHTML = html;
    this.syncScroll();
  }

  select(range) {
    this.textarea.focus();
    this.textarea.setSelectionRange(range.start, Math.max(range.start + 1, range.end));
    // Bring the selection into view: the textarea scrolls to the caret after a blur/focus cycle in most browsers.
    const { line } = lineColumn(this.textarea.value, range.start);
    const lineHeight = parseFloat(getComputedStyle(this.textarea).lineHeight) || 18;
    this.textarea.scrollTop = Math.max(0, (line - 4) * lineHeight);
  }

  clear(message = '') {
    this.ranges = [];
    this.paint();
    this.list.replaceChildren();
    this.list.hidden = message === '';
    if (message !== '') this.list.append(el('li', { className: 'info', textContent: message }));
  }

  /** A JSON syntax error of the editor's text, at `offset`. */
  showSyntaxError(offset, message) {
    const text = this.textarea.value;
    const { line, column } = lineColumn(text, offset);
    const range = { start: offset, end: offset + 1 };
    this.ranges = [range];
    this.paint();
    const source = text.split('\n')[line - 1] ?? '';
    this.list.replaceChildren(
      el(
        'li',
        {},
        el('button', {
          className: 'loc',
          textContent: `JSON line ${line} col ${column}`,
          onclick: () => this.select(range),
        }),
        `: ${message}`,
        el('pre', { textContent: caret(source, column, 1) }),
      ),
    );
    this.list.hidden = false;
  }

  /** The compiler's diagnostics, located in the text through the parsed tree. */
  showDiagnostics(diagnostics, tree) {
    const text = this.textarea.value;
    this.ranges = [];
    const items = [];
    for (const d of diagnostics) {
      const range = rangeOf(text, tree, d);
      this.ranges.push(range);
      const where = d.path === '' ? '(spec)' : d.path;
      const loc = d.line === undefined ? where : `${where} line ${d.line} col ${d.column ?? 1}`;
      const li = el(
        'li',
        {},
        el('button', { className: 'loc', textContent: loc, onclick: () => this.select(range) }),
        `: ${d.message}`,
      );
      if (d.line !== undefined) {
        const { node, exact } = nodeAt(tree, d.path);
        if (exact && node.kind === 'string') {
          const source = node.value.split('\n')[d.line - 1];
          if (source !== undefined)
            li.append(el('pre', { textContent: caret(source, d.column ?? 1, d.length ?? 1) }));
        }
      }
      for (const note of d.notes ?? [])
        li.append(el('div', { className: 'note', textContent: `note: ${note}` }));
      items.push(li);
    }
    this.paint();
    this.list.replaceChildren(...items);
    this.list.hidden = items.length === 0;
  }

  /** An error that belongs to no position (limits, auth, network). */
  showMessage(message, kind = 'error') {
    this.ranges = [];
    this.paint();
    this.list.replaceChildren(el('li', { className: kind, textContent: message }));
    this.list.hidden = false;
  }
}
