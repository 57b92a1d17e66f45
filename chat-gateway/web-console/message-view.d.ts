/** Types of message-view.js (plain JavaScript, as the browser runs it too). */
export interface ViewNode {
  /** Absent for a text node. */
  tag?: 'div' | 'span' | 'a' | 'img' | 'button';
  attrs?: Record<string, string | undefined>;
  text?: string;
  children?: ViewNode[];
  /** On buttons: what pressing sends. */
  press?: { messageId: string; action: string };
}

/** The few DOM calls toDom makes, so a test can give it a small document of its own. */
export interface MiniElement {
  setAttribute(name: string, value: string): void;
  appendChild(child: unknown): unknown;
  addEventListener(type: string, listener: () => void): void;
}
export interface MiniDocument {
  createElement(tag: string): MiniElement;
  createTextNode(text: string): unknown;
}

/** A message as the console API gives it (store.ts's ConsoleMessage), loosely: it comes over the wire. */
export interface MessageLike {
  id: string;
  from: string;
  userId?: string;
  text: string;
  buttons?: { label: string; action: string }[][];
  attachment?: { fileId: string; name: string; kind: string };
  createdAt: number;
  editedAt?: number;
  version?: number;
}

export function messageView(m: MessageLike, users: { id: string; name: string }[]): ViewNode;
export function textView(text: string): ViewNode[];
export function toDom(node: ViewNode, doc: MiniDocument, onPress?: (press: { messageId: string; action: string }) => void): unknown;
export function safeUrl(value: string): string | undefined;
