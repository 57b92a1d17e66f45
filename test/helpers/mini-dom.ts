/**
 * A document with just what the console's message view may use
 * (createElement, createTextNode, setAttribute, appendChild,
 * addEventListener), so the view runs in node. Anything that parses HTML
 * (innerHTML, outerHTML, insertAdjacentHTML) throws: using it is the bug.
 */
export class MiniText {
  constructor(readonly data: string) {}
}

export class MiniElement {
  readonly attributes = new Map<string, string>();
  readonly children: (MiniElement | MiniText)[] = [];
  readonly listeners: { type: string; listener: () => void }[] = [];
  constructor(readonly tagName: string) {}
  setAttribute(name: string, value: string) {
    this.attributes.set(name, value);
  }
  appendChild(child: unknown) {
    if (!(child instanceof MiniElement || child instanceof MiniText)) throw new Error('appendChild of something that is no node');
    this.children.push(child);
    return child;
  }
  addEventListener(type: string, listener: () => void) {
    this.listeners.push({ type, listener });
  }
  set innerHTML(_html: string) {
    throw new Error('innerHTML used');
  }
  set outerHTML(_html: string) {
    throw new Error('outerHTML used');
  }
  insertAdjacentHTML() {
    throw new Error('insertAdjacentHTML used');
  }
  get textContent(): string {
    return this.children.map((c) => (c instanceof MiniText ? c.data : c.textContent)).join('');
  }
  /** This element and every element under it. */
  all(): MiniElement[] {
    return [this, ...this.children.flatMap((c) => (c instanceof MiniElement ? c.all() : []))];
  }
}

export const miniDocument = {
  createElement: (tag: string) => new MiniElement(tag),
  createTextNode: (text: string) => new MiniText(text),
};

/** Fails unless the tree holds only what the console's view makes: its tags and attributes, no handlers, http(s) or own-file addresses. */
export function expectInert(root: MiniElement) {
  for (const el of root.all()) {
    expect(['div', 'span', 'a', 'img', 'button']).toContain(el.tagName);
    for (const [name, value] of el.attributes) {
      expect(name).not.toMatch(/^on/i);
      expect(['class', 'href', 'src', 'alt', 'target', 'rel', 'title', 'data-id']).toContain(name);
      if (name === 'href' || name === 'src') expect(value).toMatch(/^(https?:\/\/[^\s"'<>]+|\/console\/files\/[A-Za-z0-9._%-]+)$/);
    }
  }
}
